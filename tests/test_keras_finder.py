"""``lrkit.keras.find_lr`` with a one-shot generator and with the sweep options value."""

from __future__ import annotations

import keras
import numpy as np

import lrkit
import lrkit.keras as lk
from lrkit.finder import SweepOptions


def _model():
    keras.utils.set_random_seed(1)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(lk.Schedule(lrkit.constant(1e-2))), loss="mse")
    return m


def test_one_shot_generator_keeps_the_points_and_restores_the_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], "float32"))[:, None]
    m = _model()
    m(x[:1])
    w0 = [w.copy() for w in m.get_weights()]
    gen = ((x[i : i + 8], y[i : i + 8]) for i in range(0, 64, 8))  # 8 batches, once
    res = lk.find_lr(m, gen, options=SweepOptions(start=1e-4, end=1.0, steps=20), progress=False)
    assert res.stop_reason == "exhausted" and len(res) == 8
    assert "ran out after 8 batches" in res.stop_detail
    assert res.config == SweepOptions(start=1e-4, end=1.0, steps=20).to_dict()
    for a, b in zip(m.get_weights(), w0):
        np.testing.assert_array_equal(a, b)


def test_integer_arguments_take_numpy_integers_and_seeds_are_named():
    import pytest

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = x.sum(1, keepdims=True)
    m = _model()
    res = lk.find_lr(m, x, y, batch_size=np.int64(8), steps=5, seed=np.int32(2), progress=False)
    ref = lk.find_lr(m, x, y, batch_size=8, steps=5, seed=2, progress=False)
    np.testing.assert_array_equal(res.losses, ref.losses)
    assert lk.ResumeIterations(steps_per_epoch=np.int64(5)).steps_per_epoch == 5
    for bad, err in ((-1, "an integer >= 0, got -1"), ("a", "an integer, got 'a'"),
                     (1.5, "an integer, got 1.5")):  # fmt: skip
        with pytest.raises((ValueError, TypeError), match=f"find_lr: seed must be {err}"):
            lk.find_lr(m, x, y, steps=5, seed=bad, progress=False)
        with pytest.raises((ValueError, TypeError), match=f"plan: seed must be {err}"):
            lk.plan(m, x, y, total_steps=100, seed=bad)
    with pytest.raises(ValueError, match="find_lr: batch_size must be a positive int, got 0"):
        lk.find_lr(m, x, y, batch_size=0)
    with pytest.raises(ValueError, match="ResumeIterations: steps_per_epoch must be a positive"):
        lk.ResumeIterations(steps_per_epoch=0)


def _dropout_model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.3, seed=1),  # unseeded, torch draws from its global RNG
            keras.layers.Dense(1),
        ]
    )
    m.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="mse")
    return m


def test_training_after_find_lr_and_plan_is_bit_identical_with_dropout():
    # the dropout seed generator's state is a model variable that get_weights() leaves out:
    # the sweep advanced it, so the training after find_lr / plan drew other masks
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 6)).astype("float32")
    y = (x @ rng.normal(size=(6, 1))).astype("float32")
    ref = _dropout_model()
    ref.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
    for detour in (
        lambda m: lk.find_lr(m, x, y, steps=20, progress=False),
        lambda m: lk.plan(m, x, y, total_steps=160, batch_size=32, budget=0.5),
    ):
        m = _dropout_model()
        m.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
        detour(m)
        m.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
        for a, b in zip(m.get_weights(), ref.get_weights()):
            np.testing.assert_array_equal(a, b)
