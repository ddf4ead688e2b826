"""The backend's REST API as the shopper app uses it (httpx), with problem+json errors turned into one line."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

STORE_QR_PREFIX = "BASKETCHECK-STORE:"
UNIT_QR_PREFIX = "BASKETCHECK-UNIT:"


class ApiError(Exception):
    """The backend refused a request; the message is its problem ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Offline(Exception):
    """The backend could not be reached (no network, server down, timeout)."""


def store_from_qr(text: str) -> str | None:
    """The store id in a store's QR code ``BASKETCHECK-STORE:<store_id>``, or ``None`` for another code."""
    if text.startswith(STORE_QR_PREFIX) and len(text) > len(STORE_QR_PREFIX):
        return text[len(STORE_QR_PREFIX) :]
    return None


def is_unit_qr(text: str) -> bool:
    """Whether ``text`` is a validation unit's checkout QR ``BASKETCHECK-UNIT:<unit_id>:<nonce>``."""
    parts = text.split(":")
    return text.startswith(UNIT_QR_PREFIX) and len(parts) == 3 and all(parts)


class ApiClient:
    """A shopper's session with the backend."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise Offline(f"backend unreachable: {exc}") from exc
        if response.status_code >= 400:
            try:
                detail = str(response.json().get("detail") or response.reason_phrase)
            except ValueError:
                detail = response.text[:200] or response.reason_phrase
            raise ApiError(response.status_code, detail)
        return response.json() if response.content else None

    def register(self) -> str:
        """Create an anonymous shopper and keep its token."""
        data = self._request("POST", "/v1/shoppers")
        self.token = str(data["token"])
        return self.token

    def start_trip(self, store_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", "/v1/trips", json={"store_id": store_id})
        return result

    def trip(self, trip_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", f"/v1/trips/{trip_id}")
        return result

    def send_events(self, trip_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", f"/v1/trips/{trip_id}/events", json={"events": events})
        return result

    def lookup(self, code: str) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", "/v1/catalog/lookup", params={"code": code})
        return result

    def checkout(
        self, trip_id: str, unit_qr: str, card_token: str = "tok_visa", idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Bind the trip to the unit whose QR was scanned and authorise the payment (safe to retry with the key)."""
        result: dict[str, Any] = self._request(
            "POST",
            f"/v1/trips/{trip_id}/checkout",
            json={"unit_qr": unit_qr, "card_token": card_token},
            headers={"Idempotency-Key": idempotency_key or uuid.uuid4().hex},
        )
        return result

    def receipt(self, trip_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", f"/v1/trips/{trip_id}/receipt")
        return result
