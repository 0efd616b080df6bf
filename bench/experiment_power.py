"""Seeded simulations of the experiment statistics (issue #19, acceptance 3): when variant B
truly converts better, how often the analysis detects it at the planned sample (should be
about the planned power), and how often an A/A test — no difference at all — is flagged
(should be about α).

    .venv/bin/python -m bench.experiment_power             # 10 000 experiments of each kind
    .venv/bin/python -m bench.experiment_power --runs 500  # what the test suite runs

Each experiment draws both groups' conversions as Bernoulli processes (geometric gaps
between conversions, so a group of 6 745 costs a few hundred draws) and is analysed once, at
the planned sample, as the results page does: the pooled z-test at α = 0.05, and Newcombe's
interval for the difference excluding zero."""

from __future__ import annotations

import argparse
import math
import random
from dataclasses import dataclass

from app.initiatives.experiments.stats import (
    newcombe_difference,
    sample_size,
    two_proportion_z_test,
)

ALPHA = 0.05
BASELINE, EXPECTED = 0.04, 0.05  # PLATFORMS.md's example: 4 % → 5 %
SEED = 19


@dataclass(frozen=True)
class Flagged:
    runs: int
    by_test: int  # p < α
    by_interval: int  # Newcombe's 95 % interval excludes 0

    @property
    def rate(self) -> float:
        return self.by_test / self.runs


def conversions(rng: random.Random, n: int, rate: float) -> int:
    """Successes among n Bernoulli(rate) trials, by jumping geometric gaps between them."""
    log_miss = math.log1p(-rate)
    count, position = 0, 0
    while True:
        position += int(math.log(1.0 - rng.random()) / log_miss) + 1
        if position > n:
            return count
        count += 1


def flagged(runs: int, per_group: int, control: float, treated: float, seed: int) -> Flagged:
    rng = random.Random(seed)
    by_test = by_interval = 0
    for _ in range(runs):
        x1, x2 = conversions(rng, per_group, control), conversions(rng, per_group, treated)
        by_test += two_proportion_z_test(x1, per_group, x2, per_group).p_value < ALPHA
        by_interval += newcombe_difference(x1, per_group, x2, per_group).excludes_zero()
    return Flagged(runs, by_test, by_interval)


def planned_per_group() -> int:
    return sample_size(BASELINE, EXPECTED).control


def detection(runs: int, seed: int = SEED) -> Flagged:
    return flagged(runs, planned_per_group(), BASELINE, EXPECTED, seed)


def a_a(runs: int, seed: int = SEED + 1) -> Flagged:
    return flagged(runs, planned_per_group(), BASELINE, BASELINE, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    runs = parser.parse_args().runs
    print(f"{BASELINE:.0%} → {EXPECTED:.0%}, {planned_per_group()} per group, α = {ALPHA}")
    for name, result in (("B better", detection(runs)), ("A/A", a_a(runs))):
        print(
            f"{name:9} {result.by_test:6} of {result.runs} flagged by the z-test "
            f"({result.rate:.2%}), {result.by_interval} by Newcombe's interval"
        )


if __name__ == "__main__":
    main()
