"""Routes of the staff dashboard's pages. The pages are shells; their scripts talk to the staff API.

Every page but the sign-in page needs a staff session (else: a redirect to sign in). Pages carry a strict
Content-Security-Policy (scripts and styles from this origin only), so nothing injected can run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Cookie, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from backend.models import StaffUser
from backend.problems import Problem
from backend.staff_auth import COOKIE, _session_for
from backend.staff_web.i18n import LANG_COOKIE, LANGUAGES, NAMES, catalog, request_language, translate

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/staff", include_in_schema=False)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/staff/static", StaticFiles(directory=HERE / "static"), name="staff-static")


def _signed_in(request: Request, cookie: str | None) -> StaffUser | None:
    with request.app.state.sessionmaker() as session:
        try:
            user, _record = _session_for(session, cookie)
        except Problem:
            return None
        return user


def _page(request: Request, template: str, user: StaffUser | None, **context: object) -> Response:
    query = request.query_params.get("lang")
    lang = request_language(request)

    def t(key: str, **params: object) -> str:
        return translate(lang, key, **params)

    response = templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "currency": request.app.state.settings.currency,
            "lang": lang,
            "locale": LANGUAGES[lang],
            "languages": NAMES,
            "messages": catalog(lang),
            "t": t,
            **context,
        },
    )
    response.headers.update(SECURITY_HEADERS)
    if query and query.lower() in LANGUAGES:
        # The staff member's own choice outlives the page: remembered for a year on this device.
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


def _to_login(request: Request) -> Response:
    target = quote(request.url.path, safe="/")
    return RedirectResponse(f"/staff/login?next={target}", status_code=303)


StaffCookie = Annotated[str | None, Cookie(alias=COOKIE)]


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def home(request: Request, cookie: StaffCookie = None) -> Response:
    return RedirectResponse("/staff/queue" if _signed_in(request, cookie) else "/staff/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/staff/queue") -> Response:
    # Only our own pages are allowed as the place to go after signing in.
    target = next if next.startswith("/staff/") and "//" not in next else "/staff/queue"
    return _page(request, "login.html", None, next=target)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, cookie: StaffCookie = None) -> Response:
    user = _signed_in(request, cookie)
    return _page(request, "queue.html", user) if user else _to_login(request)


@router.get("/flags/{flag_id}", response_class=HTMLResponse)
def flag_page(
    request: Request, flag_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], cookie: StaffCookie = None
) -> Response:
    user = _signed_in(request, cookie)
    return _page(request, "flag.html", user, flag_id=flag_id) if user else _to_login(request)


@router.get("/overview", response_class=HTMLResponse)
def overview_page(request: Request, cookie: StaffCookie = None) -> Response:
    user = _signed_in(request, cookie)
    return _page(request, "overview.html", user) if user else _to_login(request)


@router.get("/trips", response_class=HTMLResponse)
def trips_page(request: Request, id: str = "", cookie: StaffCookie = None) -> Response:
    """Look a trip up by its ID (``?id=``, from the receipt or a flag); staff see its payment, managers refund."""
    user = _signed_in(request, cookie)
    if not user:
        return _to_login(request)
    trip_id = id.strip()
    if trip_id and trip_id.isalnum() and len(trip_id) <= 32:
        return RedirectResponse(f"/staff/trips/{trip_id}", status_code=303)
    return _page(request, "trip.html", user, trip_id=None)


@router.get("/trips/{trip_id}", response_class=HTMLResponse)
def trip_page(
    request: Request, trip_id: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9]{1,32}$")], cookie: StaffCookie = None
) -> Response:
    user = _signed_in(request, cookie)
    return _page(request, "trip.html", user, trip_id=trip_id) if user else _to_login(request)
