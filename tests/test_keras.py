"""lrkit.keras: the Schedule, parity with Keras' schedules in model.fit, callbacks, finder.

Keras runs on the jax backend here (tests/conftest.py); the torch backend is
tested in a subprocess (the backend is fixed per process).

The "probe" model measures the rate that was really applied: a bias-free
Dense(1) on inputs of ones with loss mean(y_pred) has gradient exactly 1, so
each SGD update moves the weight by exactly -lr.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import lrkit
import lrkit.keras as lk


@keras.saving.register_keras_serializable(package="lrkit_tests")
def probe_loss(y_true, y_pred):
    return keras.ops.mean(y_pred)


def _probe(lr, steps_per_execution=1, accumulate=None):
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    m.layers[0].kernel.assign(np.zeros((1, 1), "float32"))
    m.compile(
        optimizer=keras.optimizers.SGD(learning_rate=lr, gradient_accumulation_steps=accumulate),
        loss=probe_loss,
        steps_per_execution=steps_per_execution,
    )
    return m


class _Weights(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.w = []

    def on_train_batch_end(self, batch, logs=None):
        self.w.append(float(self.model.layers[0].kernel.numpy()[0, 0]))


def _fit(model, epochs, spe=4, initial_epoch=0, callbacks=(), batch=2):
    x = np.ones((spe * batch, 1), "float32")
    log, w = lk.LearningRateLogger(), _Weights()
    model.fit(
        x,
        x,
        batch_size=batch,
        epochs=epochs,
        initial_epoch=initial_epoch,
        verbose=0,
        shuffle=False,
        callbacks=[*callbacks, log, w],
    )
    return log, np.diff(np.concatenate([[0.0], w.w])) * -1.0


# ----------------------------------------------------------------------------- Schedule


def test_schedule_is_a_keras_schedule_with_lrkit_values():
    s = lrkit.warmup(lrkit.cosine(0.1, 1e-3), steps="10%")
    ks = lk.Schedule(s, total_steps=100)
    assert isinstance(ks, keras.optimizers.schedules.LearningRateSchedule)
    v = np.asarray(ks(np.arange(120)))
    assert v.dtype == np.float32
    ref = s.bind(total_steps=100)(np.arange(120))
    np.testing.assert_allclose(v, ref, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ks.value(np.arange(120)), ref, rtol=0)


def test_schedule_errors_name_the_parameter():
    with pytest.raises(ValueError, match="call .bind"):
        lk.Schedule(lrkit.cosine(0.1))
    with pytest.raises(ValueError, match="offset must be an int >= 0, got -1"):
        lk.Schedule(0.1, offset=-1)
    with pytest.raises(ValueError, match=r"scale must be in \[0, 1\], got -2.0"):
        lk.Schedule(0.1, scale=-2.0)
    with pytest.raises(TypeError, match="schedule must be an lrkit schedule"):
        lk.Schedule(object())


def test_value_takes_integer_steps_as_lrkit_does():
    ks = lk.Schedule("linear(1.0, 0.0, steps=10)", offset=2)
    assert ks.value(3) == pytest.approx(0.5) and ks.value(np.int32(3)) == pytest.approx(0.5)
    np.testing.assert_allclose(ks.value(np.arange(3)), [0.8, 0.7, 0.6])
    for bad in (1.5, np.array([0.5]), True):  # were truncated to step 1, 0 and 1 silently
        with pytest.raises(TypeError, match="step must be an integer"):
            ks.value(bad)
    with pytest.raises(ValueError, match="step must be >= 0, got -1"):
        ks.value(-1)
    with pytest.raises(TypeError, match="lrkit.keras.Schedule: name must be a str or None, got 3"):
        lk.Schedule(0.1, name=3)


def test_config_round_trip_and_registration():
    ks = lk.Schedule(
        "warmup(cosine(0.1, 1e-4), steps='5%')", total_steps=200, offset=7, scale=0.5, name="x"
    )
    cfg = ks.get_config()
    assert cfg["schedule"] == str(ks.schedule) and cfg["offset"] == 7 and cfg["scale"] == 0.5
    back = lk.Schedule.from_config(cfg)
    assert back.schedule == ks.schedule and back.get_config() == cfg
    ser = keras.saving.serialize_keras_object(ks)
    assert ser["registered_name"] == "lrkit>Schedule"
    again = keras.saving.deserialize_keras_object(json.loads(json.dumps(ser)))
    assert isinstance(again, lk.Schedule) and again.get_config() == cfg
    np.testing.assert_allclose(np.asarray(again(np.arange(50))), np.asarray(ks(np.arange(50))))


def test_saved_model_reloads_with_its_schedule(tmp_path):
    s = lrkit.sgdr(0.1, 1e-3, period=5, mult=2)
    m = _probe(lk.Schedule(s))
    _fit(m, 1)
    path = tmp_path / "m.keras"
    m.save(path)
    m2 = keras.saving.load_model(path, compile=True, safe_mode=True)  # no custom_objects
    lr = m2.optimizer._learning_rate
    assert isinstance(lr, lk.Schedule) and lr.schedule == s
    assert int(m2.optimizer.iterations) == 4
    assert lk.current_lr(m2.optimizer) == pytest.approx(s(4), rel=1e-6)


# ----------------------------------------------------------------------------- parity


KERAS_VS_LRKIT = {
    "cosine_decay_warmup": (
        lambda: keras.optimizers.schedules.CosineDecay(
            0.01, decay_steps=10, alpha=0.1, warmup_target=0.2, warmup_steps=4
        ),
        lrkit.warmup(lrkit.cosine(0.2, 0.02, steps=10), steps=4, start=0.01),
    ),
    "exponential_decay": (
        lambda: keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.7),
        lrkit.exponential(0.1, gamma=0.7, every=3),
    ),
    "exponential_decay_staircase": (
        lambda: keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.7, staircase=True),
        lrkit.exponential(0.1, gamma=0.7, every=3, staircase=True),
    ),
    "inverse_time_decay": (
        lambda: keras.optimizers.schedules.InverseTimeDecay(0.1, 2, 0.5),
        lrkit.inverse_time(0.1, decay=0.5, every=2),
    ),
    "piecewise_constant": (
        # Keras switches after the boundary (t > b): lrkit boundaries are b + 1
        lambda: keras.optimizers.schedules.PiecewiseConstantDecay([3, 9], [0.1, 0.05, 0.01]),
        lrkit.piecewise([0.1, 0.05, 0.01], boundaries=[4, 10]),
    ),
    "polynomial_decay": (
        lambda: keras.optimizers.schedules.PolynomialDecay(0.1, 12, 0.01, power=2.0),
        lrkit.polynomial(0.1, 0.01, steps=12, power=2.0),
    ),
    "cosine_decay_restarts": (
        lambda: keras.optimizers.schedules.CosineDecayRestarts(0.1, 3, t_mul=2.0, m_mul=0.8),
        lrkit.sgdr(0.1, 0.0, period=3, mult=2.0, decay=0.8),
    ),
    "cosine_decay_restarts_alpha": (
        lambda: keras.optimizers.schedules.CosineDecayRestarts(0.1, 4, t_mul=1.0, alpha=0.1),
        lrkit.sgdr(0.1, 0.01, period=4),
    ),
    "cosine_decay_restarts_alpha_m_mul": (
        # docs/keras.md: Keras keeps the floor and shrinks the height above it
        lambda: keras.optimizers.schedules.CosineDecayRestarts(
            0.1, 3, t_mul=2.0, m_mul=0.5, alpha=0.1
        ),
        lrkit.sgdr(0.1, 0.01, period=3, mult=2.0, decay=0.5, decay_of="amplitude"),
    ),
}


@pytest.mark.parametrize("name", sorted(KERAS_VS_LRKIT))
def test_parity_with_keras_schedules_in_model_fit(name):
    make_ref, s = KERAS_VS_LRKIT[name]
    epochs = 4  # 16 updates: every boundary above is crossed
    log_ref, applied_ref = _fit(_probe(make_ref()), epochs)
    log, applied = _fit(_probe(lk.Schedule(s)), epochs)
    t = np.arange(16)
    assert log.steps == log_ref.steps == list(range(16))
    np.testing.assert_allclose(log.lrs, log_ref.lrs, rtol=2e-6, atol=1e-8)
    np.testing.assert_allclose(log.lrs, s(t), rtol=2e-6, atol=1e-8)
    # the rates really applied (measured on the weights), ours vs Keras'
    np.testing.assert_allclose(applied, applied_ref, rtol=0, atol=3e-7)
    np.testing.assert_allclose(applied, s(t), rtol=0, atol=3e-7)


def test_logger_with_steps_per_execution():
    s = lrkit.cosine(0.1, 0.0, steps=12)
    m = _probe(lk.Schedule(s), steps_per_execution=4)
    log, applied = _fit(m, 3)
    assert log.steps == list(range(12))
    np.testing.assert_allclose(log.lrs, s(np.arange(12)), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(log.epoch_lrs, s(np.array([0, 4, 8])), rtol=1e-6)


# ----------------------------------------------------------------------------- plateau


class _Metric(keras.callbacks.Callback):
    """Puts a scripted metric into the epoch logs (listed before the plateau)."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]


