"""Direct tests for what the seed-9 mutation sample of ``lrkit.control`` showed no test
pinned (issue 15): early stopping's default patience and a checkpoint whose
``config`` is not a dict."""

from __future__ import annotations

import copy

import pytest

import lrkit.control as C
from lrkit.errors import ConfigTypeError


def test_early_stopping_waits_ten_non_improving_updates_by_default():
    assert C.EarlyStoppingConfig().patience == 10
    assert C.PlateauConfig().patience == 10  # as torch's ReduceLROnPlateau
    es = C.EarlyStopping()
    assert es.update(1.0) is False
    stops = [es.update(2.0) for _ in range(10)]
    assert stops == [False] * 9 + [True]


@pytest.mark.parametrize("cls", [C.EarlyStopping, C.Plateau])
@pytest.mark.parametrize("config", [5, ["mode"], "min"])
def test_a_checkpoint_config_that_is_not_a_dict_is_a_type_error(cls, config):
    sd = copy.deepcopy(cls().state_dict())
    sd["config"] = config
    with pytest.raises(ConfigTypeError, match=r"state_dict\['config'\] must be a dict, got "):
        cls().load_state_dict(sd)
