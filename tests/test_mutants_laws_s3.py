"""Direct test for a loss-law behaviour that a fresh sampled mutation run
(``benchmarks/mutation.py``, seed 3) showed no other test pinned."""

import numpy as np

from lrkit.laws import Law, optimize
from lrkit.schedules import wsd


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
    grid = min(
        law.final(
            wsd(peak, steps=T, warmup=0, decay=max(1, round(f * T)), end=e * peak, shape=sh), T
        )
        for f in np.arange(1, 81) / 100
        for sh in ("linear", "cos", "sqrt")
        for e in (0.0, 0.01, 0.1)
    )
    assert law.final(s, T) == grid
    assert str(s) == "wsd(peak=0.0188, steps=250, warmup=0, decay=85, shape='cos')"
    assert law.final(wsd(peak, steps=T, warmup=0, decay=86, shape="cos"), T) > grid
