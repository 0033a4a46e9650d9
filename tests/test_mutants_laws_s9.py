"""Direct tests for laws behaviours left open by seeds 6 and 7 (issue 15, seed-9
pass): ``optimize(family="interpolate")``'s starting point (``_optimize.py:95``, the
knot values floored at ``1e-6 x peak``) and the dense Multi-Power Law path's knots
(``_forms.py``, the local cubic's window at the first knot)."""

from __future__ import annotations

import numpy as np
import pytest
from test_mutants_laws_s5 import MPL, _mpl
from test_mutants_laws_s6 import _knot_start

import lrkit
from lrkit.laws import Law

#: a law whose prediction does not depend on the schedule: L(t) = L0
FLAT = dict(MPL, A=0.0, B=0.0)


@pytest.mark.parametrize(("T", "peak", "w", "knots"), [(800, 3e-4, 0, 4), (600, 2e-3, 60, 6)])
def test_the_free_shape_of_a_flat_law_is_its_start(T, peak, w, knots):
    """L-BFGS-B starts from the WSD optimum read at the knots; when the predicted loss
    does not depend on the schedule nothing can improve on that start, so it is the
    result (every rate of it, at every step)."""
    law = Law("multi_power", FLAT)
    wsd = law.optimize(T, peak, warmup=w, family="wsd")
    free = law.optimize(T, peak, warmup=w, family="interpolate", knots=knots)
    start = _knot_start(wsd, T, peak, w, knots)
    t = np.arange(T + 1)
    np.testing.assert_allclose(free(t), start(t), rtol=1e-9, atol=0.0)
    assert float(free(T - 1)) < peak  # the start decays: the WSD optimum's cooldown


def _dense_cases(T):
    return {
        "cosine": lrkit.warmup(lrkit.cosine(3e-3, 3e-4), 20).bind(total_steps=T),
        "two slopes": lrkit.interpolate([(0, 3e-3), (T // 3, 1e-3), (T, 1e-4)]),
        "steps": lrkit.piecewise([3e-3, 1e-3, 3e-4], [T // 3, 2 * T // 3]).bind(total_steps=T),
    }


@pytest.mark.parametrize("name", ["cosine", "two slopes", "steps"])
@pytest.mark.parametrize("lo", [0, 30])
def test_dense_predictions_are_exact_at_the_even_grid_of_knots(name, lo):
    """A whole curve (more than 256 steps) evaluates the drop sum exactly at adaptive
    knots, starting from an even grid of 32 intervals over the requested steps, and
    interpolates only between knots: at the grid's steps (the first and last requested
    included) the prediction is the term-by-term sum to rounding."""
    T = 600
    s = _dense_cases(T)[name]
    eta = np.asarray(s(np.arange(T)), dtype=np.float64)
    steps = np.arange(lo, T)
    got = Law("multi_power", MPL).predict(s, steps)
    grid = np.unique(np.linspace(lo, T - 1, 33).round().astype(int))
    want = [_mpl(eta, int(t), MPL) for t in grid]
    np.testing.assert_allclose(got[grid - lo], want, rtol=1e-12)


@pytest.mark.parametrize("T", [600, 3000])
def test_dense_predictions_are_exact_around_every_kink_of_the_drops(T):
    """Seed 9, ``_forms.py:344``: the knots also hold the steps around every kink of the
    drop sequence (``k - 1, k, k + 1`` where ``|d_k - d_(k-1)|`` exceeds 1 % of the
    largest drop, ``d_k = eta_(k-1) - eta_k`` after the peak), so the prediction there
    is the term-by-term sum to rounding. Two linear slopes: kinks where the decay
    starts, where its slope changes (step T/3) and where it ends."""
    s = lrkit.interpolate([(0, 3e-3), (T // 3, 1e-3), (T, 1e-4)])
    eta = np.asarray(s(np.arange(T)), dtype=np.float64)
    d = np.zeros(T)
    kp = int(np.argmax(eta))
    d[kp + 1 :] = eta[kp:-1] - eta[kp + 1 :]
    k = np.flatnonzero(np.abs(np.diff(d)) > 1e-2 * np.abs(d).max()) + 1
    near = np.unique(np.concatenate([k - 1, k, k + 1]))
    near = near[(near >= 30) & (near < T)]
    assert T // 3 in near
    steps = np.arange(30, T)
    got = Law("multi_power", MPL).predict(s, steps)[near - 30]
    np.testing.assert_allclose(got, [_mpl(eta, int(t), MPL) for t in near], rtol=1e-12)


@pytest.mark.parametrize("base", ["multi_power", "momentum"])
def test_a_q_law_reports_its_base_formula_and_its_drops(base):
    """Seed 9 draws 11-20, ``_law.py:44``: a ``*_q`` law is its base law with the drops
    ``d_k = eta_max^(1-q) (eta_(k-1)^q - eta_k^q)``; its report's formula line says so."""
    from lrkit.laws import LAWS

    p = {n: 0.5 for n in LAWS[base]}
    first = Law(base, p).report().splitlines()[0]
    first_q = Law(base + "_q", {**p, "q": 0.5}).report().splitlines()[0]
    assert first.startswith(f"{base} law: ") and first_q.startswith(f"{base}_q law: ")
    formula, formula_q = first.split(": ", 1)[1], first_q.split(": ", 1)[1]
    assert formula_q == formula + ", drops d_k = eta_max^(1-q)*(eta_(k-1)^q - eta_k^q)"


def test_the_law_plots_y_range_leaves_out_each_curves_first_5_percent():
    """Seed 9 draws 11-20, ``plotting.py:111``: the top of the y range is the highest
    point of each curve after its first 5 % (``len // 20`` points): a spike at the
    second of 40 logged points is left above the chart."""
    law = Law("momentum", {"L0": 2.4, "A": 0.7, "alpha": 0.45, "C": 2.0, "lam": 0.99})
    s = lrkit.wsd(3e-3, steps=400, warmup=10, decay="30%").bind(total_steps=400)
    eta = np.asarray(s(np.arange(400)), dtype=np.float64)
    steps = np.arange(1, 41) * 9  # 40 logged points: the first 5 % is two of them
    losses = law.predict(eta, steps) * 1.01
    losses[1] = 50.0
    fig = law.plot(runs=[lrkit.laws.Run(eta, steps, losses, name="obs")])
    (ax,) = fig.axes
    ys = [np.asarray(ln.get_ydata(), dtype=np.float64) for ln in ax.get_lines()]
    tops = [float(np.max(y[len(y) // 20 :])) for y in ys]
    lows = [float(np.min(y)) for y in ys]
    pad = 0.05 * (max(tops) - min(lows))
    assert max(tops) < 50.0
    assert ax.get_ylim() == pytest.approx((min(lows) - pad, max(tops) + pad), rel=1e-12)
