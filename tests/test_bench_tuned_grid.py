"""benchmarks/bench_plan.py's ``tuned_grid``: the grid tuned on one seed and deployed on the
others (leave one seed out), checked against the formula by hand on small tables."""

from __future__ import annotations

import math
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

from bench_plan import tuned_grid  # noqa: E402

CELLS = {"a": [1.0, 3.0, 2.0], "b": [2.0, 1.0, 4.0]}


def test_each_seed_picks_its_best_cell_and_is_scored_on_the_others():
    # seed 0 picks a -> (3 + 2) / 2; seed 1 picks b -> (2 + 4) / 2; seed 2 picks a -> (1 + 3) / 2
    assert tuned_grid(CELLS) == pytest.approx((2.5 + 3.0 + 2.0) / 3)


def test_higher_is_better_picks_the_largest():
    # seed 0 picks b -> (1 + 4) / 2; seed 1 picks a -> (1 + 2) / 2; seed 2 picks b -> (2 + 1) / 2
    assert tuned_grid(CELLS, higher_is_better=True) == pytest.approx((2.5 + 1.5 + 1.5) / 3)


def test_it_is_never_better_than_the_hindsight_best_cell_here_and_a_tie_takes_the_first():
    cells = {"x": [1.0, 1.0], "y": [1.0, 0.0]}
    # seed 0: tie x / y -> x, scored 1.0 on seed 1; seed 1 picks y, scored 1.0 on seed 0
    assert tuned_grid(cells) == 1.0
    best = min(sum(v) / len(v) for v in cells.values())
    assert best == 0.5 < tuned_grid(cells)


def test_a_picked_cell_that_diverges_elsewhere_counts_as_diverged():
    cells = {"a": [0.5, math.inf, 1.0], "b": [1.0, 1.0, 1.0]}
    assert tuned_grid(cells) == math.inf
    acc = {"a": [0.9, -math.inf], "b": [0.8, 0.7]}
    assert tuned_grid(acc, higher_is_better=True) == -math.inf


def test_one_seed_or_ragged_cells_are_refused():
    with pytest.raises(ValueError, match="needs >= 2 seeds, the same number"):
        tuned_grid({"a": [1.0], "b": [2.0]})
    with pytest.raises(ValueError, match="needs >= 2 seeds, the same number"):
        tuned_grid({"a": [1.0, 2.0], "b": [2.0]})
