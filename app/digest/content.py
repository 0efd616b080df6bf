"""The digest e-mail: the open cycle's scorecard as HTML (scores, bands, a bar chart drawn with
tables, since e-mail clients do not render SVG reliably) and as plain text."""

from __future__ import annotations

from dataclasses import dataclass

from app.admin import i18n
from app.admin.i18n import gettext as _
from app.admin.rendering import templates
from app.messaging.email import Email
from app.messaging.lists import one_click_headers
from app.okr.scorecard import ObjectiveView, Scorecard
from app.shops.models import Shop, SignedInShop


@dataclass(frozen=True)
class Row:
    """One objective of the tree, with how deep it sits under its parents."""

    depth: int
    view: ObjectiveView

    @property
    def percent(self) -> int:
        """The score as a bar's width: 0–100, an overshoot drawn full."""
        score = self.view.score or 0.0
        return round(min(max(score, 0.0), 1.0) * 100)


def rows(views: list[ObjectiveView], depth: int = 0) -> list[Row]:
    flat: list[Row] = []
    for view in views:
        flat.append(Row(depth, view))
        flat.extend(rows(view.children, depth + 1))
    return flat


def digest_email(
    shop: Shop | SignedInShop,
    card: Scorecard,
    to: str,
    dashboard_url: str,
    locale: str,
    unsubscribe_url: str,
    *,
    test: bool = False,
) -> Email:
    """The digest for one recipient, written in `locale` (numbers and days too); the page that
    asked for it keeps its own language. It carries the recipient's one-click unsubscribe from
    the digest (RFC 8058 headers, and a link in both parts)."""
    with i18n.speaking(locale):
        context = {
            "shop": shop,
            "card": card,
            "rows": rows(card.objectives),
            "dashboard_url": dashboard_url,
            "unsubscribe_url": unsubscribe_url,
            "lang": i18n.language(),
        }
        subject = _("%(shop)s: weekly OKR digest") % {"shop": shop.name or shop.domain}
        return Email(
            to=to,
            subject=f"[{_('Test')}] {subject}" if test else subject,
            text=templates.get_template("email/digest.txt").render(context),
            html=templates.get_template("email/digest.html").render(context),
            headers=one_click_headers(unsubscribe_url),
        )
