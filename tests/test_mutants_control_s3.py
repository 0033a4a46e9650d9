"""Direct test for a plateau-rule behaviour that a fresh sampled mutation run
(``benchmarks/mutation.py``, seed 3) showed no other test pinned."""

import pytest

from lrkit.control import PlateauConfig
from lrkit.errors import ConfigError


def test_plateau_cooldown_must_be_a_count_of_zero_or_more():
    """``cooldown`` is a number of steps: 0 (PyTorch's default) is allowed, -1 is not,
    and the error names the parameter, the value and the bound."""
    assert PlateauConfig(cooldown=0).cooldown == 0
    assert PlateauConfig(cooldown=3).cooldown == 3
    with pytest.raises(ConfigError, match=r"^Plateau: cooldown must be >= 0, got -1$"):
        PlateauConfig(cooldown=-1)
