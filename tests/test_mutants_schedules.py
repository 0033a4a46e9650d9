"""Direct tests for behaviours of the schedule constructors that a sampled mutation
run (``benchmarks/mutation.py``) showed no other test pinned. Public API only."""

import math

import pytest

import lrkit


def test_wsd_without_decay_ends_at_end_when_warmup_fills_the_run():
    """``warmup == steps`` and ``decay = 0``: the ramp ``peak (t+1)/(w+1)`` covers
    ``t < w`` only; at ``t = T`` (and past it) the value is ``end`` (``t < w`` vs
    ``t <= w`` at the join)."""
    s = lrkit.wsd(2.0, steps=10, warmup=10, decay=0, end=0.1)
    assert s(9) == pytest.approx(2.0 * 10 / 11)
    assert s(10) == pytest.approx(0.1)
    assert s(25) == pytest.approx(0.1)
    assert [float(v) for v in s([9, 10, 11])] == pytest.approx([2.0 * 10 / 11, 0.1, 0.1])


def test_piecewise_peak_step_is_the_boundary_where_the_largest_value_starts():
    """``values[k]`` starts at ``boundaries[k-1]``; only ``k = 0`` starts at step 0."""
    assert lrkit.piecewise([0.1, 1.0, 0.5], boundaries=[10, 20]).peak_step() == 10
    assert lrkit.piecewise([0.1, 0.2, 1.0], boundaries=[10, 20]).peak_step() == 20
    assert lrkit.piecewise([1.0, 0.2, 0.1], boundaries=[10, 20]).peak_step() == 0


def test_sgdr_peak_scales_with_start_and_decay():
    """Cycle ``i`` of ``sgdr(start, end, period=P, mult=m, decay=d)`` starts at
    ``S_i = P (m^i - 1)/(m - 1)``, has length ``P m^i`` and its top is ``start d^i``:
    ``end + (start d^i - end)(1 + cos(pi (t - S_i)/(P m^i)))/2``."""
    start, end, p, m, d = 2.0, 0.1, 10, 2.0, 0.5

    def ref(t):
        i = 0
        while t >= p * (m ** (i + 1) - 1) / (m - 1):
            i += 1
        s_i, n_i = p * (m**i - 1) / (m - 1), p * m**i
        return end + (start * d**i - end) * (1 + math.cos(math.pi * (t - s_i) / n_i)) / 2

    s = lrkit.sgdr(start, end, period=p, mult=m, decay=d)
    steps = [0, 3, 5, 9, 10, 15, 29, 30, 50, 69, 70]
    assert [float(v) for v in s(steps)] == pytest.approx([ref(t) for t in steps])
    assert s(0) == pytest.approx(2.0)
    assert s(10) == pytest.approx(1.0)


def test_sgdr_start_matches_torch_warm_restarts_when_start_is_not_one():
    """``decay = 1``: PyTorch's ``CosineAnnealingWarmRestarts`` with base lr ``start``."""
    import torch

    start, end = 3.0, 0.2
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=start)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=7, T_mult=2, eta_min=end)
    want = []
    for _ in range(40):
        want.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    s = lrkit.sgdr(start, end, period=7, mult=2.0)
    assert [float(v) for v in s(list(range(40)))] == pytest.approx(want, rel=1e-9)


def test_interpolate_cos_with_many_points_follows_the_half_cosine():
    """More than a few points (the bisection path): between (s_i, v_i) and
    (s_{i+1}, v_{i+1}) the value is v_{i+1} + (v_i - v_{i+1}) (1 + cos(pi f)) / 2."""
    import numpy as np

    pts = [(0, 1.0), (10, 0.5), (20, 0.8), (30, 0.2), (40, 0.6), (50, 0.0)]
    s = lrkit.interpolate(pts, kind="cos")
    t = np.arange(0, 51)
    want = []
    for x in t:
        k = min(int(x) // 10, 4)
        (s0, v0), (s1, v1) = pts[k], pts[k + 1]
        f = (x - s0) / (s1 - s0)
        want.append(v1 + (v0 - v1) * (1.0 + math.cos(math.pi * f)) / 2.0)
    np.testing.assert_allclose(s(t), want, rtol=1e-12, atol=1e-15)
    assert s(15) == pytest.approx(0.65) and s(60) == 0.0
