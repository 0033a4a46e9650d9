"""Direct tests for what the seed-9 mutation sample of ``lrkit.core`` showed no test
pinned (issue 15): which relative point an unbound ``interpolate`` names, and
``bind``'s smallest ``steps_per_epoch``."""

from __future__ import annotations

import pytest

import lrkit
from lrkit.errors import ConfigError


def test_an_unbound_point_list_names_its_first_relative_point():
    s = lrkit.interpolate([(0, 1.0), ("10%", 0.5), ("2ep", 0.1)])
    with pytest.raises(ConfigError, match=r"interpolate: points='10%' is relative to the run"):
        s(3)
    s = lrkit.interpolate([(0, 1.0), ("2ep", 0.5), ("90%", 0.1)])
    with pytest.raises(ConfigError, match=r"interpolate: points='2ep' is relative to the run"):
        s(3)


def test_bind_takes_one_step_per_epoch_and_refuses_zero():
    s = lrkit.linear(1.0, 0.0, steps="3ep").bind(steps_per_epoch=1)
    assert s.length == 3 and s == lrkit.linear(1.0, 0.0, steps=3)
    with pytest.raises(ConfigError, match=r"bind: steps_per_epoch must be >= 1, got 0"):
        lrkit.linear(1.0, 0.0, steps="3ep").bind(steps_per_epoch=0)
    with pytest.raises(ConfigError, match=r"bind: total_steps must be >= 1, got 0"):
        lrkit.linear(1.0, 0.0, steps="50%").bind(total_steps=0)
