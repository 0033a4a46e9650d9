"""Direct tests for torch.scheduler survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import Scheduler


def _opt(*lrs):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0])


def test_values_are_group_zeros_with_relative_multipliers():
    """``values()``: the planned values of group 0; with ``relative=True`` its factor is
    group 0's initial rate, not another group's."""
    s = lrkit.cosine(1.0, 0.0, steps=10)
    sch = Scheduler(_opt(0.1, 0.01), s, relative=True)
    assert sch.values("lr", 0) == pytest.approx(0.1)
    assert sch.values("lr", 5) == pytest.approx(0.1 * float(s(5)))
    assert [g["lr"] for g in sch.optimizer.param_groups] == pytest.approx([0.1, 0.01])


def test_a_mismatch_names_relative_on_the_side_that_had_it():
    """Loading a ``relative=True`` checkpoint into a scheduler built without it: the
    error shows the saved schedule with "relative" and the constructed one without."""
    s = lrkit.cosine(1.0, 0.0, steps=10)
    sd = Scheduler(_opt(0.1), s, relative=True).state_dict()
    with pytest.raises(ConfigError) as err:
        Scheduler(_opt(0.1), s).load_state_dict(sd)
    saved, built = (
        next(ln for ln in str(err.value).splitlines() if ln.strip().startswith(k))
        for k in ("saved:", "constructed:")
    )
    assert saved.rstrip().endswith("; relative") and "relative" not in built
