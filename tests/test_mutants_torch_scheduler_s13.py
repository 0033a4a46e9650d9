"""Direct tests for lrkit.torch.scheduler (issue 15, seed-13 training pass): the line no
test ran (``values()`` on a scheduler that does not schedule ``"lr"``) and the
survivors of the seed-13 training sample."""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import Scheduler


def _opt(**kw):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, **kw)


def test_values_needs_an_lr_schedule():
    """``values()`` is the scheduled ``"lr"``; a scheduler of ``weight_decay`` only has
    none, and says which keys it does schedule."""
    opt = _opt(weight_decay=0.01)
    s = Scheduler(opt, {"weight_decay": lrkit.cosine(0.01, steps=10)})
    with pytest.raises(ConfigError, match=r"key must be one of \['weight_decay'\], got 'lr'"):
        s.values()
    assert s.get_last_lr() == [0.1]
    assert opt.param_groups[0]["weight_decay"] == 0.01
