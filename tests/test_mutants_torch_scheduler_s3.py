"""Direct tests for ``lrkit.torch.Scheduler`` behaviours that a fresh sampled mutation run
(``benchmarks/mutation.py``, seed 3) showed no other test pinned."""

import math

import numpy as np
import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import Scheduler


def _model():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 1, dtype=torch.float64)


def test_tensor_lr_true_on_cpu_adam_with_default_foreach_takes_a_tensor_lr():
    """Adam on CPU parameters with PyTorch's defaults (``capturable=False``,
    ``foreach=None``): foreach is not used on CPU, so a tensor lr is fine and
    ``tensor_lr=True`` converts it (it refuses only the foreach/GPU case). The
    tensor then follows the schedule and Adam's first update is ``lr x sign(grad)``."""
    m = _model()
    opt = torch.optim.Adam(m.parameters(), lr=0.1)
    g = opt.param_groups[0]
    assert (g["capturable"], g["foreach"]) == (False, None)
    s = Scheduler(opt, lrkit.cosine(0.1, steps=10), tensor_lr=True)
    assert isinstance(g["lr"], torch.Tensor) and float(g["lr"]) == pytest.approx(0.1, rel=1e-15)
    w0 = m.weight.detach().clone()
    m(torch.ones(1, 3, dtype=torch.float64)).sum().backward()
    opt.step()
    s.step()
    # Adam's first step moves each weight by lr * m_hat / (sqrt(v_hat) + eps) = lr * sign(g)
    np.testing.assert_allclose((w0 - m.weight.detach()).numpy(), 0.1, rtol=1e-6)
    assert isinstance(g["lr"], torch.Tensor)
    assert float(g["lr"]) == pytest.approx(0.05 * (1 + math.cos(math.pi / 10)), rel=1e-12)


def test_a_checkpoint_spec_with_bad_entries_names_what_each_table_needs():
    """A state dict's ``spec`` tables: ``schedules`` maps keys to lists of spec
    strings, ``multipliers`` to lists of finite numbers >= 0; the error says which."""
    opt = torch.optim.SGD(_model().parameters(), lr=0.1)
    s = Scheduler(opt, "cosine(0.1, steps=10)")
    sd = s.state_dict()
    bad = {**sd, "spec": {**sd["spec"], "multipliers": {"lr": [-1.0]}}}
    with pytest.raises(
        ConfigError, match=r"\['multipliers'\] must map keys to lists of finite numbers >= 0"
    ):
        s.load_state_dict(bad)
    bad = {**sd, "spec": {**sd["spec"], "schedules": {"lr": [0.5]}}}
    with pytest.raises(
        ConfigError, match=r"\['schedules'\] must map keys to lists of spec strings, got"
    ):
        s.load_state_dict(bad)


def test_steps_per_epoch_must_be_at_least_one():
    opt = torch.optim.SGD(_model().parameters(), lr=0.1)
    with pytest.raises(ConfigError, match=r"^Scheduler: steps_per_epoch must be >= 1, got 0$"):
        Scheduler(opt, "cosine(0.1, steps=10)", steps_per_epoch=0)
    s = Scheduler(opt, "cosine(0.1, steps=10)", steps_per_epoch=1)
    assert s.steps_per_epoch == 1


def test_a_one_step_run_round_trips_its_state_dict():
    """``total_steps=1`` is a valid run length (>= 1), so its checkpoint loads back."""
    opt = torch.optim.SGD(_model().parameters(), lr=0.1)
    s = Scheduler(opt, "cosine(0.1)", total_steps=1)
    sd = s.state_dict()
    assert sd["total_steps"] == 1
    fresh = Scheduler(torch.optim.SGD(_model().parameters(), lr=0.1), "cosine(0.1)", total_steps=1)
    fresh.load_state_dict(sd)
    assert fresh.state_dict() == sd
    with pytest.raises(ConfigError, match=r"total_steps"):
        fresh.load_state_dict({**sd, "total_steps": 0})


def test_close_removes_the_follow_optimizer_hook():
    """With ``follow_optimizer=True`` each ``optimizer.step()`` is counted by a hook;
    ``close()`` removes it: later optimizer steps are no longer counted (and closing
    twice is harmless)."""
    m = _model()
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    s = Scheduler(opt, "cosine(0.1, steps=10)", follow_optimizer=True)
    m(torch.ones(1, 3, dtype=torch.float64)).sum().backward()
    opt.step()
    assert s.state_dict()["opt_count"] == 1
    s.close()
    opt.step()
    opt.step()
    assert s.state_dict()["opt_count"] == 1
    s.close()
