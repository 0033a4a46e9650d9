"""Framework-free plateau and early-stopping state machines (lrkit.control).

No framework is imported here; the parity with PyTorch is in test_control_torch_parity.py.
"""

from __future__ import annotations

import json
import math
import pickle
import random

import numpy as np
import pytest

from lrkit.control import (
    EarlyStopping,
    EarlyStoppingConfig,
    Plateau,
    PlateauConfig,
    PlateauState,
    early_stopping_init,
    early_stopping_update,
    is_better,
    plateau_apply,
    plateau_init,
    plateau_update,
)


def _lrkit_lrs(metrics, base_lr, **kw):
    kw = dict(kw)
    if "min_lr" in kw:
        kw["min_value"] = kw.pop("min_lr")
    p = Plateau(**kw)
    out = []
    for m in metrics:
        p.update(m, value=base_lr)
        out.append(p.apply(base_lr))
    return out


def test_negative_metric_rel_threshold_fixed():
    # a worsening negative loss: -1.0 then -0.9, -0.8 ... never better than -1.0
    metrics = [-1.0, -0.9, -0.8, -0.7, -0.6]
    got = _lrkit_lrs(metrics, 1.0, patience=1, factor=0.5)
    assert got == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_is_better_rel_both_signs():
    assert is_better(0.9, 1.0, "min", 0.05, "rel")
    assert not is_better(0.96, 1.0, "min", 0.05, "rel")
    assert is_better(-1.06, -1.0, "min", 0.05, "rel")
    assert not is_better(-1.04, -1.0, "min", 0.05, "rel")
    assert not is_better(-0.9, -1.0, "min", 0.05, "rel")
    assert is_better(1.06, 1.0, "max", 0.05, "rel")
    assert not is_better(1.04, 1.0, "max", 0.05, "rel")
    assert is_better(-0.94, -1.0, "max", 0.05, "rel")
    assert not is_better(-0.96, -1.0, "max", 0.05, "rel")
    assert is_better(0.94, 1.0, "min", 0.05, "abs")
    assert not is_better(0.96, 1.0, "min", 0.05, "abs")


def test_nan_raises_by_default_and_never_counts():
    p = Plateau(patience=0)
    p.update(1.0)
    with pytest.raises(ValueError, match="NaN at step 7"):
        p.update(float("nan"), step=7)
    assert p.state.num_bad == 0 and p.scale == 1.0


def test_nan_skip_leaves_state():
    p = Plateau(patience=0, nan="skip")
    p.update(1.0)
    before = p.state
    assert p.update(np.float32("nan")) is False
    assert p.state.num_bad == before.num_bad and p.state.num_updates == before.num_updates
    assert p.scale == 1.0


def test_inf_is_a_bad_epoch():
    p = Plateau(patience=0, factor=0.5)
    p.update(1.0)
    assert p.update(math.inf) is True and p.scale == 0.5


def test_start_step_ignores_early_metrics():
    p = Plateau(patience=0, factor=0.5, start_step=10)
    for s in range(10):
        assert p.update(5.0, step=s) is False
    assert p.state.num_updates == 0 and p.state.best == math.inf
    assert p.update(5.0, step=10) is False  # first counted metric sets best
    assert p.update(5.0, step=11) is True


def test_eps_ignores_tiny_reductions_but_resets_count():
    cfg = PlateauConfig(patience=0, factor=0.5, eps=1e-3)
    st = plateau_init(cfg)
    st = plateau_update(cfg, st, 1.0, value=1e-3)
    st = plateau_update(cfg, st, 1.0, value=1e-3)
    assert st.scale == 1.0 and not st.last_reduced and st.num_bad == 0


def test_min_value_and_apply():
    cfg = PlateauConfig(factor=0.1, min_value=0.05)
    assert plateau_apply(cfg, 0.01, 1.0) == 0.05
    assert plateau_apply(cfg, 0.5, 1.0) == 0.5
    # a base value already below min_value is kept (a cosine to 0 still reaches 0)
    assert plateau_apply(cfg, 0.01, 0.0) == 0.0
    assert plateau_apply(cfg, 0.01, 0.02) == 0.02
    got = _lrkit_lrs([1.0] * 8, 1.0, patience=0, factor=0.1, min_lr=0.05)
    assert got == [1.0, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]


def test_pure_update_does_not_mutate():
    cfg = PlateauConfig(patience=0)
    st = plateau_init(cfg)
    st1 = plateau_update(cfg, st, 1.0)
    assert st.best == math.inf and st1.best == 1.0
    with pytest.raises(AttributeError):
        st1.best = 3.0  # frozen


