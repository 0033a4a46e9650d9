"""Direct tests for laws behaviours that the seed-6 mutation sample
(``benchmarks/mutation.py --seed 6``, ``benchmarks/results/mutation_seed6.md``)
showed no other test pinned; written after that sample ran."""

import numpy as np

import lrkit
from lrkit.laws import Law

MPL = {"L0": 2.5, "A": 0.66, "alpha": 0.42, "B": 770.0, "C": 0.53, "beta": 0.27, "gamma": 0.65}


def _knot_start(wsd, T, peak, w, knots):
    """The free family's starting point (the module's notes): the WSD optimum read at
    the knots (floored at 1e-6 x peak), as the same interpolate behind its warm-up."""
    room = T - w
    xs = np.linspace(0, room, knots + 1).round().astype(int)
    v = np.maximum(np.asarray(wsd(w + np.minimum(xs, room - 1)), float), 1e-6 * peak)
    pts = [(int(x), float(f"{y:.6g}")) for x, y in zip(xs, v)]
    base = lrkit.interpolate(pts)
    return lrkit.warmup(base, steps=w, start=0.0) if w > 0 else base


def test_the_free_shape_starts_from_the_wsd_optimum_and_never_ends_worse():
    """``_optimize.py:95``: ``optimize(family="interpolate")`` starts L-BFGS-B from the
    WSD optimum read at its knots (values floored at ``1e-6 x peak``); it returns the
    result only when it predicts no worse than that start, so its prediction is at
    most the start's."""
    law = Law("multi_power", MPL)
    for T, peak, w, knots in ((3000, 3e-4, 0, 4), (3000, 2e-3, 200, 6)):
        wsd = law.optimize(T, peak, warmup=w, family="wsd")
        free = law.optimize(T, peak, warmup=w, family="interpolate", knots=knots)
        start = _knot_start(wsd, T, peak, w, knots)
        assert law.final(free, total_steps=T) <= law.final(start, total_steps=T) + 1e-12
