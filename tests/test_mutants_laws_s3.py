"""Direct test for a loss-law behaviour that a fresh sampled mutation run
(``benchmarks/mutation.py``, seed 3) showed no other test pinned."""

import numpy as np

from lrkit.laws import Law, optimize
from lrkit.schedules import wsd


def _grid_min(law, T, peak):
    """The least predicted final loss over optimize's wsd grid: cooldowns of 1-80 % of the
    run, three shapes, three end levels."""
    return min(
        law.final(
            wsd(peak, steps=T, warmup=0, decay=max(1, round(f * T)), end=e * peak, shape=sh), T
        )
        for f in np.arange(1, 81) / 100
        for sh in ("linear", "cos", "sqrt")
        for e in (0.0, 0.01, 0.1)
    )


def test_optimize_wsd_is_never_predicted_worse_than_its_grid():
    """``optimize(family="wsd")`` searches a grid (decay 1 %..80 % of the steps after
    warm-up, shapes linear/cos/sqrt, ends 0/1 %/10 % of the peak) and then refines the
    best decay; the refinement is kept only when it predicts better. Here its bounded
    search ends at decay 86, predicted worse than the grid's best (85, cos): the result
    is that grid cell, whose predicted final loss is the grid's minimum."""
    law = Law(
        "multi_power", dict(L0=1.88, A=1.44, alpha=0.5, B=115.6, C=1.94, beta=1.49, gamma=0.864)
    )
    T, peak = 250, 0.0188
    s = optimize(law, T, peak)
    grid = _grid_min(law, T, peak)
    assert law.final(s, T) == grid
    assert str(s) == "wsd(peak=0.0188, steps=250, warmup=0, decay=85, shape='cos')"
    assert law.final(wsd(peak, steps=T, warmup=0, decay=86, shape="cos"), T) > grid


def test_optimize_keeps_a_refined_decay_that_predicts_better():
    """The companion: with the Multi-Power Law of the module's example over 1000 steps
    the refined decay (74, between grid cells) predicts a lower final loss than every
    grid cell, and is kept."""
    p = dict(L0=2.5, A=0.66, alpha=0.42, B=770.0, C=0.53, beta=0.27, gamma=0.65)
    law = Law("multi_power", p)
    T, peak = 1000, 3e-4
    s = optimize(law, T, peak)
    grid = _grid_min(law, T, peak)
    assert law.final(s, T) < grid
    assert s.decay % 10 != 0  # not a grid cell (the grid's decays are multiples of 10 here)
