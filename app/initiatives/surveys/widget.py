"""The storefront widget's endpoints (no sign-in; `static/widget.js` is the script, served at
`/w/survey.js`): `GET /w/<survey id>/questions?order=<reference>` says what to ask — or 204
when nothing is to be asked (not a returning customer's order, already answered, the survey not
on) — and `POST /w/<survey id>/answers` (`{"order": <reference>, "answers": {question id:
answer}}`) records them in the order's response (`answers`); the order's survey e-mail, if not
sent yet, is then not sent. About an order nothing is to be asked of, a POST records nothing
(204).

The order reference is the order id signed on the shop's page with the survey's widget key
(`links.read_order_reference`): no name, no address, nothing else about the customer travels;
the order must be in the mirror, counted, and its customer's second or later. Only the shop's
own origins may call (its domain and the survey's `widget_hosts`): the browser is told so by
CORS, and the server refuses any other `Origin` itself (403) — CORS alone binds only browsers.
A malformed body or answer is a 422 that changes nothing; the per-address budget of the public
routes (`/w/`, `app.ratelimit`) answers a flood with 429."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.deps import SessionDep, SettingsDep
from app.errors import AppError
from app.initiatives.emails import storefront
from app.initiatives.models import Initiative, InitiativeStatus, InitiativeType
from app.initiatives.surveys.answers import Respondent, answer, response_for
from app.initiatives.surveys.invitations import returning_order
from app.initiatives.surveys.links import read_order_reference, widget_key
from app.initiatives.surveys.models import Channel
from app.initiatives.surveys.settings import SurveySettings, survey_settings
from app.initiatives.surveys.words import WORDS, scale_ends
from app.shops.models import Shop

router = APIRouter(tags=["surveys"], include_in_schema=False)
SCRIPT = Path(__file__).parent / "static" / "widget.js"
WIDGET_PATH = "/w/"
MALFORMED = 'send JSON: {"order": the order reference, "answers": {question id: answer}}'


class WidgetAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order: Annotated[str, Field(min_length=3, max_length=140)]
    answers: Annotated[dict[str, Any], Field(min_length=1, max_length=10)]


@cache
def _script() -> bytes:
    return SCRIPT.read_bytes()


@router.get(WIDGET_PATH + "survey.js")
async def widget_script() -> Response:
    """The widget's script (no framework; it carries no data of anyone)."""
    headers = {"Cache-Control": "public, max-age=3600"}
    return Response(_script(), media_type="text/javascript", headers=headers)


@router.options(WIDGET_PATH + "{initiative_id}/{action}")
async def preflight(
    initiative_id: int, action: str, request: Request, session: SessionDep
) -> Response:
    """CORS preflight: allowed for the shop's own origins only."""
    survey = await _survey(session, initiative_id)
    origin = request.headers.get("origin", "")
    if survey is None or not _allowed(origin, *survey):
        return Response(status_code=403)
    headers = {
        **_cors(origin),
        "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
    }
    return Response(status_code=204, headers=headers)


@router.get(WIDGET_PATH + "{initiative_id}/questions")
async def widget_questions(
    initiative_id: int, order: str, request: Request, settings: SettingsDep, session: SessionDep
) -> Response:
    """What the widget asks about an order (204: nothing to ask)."""
    checked = await _checked(request, settings, session, initiative_id, order)
    if isinstance(checked, Response):
        return checked
    survey, shop, origin, order_id, _customer = checked
    held = await response_for(session, shop.id or 0, survey.id or 0, order_id)
    if held is not None:
        return Response(status_code=204, headers=_cors(origin))
    return JSONResponse(_questions(survey_settings(survey.settings), shop), headers=_cors(origin))


@router.post(WIDGET_PATH + "{initiative_id}/answers")
async def widget_answers(
    initiative_id: int, request: Request, settings: SettingsDep, session: SessionDep
) -> Response:
    """Record the widget's answers for an order (a second answer replaces the first)."""
    try:
        body = WidgetAnswers.model_validate_json(await request.body())
    except ValidationError:
        origin = request.headers.get("origin", "")
        return _error(origin, 422, MALFORMED)
    checked = await _checked(request, settings, session, initiative_id, body.order)
    if isinstance(checked, Response):
        return checked
    survey, _shop, origin, order_id, customer_key = checked
    own = survey_settings(survey.settings)
    who = Respondent(survey, order_id, customer_key, None, Channel.WIDGET, own.language.value)
    try:
        await answer(session, who, own, body.answers, utcnow())
    except AppError as error:
        return _error(origin, error.status_code, error.message)
    return Response(status_code=204, headers=_cors(origin))


