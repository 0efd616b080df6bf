"""The owner's alert e-mail: which key results fell and to what, in the owner's language, with
the way to the dashboard and to switch these e-mails off — as plain text and as HTML drawn by
the digest's machinery (the admin's templates, the frame of email/_layout.html)."""

from __future__ import annotations

from app.admin import i18n, labels
from app.admin.i18n import gettext as _
from app.admin.i18n import ngettext
from app.admin.rendering import templates
from app.digest.alerts.records import Drop
from app.messaging.email import Email
from app.shops.models import Shop


def alert_email(
    shop: Shop, drops: list[Drop], to: str, locale: str, dashboard_url: str, settings_url: str
) -> Email:
    """One message for the drops one check found (each key result at most once a week)."""
    with i18n.speaking(locale):
        name = shop.name or shop.domain
        subject = ngettext(
            "%(shop)s: a key result's status dropped",
            "%(shop)s: %(num)d key results' status dropped",
            len(drops),
        ) % {"shop": name, "num": len(drops)}
        context = {
            "subject": subject,
            "shop_name": name,
            "drops": drops,
            "dashboard_url": dashboard_url,
            "settings_url": settings_url,
            "lang": i18n.language(),
        }
        html = templates.get_template("email/alert.html").render(context)
        return Email(to=to, subject=subject, text=_text(name, drops, dashboard_url, settings_url),
                     html=html)  # fmt: skip


def _text(name: str, drops: list[Drop], dashboard_url: str, settings_url: str) -> str:
    """The plain-text part (in the language being spoken)."""
    lines = [
        _("“%(title)s” went from %(before)s to %(after)s.")
        % {
            "title": drop.title,
            "before": labels.health(drop.before),
            "after": labels.health(drop.after),
        }
        for drop in drops
    ]
    return "\n".join(
        [
            _("Some key results of %(shop)s are not doing as well as they were:") % {"shop": name},
            "",
            *(f"- {line}" for line in lines),
            "",
            _("See why on the live dashboard: %(url)s") % {"url": dashboard_url},
            "",
            _(
                "StoreOKR writes at most once a week about each key result. You can switch "
                "these e-mails off in the e-mail settings: %(url)s"
            )
            % {"url": settings_url},
        ]
    )
