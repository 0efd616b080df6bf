"""Every benchmark still runs (in its --quick mode, which asserts nothing about speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.backfill import grown_store, replayed

ROOT = Path(__file__).parent.parent
BENCH_URL = "postgresql://postgres@127.0.0.1:5432/storeokr_bench_quick"


@pytest.mark.parametrize(
    "scenario",
    [
        "metrics_query",
        "rollup_contention",
        "ack",
        "freshness",
        "backfill",
        "embedded",
        "inbox_insert",
    ],
)
def test_benchmark_runs_quick(scenario: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{scenario}", "--quick"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "STOREOKR_BENCH_DATABASE_URL": BENCH_URL,
            "STOREOKR_BENCH_REDIS_URL": "redis://127.0.0.1:6379/12",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), "a benchmark prints its figures"


def test_a_replayed_history_is_new_orders_further_back() -> None:
    """`bench.backfill`'s long history replays a grown store: each copy's orders, lines,
    customers and checkouts are new, and lie before the previous copy's."""
    store = grown_store(300)
    nodes = list(replayed(store, 3))
    first, last = nodes[: len(store.orders)], nodes[-len(store.orders) :]

    assert len(nodes) == 3 * len(store.orders)
    assert len({node["id"] for node in nodes}) == len(nodes)
    lines = [line["id"] for node in nodes for line in node["lineItems"]["nodes"]]
    assert len(set(lines)) == len(lines)
    tokens = [node["checkoutToken"] for node in nodes if node["checkoutToken"]]
    assert len(set(tokens)) == len(tokens)
    customers = {node["customer"]["id"] for node in nodes if node["customer"]}
    assert len(customers) == 3 * len({node["customer"]["id"] for node in first if node["customer"]})
    assert max(node["updatedAt"] for node in last) < min(node["createdAt"] for node in first)
