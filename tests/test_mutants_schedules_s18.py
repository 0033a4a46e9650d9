"""Each schedule against PyTorch's own scheduler, in the schedules module's test set (issue 15).

The parity tests live in ``test_torch_parity.py`` / ``test_parity_torch.py``, which the
mutation run of ``schedules`` does not run; a change to a schedule's formula that only
they notice would survive there. So every schedule documented as "same values as
PyTorch's X" is compared here with X, on parameters that exercise each branch (both
one-cycle anneals and the three-phase variant, all three cyclic modes with an uneven
cycle, warm restarts with a growing period, repeated milestones).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

import lrkit

LR = 0.5


def _torch(make, n, key="lr", momentum=0.0):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR, momentum=momentum)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0][key])
        opt.step()
        sched.step()
    return np.array(out)


CASES = [
    (lambda o: L.LinearLR(o, 0.1, 0.9, total_iters=7), lrkit.linear(0.1 * LR, 0.9 * LR, steps=7)),
    (lambda o: L.LinearLR(o, 1.0, 0.2, total_iters=5), lrkit.linear(LR, 0.2 * LR, steps=5)),
    (lambda o: L.CosineAnnealingLR(o, T_max=9, eta_min=0.05), lrkit.cosine(LR, 0.05, steps=9)),
    (lambda o: L.PolynomialLR(o, total_iters=8, power=2.0), lrkit.polynomial(LR, 0.0, 8, 2.0)),
    (lambda o: L.PolynomialLR(o, total_iters=8, power=0.5), lrkit.polynomial(LR, 0.0, 8, 0.5)),
    (lambda o: L.ExponentialLR(o, gamma=0.8), lrkit.exponential(LR, gamma=0.8)),
    (lambda o: L.StepLR(o, step_size=3, gamma=0.5), lrkit.step(LR, 0.5, every=3)),
    (
        lambda o: L.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5),
        lrkit.multistep(LR, 0.5, milestones=[2, 5, 5, 9]),
    ),
    (
        lambda o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
        lrkit.sgdr(LR, 0.01, period=3, mult=2.0),
    ),
    (
        lambda o: L.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=0.0),
        lrkit.sgdr(LR, 0.0, period=4),
    ),
]
for mode, gamma in (("triangular", 1.0), ("triangular2", 1.0), ("exp_range", 0.97)):
    for down in (None, 2):
        CASES.append(
            (
                lambda o, m=mode, g=gamma, d=down: L.CyclicLR(
                    o,
                    0.05,
                    LR,
                    step_size_up=4,
                    step_size_down=d,
                    mode=m,
                    gamma=g,
                    cycle_momentum=False,
                ),
                lrkit.cyclic(
                    0.05, LR, half_period=4, mode=mode, gamma=gamma, half_period_down=down
                ),
            )
        )
for three in (False, True):
    for anneal in ("cos", "linear"):
        CASES.append(
            (
                lambda o, t=three, a=anneal: L.OneCycleLR(
                    o,
                    max_lr=LR,
                    total_steps=30,
                    pct_start=0.25,
                    div_factor=10.0,
                    final_div_factor=100.0,
                    three_phase=t,
                    anneal_strategy=a,
                    cycle_momentum=False,
                ),
                lrkit.one_cycle(
                    LR,
                    steps=30,
                    pct_start=0.25,
                    div=10.0,
                    final_div=100.0,
                    three_phase=three,
                    anneal=anneal,
                ),
            )
        )


@pytest.mark.parametrize(("make", "s"), CASES)
def test_each_schedule_matches_its_pytorch_scheduler(make, s):
    n = 30 if s.length is None else min(s.length, 30)
    want = _torch(make, n)
    got = np.array([float(s(t)) for t in range(n)])
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("three", [False, True])
def test_one_cycle_momentum_matches_pytorch(three):
    def make(o):
        return L.OneCycleLR(
            o,
            max_lr=LR,
            total_steps=30,
            pct_start=0.25,
            three_phase=three,
            base_momentum=0.8,
            max_momentum=0.9,
        )

    want = _torch(make, 30, key="momentum", momentum=0.9)
    m = lrkit.opposite(lrkit.one_cycle(LR, steps=30, pct_start=0.25, three_phase=three), 0.8, 0.9)
    np.testing.assert_allclose([float(m(t)) for t in range(30)], want, rtol=1e-9, atol=1e-12)


def test_cyclic_momentum_matches_pytorch():
    def make(o):
        return L.CyclicLR(
            o,
            0.05,
            LR,
            step_size_up=3,
            step_size_down=5,
            mode="triangular2",
            base_momentum=0.8,
            max_momentum=0.9,
        )

    want = _torch(make, 30, key="momentum", momentum=0.9)
    c = lrkit.cyclic(0.05, LR, half_period=3, mode="triangular2", half_period_down=5)
    m = lrkit.opposite(c, 0.8, 0.9)
    np.testing.assert_allclose([float(m(t)) for t in range(30)], want, rtol=1e-9, atol=1e-12)
