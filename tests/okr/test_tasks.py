"""Owners of key results left without a check-in for a week get one reminder e-mail (real SMTP
server). The daily snapshots are tested in tests/okr/test_history.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from app.db import utcnow
from app.metrics.figures import local_day
from app.okr import tasks
from app.worker.execution import execute
from tests.fixtures.mail import Inbox
from tests.fixtures.stores import Connected
from tests.okr.test_api import Api, api, objective


async def key_result(client: Api, **fields: object) -> dict[str, object]:
    yesterday = local_day(utcnow(), "Europe/Berlin") - timedelta(days=1)
    cycle = await client.post("/cycles", year=yesterday.year)
    goal = await objective(client, cycle["id"])
    values = {
        "objective_id": goal["id"], "title": "Orders", "source": "metric",
        "metric_key": "orders", "kr_type": "increase_to", "start_value": "0", "target": "4",
    }  # fmt: skip
    created: dict[str, object] = await client.post("/key-results", **{**values, **fields})
    return created


async def test_weekly_reminder_goes_to_owners_without_a_check_in(
    connected: Connected, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    settings = connected.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    )
    mailing = replace(connected.app.state.runtime, settings=settings)
    client = await api(connected)
    quiet = await key_result(client, owner_email="ana@example.com", title="AOV up")
    busy = await key_result(client, owner_email="ben@example.com", title="Orders up")
    await client.post(f"/key-results/{busy['id']}/check-ins", confidence=8)
    monkeypatch.setattr(tasks, "REMINDER_WEEKDAY", local_day(utcnow(), "Europe/Berlin").weekday())

    await execute(mailing, tasks.remind_owners, (), {}, attempt=1, job_id=None)

    [message] = inbox.messages
    assert message["To"] == "ana@example.com"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert str(quiet["title"]) in body.decode()
