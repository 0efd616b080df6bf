"""Rendering the admin's pages: one Jinja2 environment (autoescaped, with gettext), and the
context every page shares: the shop, the locale, the CSRF token of a cookie session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.admin import flash, formats, i18n, labels, navigation
from app.admin.embedding import app_bridge
from app.admin.pace import pace_marker
from app.auth.cookies import SESSION_COOKIE, CookieSession, read_session
from app.auth.dependencies import signed_in_embedded
from app.config import Settings
from app.db import utcnow
from app.metrics.catalogue import METRICS

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")  # autoescapes .html templates
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)
templates.env.globals.update(
    kr_number=formats.kr_number,
    metric_number=formats.metric_number,
    labels=labels,
    metric_units={metric.key: metric.unit for metric in METRICS},
    money=formats.money,
    number=formats.number,
    editable=formats.editable,
    day=formats.day,
    moment=formats.moment,
    score=formats.score,
    chance=formats.chance,
    pace_marker=pace_marker,
    translated=i18n.translated,
    now=utcnow,
    sections=navigation.sections,
)


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    """The template in the request's language (set for the request by the admin router's
    `i18n.use_page_locale`), with what every page needs."""
    locale = i18n.current()
    values = {
        "shop": None,
        "locale": locale,
        "lang": i18n.language(),
        "csrf_token": csrf_token(request),
        "can_switch_store": can_switch_store(request),
        **app_bridge.page_context(request, context.get("shop")),
        **context,
    }
    values.setdefault("flash", flash.shown(request, status_code, values["embedded"]))
    response: HTMLResponse = templates.TemplateResponse(
        request, name, values, status_code=status_code
    )
    app_bridge.limit_framing(response, values)
    if request.query_params.get("locale") and i18n.supported(request.query_params["locale"]):
        response.set_cookie(i18n.LOCALE_COOKIE, locale, samesite="lax", httponly=True)
    return response


def csrf_token(request: Request) -> str | None:
    """The cookie session's CSRF token, for forms and htmx headers (None under a Shopify
    session token, which needs none: it is not sent by the browser on its own)."""
    session = cookie_session(request)
    return session.csrf_token if session else None


def can_switch_store(request: Request) -> bool:
    """Whether this browser signed in to more than one store (the top bar then offers the
    switch; inside Shopify, its own admin switches stores)."""
    session = cookie_session(request)
    return session is not None and len(session.shops) > 1 and not signed_in_embedded(request)


def cookie_session(request: Request) -> CookieSession | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    settings: Settings = request.app.state.runtime.settings
    return read_session(cookie, settings) if cookie else None
