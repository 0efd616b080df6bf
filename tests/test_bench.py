"""Every benchmark still runs (in its --quick mode, which asserts nothing about speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
