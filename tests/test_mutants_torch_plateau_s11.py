"""Direct tests for torch.plateau survivors of the seed-11 measurement sample (issue
15): ``start_step="warmup"`` with one schedule per parameter group reads the first
group's warmup (the group whose scale ``scale`` reports and whose ``min_lr`` the
plateau's own settings carry)."""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import ReduceOnPlateau


def _opt():
    a, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    return torch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=1.0)


def test_start_step_warmup_is_the_first_group_s_warmup():
    first = lrkit.warmup(lrkit.constant(1.0), 10)
    second = lrkit.warmup(lrkit.constant(0.5), 50)
    sched = ReduceOnPlateau(
        _opt(), [first, second], start_step="warmup", patience=0, total_steps=100
    )
    assert sched.config.start_step == 10
    for _ in range(12):
        sched.step()
    sched.step(2.0)  # step 12 >= 10: counted (the first metric: the best so far)
    sched.step()
    sched.step(2.0)  # a bad epoch with patience 0: the scale drops by factor 0.1
    assert sched.scale == pytest.approx(0.1)
    other = ReduceOnPlateau(
        _opt(), [second, first], start_step="warmup", patience=0, total_steps=100
    )
    assert other.config.start_step == 50


def test_start_step_warmup_needs_the_first_group_to_warm_up():
    with pytest.raises(ConfigError, match="start_step='warmup' needs a warmup"):
        ReduceOnPlateau(
            _opt(),
            [lrkit.constant(1.0), lrkit.warmup(lrkit.constant(1.0), 10)],
            start_step="warmup",
            total_steps=100,
        )
