"""Same numbers as Keras 3's learning-rate schedules (jax backend).

Keras computes its schedules in float32 (``floatx``): every intermediate
value of the order of the peak rate is rounded to 2**-24 relative. The
resulting error is *absolute*, a few float32 ulps of the largest value
involved, so it looks large relative to small values near the end of a decay
(about 2e-6 relative at 1% of the peak). The tolerance used here is therefore
``rtol=1e-6`` plus ``atol = 4 * 2**-23 * peak`` (4 float32 ulps at the peak);
with float64 references (torch, optax, HuggingFace) lrkit is held to 1e-9.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest
from keras.optimizers import schedules as ks

import lrkit

EPS32 = 2.0**-23


def _ref(sched, n: int) -> np.ndarray:
    out = np.asarray(jax.jit(jax.vmap(sched))(np.arange(n, dtype=np.int32)))
    assert out.dtype == np.float32  # Keras' own precision, see the module docstring
    return out.astype(np.float64)


def _ref_eager(sched, n: int) -> np.ndarray:
    return np.array([float(sched(i)) for i in range(n)])


def _close(got: np.ndarray, ref: np.ndarray, peak: float) -> None:
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=4 * EPS32 * peak)


@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_cosine_decay(alpha):
    f = ks.CosineDecay(0.1, decay_steps=150, alpha=alpha)
    got = lrkit.cosine(0.1, 0.1 * alpha, steps=150)(np.arange(200))
    _close(got, _ref(f, 200), 0.1)


def test_cosine_decay_with_warmup():
    f = ks.CosineDecay(1e-4, decay_steps=180, alpha=0.01, warmup_target=0.1, warmup_steps=20)
    s = lrkit.warmup(lrkit.cosine(0.1, 1e-3, steps=180), steps=20, start=1e-4)
    _close(s(np.arange(260)), _ref(f, 260), 0.1)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    f = ks.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.8, staircase=staircase)
    s = lrkit.exponential(0.1, gamma=0.8, every=10, staircase=staircase)
    _close(s(np.arange(300)), _ref(f, 300), 0.1)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    f = ks.InverseTimeDecay(0.1, decay_steps=5, decay_rate=0.5, staircase=staircase)
    s = lrkit.inverse_time(0.1, decay=0.5, every=5, staircase=staircase)
    _close(s(np.arange(300)), _ref(f, 300), 0.1)


def test_piecewise_constant_decay_switches_one_step_later():
    # Deliberate difference (documented in lrkit.piecewise): Keras uses the
    # new value for step > boundary, lrkit (like PyTorch's milestones) from
    # step == boundary. boundaries + 1 reproduces Keras exactly.
    bounds, values = [10, 30, 31], [0.1, 0.05, 0.01, 0.001]
    ref = _ref(ks.PiecewiseConstantDecay(bounds, values), 50)
    _close(lrkit.piecewise(values, [b + 1 for b in bounds])(np.arange(50)), ref, 0.1)
    same_bounds = lrkit.piecewise(values, bounds)(np.arange(50))
    assert same_bounds[10] == 0.05 and ref[10] == pytest.approx(0.1)
    assert np.array_equal(np.nonzero(np.abs(same_bounds - ref) > 1e-6)[0], [10, 30, 31])


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_polynomial_decay(power):
    f = ks.PolynomialDecay(0.1, decay_steps=80, end_learning_rate=1e-3, power=power)
    s = lrkit.polynomial(0.1, 1e-3, steps=80, power=power)
    # Evaluated eagerly: under jax.jit, Keras' float32 1 - step/decay_steps can come out
    # slightly negative at step >= decay_steps, and (negative) ** 0.5 is NaN there.
    _close(s(np.arange(120)), _ref_eager(f, 120), 0.1)


@pytest.mark.parametrize("t_mul", [1.0, 2.0])
def test_cosine_decay_restarts(t_mul):
    f = ks.CosineDecayRestarts(0.1, first_decay_steps=10, t_mul=t_mul, m_mul=1.0, alpha=0.0)
    s = lrkit.sgdr(0.1, 0.0, period=10, mult=t_mul)
    _close(s(np.arange(160)), _ref(f, 160), 0.1)


def test_cosine_decay_restarts_with_m_mul_and_alpha():
    # Keras shrinks the whole cosine, alpha floor included, by m_mul per restart:
    #   v = I * (alpha + (1 - alpha) * m**i * (1 + cos) / 2)
    # lrkit.sgdr shrinks the peak by default (the floor `end` stays); Keras' form is
    # sgdr(..., decay_of="amplitude") (tests/test_parity_peers.py), or written out:
    # sgdr(I * (1 - alpha), 0, decay=m) + I * alpha.
    I, alpha, m = 0.1, 0.05, 0.5
    f = ks.CosineDecayRestarts(I, first_decay_steps=10, t_mul=2.0, m_mul=m, alpha=alpha)
    ref = _ref(f, 150)
    s = lrkit.sgdr(I * (1 - alpha), 0.0, period=10, mult=2, decay=m) + I * alpha
    _close(s(np.arange(150)), ref, I)
    plain = lrkit.sgdr(I, I * alpha, period=10, mult=2, decay=m)(np.arange(150))
    assert np.max(np.abs(plain - ref)) > 1e-3  # the floors differ after the first restart