def test_keras_own_plateau_refuses_a_schedule():
    m = _probe(keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.7))
    cb = keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", patience=0)
    with pytest.raises(TypeError, match="not settable"):
        _fit(m, 3, callbacks=[_Metric([1.0, 1.0, 1.0]), cb])


def test_plateau_on_top_of_a_warmup_schedule_and_early_stopping():
    s = lrkit.warmup(lrkit.cosine(0.1, 0.01, steps=40), steps=4)
    ks = lk.Schedule(s)
    m = _probe(ks)
    metric = [3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0]
    plateau = lk.ReduceLROnPlateau(monitor="score", patience=1, factor=0.5, min_lr=0.02)
    stop = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=5)
    log, applied = _fit(m, 10, callbacks=[_Metric(metric), plateau, stop])
    # reductions after epochs 3 and 5 (2 bad epochs each); the one due after epoch 8
    # would not change the applied rate (min_lr holds it) and is ignored (eps rule).
    # Keras' early stopping runs alongside (4 and 3 bad epochs < patience 5: no stop)
    scale_per_epoch = [1, 1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]
    n = len(log.lrs)
    assert n == 40
    base = s(np.arange(n))
    want = np.maximum(base * np.repeat(scale_per_epoch, 4), np.minimum(base, 0.02))
    np.testing.assert_allclose(log.lrs, want, rtol=2e-6)
    np.testing.assert_allclose(applied, want, rtol=0, atol=3e-7)  # the jitted step saw it
    assert ks.scale == 0.25 and ks.get_config()["scale"] == 0.25


