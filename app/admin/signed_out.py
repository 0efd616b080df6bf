"""Signed out, expired, a login link used twice: one friendly page for a browser (in its
language, saying what happened and how to get back in), the JSON refusal for API clients."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.admin import i18n
from app.admin.i18n import gettext as _
from app.admin.rendering import render
from app.auth.signed_out import SignedOut
from app.errors import AppError, NotFound, Unauthorized

_API_PATHS = ("/api/", "/webhooks/", "/healthz", "/auth/shopify", "/auth/woocommerce")


def reason_of(error: AppError) -> SignedOut | None:
    """Why the request is not signed in; None when `error` is no sign-in refusal."""
    given = error.details.get("reason")
    if isinstance(error, Unauthorized):
        known = {reason.value for reason in SignedOut}
        return SignedOut(given) if given in known else SignedOut.NOT_RECOGNISED
    if isinstance(error, NotFound) and given == SignedOut.LOGIN_LINK_USED:
        return SignedOut.LOGIN_LINK_USED
    return None


def wants_page(request: Request) -> bool:
    """A browser opening a page (not an API client, a script or an htmx fragment)."""
    return (
        request.method in ("GET", "HEAD")
        and "text/html" in request.headers.get("accept", "")
        and request.headers.get("HX-Request") != "true"
        and not request.url.path.startswith(_API_PATHS)
    )


def signed_out_page(request: Request, reason: SignedOut, status_code: int = 401) -> HTMLResponse:
    """The page, in the visitor's language (chosen here: the refusal may come before any
    admin route chose it)."""
    i18n.use(i18n.choose(request))
    title, why = _words(reason)
    context = {"csrf_token": None, "title": title, "why": why, "reason": reason.value}
    return render(request, "signed_out.html", context, status_code=status_code)


def _words(reason: SignedOut) -> tuple[str, str]:
    match reason:
        case SignedOut.EXPIRED:
            return _("Your session has ended"), _(
                "For your store's safety a session lasts a limited time. Sign in again to go on."
            )
        case SignedOut.DISCONNECTED:
            return _("This store is no longer connected"), _(
                "StoreOKR was removed from the store, so its objectives cannot be shown. "
                "Install it again from the store to go on."
            )
        case SignedOut.LOGIN_LINK_USED:
            return _("This login link no longer works"), _(
                "A login link opens StoreOKR once and for a short time only: this one was "
                "already used, has expired or was copied incompletely."
            )
        case SignedOut.NOT_RECOGNISED:
            return _("We could not confirm who you are"), _(
                "Your store's admin did not vouch for this visit. Open StoreOKR again from there."
            )
    return _("You are signed out"), _("Sign in to see your store's objectives and key results.")
