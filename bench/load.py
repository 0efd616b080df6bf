"""A load generator in its own process: signed, unique Shopify order deliveries.

    python -m bench.load URL --rate 100 --seconds 10      # open loop at a fixed rate
    python -m bench.load URL --rate 0 --seconds 10        # closed loop: saturation

Prints one JSON line: sent, ok, errors, throughput per second, p50 and p99 latency (ms)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ORDER = json.loads(
    (Path(__file__).parent.parent / "tests/fixtures/payloads/shopify_order.json").read_text()
)
_ids = itertools.count(1)


def delivery(shop: str, secret: str) -> tuple[dict[str, str], bytes]:
    number = next(_ids)
    shopper = number if number % 3 else number // 3  # a third from shoppers seen before
    email = f"shopper{shopper}@example.com"
    customer = {**ORDER["customer"], "id": 8_000_000_000 + shopper, "email": email}
    order = {**ORDER, "id": 9_000_000_000 + number, "name": f"#B{number}", "email": email,
             "customer": customer, "checkout_token": uuid.uuid4().hex}  # fmt: skip
    body = json.dumps(order).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
    }
    return headers, body


class Connection:
    """One kept-alive HTTP/1.1 connection speaking just enough of the protocol: a client
    library costs more per request than the endpoints measured here."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        return cls(reader, writer)

    async def post(self, path: str, headers: dict[str, str], body: bytes) -> int:
        lines = [f"POST {path} HTTP/1.1", "Host: bench", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def run(arguments: argparse.Namespace) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(arguments.concurrency):
        pool.put_nowait(await Connection.open(arguments.url))

    async def one() -> None:
        nonlocal errors
        headers, body = delivery(arguments.shop, arguments.secret)
        connection = await pool.get()
        started = time.perf_counter()
        try:
            ok = await connection.post("/webhooks/shopify", headers, body) == 200
        except (OSError, asyncio.IncompleteReadError, ValueError):
            ok = False
            connection = await Connection.open(arguments.url)
        pool.put_nowait(connection)
        if ok:
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            errors += 1

    started = time.perf_counter()
    deadline = started + arguments.seconds
    if arguments.rate:  # open loop: a request every 1/rate s, whatever the answers do
        tasks = []
        for index in itertools.count():
            due = started + index / arguments.rate
            if due >= deadline:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    else:  # closed loop: every connection busy all the time (saturation)

        async def sender() -> None:
            while time.perf_counter() < deadline:
                await one()

        await asyncio.gather(*(sender() for _ in range(arguments.concurrency)))
    elapsed = time.perf_counter() - started
    while not pool.empty():
        pool.get_nowait().close()
    latencies.sort()
    return {
        "sent": len(latencies) + errors,
        "ok": len(latencies),
        "errors": errors,
        "throughput_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 2) if latencies else None,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--shop", default="bench.myshopify.com")
    parser.add_argument("--secret", default="bench-shopify-secret")
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--concurrency", type=int, default=64, help="connections")
    parser.add_argument("--seconds", type=float, default=10)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))