Checked = tuple[Initiative, Shop, str, str, str | None]


async def _checked(
    request: Request, settings: Settings, session: AsyncSession, initiative_id: int, order: str
) -> Checked | Response:
    """The survey, its shop, the caller's origin, the order and its customer — or the answer
    that refuses the request."""
    origin = request.headers.get("origin", "")
    survey = await _survey(session, initiative_id)
    if survey is None:
        return _error(origin, 404, "no such survey", cors=False)
    initiative, shop = survey
    if not _allowed(origin, initiative, shop):
        return _error(origin, 403, "this survey answers only on its shop's own pages", cors=False)
    if initiative.status is not InitiativeStatus.ACTIVE:
        return Response(status_code=204, headers=_cors(origin))
    order_id = read_order_reference(settings, shop.id or 0, initiative.id or 0, order)
    if order_id is None:
        return _error(origin, 403, "the order reference is not signed for this survey")
    found = await returning_order(session, shop.id or 0, order_id)
    if found is None:
        # Unknown yet (its webhook may be seconds behind the thank-you page), a first order,
        # or not counted: nothing to ask now.
        return Response(status_code=204, headers=_cors(origin))
    return initiative, shop, origin, order_id, found.customer_key


async def _survey(session: AsyncSession, initiative_id: int) -> tuple[Initiative, Shop] | None:
    initiative = await session.get(Initiative, initiative_id)
    if initiative is None or initiative.type is not InitiativeType.SURVEY:
        return None
    shop = await session.get(Shop, initiative.shop_id)
    return None if shop is None else (initiative, shop)


def allowed_origins(initiative: Initiative, shop: Shop) -> set[str]:
    """The shop's storefront origin and those of the survey's extra hosts."""
    parts = urlsplit(storefront(shop))
    origins = {f"{parts.scheme}://{parts.netloc}"}
    hosts = survey_settings(initiative.settings).widget_hosts
    return origins | {f"https://{host}" for host in hosts}


def _allowed(origin: str, initiative: Initiative, shop: Shop) -> bool:
    return bool(origin) and origin.lower() in allowed_origins(initiative, shop)


def _cors(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", "Cache-Control": "no-store"}


def _error(origin: str, status: int, message: str, *, cors: bool = True) -> JSONResponse:
    body = {"error": {"code": "refused" if status != 422 else "invalid", "message": message}}
    return JSONResponse(body, status_code=status, headers=_cors(origin) if cors else None)


def _questions(settings: SurveySettings, shop: Shop) -> dict[str, Any]:
    language = settings.language.value
    return {
        "lang": language,
        "shop": shop.name or shop.domain,
        "words": {word: WORDS[language][word] for word in ("send", "done", "close")},
        "questions": [
            {
                "id": q.id,
                "kind": q.kind.value,
                "text": q.text.of(language),
                "scale": list(q.kind.scale) if q.kind.scale is not None else [],
                "ends": list(scale_ends(q.kind, language)) if q.kind.scale is not None else [],
                "choices": [{"id": c.id, "text": c.text.of(language)} for c in q.choices],
            }
            for q in settings.questions
        ],
    }


def snippets(settings: Settings, initiative: Initiative, shop: Shop) -> dict[str, str]:
    """The embed snippets of a survey's widget, with its widget key: for a Shopify theme (an
    app embed block of a theme app extension, or the theme's own order page) and for
    WooCommerce's thank-you page. The key stays on the shop's server: Liquid and PHP sign the
    order id there, and the page carries only the signature."""
    assert initiative.id is not None
    assert shop.id is not None
    key = widget_key(settings, shop.id, initiative.id)
    script = settings.public(f"{WIDGET_PATH}survey.js")
    liquid = (
        "{%- if order -%}\n"
        f'<script src="{script}" data-survey="{initiative.id}" data-order="{{{{ order.id }}}}.'
        f"{{{{ order.id | append: '' | hmac_sha256: '{key}' }}}}\" async></script>\n"
        "{%- endif -%}"
    )
    php = (
        "add_action('woocommerce_thankyou', function ($order_id) {\n"
        f"    $ref = $order_id . '.' . hash_hmac('sha256', (string) $order_id, '{key}');\n"
        f'    printf(\'<script src="{script}" data-survey="{initiative.id}" '
        'data-order="%s" async></script>\', esc_attr($ref));\n'
        "});"
    )
    return {"shopify": liquid, "woocommerce": php}