def test_metric_types():
    p = Plateau()
    p.update(np.float64(2.0))
    p.update(np.array(1.5))
    p.update(np.float32(1.0))
    assert p.state.best == 1.0
    with pytest.raises(TypeError, match="metric must be a number"):
        p.update("loss")
    with pytest.raises(TypeError, match="metric must be a number"):
        p.update(True)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"factor": 1.0}, "factor must be > 0 and < 1, got 1.0"),
        ({"factor": 0}, "factor must be > 0 and < 1, got 0"),
        ({"mode": "minimum"}, "mode must be one of 'min', 'max', got 'minimum'"),
        ({"patience": -1}, "patience must be >= 0, got -1"),
        ({"threshold_mode": "relative"}, "threshold_mode must be one of"),
        ({"nan": "ignore"}, "nan must be one of 'raise', 'skip', got 'ignore'"),
        ({"min_value": -1.0}, "min_value must be >= 0, got -1.0"),
    ],
)
def test_plateau_config_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        PlateauConfig(**kw)


def test_plateau_state_dict_roundtrip_json_pickle():
    p = Plateau(patience=1, factor=0.5)
    for m in [3.0, 3.0, 3.0, 2.0]:
        p.update(m)
    sd = p.state_dict()
    sd2 = json.loads(json.dumps(sd))
    q = Plateau(patience=1, factor=0.5)
    q.load_state_dict(sd2)
    assert q.state == p.state
    r = pickle.loads(pickle.dumps(p))
    assert r.state == p.state
    for m in [2.5, 2.5, 2.5]:
        assert p.update(m) == q.update(m) == r.update(m)
    with pytest.raises(ValueError, match="missing"):
        q.load_state_dict({"state": {"best": 1.0}})
    with pytest.raises(ValueError, match="differs from the one constructed"):
        Plateau(patience=3).load_state_dict(sd)
    kept = Plateau(patience=3)
    kept.load_state_dict(sd, on_mismatch="new")  # the one policy: keep the constructed config
    assert kept.config.patience == 3 and kept.state == PlateauState.from_dict(sd["state"])
    assert PlateauState.from_dict(sd2["state"]).best == 2.0


# =============================================================================
# early stopping
# =============================================================================


def _reference_early_stopping(metrics, patience, min_delta, mode):
    """Keras' EarlyStopping rule written out: stop when wait >= patience."""
    best = math.inf if mode == "min" else -math.inf
    wait = 0
    for i, m in enumerate(metrics):
        better = m < best - min_delta if mode == "min" else m > best + min_delta
        if better:
            best, wait = m, 0
        else:
            wait += 1
            if wait >= patience:
                return i
    return None


@pytest.mark.parametrize("seed", range(20))
def test_early_stopping_random_streams(seed):
    rng = random.Random(seed)
    mode = rng.choice(["min", "max"])
    patience = rng.randint(1, 5)
    min_delta = rng.choice([0.0, 0.01])
    metrics = [rng.uniform(0, 1) for _ in range(60)]
    es = EarlyStopping(mode=mode, patience=patience, min_delta=min_delta)
    stop = None
    for i, m in enumerate(metrics):
        if es.update(m, step=i):
            stop = i
            break
    assert stop == _reference_early_stopping(metrics, patience, min_delta, mode)


def test_early_stopping_keras_parity():
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    metrics = [1.0, 0.8, 0.85, 0.79, 0.9, 0.95, 0.81, 0.7, 0.75, 0.76, 0.77, 0.78]
    cb = keras.callbacks.EarlyStopping(monitor="loss", patience=3, min_delta=0.02)

    class _M:
        stop_training = False

        def get_weights(self):
            return []

    cb.set_model(_M())
    cb.on_train_begin()
    keras_stop = None
    for i, m in enumerate(metrics):
        cb.on_epoch_end(i, {"loss": m})
        if cb.model.stop_training:
            keras_stop = i
            break
    es = EarlyStopping(patience=3, min_delta=0.02)
    ours = next(i for i, m in enumerate(metrics) if es.update(m))
    assert keras_stop == 4
    assert ours == keras_stop
    assert es.state.best == 0.8 and es.state.best_index == 1


def test_early_stopping_nan_modes():
    es = EarlyStopping(patience=2)
    es.update(1.0)
    with pytest.raises(ValueError, match="NaN"):
        es.update(float("nan"))
    es = EarlyStopping(patience=5, nan="stop")
    es.update(1.0)
    assert es.update(float("nan")) is True
    es = EarlyStopping(patience=1, nan="skip")
    es.update(1.0)
    assert es.update(float("nan")) is False
    assert es.state.num_bad == 0


