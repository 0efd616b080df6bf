"""One way every editor form is handled: run the change; on success go back to the editor
(303, so a reload does not post again, saying it was saved: `app.admin.flash`); when refused,
undo it and show the page again with the form as typed and each error next to its field
(422)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import Response

from app.admin.editor.forms import FormRefused, FormState, discard_changes, refused, values_of
from app.admin.editor.page import editor_page
from app.admin.flash import Flash, redirect
from app.errors import Conflict, Unprocessable
from app.shops.models import SignedInShop

# Runs the change from the form's values; returns where to go next (the editor's URL).
Change = Callable[[dict[str, str]], Awaitable[str]]


async def submit(
    request: Request,
    session: AsyncSession,
    shop: SignedInShop,
    form_key: str,
    cycle_id: int | None,
    change: Change,
) -> Response:
    values = values_of(await request.form())
    try:
        try:
            destination = await change(values)
        except (Unprocessable, Conflict) as error:  # Conflict: the cycle was closed meanwhile
            raise refused(error) from None
    except FormRefused as refusal:
        await discard_changes(session)
        failed = FormState(form_key, values, refusal.errors)
        return await editor_page(request, session, shop, cycle_id, failed, refusal.status_code)
    return redirect(destination, Flash.SAVED)


def editor_url(cycle_id: int | None, anchor: str = "") -> str:
    query = f"?cycle={cycle_id}" if cycle_id else ""
    return f"/admin/okrs{query}" + (f"#{anchor}" if anchor else "")
