"""Direct tests for lrkit.control (issue 15, seed-13 training pass): the lines no test
ran (``plateau_config`` without fixed values, ``Plateau.reset``,
``EarlyStopping.reset``) and the class behind them, the wrappers' public methods
whose effect on the state no test read."""

from __future__ import annotations

import pytest

from lrkit.control import (
    EarlyStopping,
    EarlyStoppingConfig,
    Plateau,
    PlateauConfig,
    early_stopping_init,
    plateau_config,
    plateau_init,
)
from lrkit.errors import ConfigTypeError


def test_plateau_config_without_fixed_values_is_the_settings_or_the_config():
    cfg = PlateauConfig(patience=3, factor=0.2)
    assert plateau_config("X", cfg, {}) is cfg
    assert plateau_config("X", None, {"patience": 4}) == PlateauConfig(patience=4)
    fixed = plateau_config("X", cfg, {}, min_value=0.01, start_step=5)
    assert fixed == PlateauConfig(patience=3, factor=0.2, min_value=0.01, start_step=5)
    assert cfg.min_value == 0.0  # the given config is not changed
    with pytest.raises(ConfigTypeError, match="X: give either config or keyword settings"):
        plateau_config("X", cfg, {"patience": 1})
    with pytest.raises(ConfigTypeError, match=r"X: unknown settings \['patients'\]"):
        plateau_config("X", None, {"patients": 1})


def test_plateau_reset_starts_over():
    p = Plateau(patience=0, factor=0.5)
    p.update(1.0)
    p.update(1.0)
    assert p.scale == 0.5
    p.reset()
    assert p.state == plateau_init(p.config)
    assert p.scale == 1.0
    assert p.update(1.0) is False  # a fresh best again


def test_early_stopping_reset_starts_over():
    es = EarlyStopping(patience=1)
    es.update(1.0)
    assert es.update(2.0) is True
    assert es.should_stop
    es.reset()
    assert es.state == early_stopping_init(es.config)
    assert not es.should_stop
    assert es.update(5.0) is False
    assert es.improved


def test_wrappers_take_a_config_or_keywords():
    cfg = EarlyStoppingConfig(patience=2, mode="max")
    assert EarlyStopping(cfg).config is cfg
    assert EarlyStopping(patience=2, mode="max").config == cfg
    with pytest.raises(ConfigTypeError, match="EarlyStopping: config must be a EarlyStoppingConfig"):
        EarlyStopping(PlateauConfig())
    with pytest.raises(ConfigTypeError, match="Plateau: config must be a PlateauConfig"):
        Plateau(cfg)
