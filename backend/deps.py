"""FastAPI dependencies: the database session, settings and the caller's identity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Shopper, utcnow
from backend.problems import Problem
from backend.settings import Settings
from backend.tokens import token_hash


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as session:
        yield session


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


_bearer = HTTPBearer(auto_error=False, description="the shopper token from POST /v1/shoppers")


async def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    # async: it does no I/O, and a plain def would cost a trip to the thread pool on every shopper request
    if credentials is None or not credentials.credentials:
        raise Problem(401, "unauthenticated", "send 'Authorization: Bearer <token>'")
    return credentials.credentials


def current_shopper(request: Request, token: Annotated[str, Depends(bearer_token)]) -> Shopper:
    # A short session of its own: identifying the caller must not hold a connection for the whole request.
    with request.app.state.sessionmaker() as session:
        shopper = session.scalar(select(Shopper).where(Shopper.token_hash == token_hash(token)))
    if shopper is None or shopper.expires_at < utcnow():
        raise Problem(401, "unauthenticated", "unknown or expired shopper token")
    return shopper


ShopperDep = Annotated[Shopper, Depends(current_shopper)]
