"""Same numbers as optax's schedules.

optax is evaluated with jax's 64-bit mode switched on (a fixture turns it on
and restores the previous setting), so the comparison is float64 against
float64 and the tolerance is a real 1e-9 relative error at every step.
"""

from __future__ import annotations

import jax
import numpy as np
import optax
import pytest

import lrkit

RTOL = 1e-9


@pytest.fixture(autouse=True)
def x64():
    old = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", old)


def _ref(fn, n: int) -> np.ndarray:
    out = np.asarray(jax.jit(jax.vmap(fn))(np.arange(n, dtype=np.int64)))
    assert out.dtype == np.float64
    return out


def _close(got, ref, rtol=RTOL):
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=0)


def test_warmup_cosine_decay_schedule():
    fn = optax.warmup_cosine_decay_schedule(
        init_value=1e-4, peak_value=0.1, warmup_steps=20, decay_steps=200, end_value=1e-3
    )
    s = lrkit.warmup(lrkit.cosine(0.1, 1e-3, steps=180), steps=20, start=1e-4)
    _close(s(np.arange(260)), _ref(fn, 260))


def test_warmup_cosine_decay_schedule_from_zero():
    fn = optax.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, 0.0)
    ref = _ref(fn, 120)
    got = lrkit.warmup(lrkit.cosine(1.0, 0.0, steps=90), steps=10, start=0.0)(np.arange(120))
    # both are exactly 0 at step 0 and from step 100 on (no relative error defined there)
    assert got[0] == ref[0] == 0.0
    assert np.all(got[100:] == 0.0) and np.all(np.abs(ref[100:]) < 1e-30)
    _close(got[1:100], ref[1:100])


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    fn = optax.exponential_decay(0.1, transition_steps=7, decay_rate=0.5, staircase=staircase)
    s = lrkit.exponential(0.1, gamma=0.5, every=7, staircase=staircase)
    _close(s(np.arange(200)), _ref(fn, 200))


@pytest.mark.parametrize("kind,optax_kind", [("linear", "linear"), ("cos", "cosine")])
def test_piecewise_interpolate_schedule(kind, optax_kind):
    # optax multiplies the scales cumulatively and interpolates between the products
    fn = optax.piecewise_interpolate_schedule(optax_kind, 1.0, {10: 0.1, 25: 0.5, 60: 4.0})
    pts = [(0, 1.0), (10, 0.1), (25, 0.05), (60, 0.2)]
    _close(lrkit.interpolate(pts, kind=kind)(np.arange(80)), _ref(fn, 80))


def test_sgdr_schedule():
    kwargs = [
        dict(init_value=1e-3, peak_value=0.1, warmup_steps=5, decay_steps=30, end_value=1e-4),
        dict(init_value=1e-3, peak_value=0.05, warmup_steps=5, decay_steps=60, end_value=1e-4),
        dict(init_value=1e-3, peak_value=0.025, warmup_steps=10, decay_steps=40, end_value=1e-4),
    ]
    fn = optax.sgdr_schedule(kwargs)
    s = lrkit.sequence(
        *[
            lrkit.warmup(
                lrkit.cosine(
                    k["peak_value"], k["end_value"], steps=k["decay_steps"] - k["warmup_steps"]
                ),
                steps=k["warmup_steps"],
                start=k["init_value"],
            )
            for k in kwargs
        ]
    )
    _close(s(np.arange(150)), _ref(fn, 150))


def test_sgdr_schedule_matches_lrkit_sgdr_without_warmup():
    # optax's SGDR with equal cycles and no warmup is lrkit.sgdr with mult=1, decay=1
    kw = dict(init_value=0.1, peak_value=0.1, warmup_steps=0, decay_steps=25, end_value=1e-3)
    fn = optax.sgdr_schedule([kw] * 4)
    _close(lrkit.sgdr(0.1, 1e-3, period=25)(np.arange(100)), _ref(fn, 100))


def test_linear_onecycle_schedule():
    # optax's one-cycle: phase ends at int(pct_start*T), int(pct_final*T) and T
    # (PyTorch's are at pct_start*T - 1 and T - 1, see lrkit.one_cycle); the optax
    # variant is an lrkit.interpolate of the same points.
    T, peak, div, fdiv = 200, 0.4, 25.0, 1e4
    fn = optax.linear_onecycle_schedule(T, peak, pct_start=0.3, pct_final=0.85)
    lo = peak / div
    pts = [(0, lo), (int(0.3 * T), peak), (int(0.85 * T), lo), (T, lo / fdiv)]
    _close(lrkit.interpolate(pts)(np.arange(T + 20)), _ref(fn, T + 20))


def test_cosine_onecycle_schedule():
    T, peak, div, fdiv = 200, 0.4, 25.0, 1e4
    fn = optax.cosine_onecycle_schedule(T, peak, pct_start=0.3)
    lo = peak / div
    pts = [(0, lo), (int(0.3 * T), peak), (T, lo / fdiv)]
    got = lrkit.interpolate(pts, kind="cos")(np.arange(T + 20))
    _close(got, _ref(fn, T + 20))
    # lrkit.one_cycle follows PyTorch instead: its peak is one step earlier
    oc = lrkit.one_cycle(peak, steps=T, pct_start=0.3)
    assert oc(int(0.3 * T) - 1) == pytest.approx(peak, rel=1e-12)
    assert got[int(0.3 * T) - 1] < peak


def test_x64_fixture_restores_setting():
    assert jax.config.jax_enable_x64
