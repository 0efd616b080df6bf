"""A real `storeokr serve` with a live stream open stops promptly on SIGTERM: the stream is ended
by the server (not cut by the graceful timeout), and nothing is logged as a traceback."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from tests.fixtures.network import free_port
from tests.test_cli import clean_env, storeokr, wait_for_ok

A_SHOP = (
    "INSERT INTO shops (platform, domain, name, currency, timezone, status, scopes, "
    "abandonment_delay_minutes, installed_at, created_at, updated_at) VALUES ('shopify', "
    "'a.myshopify.com', 'A', 'EUR', 'UTC', 'active', '', 60, '2026-11-23 00:00:00', "
    "'2026-11-23 00:00:00', '2026-11-23 00:00:00')"
)


def migrated_with_a_shop(cwd: Path) -> None:
    assert storeokr("migrate", cwd=cwd).returncode == 0
    with contextlib.closing(sqlite3.connect(cwd / "var" / "storeokr.db")) as connection:
        connection.execute(A_SHOP)
        connection.commit()


def sign_in(client: httpx.Client, cwd: Path) -> None:
    printed = storeokr("shop", "login-link", "1", cwd=cwd, STOREOKR_PUBLIC_URL=str(client.base_url))
    assert printed.returncode == 0, printed.stderr
    assert client.get(printed.stdout.strip(), follow_redirects=True).status_code == 200


def test_sigterm_ends_an_open_live_stream_without_waiting_out_the_grace(tmp_path: Path) -> None:
    migrated_with_a_shop(tmp_path)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(STOREOKR_PUBLIC_URL=base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_ok(f"{base_url}/healthz")
        with httpx.Client(base_url=base_url, timeout=30) as client:
            sign_in(client, tmp_path)
            with client.stream("GET", "/api/v1/events") as stream:
                assert stream.status_code == 200
                lines = stream.iter_lines()
                assert next(lines) == "retry: 3000"
                assert next(lines) == ": connected"
                server.terminate()
                # The server ends the response itself: the body closes cleanly (a cut
                # connection would raise here), its last word at most a heartbeat.
                rest = [line for line in lines if line]
        assert set(rest) <= {": heartbeat"}
        output, _ = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert "Application shutdown complete" in output
    assert "timeout graceful shutdown exceeded" not in output
    assert "Traceback" not in output
