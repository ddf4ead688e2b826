"""The unit's side of the backend API: every request signed with the unit's Ed25519 key.

``BackendClient`` is the thin HTTP edge; :class:`VerdictSender` posts verdicts from a background thread and
retries them (same verdict id, so a retry is idempotent on the backend) until the backend answers or the
verdict is too old to be accepted.
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from backend.signing import request_headers, sign_document
from validation_unit.basket import ExpectedBasket, Product

log = logging.getLogger(__name__)


class BackendError(RuntimeError):
    """The backend could not be reached or refused a request (the message says which and why)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Credentials:
    unit_id: str
    store_id: str
    backend_url: str
    private_key: str

    @classmethod
    def load(cls, path: Path) -> Credentials:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BackendError(f"{path}: no credentials file (create it with 'basketcheck unit register')") from None
        except (OSError, ValueError) as exc:
            raise BackendError(f"{path}: not a credentials file ({exc})") from None
        missing = [k for k in ("unit_id", "store_id", "backend_url", "private_key") if not raw.get(k)]
        if missing:
            raise BackendError(f"{path}: missing {', '.join(missing)}")
        return cls(raw["unit_id"], raw["store_id"], raw["backend_url"], raw["private_key"])


class BackendClient:
    def __init__(
        self, base_url: str, credentials: Credentials, *, timeout_s: float = 5.0, transport: Any = None
    ) -> None:
        self.credentials = credentials
        self.age_check: str | None = None  # this unit's staff age check as the last session poll said (#19)
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, body: Any = None) -> Any:
        content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = request_headers(
            self.credentials.unit_id, self.credentials.private_key, method, path, content, time.time()
        )
        headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise BackendError(f"{method} {path}: backend unreachable ({type(exc).__name__}: {exc})") from None
        if response.status_code >= 400:
            try:
                problem = response.json()
                detail = problem.get("detail") or problem.get("title") or response.text
            except ValueError:
                detail = response.text[:200]
            raise BackendError(f"{method} {path}: {response.status_code} {detail}", response.status_code)
        return response.json()

    def session(self) -> ExpectedBasket | None:
        """The trip bound to this unit, as scanned (None: nobody is checking out here)."""
        data = self.request("GET", "/v1/units/me/session")
        check = data.get("age_check")
        self.age_check = str(check["status"]) if isinstance(check, dict) and check.get("status") else None
        return ExpectedBasket.from_session(data) if data.get("trip_id") else None

    def products(self) -> dict[str, Product]:
        data = self.request("GET", "/v1/units/me/products")
        return {
            p["gtin14"]: Product(
                p["gtin14"],
                p["name"],
                p["weight_mean_g"],
                p["weight_sd_g"],
                p["sold_by"] == "weight",
                p.get("lookalike_group", ""),
            )
            for p in data["products"]
        }

    def bind_code(self) -> tuple[str, float]:
        """A fresh QR text for the screen and how many seconds it stays valid."""
        data = self.request("POST", "/v1/units/me/bind-codes")
        import datetime as dt

        expires = dt.datetime.fromisoformat(data["expires_at"])
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.UTC)
        return data["qr"], (expires - dt.datetime.now(dt.UTC)).total_seconds()

    def heartbeat(self, state: str, faults: dict[str, Any]) -> None:
        self.request("POST", "/v1/units/me/heartbeat", {"state": state[:40], "faults": faults})

    def post_verdict(self, document: dict[str, Any], attachments: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
        """Sign and send a verdict document with its attachments; returns the backend's answer."""
        body = {
            "document": document,
            "signature": sign_document(self.credentials.private_key, document),
            "attachments": [
                {"name": name, "content_type": ctype, "data_b64": base64.b64encode(data).decode()}
                for name, (ctype, data) in attachments.items()
            ],
        }
        result: dict[str, Any] = self.request("POST", "/v1/units/me/verdicts", body)
        return result


@dataclass
class Outgoing:
    document: dict[str, Any]
    attachments: dict[str, tuple[str, bytes]]
    queued_at: float  # monotonic


class VerdictSender:
    """Posts verdicts in order from a thread; retries transient failures for up to ``max_age_s``."""

    def __init__(self, client: BackendClient, max_age_s: float = 240.0, on_result: Any = None) -> None:
        self.client, self.max_age_s, self.on_result = client, max_age_s, on_result
        self._queue: queue.Queue[Outgoing | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="verdict-sender", daemon=True)
        self.sent = 0
        self.failed = 0
        self.retries = 0  # transient failures retried (the backend down, a 5xx, a 429)
        self.last_error = ""

    def start(self) -> VerdictSender:
        self._thread.start()
        return self

    def send(self, document: dict[str, Any], attachments: dict[str, tuple[str, bytes]]) -> None:
        self._queue.put(Outgoing(document, attachments, time.monotonic()))

    def pending(self) -> int:
        return self._queue.qsize()

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            delay = 0.2
            while True:
                try:
                    answer = self.client.post_verdict(item.document, item.attachments)
                except BackendError as exc:
                    permanent = exc.status is not None and 400 <= exc.status < 500 and exc.status != 429
                    too_old = time.monotonic() - item.queued_at > self.max_age_s
                    if permanent or too_old:
                        self.failed += 1
                        self.last_error = str(exc)
                        log.error("verdict %s not accepted: %s", item.document["verdict_id"], exc)
                        if self.on_result:
                            self.on_result(item.document, None, str(exc))
                        break
                    self.retries += 1
                    log.warning("verdict %s: %s; retrying in %.1f s", item.document["verdict_id"], exc, delay)
                    time.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                self.sent += 1
                if self.on_result:
                    self.on_result(item.document, answer, None)
                break
