"""lrkit.torch under adversarial use: every value saved can be loaded back, the finder and
the planner leave everything as they found it, bad input ends in a clear error."""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import Scheduler

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _sgd(lr=0.1, **kw):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, **kw)


# ----------------------------------------------------------------------------- huge steps


@pytest.mark.parametrize("n", [2**53 + 1, 2**60, 2**63, 2**70])
def test_a_step_past_2_53_is_refused_before_anything_changes(n):
    opt = _sgd()
    s = Scheduler(opt, lrkit.linear(0.1, 0.0, steps=10))
    s.step()
    with pytest.raises(ConfigError, match=r"Scheduler: epoch must be at most 2\*\*53"):
        s.step(n)
    assert s.last_epoch == 1 and opt.param_groups[0]["lr"] == pytest.approx(0.09)


def test_the_largest_step_allowed_is_saved_and_loaded_back():
    s = Scheduler(_sgd(), lrkit.linear(0.1, 0.0, steps=10))
    s.step(2**53)
    t = Scheduler(_sgd(), lrkit.linear(0.1, 0.0, steps=10))
    t.load_state_dict(s.state_dict())
    assert t.last_epoch == 2**53 and t.optimizer.param_groups[0]["lr"] == 0.0


@pytest.mark.parametrize("key", ["total_steps", "steps_per_epoch"])
def test_run_sizes_past_2_53_are_refused_so_every_checkpoint_loads_back(key):
    with pytest.raises(ConfigError, match=rf"Scheduler: {key} must be at most 2\*\*53"):
        Scheduler(_sgd(), lrkit.constant(0.1), **{key: 2**60})
    s = Scheduler(_sgd(), lrkit.constant(0.1), **{key: 2**53})
    Scheduler(_sgd(), lrkit.constant(0.1), **{key: 2**53}).load_state_dict(s.state_dict())
