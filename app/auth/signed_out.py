"""Why a request is not signed in, as its refusal's `details.reason`: the admin turns it into
a page that says so in words (a browser), the API client reads it in the JSON."""

from __future__ import annotations

from enum import StrEnum


class SignedOut(StrEnum):
    NO_SESSION = "no_session"  # no credentials at all
    EXPIRED = "expired"  # a cookie session past its time (or not ours)
    DISCONNECTED = "disconnected"  # the shop uninstalled the app meanwhile
    LOGIN_LINK_USED = "login_link_used"  # a one-time login link used, expired or unknown
    NOT_RECOGNISED = "not_recognised"  # a session token that failed verification