def test_early_stopping_stops_with_a_schedule():
    m = _probe(lk.Schedule(lrkit.cosine(0.1, steps=40)))
    stop = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=2)
    log, _ = _fit(m, 10, callbacks=[_Metric([1.0, 0.5] + [0.6] * 8), stop])
    assert len(log.epoch_lrs) == 4  # best at epoch 1, two bad epochs, stop


def test_plateau_with_a_float_rate_and_errors():
    m = _probe(0.1)
    plateau = lk.ReduceLROnPlateau(monitor="score", patience=0, factor=0.5)
    log, applied = _fit(m, 3, callbacks=[_Metric([1.0, 1.0, 1.0]), plateau])
    np.testing.assert_allclose(log.epoch_lrs, [0.1, 0.1, 0.05], rtol=1e-6)
    np.testing.assert_allclose(applied, np.repeat([0.1, 0.1, 0.05], 4), atol=3e-7)
    m2 = _probe(keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.7))
    with pytest.raises(TypeError, match="wrap the schedule"):
        _fit(m2, 1, callbacks=[_Metric([1.0]), lk.ReduceLROnPlateau(monitor="score")])
    with pytest.raises(ValueError, match="factor must be"):
        lk.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="metric is NaN"):
        _fit(_probe(0.1), 1, callbacks=[_Metric([float("nan")]), lk.ReduceLROnPlateau("score")])


# ----------------------------------------------------------------------------- resume


