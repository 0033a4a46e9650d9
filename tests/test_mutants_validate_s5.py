"""Direct tests for argument checks that the seed-5 mutation sample
(``benchmarks/mutation.py --seed 5``, ``benchmarks/results/mutation_seed5.md``)
showed no other test pinned."""

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError


def test_huge_integers_are_named_by_their_size_from_10_to_the_30():
    """``_validate.py:60``: an integer below 10**30 is printed; from 10**30 on, its size."""
    s = lrkit.constant(1.0)
    with pytest.raises(ConfigError, match=r"got 999999999999999999999999999999$"):
        s(10**30 - 1)
    with pytest.raises(ConfigError, match=r"got an integer of about 31 digits$"):
        s(10**30)
    with pytest.raises(ConfigError, match=r"at most 2\*\*53 steps, got an integer of about 31"):
        lrkit.constant(1.0, steps=10**30)
    with pytest.raises(ConfigError, match=r"at most 2\*\*53 steps, got 9007199254740993$"):
        lrkit.constant(1.0, steps=2**53 + 1)
    assert lrkit.constant(1.0, steps=2**53).length == 2**53


def test_numpy_bools_are_flags_and_other_numpy_scalars_are_not():
    """``_validate.py:191``: a flag takes ``True``/``False`` or a numpy bool, nothing else
    (``np.float64(1.0)`` and ``np.int64(1)`` are refused, as ``1.0`` and ``1`` are)."""
    s = lrkit.constant(1.0)
    assert lrkit.warmup(s, 3, prefix=np.bool_(False)) == lrkit.warmup(s, 3, prefix=False)
    for bad in (np.float64(1.0), np.int64(1), np.float32(0.0), 1, 1.0, "True"):
        with pytest.raises(ConfigTypeError, match=r"warmup: prefix must be True or False, got"):
            lrkit.warmup(s, 3, prefix=bad)


def test_a_duration_in_epochs_is_at_most_2_to_the_53():
    """``_validate.py:222``."""
    with pytest.raises(ConfigError, match=r"steps must be at most 2\*\*53 epochs, got '9007"):
        lrkit.constant(1.0, steps="90071992547409930ep")
    s = lrkit.constant(1.0, steps="9007199254740992ep")
    assert s.spec() == "constant(value=1.0, steps='9007199254740992ep')"
    assert lrkit.constant(1.0, steps="2.5ep").bind(steps_per_epoch=4).length == 10
