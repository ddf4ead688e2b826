"""Staff accounts and sessions: argon2 password hashes, HttpOnly SameSite cookies, CSRF tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Cookie, Depends, Header, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import StaffSession, StaffUser, utcnow
from backend.problems import Problem
from backend.tokens import new_token, token_hash

COOKIE = "basketcheck_staff"
CSRF_HEADER = "X-CSRF-Token"
ROLES = ("staff", "manager")
_hasher = PasswordHasher()
# Verifying against a dummy hash when the user is unknown keeps login time the same either way.
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("a staff password needs at least 8 characters")
    return _hasher.hash(password)


def check_password(user: StaffUser | None, password: str) -> bool:
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None and user.active


def start_session(session: Session, user: StaffUser, ttl_h: int) -> tuple[str, StaffSession]:
    token = new_token()
    record = StaffSession(
        token_hash=token_hash(token),
        staff_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        expires_at=utcnow() + dt.timedelta(hours=ttl_h),
    )
    session.add(record)
    return token, record


def _session_for(session: Session, cookie: str | None) -> tuple[StaffUser, StaffSession]:
    if not cookie:
        raise Problem(401, "unauthenticated", "sign in as staff first")
    record = session.get(StaffSession, token_hash(cookie))
    if record is None or record.expires_at < utcnow():
        raise Problem(401, "unauthenticated", "your staff session has expired: sign in again")
    user = session.get(StaffUser, record.staff_id)
    if user is None or not user.active:
        raise Problem(401, "unauthenticated", "this staff account is disabled")
    return user, record


def current_staff(
    request: Request,
    cookie: Annotated[str | None, Cookie(alias=COOKIE)] = None,
    csrf: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> StaffUser:
    """The signed-in staff member; requests that change state must also carry the session's CSRF token."""
    with request.app.state.sessionmaker() as session:  # short: not held for the whole request
        user, record = _session_for(session, cookie)
    if request.method not in ("GET", "HEAD", "OPTIONS") and not (
        csrf and secrets.compare_digest(csrf, record.csrf_token)
    ):
        raise Problem(403, "csrf", f"missing or wrong {CSRF_HEADER} header")
    return user


StaffDep = Annotated[StaffUser, Depends(current_staff)]


def require_manager(user: StaffDep) -> StaffUser:
    if user.role != "manager":
        raise Problem(403, "forbidden", "only a manager may do this")
    return user


ManagerDep = Annotated[StaffUser, Depends(require_manager)]


def find_user(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == username))
