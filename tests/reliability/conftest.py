"""The run's table of scenarios, written when the suite ends (`var/reliability/last-run.md`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.ledger import Tally, write_table

LAST_RUN = Path(__file__).resolve().parents[2] / "var" / "reliability" / "last-run.md"


@pytest.fixture(scope="session")
def ledger() -> Iterator[list[Tally]]:
    """Scenarios append their tally; the table is written at the end of the run."""
    tallies: list[Tally] = []
    yield tallies
    if tallies:
        write_table(sorted(tallies, key=lambda t: t.scenario), LAST_RUN)
