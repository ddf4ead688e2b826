"""Errors as RFC 9457 problem details (``application/problem+json``); no malformed request becomes a 500."""

from __future__ import annotations

import logging
import math
from typing import Any
from urllib.parse import unquote_plus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(Exception):
    """Raise to answer with a problem document: ``raise Problem(409, "stale", "the flag changed")``."""

    def __init__(self, status: int, type_: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.type = type_
        self.detail = detail
        self.extra = extra


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def problem_body(status: int, type_: str, detail: str, instance: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://basketcheck.dev/problems/{type_}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(status: int, type_: str, detail: str, instance: str | None = None, **extra: Any) -> JSONResponse:
    body = problem_body(status, type_, detail, instance, **extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if "retry_after_s" in extra:  # a refusal that ends by itself says when (RFC 9110 §10.2.3)
        headers = {**(headers or {}), "Retry-After": str(max(1, math.ceil(extra["retry_after_s"])))}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def is_busy(exc: OperationalError) -> bool:
    """A transient lock timeout (SQLite "database is locked"; PostgreSQL lock_not_available), not a real fault."""
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "database is locked" in text or "could not obtain lock" in text or "lock timeout" in text


class RefuseNul:
    """No database stores NUL in text (PostgreSQL refuses it): a URL path or query holding one is refused at the
    door with a 400, not a 500 from the database. Plain ASGI (no per-request task as with ``@app.middleware``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or "\x00" in unquote_plus(scope.get("query_string", b"").decode("latin-1"))
        ):
            response = problem_response(400, "bad-request", "the URL must not contain NUL characters", None)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Turn every error the app can raise into a problem document."""

    app.add_middleware(RefuseNul)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.type, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()
        ]
        first = errors[0] if errors else {"location": "", "message": "invalid request"}
        return problem_response(
            422,
            "validation-error",
            f"{first['location']}: {first['message']}",
            request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, "http-error", str(exc.detail), request.url.path)

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> JSONResponse:
        if is_busy(exc):  # SQLite's single writer was busy longer than the busy timeout: safe to retry
            response = problem_response(
                503, "database-busy", "the store database is busy; retry in a moment", request.url.path
            )
            response.headers["Retry-After"] = "1"
            return response
        log.error("database error on %s", request.url.path, exc_info=exc)
        return problem_response(500, "internal-error", "internal error; it has been logged", request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(500, "internal-error", "internal error; it has been logged", request.url.path)
