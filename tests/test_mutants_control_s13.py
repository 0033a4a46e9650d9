"""Direct tests for lrkit.control (issue 15, seed-13 training pass): the lines no test
ran (``plateau_config`` without fixed values, ``Plateau.reset``,
``EarlyStopping.reset``) and the class behind them, the wrappers' public methods
whose effect on the state no test read."""

from __future__ import annotations

import math

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
    with pytest.raises(
        ConfigTypeError, match="EarlyStopping: config must be a EarlyStoppingConfig"
    ):
        EarlyStopping(PlateauConfig())
    with pytest.raises(ConfigTypeError, match="Plateau: config must be a PlateauConfig"):
        Plateau(cfg)


def test_plateau_defaults_are_pytorchs():
    """PlateauConfig's defaults are torch.optim.lr_scheduler.ReduceLROnPlateau's (its
    ``min_lr`` is our ``min_value``)."""
    import dataclasses
    import inspect

    import torch

    sig = inspect.signature(torch.optim.lr_scheduler.ReduceLROnPlateau).parameters
    got = {f.name: f.default for f in dataclasses.fields(PlateauConfig)}
    for name in ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "eps"):
        assert got[name] == sig[name].default, name
    assert got["min_value"] == sig["min_lr"].default == 0
    assert got["nan"] == "raise" and got["start_step"] == 0


def test_early_stopping_defaults():
    """mode "min", patience 10 (as the plateau's), no min_delta, NaN raises, from step 0."""
    assert EarlyStoppingConfig() == EarlyStoppingConfig(
        mode="min", patience=10, min_delta=0.0, nan="raise", start_step=0
    )


PLATEAU_EDGES = [
    # (field, accepted edge, refused value just past it)
    ("factor", 1e-9, 0.0),
    ("factor", 0.999, 1.0),
    ("patience", 0, -1),
    ("threshold", 0.0, -1e-9),
    ("cooldown", 0, -1),
    ("min_value", 0.0, -1e-9),
    ("eps", 0.0, -1e-9),
    ("start_step", 0, -1),
]


@pytest.mark.parametrize(("field", "ok", "bad"), PLATEAU_EDGES)
def test_plateau_config_edges(field, ok, bad):
    from lrkit.errors import ConfigError

    assert getattr(PlateauConfig(**{field: ok}), field) == ok
    with pytest.raises(ConfigError, match=f"Plateau: {field} must be .*got {bad}"):
        PlateauConfig(**{field: bad})


@pytest.mark.parametrize(
    ("field", "ok", "bad"), [("patience", 0, -1), ("min_delta", 0.0, -1e-9), ("start_step", 0, -1)]
)
def test_early_stopping_config_edges(field, ok, bad):
    from lrkit.errors import ConfigError

    assert getattr(EarlyStoppingConfig(**{field: ok}), field) == ok
    with pytest.raises(ConfigError, match=f"EarlyStopping: {field} must be .*got {bad}"):
        EarlyStoppingConfig(**{field: bad})


@pytest.mark.parametrize(
    ("cls", "field", "bad"),
    [
        (PlateauConfig, "mode", "low"),
        (PlateauConfig, "threshold_mode", "pct"),
        (PlateauConfig, "nan", "stop"),
        (EarlyStoppingConfig, "mode", "lowest"),
        (EarlyStoppingConfig, "nan", "ignore"),
    ],
)
def test_config_choices_are_refused_by_name(cls, field, bad):
    from lrkit.errors import ConfigError

    with pytest.raises(ConfigError, match=f"{field} must be one of .*got '{bad}'"):
        cls(**{field: bad})


@pytest.mark.parametrize("cls", [Plateau, EarlyStopping])
def test_a_reported_step_is_an_int_from_zero(cls):
    """``update(metric, step)``: a step index is >= 0; -1 is refused by name."""
    from lrkit.errors import ConfigError

    w = cls()
    w.update(1.0, step=0)
    with pytest.raises(ConfigError, match=f"{cls.__name__}: step must be >= 0, got -1"):
        w.update(1.0, step=-1)
    with pytest.raises(ConfigError, match="step must be an integer, got 1.5"):
        w.update(1.0, step=1.5)


# ------------------------------------------------------------------ refusals, in words
def _sd():
    return Plateau().state_dict()


CHECKPOINT_REFUSALS = [
    (
        lambda sd: [1],
        ConfigTypeError,
        r"Plateau: state_dict must be a dict \(from state_dict\(\)\), got list",
    ),
    (
        lambda sd: {"config": sd["config"], "state": {}},
        None,
        r"Plateau: state_dict\['state'\] is missing \['best', "
        r"'num_bad', .*'last_reduced'\], got keys \[\]",
    ),
    (
        lambda sd: {"config": sd["config"], "state": {**sd["state"], "zz": 1}},
        None,
        r"state_dict\['state'\] has unknown fields \['zz'\]; allowed: \['best', ",
    ),
    (
        lambda sd: {"config": {**sd["config"], "zz": 1}, "state": sd["state"]},
        None,
        r"Plateau: state_dict\['config'\] has unknown settings \['zz'\]",
    ),
    (
        lambda sd: {"config": 5, "state": sd["state"]},
        ConfigTypeError,
        r"state_dict\['config'\] must be a dict, got 5",
    ),
]


@pytest.mark.parametrize(("make", "error", "words"), CHECKPOINT_REFUSALS)
def test_checkpoint_refusals_name_the_field(make, error, words):
    from lrkit.errors import ConfigError

    p = Plateau()
    p.update(1.0)
    before = p.state
    with pytest.raises(error or ConfigError, match=words):
        p.load_state_dict(make(_sd()))
    assert p.state == before  # nothing changed


