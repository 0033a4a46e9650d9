"""Direct tests for ``lrkit.torch.ReduceOnPlateau`` / ``EarlyStopping`` behaviours that a
sampled mutation run (``benchmarks/mutation.py``) showed no other test pinned."""

import math

import pytest
import torch

from lrkit.torch import EarlyStopping, ReduceOnPlateau

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _opt(groups=1):
    return torch.optim.SGD(
        [{"params": [torch.nn.Parameter(torch.zeros(2))]} for _ in range(groups)], lr=0.1
    )


@pytest.mark.parametrize("bad", [-1e-3, -1, math.nan, -math.inf])
def test_min_lr_must_be_a_non_negative_number(bad):
    with pytest.raises(ValueError, match=r"min_lr\[0\].*>= 0"):
        ReduceOnPlateau(_opt(), min_lr=bad)
    with pytest.raises(ValueError, match=r"min_lr\[1\].*>= 0"):
        ReduceOnPlateau(_opt(2), min_lr=[0.0, bad])


@pytest.mark.parametrize("bad", ["0.1", True])
def test_min_lr_of_the_wrong_type_names_the_parameter(bad):
    with pytest.raises((TypeError, ValueError), match=r"min_lr\[0\]"):
        ReduceOnPlateau(_opt(), min_lr=bad)


def test_min_lr_zero_and_positive_are_accepted_and_floor_the_rate():
    opt = _opt(2)
    sched = ReduceOnPlateau(opt, min_lr=[0, 1e-3], patience=0, factor=0.5)
    for _ in range(40):
        sched.step(2.0)
    lr0, lr1 = (g["lr"] for g in opt.param_groups)
    assert lr1 == pytest.approx(1e-3)
    assert 0.0 <= lr0 < 1e-6


def test_early_stopping_load_rejects_a_dict_without_state():
    es = EarlyStopping(patience=2)
    es.step(3.0)
    before = es.state_dict()
    with pytest.raises(ValueError, match="'state'"):
        es.load_state_dict({"config": before["config"]})
    assert es.state_dict() == before
