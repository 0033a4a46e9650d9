"""Direct tests for torch.plateau survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import warnings

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import EarlyStopping, ReduceOnPlateau


def _opt():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)


def test_min_lr_must_be_finite():
    """``min_lr``: a finite number >= 0 (per group); infinity is refused by name."""
    with pytest.raises(ConfigError, match=r"min_lr\[0\] must be a finite number >= 0, got inf"):
        ReduceOnPlateau(_opt(), min_lr=float("inf"))
    assert ReduceOnPlateau(_opt(), min_lr=1e300) is not None


def test_early_stopping_waits_ten_epochs_by_default():
    """``EarlyStopping()``: ``patience=10`` by default (PyTorch's ReduceLROnPlateau's)."""
    es = EarlyStopping()
    assert es.config.patience == 10


def test_the_clock_warning_points_at_the_callers_line():
    """Two metrics at one step on a moving base schedule warn once, attributed to the
    line that called ``step(metric)`` (this file), not to lrkit's internals."""
    sched = ReduceOnPlateau(_opt(), lrkit.cosine(1.0, 0.0, steps=100))
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        sched.step(1.0)
        sched.step(1.0)
    clock = [w for w in got if "two metrics were reported" in str(w.message)]
    assert len(clock) == 1
    assert clock[0].filename == __file__
