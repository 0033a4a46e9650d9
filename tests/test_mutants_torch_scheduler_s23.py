"""Direct test for the torch.scheduler survivor of the seed-23 measurement sample (issue 15)."""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import Scheduler


def _sgd(groups: int = 1) -> torch.optim.SGD:
    params = [{"params": [torch.nn.Parameter(torch.zeros(2))]} for _ in range(groups)]
    return torch.optim.SGD(params, lr=0.1, momentum=0.9)


def test_a_bad_value_at_step_0_is_reported_before_a_later_one_of_another_key():
    """The run's check walks the keys in order and reports each one's first bad step; a
    bad value at step 0 (the first sampled step) counts like any other, so the rate's
    -1.0 at step 0 is reported, not the momentum's 1.01 at step 1."""
    opt = _sgd()
    before = [dict(g) for g in opt.param_groups]
    spec = {"lr": lrkit.linear(-1.0, 1.0, steps=10), "momentum": lrkit.linear(0.9, 2.0, steps=10)}
    with pytest.raises(ConfigError) as e:
        Scheduler(opt, spec, total_steps=10)
    assert str(e.value).startswith(
        "Scheduler: the schedule for 'lr' (param group 0) gives -1.0 at step 0; lr must be >= 0"
    )
    assert [dict(g) for g in opt.param_groups] == before  # nothing changed


def test_a_bad_value_at_step_0_of_group_0_is_reported_before_group_1():
    opt = _sgd(groups=2)
    spec = {"lr": [lrkit.linear(-1.0, 1.0, steps=10), lrkit.linear(1.0, -1.0, steps=10)]}
    with pytest.raises(ConfigError, match=r"'lr' \(param group 0\) gives -1.0 at step 0;"):
        Scheduler(opt, spec, total_steps=10)
