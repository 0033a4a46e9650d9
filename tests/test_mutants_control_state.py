"""Direct tests for the checkpoint-state checks of ``lrkit.control`` that a sampled
mutation run (``benchmarks/mutation.py``) showed no other test pinned."""

import math

import pytest

from lrkit.control import EarlyStoppingState, PlateauState
from lrkit.errors import ConfigError


def test_early_stopping_state_best_index_is_minus_one_or_more():
    """``best_index`` is -1 before any metric, else a 0-based index: -2 is refused."""
    d = EarlyStoppingState(best=math.inf).to_dict()
    assert d["best_index"] == -1
    assert EarlyStoppingState.from_dict(d) == EarlyStoppingState(best=math.inf)
    with pytest.raises(ConfigError, match=r"state\['best_index'\] must be in \[-1, .*got -2"):
        EarlyStoppingState.from_dict({**d, "best_index": -2})


@pytest.mark.parametrize("cls", [EarlyStoppingState, PlateauState])
def test_a_nan_best_in_a_saved_state_is_refused(cls):
    """``best`` may be infinite (nothing seen yet) but never NaN."""
    d = cls(best=-math.inf).to_dict()
    assert cls.from_dict(d).best == -math.inf
    with pytest.raises(ConfigError, match=r"state\['best'\] must be a finite number, got nan"):
        cls.from_dict({**d, "best": math.nan})


def test_a_plateau_state_scale_must_be_finite():
    d = PlateauState(best=1.0).to_dict()
    assert PlateauState.from_dict({**d, "scale": 0.5}).scale == 0.5
    for bad in (math.nan, math.inf):
        with pytest.raises(ConfigError, match=r"state\['scale'\] must be a finite number"):
            PlateauState.from_dict({**d, "scale": bad})


def test_state_counts_go_up_to_2_to_the_53_and_no_further():
    """A checkpoint's counts must be exact in float64: 2**53 is the largest accepted."""
    d = PlateauState(best=1.0).to_dict()
    assert PlateauState.from_dict({**d, "num_updates": 2**53}).num_updates == 2**53
    bad = r"state\[.num_updates.\] must be in \[0, 9007199254740992\]"
    with pytest.raises(ConfigError, match=bad):
        PlateauState.from_dict({**d, "num_updates": 2**53 + 1})