def test_initial_epoch_resume_fix():
    s = lrkit.cosine(0.1, 0.0, steps=24)
    full, _ = _fit(_probe(lk.Schedule(s)), 6)
    # Keras' behaviour: a fresh optimizer restarts the schedule at step 0
    broken, _ = _fit(_probe(lk.Schedule(s)), 6, initial_epoch=3)
    np.testing.assert_allclose(broken.lrs, s(np.arange(12)), rtol=1e-6)
    # the callback resumes it at step initial_epoch * steps_per_epoch
    fixed, _ = _fit(_probe(lk.Schedule(s)), 6, initial_epoch=3, callbacks=[lk.ResumeIterations()])
    assert fixed.steps == list(range(12, 24))
    np.testing.assert_allclose(fixed.lrs, full.lrs[12:], rtol=0)
    # the documented alternative: a step offset in the schedule
    offset, _ = _fit(_probe(lk.Schedule(s, offset=12)), 6, initial_epoch=3)
    np.testing.assert_allclose(offset.lrs, full.lrs[12:], rtol=1e-6)
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive int"):
        lk.ResumeIterations(steps_per_epoch=0)


def test_gradient_accumulation_logger_current_lr_and_resume_follow_keras():
    # with gradient_accumulation_steps=n Keras calls the schedule with its batch counter:
    # update k (made at batch (k+1)n - 1) uses s((k+1)n - 1)
    s = lrkit.linear(32.0, 0.0, steps=32)
    m = _probe(lk.Schedule(s), accumulate=2)
    log, per_batch = _fit(m, 4)  # 16 batches, 8 updates
    applied = per_batch[1::2]
    np.testing.assert_allclose(per_batch[0::2], 0.0, atol=0)
    np.testing.assert_allclose(applied, s(np.arange(1, 16, 2)), rtol=1e-6)
    assert log.steps == list(range(8))
    np.testing.assert_allclose(log.lrs, applied, rtol=1e-6)
    np.testing.assert_allclose(log.epoch_lrs, s([1, 5, 9, 13]), rtol=1e-6)
    assert lk.current_lr(m.optimizer) == pytest.approx(s(17), rel=1e-6)
    # resumed at epoch 2: the batches 8..15 of the full run, whichever way the epoch is given
    for cb in (lk.ResumeIterations(), lk.ResumeIterations(steps_per_epoch=2)):
        m = _probe(lk.Schedule(s), accumulate=2)
        resumed, per_batch = _fit(m, 4, initial_epoch=2, callbacks=[cb])
        assert resumed.steps == [4, 5, 6, 7]
        np.testing.assert_allclose(per_batch[1::2], applied[4:], rtol=1e-6)
        np.testing.assert_allclose(resumed.lrs, applied[4:], rtol=1e-6)


def test_mixed_precision_loss_scale_optimizer():
    # under mixed_float16 compile wraps the optimizer in a LossScaleOptimizer, whose own
    # _learning_rate is a 0.0 placeholder and whose iterations are its inner optimizer's
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        s = lrkit.linear(0.1, 0.0, steps=16)
        m = _probe(lk.Schedule(s))
        assert isinstance(m.optimizer, keras.optimizers.LossScaleOptimizer)
        log, applied = _fit(m, 2)
        np.testing.assert_allclose(applied, s(np.arange(8)), rtol=1e-6)
        np.testing.assert_allclose(log.lrs, applied, rtol=1e-6)  # were all 0.0
        assert lk.current_lr(m.optimizer) == pytest.approx(s(8), rel=1e-6)
        resumed, applied = _fit(
            _probe(lk.Schedule(s)), 4, initial_epoch=2, callbacks=[lk.ResumeIterations()]
        )
        assert resumed.steps == list(range(8, 16))  # the resume was lost
        np.testing.assert_allclose(applied, s(np.arange(8, 16)), rtol=1e-6)
        for lr, want in ((lk.Schedule(s), 0.25 * s(12)), (0.1, 0.025)):
            m = _probe(lr)
            _fit(
                m,
                3,
                callbacks=[
                    _Metric([1.0] * 3),
                    lk.ReduceLROnPlateau("score", patience=0, factor=0.5),
                ],
            )
            assert lk.current_lr(m.optimizer) == pytest.approx(want, rel=1e-6)
        weights = m.get_weights()
        x = np.ones((16, 1), "float32")
        res = lk.find_lr(m, x, x, steps=5, progress=False)  # raised in from_config
        np.testing.assert_allclose(res.lrs, np.geomspace(1e-7, 10, 5), rtol=1e-6)
        assert all(np.array_equal(a, b) for a, b in zip(weights, m.get_weights()))
        assert isinstance(m.optimizer, keras.optimizers.LossScaleOptimizer)
    finally:
        keras.mixed_precision.set_global_policy("float32")


