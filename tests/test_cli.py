"""The `storeokr` command, run as a user runs it: a real process, real output."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.worker.heartbeat import HEARTBEAT_LIFE_MS, HEARTBEAT_PREFIX, heartbeat_key, worker_id
from tests.fixtures.database import recreate_postgres_database
from tests.fixtures.network import free_port
from tests.fixtures.settings import POSTGRES_URL, REDIS_URL

SCRATCH_POSTGRES_URL = POSTGRES_URL.rsplit("/", 1)[0] + "/storeokr_test_cli"


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOREOKR_")}
    env.update(values)
    return env


def storeokr(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["worker"],
        ["migrate"],
        ["demo"],
        ["backfill"],
        ["shop"],
        ["shop", "add", "shopify"],
        ["shop", "add", "woocommerce"],
        ["shop", "list"],
        ["shop", "login-link"],
        ["shop", "forget"],
        ["shop", "rotate-secrets"],
    ],
)
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = storeokr(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STOREOKR_ENV", "prod"),
        ("STOREOKR_DATABASE_URL", "mysql://x@y/z"),
        ("STOREOKR_SECRET_KEY", ""),
    ],
)
def test_bad_setting_stops_start_up_with_one_line(
    variable: str, value: str, tmp_path: Path
) -> None:
    env = {variable: value}
    if variable == "STOREOKR_SECRET_KEY":
        env["STOREOKR_ENV"] = "production"
    result = storeokr("serve", cwd=tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr


def test_worker_needs_redis(tmp_path: Path) -> None:
    result = storeokr("worker", cwd=tmp_path)
    assert result.returncode == 1
    assert "STOREOKR_REDIS_URL is empty" in result.stderr


def test_migrate_creates_the_embedded_database(tmp_path: Path) -> None:
    result = storeokr("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "storeokr.db").exists()
    assert "database at head (sqlite)" in result.stdout


async def test_serve_refuses_an_unmigrated_postgres(pg_engine: AsyncEngine, tmp_path: Path) -> None:
    await recreate_postgres_database(SCRATCH_POSTGRES_URL)
    result = storeokr("serve", cwd=tmp_path, STOREOKR_DATABASE_URL=SCRATCH_POSTGRES_URL)
    assert result.returncode == 1
    assert "run `storeokr migrate` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_serves_healthz_at_the_url_it_prints(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "demo", "--port", str(free_port())],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = process.stdout.readline()
        match = re.search(r"health: (http://\S+/healthz)", printed)
        assert match, printed
        assert wait_for_ok(match.group(1)).json() == {"status": "ok"}
        # The demo store trades at once: its orders reach the mirror through webhooks.
        assert wait_for_orders(tmp_path / "var" / "demo" / "storeokr.db") > 0
        # Beside it, `shop list --demo` reads its database (#22: it printed nothing).
        listed = storeokr("shop", "list", "--demo", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert "\tshopify\tactive\t" in listed.stdout
        assert "\twoocommerce\tactive\t" in listed.stdout
        # It logged a login link (at start-up, before serving) that opens its dashboard.
        link = next(
            found.group(1)
            for line in (process.stdout.readline() for _ in range(500))
            if (found := re.search(r"login link\): (http://\S+?)(?:\"|\s|$)", line))
        )
        dashboard = httpx.get(link, follow_redirects=True, timeout=10)
        assert dashboard.status_code == 200
        assert "Grow revenue" in dashboard.text
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status reports it.
    assert "Application shutdown complete" in output
    assert "Traceback" not in output
    assert "database is locked" not in output  # its writers take turns, never retry on a lock
    assert (tmp_path / "var" / "demo" / "storeokr.db").exists()


def test_shop_list_names_the_database_it_read_and_points_at_the_demos(tmp_path: Path) -> None:
    demo_database = tmp_path / "var" / "demo" / "storeokr.db"
    migrated = storeokr(
        "migrate", cwd=tmp_path, STOREOKR_DATABASE_URL="sqlite+aiosqlite:///var/demo/storeokr.db"
    )
    assert migrated.returncode == 0, migrated.stderr
    with contextlib.closing(sqlite3.connect(demo_database)) as connection:
        connection.execute(
            "INSERT INTO shops (platform, domain, name, currency, timezone, status, scopes, "
            "abandonment_delay_minutes, installed_at, created_at, updated_at) VALUES ('shopify', "
            "'demo.myshopify.com', 'Demo', 'EUR', 'UTC', 'active', '', 60, "
            "'2026-11-23 00:00:00', '2026-11-23 00:00:00', '2026-11-23 00:00:00')"
        )
        connection.commit()

    default = storeokr("shop", "list", cwd=tmp_path)
    demo = storeokr("shop", "list", "--demo", cwd=tmp_path)
    link = storeokr("shop", "login-link", "1", "--demo", cwd=tmp_path)

    assert default.returncode == 0, default.stderr
    assert default.stdout == ""
    assert f"0 shops in {tmp_path / 'var' / 'storeokr.db'}" in default.stderr
    assert f"keeps its shops in {demo_database}: `storeokr shop list --demo` reads it" in (
        default.stderr
    )
    assert demo.stdout == "1\tshopify\tactive\tdemo.myshopify.com\tDemo\n"
    assert f"1 shop in {demo_database}" in demo.stderr
    assert link.returncode == 0, link.stderr
    assert "/auth/login?token=" in link.stdout


def test_a_write_beside_a_busy_sqlite_writer_fails_in_one_sentence(tmp_path: Path) -> None:
    """Another process holding the write lock (a demo loading its history) is named, not
    shown as a traceback."""
    assert storeokr("migrate", cwd=tmp_path).returncode == 0
    database = tmp_path / "var" / "storeokr.db"
    with contextlib.closing(sqlite3.connect(database)) as other_process:
        other_process.execute(
            "INSERT INTO shops (platform, domain, name, currency, timezone, status, scopes, "
            "abandonment_delay_minutes, installed_at, created_at, updated_at) VALUES ('shopify', "
            "'busy.myshopify.com', 'Busy', 'EUR', 'UTC', 'active', '', 60, "
            "'2026-11-23 00:00:00', '2026-11-23 00:00:00', '2026-11-23 00:00:00')"
        )
        other_process.commit()
        other_process.execute("BEGIN IMMEDIATE")  # holds the write lock until closed

        result = storeokr("shop", "login-link", "1", cwd=tmp_path)

    assert result.returncode == 1
    assert f"the database {database} is busy" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_demo_option_without_a_demo_says_so(tmp_path: Path) -> None:
    result = storeokr("shop", "list", "--demo", cwd=tmp_path)
    assert result.returncode == 1
    assert "no demo database at" in result.stderr
    assert "run `storeokr demo` here first" in result.stderr


def wait_for_ok(url: str, timeout_s: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


async def test_worker_process_runs_jobs_from_redis_and_stops_on_sigterm(
    pg_engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    env = clean_env(STOREOKR_DATABASE_URL=POSTGRES_URL, STOREOKR_REDIS_URL=REDIS_URL)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "worker",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        # Its poll loop writes its own heartbeat at once: the worker reached Redis.
        async with asyncio.timeout(30):
            while await redis.get(heartbeat_key(worker_id(pid=process.pid))) is None:
                assert process.returncode is None, "the worker exited early"
                await asyncio.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    assert "shutdown on SIGTERM" in output.decode()


def wait_for_orders(database: Path, timeout_s: float = 45.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.closing(sqlite3.connect(database, timeout=5)) as connection:
            count = int(connection.execute("SELECT count(*) FROM orders").fetchone()[0])
        if count:
            return count
        time.sleep(0.5)
    return 0


def test_metrics_rebuild_check_on_the_embedded_database(tmp_path: Path) -> None:
    assert storeokr("migrate", cwd=tmp_path).returncode == 0
    database = tmp_path / "var" / "storeokr.db"
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute(
            "INSERT INTO shops (platform, domain, name, currency, timezone, status, scopes, "
            "abandonment_delay_minutes, installed_at, created_at, updated_at) VALUES ('shopify', "
            "'a.myshopify.com', 'A', 'EUR', 'UTC', 'active', '', 60, '2026-11-23 00:00:00', "
            "'2026-11-23 00:00:00', '2026-11-23 00:00:00')"
        )
        # A rollup row the mirror cannot account for: the check must report it.
        connection.execute(
            "INSERT INTO sales_rollups (shop_id, day, slot, gross, discounts, returns, orders, "
            "units, customer_sales, customer_returns, fulfilled, fulfillment_seconds, "
            "costed_sales, cost) VALUES (1, '2026-11-20', 0, 5000000, 0, 0, 1, 1, 0, 0, 0, 0, "
            "0, 0)"
        )
        connection.commit()
    checked = storeokr("metrics", "rebuild", "1", "--check", cwd=tmp_path)
    assert checked.returncode == 1
    assert "sales 2026-11-20: rollups hold gross=5, orders=1, units=1; the mirror says nothing" in (
        checked.stdout
    )
    rebuilt = storeokr("metrics", "rebuild", "1", cwd=tmp_path)
    assert rebuilt.returncode == 0
    assert (
        "rollups agree with the mirror"
        in storeokr("metrics", "rebuild", "1", "--check", cwd=tmp_path).stdout
    )


async def test_worker_check_tells_whether_this_hosts_worker_wrote_its_heartbeat(
    redis: Redis, tmp_path: Path
) -> None:
    # Another host's worker is alive: it does not make this one healthy.
    await redis.psetex(heartbeat_key("elsewhere:7"), HEARTBEAT_LIFE_MS, b"j_complete=3")
    missing = storeokr("worker", "--check", cwd=tmp_path, STOREOKR_REDIS_URL=REDIS_URL)
    assert missing.returncode == 1
    assert f"no worker on {socket.gethostname()} wrote its heartbeat" in missing.stderr
    own = worker_id(pid=4242)
    await redis.psetex(heartbeat_key(own), HEARTBEAT_LIFE_MS, b"j_complete=1")
    seen = storeokr("worker", "--check", cwd=tmp_path, STOREOKR_REDIS_URL=REDIS_URL)
    assert seen.returncode == 0, seen.stderr
    assert f"worker {own} wrote its heartbeat" in seen.stdout
    assert "elsewhere" not in seen.stdout
    for key in await redis.keys(f"{HEARTBEAT_PREFIX}*"):
        await redis.delete(key)
    unreachable = storeokr(
        "worker", "--check", cwd=tmp_path, STOREOKR_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"
    )
    assert unreachable.returncode == 1
    assert "Redis cannot be reached" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr
