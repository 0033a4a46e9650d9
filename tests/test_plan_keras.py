"""lrkit.keras.plan: probes from the model's weights, the model restored bit for bit."""

import keras
import numpy as np
import pytest

import lrkit
import lrkit.keras as lk


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)]
    )
    m.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="mse")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 6)).astype("float32")
    y = (x @ rng.normal(size=(6, 1))).astype("float32")
    return m, x, y


def test_training_after_plan_is_bit_identical_to_training_without_it():
    m, x, y = _model()
    m.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)  # optimizer state exists
    w0 = [w.copy() for w in m.get_weights()]
    o0 = [np.array(v.numpy()) for v in m.optimizer.variables]
    opt = m.optimizer

    p = lk.plan(m, x, y, total_steps=160, batch_size=32, budget=0.5)
    assert p.cost <= 80 and p.shape in lrkit.plan.SHAPES
    assert m.optimizer is opt
    for a, b in zip(m.get_weights(), w0):
        np.testing.assert_array_equal(a, b)
    for v, b in zip(opt.variables, o0):
        np.testing.assert_array_equal(np.array(v.numpy()), b)
    m.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
    after_plan = m.get_weights()

    m2, _, _ = _model()
    m2.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(m2.get_weights(), w0):  # the same start, built independently
        np.testing.assert_array_equal(a, b)
    m2.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
    for a, b in zip(after_plan, m2.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_restored_when_a_probe_raises_and_validation_ranks():
    m, x, y = _model(1)
    w0 = [w.copy() for w in m.get_weights()]
    seen = []

    def stop(probe):
        seen.append(probe)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        lk.plan(m, x, y, total_steps=200, callback=stop)
    for a, b in zip(m.get_weights(), w0):
        np.testing.assert_array_equal(a, b)
    p = lk.plan(m, x, y, total_steps=200, validation_data=(x[:64], y[:64]), budget=0.4)
    probes = [q for q in p.probes if q.stage != "range" and not q.diverged]
    assert probes and all(q.score == q.val_loss for q in probes)
    assert p.cost <= 80
    with pytest.raises(lrkit.errors.ConfigTypeError, match="keras.Model"):
        lk.plan(object(), x, y, total_steps=100)


def test_bad_data_is_named_as_plan_s_not_find_lr_s():
    m, x, _ = _model()
    for y, got in [
        (np.zeros((10, 1), "float32"), "256, 10"),
        (np.zeros((0, 1), "float32"), "0, 0"),
    ]:
        xs = x if len(y) else x[:0]
        with pytest.raises(lrkit.errors.ConfigError) as e:
            lk.plan(m, xs, y, total_steps=100, budget=1.0)
        assert str(e.value) == f"plan: x and y must be non-empty and of equal length, got {got}"
    with pytest.raises(lrkit.errors.ConfigTypeError, match=r"^plan: give x and y arrays"):
        lk.plan(m, 3, None, total_steps=100, budget=1.0)