def test_early_stopping_stays_stopped_and_state():
    cfg = EarlyStoppingConfig(patience=1, start_step=2)
    st = early_stopping_init(cfg)
    st = early_stopping_update(cfg, st, 5.0, step=0)  # ignored
    assert st.num_updates == 0
    st = early_stopping_update(cfg, st, 5.0, step=2)
    assert st.improved and st.best_step == 2
    st = early_stopping_update(cfg, st, 6.0, step=3)
    assert st.stopped
    st2 = early_stopping_update(cfg, st, 1.0, step=4)
    assert st2.stopped and st2.best == 5.0
    es = EarlyStopping(cfg)
    es.load_state_dict(json.loads(json.dumps({"state": st.to_dict()})))
    assert es.should_stop and es.state == st
    with pytest.raises(ValueError, match="patience must be >= 0, got -2"):
        EarlyStoppingConfig(patience=-2)
    with pytest.raises(TypeError, match="either config or keyword"):
        EarlyStopping(cfg, patience=3)


# =============================================================================
# one rule, one state type, one checkpoint mechanism
# =============================================================================


def test_infinite_best_is_compared_as_is_whatever_the_threshold():
    # max mode: -inf * (1 - threshold) was NaN (threshold 1) or +inf (threshold > 1)
    for thr in (1.0, 1.5, 3.0):
        assert is_better(0.2, -math.inf, "max", thr, "rel")
        assert is_better(-5.0, -math.inf, "max", thr, "rel")
        assert is_better(5.0, math.inf, "min", thr, "rel")  # PyTorch: never (documented)
    p = Plateau(mode="max", threshold=1.0, patience=0, factor=0.5)
    assert [p.update(m) for m in (1.0, 2.5, 6.0)] == [False, False, False]
    assert p.state.best == 6.0 and p.scale == 1.0


def test_plateau_rule_runs_in_numpy_too():
    from lrkit.control import plateau_rule

    cfg = PlateauConfig(patience=1, factor=0.5, threshold=0.1)
    py = np_st = plateau_init(cfg)
    for m in (3.0, 2.0, 1.95, 1.99, 1.5, 1.5, 1.5):
        py = plateau_update(cfg, py, m)
        np_st = plateau_rule(cfg, np_st, np.float64(m), np.float64(1.0), np)
        assert [float(x) for x in np_st] == [float(x) for x in py]


def test_read_state_names_missing_unknown_and_bad_fields():
    from lrkit.control import read_state
    from lrkit.errors import ConfigError, ConfigTypeError

    good = plateau_init(PlateauConfig()).to_dict()
    with pytest.raises(ConfigError, match=r"state is missing \['scale'\]"):
        PlateauState.from_dict({k: v for k, v in good.items() if k != "scale"})
    with pytest.raises(ConfigError, match=r"unknown fields \['extra'\]"):
        PlateauState.from_dict({**good, "extra": 1})
    with pytest.raises(ConfigTypeError, match=r"state\['num_bad'\] must be an integer, got 'x'"):
        PlateauState.from_dict({**good, "num_bad": "x"})
    with pytest.raises(ConfigError, match=r"state\['scale'\] must be in \[0, 1\], got 1.5"):
        PlateauState.from_dict({**good, "scale": 1.5})
    # a scale that underflowed to 0 (eps=0, min_value=0, many reductions) still loads
    assert PlateauState.from_dict({**good, "scale": 0.0}).scale == 0.0
    with pytest.raises(ConfigTypeError, match="must be a dict"):
        read_state("X", [1, 2], ())
    p = Plateau()
    with pytest.raises(ConfigError, match=r"state_dict\['config'\] is not a valid configuration"):
        p.load_state_dict({"config": {"factor": 2.0}, "state": good})
    with pytest.raises(ConfigError, match=r"unknown settings \['lr'\]"):
        p.load_state_dict({"config": {"lr": 0.1}, "state": good})
    assert p.state == plateau_init(p.config)  # nothing changed


def test_early_stopping_checkpoint_of_another_config_is_refused():
    es = EarlyStopping(patience=2)
    es.update(1.0)
    sd = es.state_dict()
    other = EarlyStopping(patience=4)
    with pytest.raises(ValueError, match="config differs from the one constructed"):
        other.load_state_dict(sd)
    other.load_state_dict(sd, on_mismatch="new")
    assert other.config.patience == 4 and other.state.best == 1.0