# ----------------------------------------------------------------------------- finder


def _regression():
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], "float32"))[:, None]
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)])
    opt = keras.optimizers.Adam(lk.Schedule(lrkit.cosine(1e-2, steps=100)))
    m.compile(optimizer=opt, loss="mse")
    m.fit(x, y, batch_size=32, epochs=1, verbose=0)  # optimizer state is not empty
    return m, x, y


def test_find_lr_restores_weights_and_optimizer():
    m, x, y = _regression()
    opt = m.optimizer
    w0 = [w.copy() for w in m.get_weights()]
    o0 = [np.array(v.numpy()) for v in opt.variables]
    res = lk.find_lr(m, x, y, batch_size=16, start=1e-5, end=10.0, steps=60, progress=False)
    assert res.stop_reason in ("diverged", "nonfinite", "completed") and len(res) > 10
    assert m.optimizer is opt
    for a, b in zip(m.get_weights(), w0):
        np.testing.assert_array_equal(a, b)
    for v, b in zip(opt.variables, o0):
        np.testing.assert_array_equal(np.array(v.numpy()), b)
    sug = res.suggest()
    assert sug is None or 1e-5 <= sug <= 10.0
    # training goes on normally afterwards, from the same step
    m.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert int(opt.iterations) == 8


def test_find_lr_on_a_dataset_of_batches_and_errors():
    m, x, y = _regression()
    w0 = [w.copy() for w in m.get_weights()]
    batches = [(x[i : i + 32], y[i : i + 32]) for i in range(0, 128, 32)]
    res = lk.find_lr(m, batches, steps=12, start=1e-4, end=1e-1, progress=False)
    assert len(res) == 12 and res.stop_reason == "completed"
    for a, b in zip(m.get_weights(), w0):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="must be a keras.Model"):
        lk.find_lr(object(), x, y)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        lk.find_lr(m, x, y, batch_size=0)


# ----------------------------------------------------------------------------- torch backend

_TORCH_SCRIPT = r"""
import json, os, sys, tempfile
import numpy as np
import keras, lrkit, lrkit.keras as lk
assert keras.backend.backend() == "torch"
s = lrkit.warmup(lrkit.cosine(0.1, 0.01, steps=20), steps=4)
ks = lk.Schedule(s)
m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
m.layers[0].kernel.assign(np.zeros((1, 1), "float32"))
@keras.saving.register_keras_serializable(package="t")
def probe(t, p):
    return keras.ops.mean(p)
m.compile(optimizer=keras.optimizers.SGD(ks), loss=probe)
class M(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = 1.0
log = lk.LearningRateLogger()
x = np.ones((8, 1), "float32")
m.fit(x, x, batch_size=2, epochs=4, verbose=0, shuffle=False,
      callbacks=[M(), lk.ReduceLROnPlateau("score", patience=0, factor=0.5), log])
path = os.path.join(tempfile.mkdtemp(), "m.keras")
m.save(path)
m2 = keras.saving.load_model(path)
print(json.dumps({"lrs": log.lrs, "w": float(m.layers[0].kernel.numpy()[0, 0]),
                  "reloaded": m2.optimizer._learning_rate.get_config()}))
"""


def test_torch_backend_fit_plateau_and_reload(run_keras_torch):
    out = run_keras_torch(_TORCH_SCRIPT)
    s = lrkit.warmup(lrkit.cosine(0.1, 0.01, steps=20), steps=4)
    # patience 0 and a constant metric: a reduction after every epoch but the first
    scale = np.repeat([1.0, 1.0, 0.5, 0.25], 4)
    want = s(np.arange(16)) * scale
    np.testing.assert_allclose(out["lrs"], want, rtol=2e-6)
    assert out["w"] == pytest.approx(-want.sum(), rel=1e-5)
    assert out["reloaded"] == {
        "schedule": str(s),
        "scale": 0.125,
        "load_with": "import lrkit.keras before keras.saving.load_model",
    }


