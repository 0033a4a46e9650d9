"""lrkit.torch.Scheduler vs PyTorch's own schedulers on identical optimizers.

Each case drives two identical SGD optimizers, one with the PyTorch scheduler
and one with lrkit, through the same loop (optimizer.step(); scheduler.step())
and compares every ``param_group["lr"]`` (and momentum where PyTorch cycles it).

PyTorch computes most schedules recursively (each value from the previous
one), so its values drift from the closed form by a few ulps per step; lrkit
is the closed form. The tolerance is rel 1e-9 everywhere (measured worst
cases are far below it, printed by ``test_report_worst_drift``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tl

import lrkit
from lrkit.torch import Scheduler

RTOL = 1e-9


def _opt(lr=0.1, momentum=0.9, groups=1):
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(groups)]
    return torch.optim.SGD([{"params": [p]} for p in params], lr=lr, momentum=momentum)


def _run(make_torch, schedule, steps, *, keys=("lr",), lr=0.1, **kw):
    o1, o2 = _opt(lr), _opt(lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's "step before optimizer.step" noise
        s1 = make_torch(o1)
    s2 = Scheduler(o2, schedule, **kw)
    a, b = {k: [] for k in keys}, {k: [] for k in keys}
    for _ in range(steps):
        for k in keys:
            a[k].append(o1.param_groups[0][k])
            b[k].append(o2.param_groups[0][k])
        o1.step()
        o2.step()
        s1.step()
        s2.step()
    return {k: np.array(a[k]) for k in keys}, {k: np.array(b[k]) for k in keys}


CASES = {
    "StepLR": (lambda o: tl.StepLR(o, step_size=7, gamma=0.5), lrkit.step(0.1, 0.5, every=7), 60),
    "MultiStepLR": (
        lambda o: tl.MultiStepLR(o, milestones=[0, 5, 13, 40], gamma=0.3),
        lrkit.multistep(0.1, 0.3, milestones=[0, 5, 13, 40]),
        60,
    ),
    "ExponentialLR": (
        lambda o: tl.ExponentialLR(o, gamma=0.97),
        lrkit.exponential(0.1, gamma=0.97),
        500,
    ),
    "CosineAnnealingLR": (
        lambda o: tl.CosineAnnealingLR(o, T_max=300, eta_min=1e-4),
        lrkit.cosine(0.1, 1e-4, steps=300),
        301,
    ),
    "CosineAnnealingWarmRestarts": (
        lambda o: tl.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=1e-3),
        lrkit.sgdr(0.1, 1e-3, period=10, mult=2),
        400,
    ),
    "CyclicLR-triangular": (
        lambda o: tl.CyclicLR(o, 0.01, 0.1, step_size_up=15, cycle_momentum=False),
        lrkit.cyclic(0.01, 0.1, half_period=15),
        200,
    ),
    "CyclicLR-triangular2": (
        lambda o: tl.CyclicLR(
            o, 0.01, 0.1, step_size_up=15, mode="triangular2", cycle_momentum=False
        ),
        lrkit.cyclic(0.01, 0.1, half_period=15, mode="triangular2"),
        200,
    ),
    "CyclicLR-exp_range": (
        lambda o: tl.CyclicLR(
            o, 0.01, 0.1, step_size_up=15, mode="exp_range", gamma=0.99, cycle_momentum=False
        ),
        lrkit.cyclic(0.01, 0.1, half_period=15, mode="exp_range", gamma=0.99),
        200,
    ),
    "PolynomialLR": (
        lambda o: tl.PolynomialLR(o, total_iters=80, power=2.0),
        lrkit.polynomial(0.1, 0.0, steps=80, power=2.0),
        120,
    ),
    "LinearLR": (
        lambda o: tl.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=50),
        lrkit.linear(0.01, 0.1, steps=50),
        100,
    ),
    "SequentialLR(LinearLR, CosineAnnealingLR)": (
        lambda o: tl.SequentialLR(
            o,
            [
                tl.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=20),
                tl.CosineAnnealingLR(o, T_max=180, eta_min=0.0),
            ],
            milestones=[20],
        ),
        lrkit.sequence(lrkit.linear(0.01, 0.1, steps=20), lrkit.cosine(0.1, 0.0, steps=180)),
        200,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lr_sequence_matches_torch(name):
    make, schedule, steps = CASES[name]
    a, b = _run(make, schedule, steps)
    np.testing.assert_allclose(b["lr"], a["lr"], rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_lr_and_momentum_match_torch(three_phase, anneal):
    total = 157
    s = lrkit.one_cycle(0.2, steps=total, pct_start=0.25, three_phase=three_phase, anneal=anneal)
    a, b = _run(
        lambda o: tl.OneCycleLR(
            o,
            max_lr=0.2,
            total_steps=total,
            pct_start=0.25,
            three_phase=three_phase,
            anneal_strategy=anneal,
        ),
        {"lr": s, "momentum": lrkit.opposite(s, 0.85, 0.95)},
        total,  # torch raises one step later
        keys=("lr", "momentum"),
    )
    np.testing.assert_allclose(b["lr"], a["lr"], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(b["momentum"], a["momentum"], rtol=RTOL, atol=1e-15)


def test_cyclic_momentum_matches_torch():
    s = lrkit.cyclic(0.01, 0.1, half_period=12)
    a, b = _run(
        lambda o: tl.CyclicLR(o, 0.01, 0.1, step_size_up=12, base_momentum=0.8, max_momentum=0.9),
        {"lr": s, "momentum": lrkit.opposite(s, 0.8, 0.9)},
        100,
        keys=("lr", "momentum"),
    )
    np.testing.assert_allclose(b["lr"], a["lr"], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(b["momentum"], a["momentum"], rtol=RTOL, atol=1e-15)


def test_per_group_multipliers_match_torch_base_lrs():
    # PyTorch's schedulers scale each group's own initial lr; lrkit: multipliers
    o1, o2 = _opt(groups=2), _opt(groups=2)
    o1.param_groups[1]["lr"] = 0.01
    s1 = tl.CosineAnnealingLR(o1, T_max=50)
    s2 = Scheduler(o2, lrkit.cosine(0.1, steps=50), multipliers=[1.0, 0.1])
    for _ in range(50):
        for g1, g2 in zip(o1.param_groups, o2.param_groups):
            assert g2["lr"] == pytest.approx(g1["lr"], rel=RTOL, abs=1e-15)
        o1.step()
        o2.step()
        s1.step()
        s2.step()


def test_report_worst_drift(capsys):
    """Not a check of its own: prints the worst relative difference per case."""
    worst = {}
    for name, (make, schedule, steps) in CASES.items():
        a, b = _run(make, schedule, steps)
        mask = a["lr"] != 0
        worst[name] = float(np.max(np.abs(b["lr"][mask] / a["lr"][mask] - 1.0)))
    with capsys.disabled():
        for name, w in worst.items():
            print(f"  drift {name}: {w:.2e}")
    assert max(worst.values()) < RTOL
