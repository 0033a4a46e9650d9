"""Direct tests for ``lrkit.control``'s argument and checkpoint checks (issue 15,
seed-10 pass): the adapters' ``config`` / keyword settings rule, every field check of
a checkpointed state (numbers, booleans, ranges, lists) and the plain Python numbers a
state writes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lrkit.control import (
    EarlyStopping,
    EarlyStoppingConfig,
    EarlyStoppingState,
    Plateau,
    PlateauConfig,
    PlateauState,
    f_bool,
    f_float,
    f_list,
)
from lrkit.errors import ConfigError, ConfigTypeError


@pytest.mark.parametrize(
    ("cls", "conf", "name"),
    [
        (Plateau, PlateauConfig(patience=3), "Plateau"),
        (EarlyStopping, EarlyStoppingConfig(patience=3), "EarlyStopping"),
    ],
)
def test_a_config_object_or_keyword_settings_not_both(cls, conf, name):
    assert cls(conf).config is conf  # the object itself, not a copy
    assert cls(patience=3).config == conf
    with pytest.raises(ConfigTypeError, match=rf"^{name}: give either config or keyword"):
        cls(conf, patience=3)
    with pytest.raises(ConfigTypeError, match=rf"^{name}: config must be a {type(conf).__name__}"):
        cls({"patience": 3})
    with pytest.raises(ConfigTypeError, match=rf"^{name}: unknown settings \['bogus', 'zeta'\]"):
        cls(zeta=1, patience=3, bogus=2)
    with pytest.raises(ConfigTypeError, match=r"allowed: \['mode', "):
        cls(bogus=2)


def _plateau_state():
    p = Plateau(patience=0, factor=0.5)
    p.update(3.0)
    p.update(3.0)
    return p.state.to_dict()


@pytest.mark.parametrize(
    ("field", "value", "err", "text"),
    [
        ("best", "3.0", ConfigTypeError, "must be a number, got '3.0'"),
        ("best", True, ConfigTypeError, "must be a number, got True"),
        ("best", math.nan, ConfigError, "must be a finite number, got nan"),
        ("scale", 1.5, ConfigError, r"must be in \[0, 1\], got 1.5"),
        ("scale", -0.1, ConfigError, r"must be in \[0, 1\], got -0.1"),
        ("scale", math.inf, ConfigError, "must be a finite number, got inf"),
        ("last_reduced", 1, ConfigTypeError, "must be True or False, got 1"),
        ("last_reduced", "yes", ConfigTypeError, "must be True or False, got 'yes'"),
        ("num_bad", 1.0, ConfigTypeError, "num_bad"),
        ("num_bad", -1, ConfigError, "num_bad"),
    ],
)
def test_a_plateau_state_field_of_the_wrong_kind_is_named(field, value, err, text):
    d = _plateau_state()
    PlateauState.from_dict(d)  # the real one reads back
    with pytest.raises(
        err, match=rf"^PlateauState: state\['{field}'\] {text}" if field != "num_bad" else field
    ):
        PlateauState.from_dict({**d, field: value})


def test_a_plateau_state_reads_back_infinite_best_and_its_edges():
    d = {**_plateau_state(), "best": -math.inf, "scale": 0.0}
    s = PlateauState.from_dict(d)
    assert s.best == -math.inf and s.scale == 0.0 and s.last_reduced is True
    assert PlateauState.from_dict({**d, "scale": 1}).scale == 1.0


@pytest.mark.parametrize(
    ("field", "value", "err"),
    [
        ("stopped", 0, ConfigTypeError),
        ("improved", None, ConfigTypeError),
        ("best", "x", ConfigTypeError),
        ("best_index", -2, ConfigError),
        ("best_step", 1.5, ConfigTypeError),
    ],
)
def test_an_early_stopping_state_field_of_the_wrong_kind_is_named(field, value, err):
    es = EarlyStopping(patience=2)
    for m in (3.0, 2.0, 2.5):
        es.update(m, step=10)
    d = es.state.to_dict()
    assert EarlyStoppingState.from_dict(d) == es.state
    assert EarlyStoppingState.from_dict({**d, "best_step": None}).best_step is None
    with pytest.raises(err, match=rf"^EarlyStoppingState: state\['{field}'\]"):
        EarlyStoppingState.from_dict({**d, field: value})


def test_field_checks_report_owner_place_value_and_what_is_allowed():
    lst = f_list(f_float(0.0, 1.0), 2)
    assert lst("X", "w", (0.25, 1)) == [0.25, 1.0]
    assert f_list(f_float())("X", "w", [1.0, 2.0, 3.0]) == [1.0, 2.0, 3.0]  # any length
    with pytest.raises(ConfigTypeError, match=r"^X: w must be a list, got 0.5$"):
        lst("X", "w", 0.5)
    with pytest.raises(ConfigError, match=r"^X: w must have 2 items, got 1: \[0.5\]$"):
        lst("X", "w", [0.5])
    with pytest.raises(ConfigError, match=r"^X: w\[1\] must be in \[0, 1\], got 2$"):
        lst("X", "w", [0.5, 2])
    with pytest.raises(ConfigError, match=r"^X: v must be in \(0, 1\], got 0.0$"):
        f_float(0.0, 1.0, low_open=True)("X", "v", 0.0)
    assert f_float(inf=True)("X", "v", -math.inf) == -math.inf
    assert f_bool("X", "b", False) is False


def test_a_state_with_numpy_numbers_writes_plain_python_numbers():
    """States built with numpy/jax scalars (the jax adapter's) write Python numbers, so
    a checkpoint is plain JSON and reads back."""
    s = PlateauState(
        best=np.float32(2.5),
        num_bad=np.int64(2),
        cooldown_left=np.int32(0),
        scale=np.float32(0.5),
        num_reductions=np.int64(1),
        num_updates=np.int64(4),
        last_reduced=np.bool_(True),
    )
    d = s.to_dict()
    assert d == {
        "best": 2.5,
        "num_bad": 2,
        "cooldown_left": 0,
        "scale": 0.5,
        "num_reductions": 1,
        "num_updates": 4,
        "last_reduced": True,
    }
    assert [type(v) for v in d.values()] == [float, int, int, float, int, int, bool]
    assert PlateauState.from_dict(json.loads(json.dumps(d))) == tuple(d.values())


def _early_stopping_reference(mode, patience, min_delta, nan, start_step, feed):
    """A plain re-statement of EarlyStoppingConfig's documented rules: a metric before
    ``start_step`` or after the stop is ignored; a NaN is skipped (``"skip"``) or stops
    now (``"stop"``, a metric taken into account); improvement is ``m < best -
    min_delta`` (min) / ``m > best + min_delta`` (max); ``stopped`` once ``num_bad >=
    patience``. Yields the state (as ``to_dict`` writes it) after each metric."""
    st = dict(
        best=math.inf if mode == "min" else -math.inf,
        best_index=-1,
        best_step=None,
        num_bad=0,
        num_updates=0,
        stopped=False,
        improved=False,
    )
    for m, step in feed:
        st["improved"] = False
        ignored = st["stopped"] or (step is not None and step < start_step)
        if ignored or (math.isnan(m) and nan == "skip"):
            yield dict(st)
            continue
        if math.isnan(m):  # nan == "stop"
            st.update(stopped=True, num_updates=st["num_updates"] + 1)
            yield dict(st)
            continue
        better = m < st["best"] - min_delta if mode == "min" else m > st["best"] + min_delta
        if better:
            st.update(best=m, best_index=st["num_updates"], best_step=step, num_bad=0)
            st["improved"] = True
        else:
            st["num_bad"] += 1
            st["stopped"] = st["num_bad"] >= patience
        st["num_updates"] += 1
        yield dict(st)


@pytest.mark.parametrize("seed", range(12))
def test_early_stopping_follows_its_documented_rules_step_by_step(seed):
    rng = np.random.default_rng(seed)
    mode = ["min", "max"][seed % 2]
    patience = int(rng.integers(0, 4))
    min_delta = float(rng.choice([0.0, 0.05]))
    nan = ["stop", "skip"][(seed // 2) % 2]
    start_step = int(rng.choice([0, 3]))
    feed = []
    for i in range(25):
        m = float(np.round(rng.normal(0.0, 0.3), 2))
        if rng.random() < 0.08:
            m = math.nan
        feed.append((m, None if rng.random() < 0.2 else i))
    es = EarlyStopping(
        mode=mode, patience=patience, min_delta=min_delta, nan=nan, start_step=start_step
    )
    want = _early_stopping_reference(mode, patience, min_delta, nan, start_step, feed)
    for (m, step), w in zip(feed, want):
        got = es.update(m, step=step)
        assert es.state.to_dict() == w, (m, step)
        assert got is w["stopped"] and es.improved is w["improved"]


def test_a_nan_with_nan_stop_stops_and_counts_as_a_metric_taken_into_account():
    es = EarlyStopping(patience=5, nan="stop")
    es.update(2.0)
    es.update(2.5)
    assert es.update(math.nan, step=7) is True
    assert es.state.to_dict() == dict(
        best=2.0,
        best_index=0,
        best_step=None,
        num_bad=1,
        num_updates=3,
        stopped=True,
        improved=False,
    )
    assert es.update(1.0) is True and es.state.num_updates == 3  # stopped: unchanged
    with pytest.raises(ConfigError, match=r"^EarlyStopping: metric is NaN at step 4 \(pass"):
        EarlyStopping().update(math.nan, step=4)