def test_float32_schedule_refuses_what_it_cannot_represent():
    with pytest.raises(ValueError, match="is inf at step 0 in float32"):
        lk.Schedule("constant(1e39)")
    with pytest.raises(ValueError, match="is nan at step 1 in float32"):
        lk.Schedule("warmup(constant(1e-3), steps=10, shape='exp', start=1e-39)")
    ks = lk.Schedule("exponential(1e-7, gamma=1.2)", total_steps=100)  # only the run counts
    assert np.isfinite(np.asarray(ks(np.arange(101)))).all()
    # the message gives the range of the floatx in use (it said float32's for float16)
    keras.backend.set_floatx("float16")
    try:
        with pytest.raises(ValueError, match="in float16; float16 holds magnitudes from about "
                                             "6.1e-05 to 65504"):  # fmt: skip
            lk.Schedule("constant(1e5)")
    finally:
        keras.backend.set_floatx("float32")


def test_plateau_callback_takes_a_config_and_refuses_unknown_settings():
    from lrkit.control import PlateauConfig

    cb = lk.ReduceLROnPlateau("score", PlateauConfig(patience=2, min_value=0.01))
    assert cb.plateau.config.patience == 2 and cb.plateau.config.min_value == 0.01
    with pytest.raises(TypeError, match=r"unknown settings \['min_delta'\]"):
        lk.ReduceLROnPlateau("score", min_delta=0.1)


def test_float32_sgdr_restarts_with_a_non_integer_mult_land_on_float64s_step():
    # the cycle table holds each cycle's first integer step (exact in float32 below 2**24);
    # with the fractional starts themselves, 19 of these restarts came one step off
    for period, mult in [(7, 1.1), (3, 1.7), (1, 1.05)]:
        sg = lrkit.sgdr(1.0, 0.0, period=period, mult=mult)
        starts = period * (mult ** np.arange(400) - 1) / (mult - 1)
        first = np.ceil(starts[starts < 16e6] - 1e-6).astype(np.int64)
        steps = np.unique(np.concatenate([first - 1, first, first + 1]))
        steps = steps[steps >= 0]
        out = lk.Schedule(sg)(keras.ops.convert_to_tensor(steps.astype("int32")))
        got = np.asarray(keras.ops.convert_to_numpy(out), np.float64)
        np.testing.assert_allclose(got, sg(steps), atol=1e-3)


@pytest.mark.parametrize("seed", range(12))
def test_keras_own_plateau_settings_convert_as_docs_keras_md_says(seed):
    # Keras counts patience and cooldown one epoch shorter and min_delta is absolute:
    # keras' ReduceLROnPlateau(patience=p, cooldown=c, min_delta=d) is lrkit's with
    # patience=max(p - 1, 0), cooldown=max(c - 1, 0), threshold=d, threshold_mode="abs"
    # (and eps=0: Keras reduces however small the rate; lrkit's default stops at 1e-8)
    import random

    rng = random.Random(seed)
    p, c = rng.choice([0, 1, 2, 3]), rng.choice([0, 1, 2, 3])
    d, f = rng.choice([0.0, 1e-4, 0.05]), rng.choice([0.1, 0.5])
    mode, floor = rng.choice(["min", "max"]), rng.choice([0.0, 0.01])
    theirs, ours = _probe(0.1), _probe(0.1)
    ref = keras.callbacks.ReduceLROnPlateau(
        monitor="score", patience=p, cooldown=c, min_delta=d, factor=f, min_lr=floor, mode=mode
    )
    cb = lk.ReduceLROnPlateau(
        "score",
        patience=max(p - 1, 0),
        cooldown=max(c - 1, 0),
        threshold=d,
        threshold_mode="abs",
        factor=f,
        min_lr=floor,
        mode=mode,
        eps=0.0,
    )
    ref.set_model(theirs)
    cb.set_model(ours)
    ref.on_train_begin()
    cb.on_train_begin()
    for epoch in range(40):
        score = rng.choice([1.0, 0.9, 1.1, rng.random()])
        ref.on_epoch_end(epoch, {"score": score})
        cb.on_epoch_end(epoch, {"score": score})
        want = float(theirs.optimizer.learning_rate)
        assert float(ours.optimizer.learning_rate) == pytest.approx(want, rel=1e-6), epoch
    # the setting Keras users write first says what it is here
    with pytest.raises(TypeError, match=r"`min_delta` is `threshold` with `threshold_mode='abs'`"):
        lk.ReduceLROnPlateau("score", min_delta=0.1)
