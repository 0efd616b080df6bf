"""What every e-mailing initiative's settings share: the language its e-mails and pages speak,
and the shop's rule for WooCommerce consent (kept apart from `settings` so that the surveys'
own schema, in `app.initiatives.surveys`, can use them without an import circle)."""

from __future__ import annotations

from enum import StrEnum


class WooCommerceConsent(StrEnum):
    """WooCommerce has no standard marketing consent: the shop chooses the rule."""

    REQUIRED = "required"  # send only to customers the mirror holds as consenting
    NOT_REQUIRED = "not_required"  # the shop has another basis (e.g. a soft opt-in)


class Language(StrEnum):
    EN = "en"
    ES = "es"
    DE = "de"
