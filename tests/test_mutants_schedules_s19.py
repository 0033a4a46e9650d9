"""Each schedule's documented closed form, restated in plain Python, over every branch
(issue 15, seed 19 pass): all WSD warm-up and decay shapes (cycles included), cosine's
exponent / k / cycles, polynomial's cycle, inverse_sqrt's timescale, staircase decays,
and the bisection paths of piecewise and interpolate (more than four pieces) against the
few-piece rule.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import pytest

import lrkit

T = 60


def _check(s, f, n=T + 8):
    got = np.asarray(s(np.arange(n)), dtype=np.float64)
    want = np.array([f(t) for t in range(n)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("wshape", ["linear", "cos", "sqrt"])
@pytest.mark.parametrize("start", [None, 0.05])
@pytest.mark.parametrize(
    ("shape", "cycles"), [("linear", 0.5), ("cos", 0.5), ("cos", 1.5), ("sqrt", 0.5)]
)
@pytest.mark.parametrize("decay", [0, 20])
def test_wsd_every_branch(wshape, start, shape, cycles, decay):
    peak, end, w = 1.0, 0.1, 8
    s = lrkit.wsd(
        peak,
        T,
        warmup=w,
        decay=decay,
        end=end,
        shape=shape,
        start=start,
        warmup_shape=wshape,
        cycles=cycles,
    )

    def f(t):
        if t < w:
            if start is None and wshape == "linear":
                return peak * (t + 1) / (w + 1)
            a = peak / (w + 1) if start is None else start
            u = min(max(t / w, 0.0), 1.0)
            h = {"linear": u, "cos": (1 - math.cos(math.pi * u)) / 2, "sqrt": 1 - math.sqrt(1 - u)}[
                wshape
            ]
            return a + (peak - a) * h
        if decay == 0:
            return end if t >= T else peak
        if t < T - decay:
            return peak
        if t >= T and cycles != 0.5:
            return end
        x = min((t - (T - decay)) / decay, 1.0)
        g = {
            "linear": x,
            "cos": (1 - math.cos(2 * math.pi * cycles * x)) / 2,
            "sqrt": math.sqrt(x),
        }[shape]
        return end + (peak - end) * (1 - g)

    _check(s, f)


@pytest.mark.parametrize("exponent", [1.0, 2.0, 0.5])
@pytest.mark.parametrize("k", [1.0, 2.0])
@pytest.mark.parametrize("cycles", [0.5, 0.75, 1.5])
def test_cosine_every_branch(exponent, k, cycles):
    a, b = 1.0, 0.1
    s = lrkit.cosine(a, b, T, exponent=exponent, k=k, cycles=cycles)

    def f(t):
        x = (min(t, T) / T) ** k
        c = max((1 + math.cos(2 * math.pi * cycles * x)) / 2, 0.0)
        return b + (a - b) * c**exponent

    _check(s, f)


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
@pytest.mark.parametrize("cycle", [False, True])
def test_polynomial_with_and_without_cycle(power, cycle):
    a, b, n = 1.0, 0.1, 10
    s = lrkit.polynomial(a, b, n, power, cycle=cycle)

    def f(t):
        if cycle:
            d = n * max(1, math.ceil(t / n))
            x = t / d
        else:
            x = min(t, n) / n
        return (a - b) * (1 - x) ** power + b

    _check(s, f)
    assert s.length == (None if cycle else n)


@pytest.mark.parametrize("timescale", [None, 3, 10])
def test_inverse_sqrt_with_and_without_timescale(timescale):
    w = 5
    s = lrkit.inverse_sqrt(2.0, w, timescale=timescale)

    def f(t):
        if t < w:
            return 2.0 * t / w
        tau = w if timescale is None else timescale
        return 2.0 * math.sqrt(tau / (t - w + tau))

    _check(s, f)


@pytest.mark.parametrize("staircase", [False, True])
def test_staircase_decays(staircase):
    def p(t, every):
        return math.floor(t / every) if staircase else t / every

    _check(
        lrkit.exponential(1.0, gamma=0.7, every=4, staircase=staircase), lambda t: 0.7 ** p(t, 4)
    )
    _check(
        lrkit.exponential(1.0, half_life=6, every=3, staircase=staircase),
        lambda t: 0.5 ** (p(t, 3) * 3 / 6),
    )
    _check(
        lrkit.inverse_time(1.0, 0.5, every=4, staircase=staircase),
        lambda t: 1.0 / (1 + 0.5 * p(t, 4)),
    )


@pytest.mark.parametrize("n", [1, 2, 4, 5, 9])
def test_piecewise_and_multistep_any_number_of_pieces(n):
    bounds = [3 + 5 * i for i in range(n)]
    vals = [1.0 / (i + 1) + 0.3 * (i % 2) for i in range(n + 1)]
    _check(lrkit.piecewise(vals, bounds), lambda t: vals[bisect.bisect_right(bounds, t)])
    _check(lrkit.multistep(1.0, 0.7, bounds), lambda t: 0.7 ** bisect.bisect_right(bounds, t))
    _check(lrkit.table(vals), lambda t: vals[min(t, len(vals) - 1)])


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 9])
@pytest.mark.parametrize("kind", ["linear", "cos"])
def test_interpolate_any_number_of_points(n, kind):
    pts = [(2 + 6 * i + (i % 2), math.sin(i) + 1.5) for i in range(n)]
    s = lrkit.interpolate(pts, kind=kind)

    def f(t):
        if t <= pts[0][0]:
            return pts[0][1]
        if t >= pts[-1][0]:
            return pts[-1][1]
        i = max(j for j in range(n - 1) if pts[j][0] <= t)
        (s0, v0), (s1, v1) = pts[i], pts[i + 1]
        x = (t - s0) / (s1 - s0)
        if kind == "linear":
            return v0 + (v1 - v0) * x
        return v1 + 0.5 * (v0 - v1) * (1 + math.cos(math.pi * x))

    _check(s, f)
    assert s.length == pts[-1][0]


@pytest.mark.parametrize(
    "s",
    [
        lrkit.interpolate([(0, 0.5)]),
        lrkit.interpolate([(4, 0.5)]),
        lrkit.piecewise([0.5], []),
        lrkit.table([0.5]),
        lrkit.constant(0.5),
        lrkit.wsd(0.5, steps=10, warmup=0, decay=0),
    ],
    ids=lambda s: s.name,
)
def test_a_one_piece_schedule_gives_one_value_per_step_inside_a_warmup(s):
    """A one-piece schedule still evaluates to an array of the steps' shape: a warm-up reads
    its value at the join and at every step from one evaluation, by index."""
    for prefix in (True, False):
        w = lrkit.warmup(s, steps=3, prefix=prefix)
        assert [float(w(t)) for t in range(6)] == pytest.approx([0.125, 0.25, 0.375, 0.5, 0.5, 0.5])


def test_sgdr_length_uses_the_restart_tolerance_of_its_cycles():
    # mult = 1 + 2.5e-9: cycle 2 starts at 2 + 2.5e-9, within tol(s) = 1e-9 (1 + s) of step 2
    m = 1.0 + 2.5e-9
    s = lrkit.sgdr(1.0, 0.1, period=1, mult=m, cycles=2)
    assert s.length == 2
    assert [float(s(t)) for t in range(4)] == [1.0, pytest.approx(1.0), 0.1, 0.1]
    i, start, _ = s.cycle_index(np.array([2.0]), np)
    assert i[0] == 2.0 and start[0] == pytest.approx(2.0)


def test_sgdr_restarts_on_the_logarithm_path():
    """More than 4096 cycles before 2**63: the cycle comes from a logarithm, corrected at
    each restart with the same tolerance. Cycles 1 and 2 start exactly at 128 and 257."""
    s = lrkit.sgdr(1.0, 0.0, period=128, mult=1.0078125, decay=0.5)
    assert s._cycles() is None
    for t, i, start in [(127, 0, 0), (128, 1, 128), (256, 1, 128), (257, 2, 257), (258, 2, 257)]:
        length = 128 * 1.0078125**i
        want = 0.5 * 0.5**i * (1 + math.cos(math.pi * (t - start) / length))
        assert float(s(t)) == pytest.approx(want, rel=1e-9), t


def test_sgdr_logarithm_path_restarts_at_a_start_computed_just_above_a_step():
    """A cycle start computed as 583837.00000028 (float error of p (m**k - 1) / (m - 1)) is
    within the restart tolerance min(1e-9 (1 + s), 1e-6) of step 583837: the new cycle
    begins there (its peak), not one step later."""
    m, p = 1.0053374987641446, 100
    s = lrkit.sgdr(1.0, 0.0, period=p, mult=m)
    assert s._cycles() is None  # more than 4096 cycles before 2**63: the logarithm path
    ks = np.arange(1, 3000, dtype=np.float64)
    starts = p * (np.power(m, ks) - 1.0) / (m - 1.0)
    k = int(np.argmin(np.abs(starts - 583837.0)))
    assert 0.0 < starts[k] - 583837.0 < 1e-6
    assert float(s(583837)) == pytest.approx(1.0, abs=1e-9)
    assert float(s(583836)) < 1e-6  # the end of the previous cycle
