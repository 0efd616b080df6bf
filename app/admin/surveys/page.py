"""The Surveys section: the shop's surveys and the builder for a new one; each survey's switch,
builder, e-mail preview in every language and widget snippets (with a copy button); its
responses with filters and as CSV; its NPS and CES week by week as SVG charts.

A survey is an initiative: every change goes through `app.initiatives.service`, as the JSON
API's do, and its on/off switch is the Initiatives section's (`/admin/initiatives/<id>/toggle`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.admin.editor.forms import FormRefused, FormState, discard_changes, read_row_id
from app.admin.formats import read_whole
from app.admin.i18n import gettext as _
from app.admin.i18n import translated
from app.admin.initiatives.page import not_found, owned
from app.admin.rendering import render
from app.admin.surveys import breakdown, builder
from app.admin.surveys.responses import Filters, answer_of, csv_export, responses_of
from app.admin.surveys.segment_form import asked_notice, segment_context
from app.auth.dependencies import ShopDep
from app.db import utcnow
from app.deps import RowId, RuntimeDep, SessionDep
from app.errors import Conflict, Unprocessable
from app.initiatives import repository, service
from app.initiatives.audience import Language
from app.initiatives.models import Initiative, InitiativeStatus, InitiativeType
from app.initiatives.schemas import InitiativeIn, InitiativePatch
from app.initiatives.surveys.emails import survey_email
from app.initiatives.surveys.settings import survey_settings
from app.initiatives.surveys.widget import snippets
from app.integrations.platforms import Platform
from app.metrics.figures import local_day
from app.okr.service import open_key_results
from app.shops.models import Shop, SignedInShop

router = APIRouter(include_in_schema=False)
LIST = "/admin/surveys"
ACTOR = "admin"
NEW_FORM = "survey-new"
LANGUAGE_NAMES = {"en": "English", "es": "Español", "de": "Deutsch"}  # each in its own tongue


# --- The list and the builder ---------------------------------------------------------------


@router.get(LIST, response_class=HTMLResponse)
async def surveys_page(request: Request, shop: ShopDep, session: SessionDep) -> HTMLResponse:
    """The shop's surveys, and the builder for a new one."""
    return await _list_page(request, session, shop)


@router.post(LIST, response_class=HTMLResponse)
async def create_survey(request: Request, shop: ShopDep, session: SessionDep) -> Response:
    """A new survey, as a draft; 422 with the builder as typed if refused."""
    form = await request.form()
    try:
        chosen, key_results = await _read(session, shop, form, None)
        body = InitiativeIn(
            type=InitiativeType.SURVEY,
            name=chosen.name,
            settings=chosen.settings,
            key_result_ids=key_results,
        )
        try:
            made = await service.create(session, shop.id, body, ACTOR, utcnow())
        except Unprocessable as error:
            raise _refused(error) from None
    except FormRefused as refusal:
        await discard_changes(session)
        failed = FormState(NEW_FORM, _typed(form), refusal.errors)
        return await _list_page(request, session, shop, failed, _picked(form), 422)
    return RedirectResponse(f"{LIST}/{made.id}?created=1", status_code=303)


