"""Direct test for the _validate survivor of the seed-23 measurement sample (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit._validate import check_steps
from lrkit.errors import ConfigError


@pytest.mark.parametrize("steps", [[-1], [3, -1, 2], np.array([0, -1], dtype=np.int32)])
def test_an_array_of_steps_holding_minus_one_is_refused(steps):
    """``check_steps``: every step of an array is >= 0; -1, the first step below the
    bound, is refused with its value (not only steps below -1)."""
    with pytest.raises(ConfigError, match=r"^step must be >= 0, got -1$"):
        check_steps(steps)
    with pytest.raises(ConfigError, match=r"^step must be >= 0, got -1$"):
        lrkit.constant(0.1)(steps)


def test_an_array_of_steps_from_zero_is_accepted():
    scalar, arr = check_steps(np.array([0, 5], dtype=np.uint8))
    assert not scalar and arr.dtype == np.float64 and arr.tolist() == [0.0, 5.0]
