"""The README's screenshots, taken from `storeokr demo` in Debian's chromium: the dashboard, a
key result, the editor and Operations on a desktop (1 280 px wide,
docs/screenshots/{dashboard,key-result,editor,operations}.png) and on a phone (390 px, the same
names ending in `-phone`), the Spanish dashboard, and the demo experiment's results
(experiment-results.png).

    .venv/bin/python scripts/screenshots.py   # the demo is that Python's `storeokr`

The demo runs on a fresh SQLite database in a temporary directory; the pictures are taken once
its Shopify store's year has been backfilled and its key results' history taken."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from playwright.async_api import Page, ViewportSize, async_playwright

from app.db import utcnow
from app.demo.catalog import DEMO_TIMEZONE
from app.demo.experiment import NAME as EXPERIMENT
from app.metrics.figures import local_day

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
LINK = re.compile(r"one-time login link\): (\S+)")
# The backfill of the demo store's year, then its key results' history: minutes on a busy machine.
HISTORY_WITHIN_S = 900
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def login_link(demo: subprocess.Popen[str], within_s: float = 300) -> str:
    deadline = time.monotonic() + within_s
    assert demo.stdout is not None
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        if found := LINK.search(line):
            return found.group(1)
    raise SystemExit("the demo printed no login link")


async def shoot(page: Page, url: str | None, name: str) -> None:
    if url is not None:
        await page.goto(url)
    await page.wait_for_timeout(1500)  # the event stream stays open: no "network idle"
    await page.screenshot(path=OUT / f"{name}.png", full_page=True)
    sys.stdout.write(f"docs/screenshots/{name}.png\n")


async def open_metric_picker(page: Page) -> None:
    """The editor with a key result being added: the picker explains the chosen metric."""
    objective = page.locator("article.objective").first
    await objective.get_by_text("Add a key result").click()
    form = objective.locator("form[action='/admin/okrs/key-results']")
    await form.get_by_label("Key result", exact=True).fill("More customers come back")
    await form.get_by_label("Metric", exact=True).select_option("repeat_purchase_rate")
    await form.get_by_test_id("metric-start").wait_for()


async def history_taken(page: Page, base: str) -> None:
    """Wait until the first key result has its snapshots since New Year (yesterday's too)."""
    today = local_day(utcnow(), DEMO_TIMEZONE)
    days_so_far = (today - date(today.year, 1, 1)).days
    deadline = time.monotonic() + HISTORY_WITHIN_S
    while time.monotonic() < deadline:
        answer = await page.request.get(f"{base}/api/v1/key-results/1/history")
        if len(await answer.json()) >= days_so_far:
            return
        await asyncio.sleep(2)
    raise SystemExit("the demo's key results got no history")


async def experiment_results(page: Page, base: str) -> str:
    """The demo experiment's results page (in English), once its orders are all in: it shows a
    lift, and reads the same four times in a row, five seconds apart."""
    await page.goto(f"{base}/admin/initiatives?locale=en")
    href = await page.get_by_role("link", name=EXPERIMENT).first.get_attribute("href")
    url = f"{base}{href}/results?locale=en"
    deadline, seen = time.monotonic() + HISTORY_WITHIN_S, [""]
    while time.monotonic() < deadline:
        now = await (await page.request.get(url)).text()
        seen = [*seen[-3:], now]
        if 'data-testid="lift"' in now and seen.count(now) == 4:  # the same for 15 s
            return url
        await asyncio.sleep(5)
    raise SystemExit("the demo experiment's results never settled")


async def sections(page: Page, base: str, suffix: str = "") -> None:
    """The dashboard, its first key result, the editor (adding a key result) and Operations,
    in English, at the page's width; each file's name ends in `suffix`."""
    await shoot(page, f"{base}/?locale=en", f"dashboard{suffix}")
    first_kr = await page.locator("tr[data-key-result] a").first.get_attribute("href")
    await shoot(page, f"{base}{first_kr}", f"key-result{suffix}")
    await page.goto(f"{base}/admin/okrs")
    await open_metric_picker(page)
    await shoot(page, None, f"editor{suffix}")
    await shoot(page, f"{base}/admin/operations", f"operations{suffix}")


async def take(link: str, base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        page = await browser.new_page(viewport=DESKTOP)
        await page.goto(link)
        await history_taken(page, base)
        await sections(page, base)
        await page.set_viewport_size(PHONE)
        await sections(page, base, "-phone")
        await page.set_viewport_size(DESKTOP)
        await shoot(page, f"{base}/?locale=es", "dashboard-es")
        await shoot(page, await experiment_results(page, base), "experiment-results")
        await browser.close()


def main() -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        demo = subprocess.Popen(
            [str(Path(sys.executable).parent / "storeokr"), "demo", "--port", str(port)],
            cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            link = login_link(demo)
            # Keep reading the demo's log, or its pipe fills and the server stalls.
            threading.Thread(target=demo.stdout.read, daemon=True).start()  # type: ignore[union-attr]
            asyncio.run(take(link, f"http://127.0.0.1:{port}"))
        finally:
            demo.terminate()
            try:
                demo.wait(30)
            except subprocess.TimeoutExpired:
                demo.kill()  # it would not stop: leave no demo behind
                demo.wait()


if __name__ == "__main__":
    main()
