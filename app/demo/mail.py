"""The demo's mail: an SMTP server in the demo's own process that keeps what StoreOKR sends, and
the demo stores' shoppers reading it. Some open an e-mail (its pixel loads), some click its
link (the redirect, then they pay: a recovery e-mail's checkout, or a win-back e-mail's code on
a new order, through the store's usual signed webhooks), some unsubscribe with one click (RFC
8058), the rest ignore it; by a seeded random, like the shoppers themselves. A survey e-mail's
reader who opens it clicks a score (more promoters than detractors, as in a shop people come
back to), and some say why on the survey page."""

from __future__ import annotations

import asyncio
import email
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from urllib.parse import parse_qsl, urlsplit

import httpx
from aiosmtpd.smtp import SMTP, Envelope, Session

from app.demo.shoppers import Delivery, DemoStore
from app.initiatives.cart_links import PATH as CART_PATH
from app.messaging.tracking import CLICK_PATH, OPEN_PATH

OPEN_SHARE = 0.6  # of the e-mails, how many are opened
CLICK_SHARE = 0.5  # of the opened, how many are clicked (and then bought)
UNSUBSCRIBE_SHARE = 0.1  # of the e-mails, how many are unsubscribed from
READ_AFTER = (timedelta(seconds=20), timedelta(minutes=3))  # from arrival to reading

_HREF = re.compile(r"""(?:href|src)="([^"]+)\"""")
_CODE = re.compile(r"<strong[^>]*>([A-Z0-9-]{6,})</strong>")
_RECOVER = re.compile(r"/checkouts/([0-9a-f]{32})/recover")
_SCORE = re.compile(r"""<a href="([^"]+)"[^>]*>(\d{1,2})</a>""")
# How likely the demo's shoppers are to give each NPS score 0–10: about half promoters and a
# sixth detractors, an NPS near 30.
SCORE_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 8, 10, 15, 14)
COMMENT_SHARE = 0.5  # of the answers, how many say why on the survey page
COMMENTS = {
    "promoter": ("Fast delivery and lovely packaging.", "The tea is as good as last time."),
    "detractor": ("My parcel came late.", "The price went up since my first order."),
}


class MailSink:
    """An aiosmtpd handler: every message received, with when it arrived."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.received: list[tuple[datetime, Message]] = []
        self._clock = clock

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.received.append((self._clock(), email.message_from_bytes(content)))
        return "250 Message accepted for delivery"


async def serve_mail(sink: MailSink, host: str, port: int) -> asyncio.Server:
    """The SMTP server on `host`:`port`, in this event loop (no TLS: loopback only)."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: SMTP(sink, hostname="demo-mail"), host, port)


@dataclass
class Reading:
    """What the shoppers did with their mail (for the demo's log and its tests)."""

    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0
    ignored: int = 0
    orders: list[str] = field(default_factory=list)  # recovered checkout tokens, win-back codes
    surveys_read: int = 0  # survey e-mails opened
    scores: list[int] = field(default_factory=list)  # survey answers given by e-mail


class Readers:
    """The store's shoppers reading the mail addressed to them, when it falls due."""

    def __init__(
        self,
        sink: MailSink,
        store: DemoStore,
        http: httpx.AsyncClient,
        seed: int,
        read_after: tuple[timedelta, timedelta] = READ_AFTER,
    ) -> None:
        self._sink, self._store, self._http = sink, store, http
        self._read_after = read_after
        self._rng = random.Random(seed)
        self._taken = 0
        self._due: list[tuple[datetime, Message]] = []
        self.reading = Reading()

    async def read(self, now: datetime) -> list[Delivery]:
        """Read what has fallen due by `now`; the deliveries the resulting orders make."""
        fresh = self._sink.received[self._taken :]
        self._taken += len(fresh)
        for arrived, message in fresh:
            if self._store.knows(str(message["To"] or "")):
                low, high = self._read_after
                wait = self._rng.uniform(low.total_seconds(), high.total_seconds())
                self._due.append((arrived + timedelta(seconds=wait), message))
        due = [m for at, m in self._due if at <= now]
        self._due = [(at, m) for at, m in self._due if at > now]
        deliveries: list[Delivery] = []
        for message in due:
            deliveries += await self._read_one(message, now)
        return deliveries

    async def _read_one(self, message: Message, now: datetime) -> list[Delivery]:
        html = _html(message)
        links = _HREF.findall(html)
        if self._rng.random() < UNSUBSCRIBE_SHARE:
            await self._unsubscribe(message)
            return []
        if self._rng.random() >= OPEN_SHARE:
            self.reading.ignored += 1
            return []
        pixel = next((url for url in links if OPEN_PATH in url), None)
        if pixel is not None:
            await self._http.get(pixel)
            self.reading.opened += 1
        scores = {int(score): url for url, score in _SCORE.findall(html)}
        if scores:
            self.reading.surveys_read += 1
            await self._answer(scores)
            return []
        click = next((url for url in links if CLICK_PATH in url), None)
        if click is None or self._rng.random() >= CLICK_SHARE:
            return []
        response = await self._http.get(click, follow_redirects=False)
        destination = response.headers.get("location", "")
        if not destination:
            return []
        self.reading.clicked += 1
        parts = urlsplit(destination)
        landing = f"{parts.path}?{parts.query}" if parts.query else parts.path
        address = str(message["To"] or "")
        if found := _RECOVER.search(parts.path):
            bought, what = self._store.recover(found[1], landing, now), found[1]
        elif parts.path.startswith(CART_PATH):
            bought, what = await self._pay_rebuilt_cart(destination, address, now)
        else:
            code = _CODE.search(html)
            what = code[1] if code else ""
            bought = self._store.come_back(address, code[1] if code else None, landing, now)
        if bought:  # (not a checkout the shopper had bought meanwhile)
            self.reading.orders.append(what)
        return bought

    async def _answer(self, scores: dict[int, str]) -> None:
        """Click a score of a survey e-mail (through its tracked link, to the survey page),
        and sometimes say why there."""
        offered = sorted(scores)
        score = self._rng.choices(offered, [SCORE_WEIGHTS[s] for s in offered])[0]
        page = await self._http.get(scores[score], follow_redirects=True)
        if page.status_code != 200:
            return
        self.reading.scores.append(score)
        if self._rng.random() < COMMENT_SHARE and (score >= 9 or score <= 6):
            said = self._rng.choice(COMMENTS["promoter" if score >= 9 else "detractor"])
            address = str(page.url).rsplit("/", 1)[0]  # the page of the score link
            await self._http.post(address, data={"q_why": said})

    async def _pay_rebuilt_cart(
        self, link: str, address: str, now: datetime
    ) -> tuple[list[Delivery], str]:
        """A WooCommerce recovery e-mail's cart link, followed as a browser would: our link on
        to the store's checkout link, which fills a cart and opens the checkout; the shopper
        pays there (nothing when our link sent them to the shop instead: bought meanwhile)."""
        ours = await self._http.get(link, follow_redirects=False)
        store_link = ours.headers.get("location", "")
        if not store_link:
            return [], ""
        filled = await self._http.get(store_link, follow_redirects=False)
        checkout = filled.headers.get("location", "")
        session = dict(parse_qsl(urlsplit(checkout).query)).get("session")
        if not session:
            return [], ""
        return self._store.pay_cart(session, address, checkout, now), session

    async def _unsubscribe(self, message: Message) -> None:
        header = str(message["List-Unsubscribe"] or "").strip().strip("<>")
        if header:
            await self._http.post(header, content=b"List-Unsubscribe=One-Click", headers={
                "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
            self.reading.unsubscribed += 1


def _html(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""
