"""Authenticating validation units: every request is signed with the unit's Ed25519 key."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from backend.deps import SessionDep, SettingsDep
from backend.models import Unit, utcnow
from backend.problems import Problem
from backend.signing import HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_UNIT, SignatureError, request_message, verify

CLOCK_SKEW_S = 30.0


@dataclass(frozen=True)
class SignedRequest:
    unit_id: str
    timestamp: str
    signature: str
    message: bytes
    body: bytes


async def signed_request(request: Request) -> SignedRequest:
    """The signing headers and the exact bytes they cover (read here, where the body can be awaited)."""
    unit_id = request.headers.get(HEADER_UNIT)
    timestamp = request.headers.get(HEADER_TIMESTAMP)
    signature = request.headers.get(HEADER_SIGNATURE)
    if not (unit_id and timestamp and signature):
        raise Problem(
            401, "unauthenticated", f"unit requests need {HEADER_UNIT}, {HEADER_TIMESTAMP}, {HEADER_SIGNATURE}"
        )
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body = await request.body()
    return SignedRequest(unit_id, timestamp, signature, request_message(request.method, path, timestamp, body), body)


def current_unit(
    signed: Annotated[SignedRequest, Depends(signed_request)], session: SessionDep, settings: SettingsDep
) -> Unit:
    unit = session.get(Unit, signed.unit_id)
    if unit is None or not unit.active:
        raise Problem(401, "unauthenticated", "unknown or deactivated unit")
    try:
        sent = float(signed.timestamp)
    except ValueError:
        raise Problem(401, "unauthenticated", f"{HEADER_TIMESTAMP} is not a Unix time") from None
    if abs(time.time() - sent) > settings.verdict_max_age_s:
        raise Problem(401, "stale-request", "the request's timestamp is too old or in the future: check the clock")
    try:
        verify(unit.public_key, signed.message, signed.signature)
    except SignatureError as exc:
        raise Problem(401, "bad-signature", f"unit request signature: {exc}") from None
    unit.last_seen_at = utcnow()
    return unit


UnitDep = Annotated[Unit, Depends(current_unit)]
SignedRequestDep = Annotated[SignedRequest, Depends(signed_request)]