async def _list_page(
    request: Request,
    session: AsyncSession,
    shop: SignedInShop,
    failed: FormState | None = None,
    picked: list[int] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    surveys = [
        i
        for i in await repository.initiatives_of(session, shop.id)
        if i.type is InitiativeType.SURVEY
    ]
    context = {
        **_builder_context(shop, NEW_FORM, builder.builder_values("", {}), failed),
        "surveys": surveys,
        "choices": await _key_result_choices(session, shop.id),
        "picked": picked or [],
    }
    return render(request, "surveys/list.html", context, status_code=status_code)


# --- One survey -----------------------------------------------------------------------------


@router.get(LIST + "/{survey_id}", response_class=HTMLResponse)
async def survey_page(
    survey_id: RowId,
    request: Request,
    shop: ShopDep,
    session: SessionDep,
    runtime: RuntimeDep,
    language: str = "",
) -> HTMLResponse:
    """A survey: its switch, builder, e-mail preview and widget snippets."""
    survey = await owned_survey(session, shop, survey_id)
    if survey is None:
        return not_found(request, shop)
    notice = None
    asked = read_whole(request.query_params.get("asked"))
    if asked is not None:
        notice = asked_notice(asked)
    elif request.query_params.get("created"):
        notice = _("The survey was created as a draft: switch it on when it is ready.")
    elif request.query_params.get("saved"):
        notice = _("Survey saved.")
    typed = dict(request.query_params)  # the segment form's "Count them" sends its fields here
    return await detail_page(
        request, session, runtime, shop, survey, language, notice=notice, typed=typed
    )


@router.post(LIST + "/{survey_id}", response_class=HTMLResponse)
async def save_survey(
    survey_id: RowId, request: Request, shop: ShopDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Save the survey's name, key results, questions and trigger; 422 with the builder as
    typed if refused, 409 for an ended survey."""
    survey = await owned_survey(session, shop, survey_id)
    if survey is None:
        return not_found(request, shop)
    form = await request.form()
    try:
        chosen, key_results = await _read(session, shop, form, survey.settings)
        patch = InitiativePatch(
            name=chosen.name, key_result_ids=key_results, settings=chosen.settings
        )
        try:
            await service.update(session, shop.id, survey_id, patch, ACTOR, utcnow())
        except Conflict:
            raise FormRefused({"_form": _ended()}, 409) from None
        except Unprocessable as error:
            raise _refused(error) from None
    except FormRefused as refusal:
        await discard_changes(session)
        survey = await repository.get_initiative(session, shop.id, survey_id)
        failed = FormState(_form_key(survey), _typed(form), refusal.errors)
        return await detail_page(
            request, session, runtime, shop, survey, "", failed=failed,
            picked=_picked(form), status_code=refusal.status_code,
        )  # fmt: skip
    return RedirectResponse(f"{LIST}/{survey_id}?saved=1", status_code=303)


async def detail_page(
    request: Request,
    session: AsyncSession,
    runtime: RuntimeDep,
    shop: SignedInShop,
    survey: Initiative,
    language: str,
    *,
    failed: FormState | None = None,
    picked: list[int] | None = None,
    status_code: int = 200,
    notice: str | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    """The survey's page; `failed` is the builder's or the segment form's refusal."""
    held = await session.get(Shop, shop.id)
    assert held is not None  # the signed-in shop is a row
    settings = survey_settings(survey.settings)
    chosen = language if language in LANGUAGE_NAMES else settings.language.value
    sample = settings.model_copy(update={"language": Language(chosen)})
    example = runtime.settings.public("/s/example")
    email = survey_email(
        held, _("Lena"), sample, lambda score: f"{example}/{score}", example,
        runtime.settings.public("/u/preview"),
    )  # fmt: skip
    linked = await repository.key_result_ids(session, shop.id, [survey.id or 0])
    values = builder.builder_values(survey.name, survey.settings)
    context = {
        **_builder_context(shop, _form_key(survey), values, failed),
        "initiative": survey,
        "choices": await _key_result_choices(session, shop.id),
        "picked": picked if picked is not None else linked.get(survey.id or 0, []),
        "email": email,
        "chosen": chosen,
        "snippets": snippets(runtime.settings, survey, held),
        "notice": notice,
        "ended": survey.status is InitiativeStatus.ENDED,
        "active": survey.status is InitiativeStatus.ACTIVE,
        **await segment_context(session, shop, survey, typed or {}, failed),
    }
    return render(request, "surveys/detail.html", context, status_code=status_code)


# --- Responses and breakdown ----------------------------------------------------------------


@router.get(LIST + "/{survey_id}/responses", response_class=HTMLResponse)
async def responses_page(
    survey_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> HTMLResponse:
    """A survey's responses, newest first, with filters."""
    survey = await owned_survey(session, shop, survey_id)
    if survey is None:
        return not_found(request, shop)
    filters = Filters.read(dict(request.query_params))
    found = await responses_of(session, shop.id, survey_id, shop.timezone, filters)
    settings = survey_settings(survey.settings)
    rows = [
        {
            "at": response.answered_at,
            "channel": response.channel.value,
            "order": response.order_platform_id,
            "answers": [answer_of(response, settings, q.id) for q in settings.questions],
        }
        for response in found
    ]
    context = {
        "shop": shop,
        "section": "surveys",
        "initiative": survey,
        "questions": [q.text.of(settings.language.value) for q in settings.questions],
        "rows": rows,
        "filters": filters.as_query(),
    }
    return render(request, "surveys/responses.html", context)


@router.get(LIST + "/{survey_id}/responses.csv", response_model=None)
async def responses_csv(
    survey_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """A survey's responses as CSV, with the page's filters."""
    survey = await owned_survey(session, shop, survey_id)
    if survey is None:
        return not_found(request, shop)
    filters = Filters.read(dict(request.query_params))
    found = await responses_of(session, shop.id, survey_id, shop.timezone, filters, None)
    header = [_("Answered"), _("Channel"), _("Order")]
    text = csv_export(found, survey_settings(survey.settings), shop.timezone, header)
    headers = {"Content-Disposition": f'attachment; filename="survey-{survey_id}.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get(LIST + "/{survey_id}/breakdown", response_class=HTMLResponse)
async def breakdown_page(
    survey_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> HTMLResponse:
    """A survey's NPS and CES week by week, and its NPS answers' split."""
    survey = await owned_survey(session, shop, survey_id)
    if survey is None:
        return not_found(request, shop)
    first, last = breakdown.window(local_day(utcnow(), shop.timezone))
    found = await responses_of(
        session, shop.id, survey_id, shop.timezone, Filters(start=first, end=last), None
    )
    answers = [
        breakdown.Answered(local_day(r.answered_at, shop.timezone), r.nps, r.ces) for r in found
    ]
    kinds = {q.kind.value for q in survey_settings(survey.settings).questions}
    charts = []
    if "nps" in kinds:
        nps = breakdown.weekly_nps(answers)
        charts.append(breakdown.chart(nps, first, last, _("Net Promoter Score"), "nps-chart"))
    if "ces" in kinds:
        ces = breakdown.weekly_ces(answers)
        charts.append(breakdown.chart(ces, first, last, _("Customer Effort Score"), "ces-chart"))
    context = {
        "shop": shop,
        "section": "surveys",
        "initiative": survey,
        "charts": charts,
        "split": breakdown.split(answers),
        "responses": len(answers),
    }
    return render(request, "surveys/breakdown.html", context)


# --- Shared pieces --------------------------------------------------------------------------


async def _read(
    session: AsyncSession, shop: SignedInShop, form: FormData, stored: dict[str, Any] | None
) -> tuple[builder.SurveyForm, list[int]]:
    chosen, errors = builder.read_builder(form, stored)
    offered = {kr for kr, _label in await _key_result_choices(session, shop.id)}
    key_results = _picked(form)
    if any(kr not in offered for kr in key_results) or len(key_results) != len(
        form.getlist("key_result_ids")
    ):
        errors["key_result_ids"] = _("Choose key results from the list.")
    if errors:
        raise FormRefused(errors)
    return chosen, key_results


def _refused(error: Unprocessable) -> FormRefused:
    fields = error.details.get("fields")
    if isinstance(fields, dict) and fields:
        named = builder.settings_errors({str(k): str(v) for k, v in fields.items()})
        return FormRefused({name: translated(why) for name, why in named.items()})
    return FormRefused({"_form": translated(error.message)})


def _builder_context(
    shop: SignedInShop, form_key: str, values: dict[str, str], failed: FormState | None
) -> dict[str, Any]:
    return {
        "shop": shop,
        "section": "surveys",
        "form_key": form_key,
        "values": values,
        "failed": failed,
        "slots": list(builder.SLOTS),
        "languages": LANGUAGE_NAMES,
        "kinds": builder.kind_choices(),
        "triggers": builder.trigger_choices(),
        "consents": builder.consent_choices(),
        "on_woocommerce": shop.platform is Platform.WOOCOMMERCE,
    }


async def _key_result_choices(session: AsyncSession, shop_id: int) -> list[tuple[int, str]]:
    return [
        (kr.id, f"{kr.title} ({cycle.name})")
        for kr, cycle in await open_key_results(session, shop_id)
        if kr.id is not None
    ]


async def owned_survey(
    session: AsyncSession, shop: SignedInShop, initiative_id: int
) -> Initiative | None:
    """The shop's survey, or None (the page answers 404, also for another kind)."""
    found = await owned(session, shop, initiative_id)
    return found if found is not None and found.type is InitiativeType.SURVEY else None


def _typed(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "key_result_ids"}


def _picked(form: FormData) -> list[int]:
    typed = (read_row_id(value) for value in form.getlist("key_result_ids"))
    return [kr for kr in typed if kr is not None]


def _form_key(survey: Initiative) -> str:
    return f"survey-{survey.id}"


def _ended() -> str:
    return _("This survey has ended: it cannot be changed or switched on again. Create a new one.")
