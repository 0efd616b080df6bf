"""The SMTP server stops in the middle of a recovery campaign (a real aiosmtpd server, stopped
and started again on its port). The campaign's e-mails are sent by one job each, as the worker
runs them: those the server took before it stopped stay sent; each one tried while it was down
fails, is marked failed in the send log with the server's reason and is retried by its job;
once the server is back every retry goes out — no e-mail lost, none sent twice, and the next
sweep sends nothing again."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine

from app.errors import ServiceUnavailable
from app.messaging.models import SendStatus
from tests.fixtures.database import empty_all_tables
from tests.fixtures.mail import Inbox
from tests.fixtures.network import free_port
from tests.initiatives.helpers import Store, open_store
from tests.reliability.ledger import Tally

MESSAGES = 12  # shoppers with an abandoned checkout, one e-mail each
BEFORE_THE_STOP = 5  # sent before the server stops


class SmtpServer:
    """A real SMTP server on a fixed loopback port that can be stopped and started again."""

    def __init__(self) -> None:
        self.inbox, self.port = Inbox(), free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def campaign_store(pg_engine: AsyncEngine, smtp: SmtpServer) -> AsyncIterator[Store]:
    await empty_all_tables(pg_engine)
    async for made in open_store(smtp.port, smtp.inbox):
        yield made
    await empty_all_tables(pg_engine)


async def test_smtp_down_mid_campaign_loses_no_email_and_sends_none_twice(
    campaign_store: Store, smtp: SmtpServer, ledger: list[Tally]
) -> None:
    store = campaign_store
    await store.recovery()
    shoppers = [f"shopper{n}@example.com" for n in range(MESSAGES)]
    for address in shoppers:
        await store.abandon(email=address)
    enrollments = [enrollment.id or 0 for enrollment in await store.enrollments()]
    assert len(enrollments) == MESSAGES

    for enrollment in enrollments[:BEFORE_THE_STOP]:
        await store.send(enrollment, 1)
    smtp.stop()
    failed_first = 0
    for enrollment in enrollments[BEFORE_THE_STOP:]:
        with pytest.raises(ServiceUnavailable, match="the SMTP server did not take the email"):
            await store.send(enrollment, 1)  # its job's first attempt; the worker retries it
        failed_first += 1
    marked = [send.status for send in await store.sends()]
    assert marked.count(SendStatus.FAILED) == MESSAGES - BEFORE_THE_STOP
    smtp.start()
    for enrollment in enrollments[BEFORE_THE_STOP:]:
        await store.send(enrollment, 1, attempt=2)  # the retry, once the server is back
    await store.sweep()  # the campaign's next sweep: nothing is due again
    for enrollment in enrollments:
        await store.send(enrollment, 1, attempt=3)  # a job run once more by mistake sends nothing

    sends = await store.sends()
    received = [str(message["To"]) for message in smtp.inbox.messages]
    result = Tally(
        "SMTP server stopped mid-campaign (e-mails)",
        sent=MESSAGES,
        answered_5xx=failed_first,
        stored=len(sends),
        handled=sum(send.status is SendStatus.SENT for send in sends),
        orders=len(set(shoppers)),
        counted=len(received),
        counted_twice=len(received) - len(set(received)),
        differences=(),
    )
    ledger.append(result)
    result.assert_nothing_lost_or_doubled()
    assert sorted(received) == sorted(shoppers)
    assert failed_first == MESSAGES - BEFORE_THE_STOP
