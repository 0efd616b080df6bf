"""The survey e-mail: the lead question with one link per score (one click answers), and a
button to the hosted page; in the survey's language, signed by the shop
(templates/survey.<lang>.html|txt, in the initiatives' template folder beside the layout every
marketing e-mail shares). A preview's links are the same links, not tracked."""

from __future__ import annotations

from collections.abc import Callable

from app.initiatives.emails import DEFAULT_WORDING, TEMPLATES, Wording
from app.initiatives.surveys.settings import SurveySettings
from app.initiatives.surveys.words import scale_ends
from app.messaging.email import Email
from app.messaging.rendering import render
from app.messaging.tracking import UNTRACKED, Links
from app.shops.models import Shop

SUBJECTS = {
    "en": "{shop}: a quick question about your order",
    "es": "{shop}: una pregunta rápida sobre tu pedido",
    "de": "{shop}: eine kurze Frage zu deiner Bestellung",
}


def survey_email(
    shop: Shop,
    first_name: str | None,
    settings: SurveySettings,
    score_link: Callable[[int], str],
    page: str,
    unsubscribe: str,
    links: Links = UNTRACKED,
    wording: Wording = DEFAULT_WORDING,
) -> Email:
    """The invitation: `score_link(score)` is the one-click link of each score of the lead
    question, `page` the hosted page."""
    language = settings.language.value
    lead = settings.lead
    assert lead.kind.scale is not None
    shop_name = shop.name or shop.domain
    low, high = scale_ends(lead.kind, language)
    context = {
        "first_name": first_name or "",
        "question": lead.text.of(language),
        "scores": [(score, links.link(score_link(score))) for score in lead.kind.scale],
        "low": low,
        "high": high,
        "link": links.link(page),
        "shop_name": shop_name,
        "unsubscribe": unsubscribe,
        "pixel": links.pixel,
        "note": wording.note or "",
    }
    return Email(
        to="",
        subject=wording.subject or SUBJECTS[language].format(shop=shop_name),
        text=render(TEMPLATES, "survey", language, "txt", context),
        html=render(TEMPLATES, "survey", language, "html", context),
        sender_name=shop.name or None,
        reply_to=shop.email,
    )
