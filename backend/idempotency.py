"""``Idempotency-Key`` for money-moving endpoints: a retried request gets the first answer, never a second effect.

The first request claims the key in its own committed transaction (a unique constraint settles races),
does its work, and stores its response. A retry with the same key and the same body gets the stored
response; the same key with another body is refused; a retry while the first is still running is told to
wait.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.models import IdempotencyRecord
from backend.problems import PROBLEM_JSON, Problem, problem_body

HEADER = "Idempotency-Key"


def request_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def require_key(key: str | None) -> str:
    if not key:
        raise Problem(428, "idempotency-key-required", f"this request moves money: send an {HEADER} header")
    if not 8 <= len(key) <= 200 or not key.isascii() or not key.isprintable():
        raise Problem(422, "bad-idempotency-key", f"{HEADER} must be 8–200 printable ASCII characters")
    return key


def run_once(
    make_session: sessionmaker[Session],
    scope: str,
    key: str,
    body_hash: str,
    work: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Run ``work`` (which commits its own effects) once per (scope, key); returns (status, response body).

    A failure that is not a :class:`Problem` releases the key so the request can be retried."""
    with make_session() as session:
        record = IdempotencyRecord(scope=scope, key=key, request_hash=body_hash)
        session.add(record)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = session.scalar(
                select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
            )
            if existing is None:  # released in between: let the client retry
                raise Problem(409, "idempotency-retry", "the earlier request with this key failed: retry") from None
            if existing.request_hash != body_hash:
                raise Problem(
                    422, "idempotency-key-reused", f"{HEADER} {key!r} was used for a different request"
                ) from None
            if existing.status_code is None:
                raise Problem(409, "request-in-progress", f"a request with {HEADER} {key!r} is still running") from None
            return existing.status_code, existing.response
        record_id = record.id
    try:
        status, response = work()
    except Problem as problem:
        if problem.status >= 500 or problem.status == 409:
            _release(make_session, record_id)  # transient: the client may retry with the same key
            raise
        # A definite refusal (declined card, bad basket) is the answer for this key from now on.
        body = problem_body(problem.status, problem.type, problem.detail, **problem.extra)
        _store(make_session, record_id, problem.status, jsonable_encoder(body))
        return problem.status, body
    except BaseException:
        _release(make_session, record_id)
        raise
    _store(make_session, record_id, status, jsonable_encoder(response))
    return status, response


def respond(
    make_session: sessionmaker[Session],
    scope: str,
    key: str | None,
    body: bytes,
    work: Callable[[], tuple[int, Any]],
) -> JSONResponse:
    """:func:`run_once` for an endpoint: checks the key, and answers JSON (a problem document for 4xx/5xx)."""
    status, payload = run_once(make_session, scope, require_key(key), request_hash(body), work)
    media = PROBLEM_JSON if status >= 400 else "application/json"
    return JSONResponse(jsonable_encoder(payload), status_code=status, media_type=media)


def _store(make_session: sessionmaker[Session], record_id: int, status: int, response: Any) -> None:
    with make_session() as session, session.begin():
        record = session.get(IdempotencyRecord, record_id)
        if record is not None:
            record.status_code = status
            record.response = response


def _release(make_session: sessionmaker[Session], record_id: int) -> None:
    with make_session() as session, session.begin():
        record = session.get(IdempotencyRecord, record_id)
        if record is not None:
            session.delete(record)
