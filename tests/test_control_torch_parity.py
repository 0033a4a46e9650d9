"""lrkit.control against torch.optim.lr_scheduler.ReduceLROnPlateau (the reference)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from test_control import _lrkit_lrs  # the lrkit side of the comparison, written once

from lrkit.control import Plateau


def _torch_lrs(metrics, base_lr, **kw):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    out = []
    for m in metrics:
        sched.step(m)
        out.append(opt.param_groups[0]["lr"])
    return out


@pytest.mark.parametrize("seed", range(40))
def test_parity_with_torch_on_random_streams(seed, draw_plateau_kwargs):
    rng = random.Random(seed)
    kw = draw_plateau_kwargs(rng, [0.1, 0.5, 0.7], [0.0, 1e-4, 0.05], max_cooldown=3)
    kw.update(min_lr=rng.choice([0.0, 1e-3]), eps=rng.choice([1e-8, 1e-4]))
    base = rng.choice([0.1, 1.0, 0.03])
    # positive metrics (where PyTorch's rel threshold is right), with plateaus and noise
    metrics = []
    level = 10.0
    for _ in range(120):
        if rng.random() < 0.3:
            level *= rng.uniform(0.8, 1.0)
        metrics.append(level * rng.uniform(0.97, 1.03) if rng.random() < 0.5 else level)
    got = _lrkit_lrs(metrics, base, **kw)
    want = _torch_lrs(metrics, base, **kw)
    # lrkit multiplies base * (factor**k); torch multiplies factor k times: equal to rounding
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    # and the decisions are the same, step by step
    assert [g < base for g in got] == [w < base for w in want]


def test_parity_reduction_sequence_exact_values():
    metrics = [1.0] * 12
    got = _lrkit_lrs(metrics, 1.0, patience=2, factor=0.5, cooldown=1)
    want = _torch_lrs(metrics, 1.0, patience=2, factor=0.5, cooldown=1)
    assert got == want == [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125]


def test_negative_metric_torch_is_stuck_lrkit_is_not():
    # PyTorch (pytorch#47513): best * (1 - threshold) is *above* a negative best, so a
    # slightly worse metric counts as an improvement and the rate is never reduced
    stuck = [-1.0, -0.99995, -0.9999, -0.99985, -0.9998, -0.99975]
    torch_lrs = _torch_lrs(stuck, 1.0, patience=1, factor=0.5)
    lrkit_lrs = _lrkit_lrs(stuck, 1.0, patience=1, factor=0.5)
    assert torch_lrs == [1.0] * 6  # every worsening counted as progress
    assert lrkit_lrs == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]  # all bad epochs


def test_torch_counts_nan_as_a_bad_epoch():
    assert _torch_lrs([1.0, float("nan")], 1.0, patience=0) == [1.0, 0.1]
    with pytest.raises(ValueError, match="NaN"):
        _lrkit_lrs([1.0, float("nan")], 1.0, patience=0)


def test_eps_and_min_value_as_torch():
    assert _torch_lrs([1.0, 1.0], 1e-3, patience=0, factor=0.5, eps=1e-3) == [1e-3, 1e-3]
    assert _lrkit_lrs([1.0, 1.0], 1e-3, patience=0, factor=0.5, eps=1e-3) == [1e-3, 1e-3]
    got = _lrkit_lrs([1.0] * 8, 1.0, patience=0, factor=0.1, min_lr=0.05)
    want = _torch_lrs([1.0] * 8, 1.0, patience=0, factor=0.1, min_lr=0.05)
    assert got == pytest.approx(want, rel=1e-12)


def test_a_tensor_metric():
    p = Plateau()
    p.update(torch.tensor(1.0))
    assert p.state.best == 1.0