def test_a_different_config_says_both_and_how_to_keep_the_new_one():
    from lrkit.errors import ConfigError

    sd = _sd()
    with pytest.raises(
        ConfigError,
        match=(
            r"(?s)config differs.*saved: .*'patience': 10.*constructed: "
            r".*'patience': 3.*on_mismatch='new'"
        ),
    ):
        Plateau(patience=3).load_state_dict(sd)
    p = Plateau(patience=3)
    p.load_state_dict(sd, on_mismatch="new")
    assert p.config.patience == 3


@pytest.mark.parametrize(
    ("cls", "words"),
    [
        (
            Plateau,
            r"Plateau: metric is NaN{}; a NaN is never counted as a bad epoch \(pass nan='skip'",
        ),
        (
            EarlyStopping,
            r"EarlyStopping: metric is NaN{} \(pass nan='stop' to stop on NaN or nan='skip'",
        ),
    ],
)
def test_a_nan_metric_is_refused_with_its_step(cls, words):
    from lrkit.errors import ConfigError

    with pytest.raises(ConfigError, match=words.format("")):
        cls().update(float("nan"))
    with pytest.raises(ConfigError, match=words.format(" at step 4")):
        cls().update(float("nan"), step=4)


def test_a_metric_must_be_a_number():
    with pytest.raises(
        ConfigTypeError,
        match=r"Plateau: metric must be a number \(or a 0-d array/tensor\), got 'x'",
    ):
        Plateau().update("x")
    with pytest.raises(ConfigTypeError, match="Plateau: metric must be a number, got True"):
        Plateau().update(True)
    es = EarlyStopping(nan="stop")
    assert es.update(float("nan")) is True
    assert es.state.num_updates == 1 and not es.state.improved


# ------------------------------------------------------------------ checkpoint field checks
def test_f_float_range_edges():
    from lrkit.control import f_float
    from lrkit.errors import ConfigError

    closed = f_float(0.0, 1.0)
    assert closed("O", "w", 0.0) == 0.0 and closed("O", "w", 1) == 1.0
    for bad, words in [(-1e-9, r"w must be in \[0, 1\], got -1e-09"), (1.0000001, r"in \[0, 1\]")]:
        with pytest.raises(ConfigError, match=words):
            closed("O", "w", bad)
    opened = f_float(0.0, 1.0, low_open=True)
    assert opened("O", "w", 1e-300) == 1e-300
    with pytest.raises(ConfigError, match=r"O: w must be in \(0, 1\], got 0.0"):
        opened("O", "w", 0.0)
    with pytest.raises(ConfigError, match="O: w must be a finite number, got nan"):
        closed("O", "w", float("nan"))
    with pytest.raises(ConfigError, match="O: w must be a finite number, got inf"):
        closed("O", "w", float("inf"))
    assert f_float(inf=True)("O", "w", -math.inf) == -math.inf
    with pytest.raises(ConfigError, match="finite number, got nan"):
        f_float(inf=True)("O", "w", float("nan"))
    with pytest.raises(ConfigTypeError, match="O: w must be a number, got True"):
        closed("O", "w", True)


def test_f_int_f_bool_f_optional_f_list_edges():
    from lrkit.control import MAX_COUNT, f_bool, f_int, f_list, f_optional
    from lrkit.errors import ConfigError

    c = f_int()
    assert c("O", "n", 0) == 0 and c("O", "n", MAX_COUNT) == MAX_COUNT
    with pytest.raises(ConfigError, match=r"O: n must be in \[0, 9007199254740992\], got -1"):
        c("O", "n", -1)
    with pytest.raises(ConfigError, match="got 9007199254740993"):
        c("O", "n", MAX_COUNT + 1)
    with pytest.raises(ConfigTypeError, match="O: n must be an integer, got 1.0"):
        c("O", "n", 1.0)
    assert f_int(2, 3)("O", "n", 2) == 2
    with pytest.raises(ConfigError, match=r"must be in \[2, 3\], got 1"):
        f_int(2, 3)("O", "n", 1)
    assert f_bool("O", "b", False) is False
    with pytest.raises(ConfigTypeError, match="O: b must be True or False, got 0"):
        f_bool("O", "b", 0)
    assert f_optional(c)("O", "n", None) is None and f_optional(c)("O", "n", 3) == 3
    lst = f_list(c, 2)
    assert lst("O", "l", (1, 2)) == [1, 2]
    with pytest.raises(ConfigError, match=r"O: l must have 2 items, got 1: \[1\]"):
        lst("O", "l", [1])
    with pytest.raises(ConfigTypeError, match="O: l must be a list, got 5"):
        lst("O", "l", 5)
    with pytest.raises(ConfigError, match=r"O: l\[1\] must be in"):
        lst("O", "l", [1, -1])
    assert f_list(c)("O", "l", []) == []


def test_a_plateau_checkpoint_at_scale_zero_loads():
    p = Plateau(patience=0, factor=0.5)
    p.update(1.0)
    sd = p.state_dict()
    sd["state"] = {**sd["state"], "scale": 0.0}
    q = Plateau(patience=0, factor=0.5)
    q.load_state_dict(sd)
    assert q.scale == 0.0
    sd["state"]["scale"] = 1.5
    from lrkit.errors import ConfigError

    with pytest.raises(
        ConfigError, match=r"state_dict\['state'\]\['scale'\] must be in \[0, 1\], got 1.5"
    ):
        q.load_state_dict(sd)
