"""The peers' features lrkit added for issue 14 §2, each against the installed peer.

PyTorch (torch.optim.lr_scheduler), HuggingFace (transformers), optax and Keras
run here for real; timm is not installed, so its features are checked against
timm's documented formulas written out in this file (from timm/scheduler/*.py:
cosine_lr.py, tanh_lr.py, scheduler.py).
"""

from __future__ import annotations

import math
import warnings

import jax
import numpy as np
import optax
import pytest
import torch
import transformers
from keras.optimizers import schedules as ks
from torch.optim import lr_scheduler as tls

import lrkit

BASE = 0.1
EPS32 = 2.0**-23


def _torch_lrs(make, n: int, key: str = "lr", momentum: float = 0.0) -> np.ndarray:
    """The group's ``key`` before each of n updates, a torch scheduler stepping after each."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=BASE, momentum=momentum)
    sched = make(opt)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            out.append(opt.param_groups[0][key])
            opt.step()
            sched.step()
    return np.array(out)


def _close(got, ref, rtol=1e-9, atol=0.0):
    np.testing.assert_allclose(np.asarray(got), np.asarray(ref), rtol=rtol, atol=atol)


def _f32(f, n: int) -> np.ndarray:
    """optax / Keras values over 0..n-1 (float32, jitted)."""
    return np.asarray(jax.jit(jax.vmap(f))(np.arange(n, dtype=np.int32)), dtype=np.float64)


def _close32(got, ref, peak=BASE):
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=4 * EPS32 * peak)


# ---------------------------------------------------------------- PyTorch
@pytest.mark.parametrize(
    "first, ours",
    [
        (
            lambda o: tls.ExponentialLR(o, gamma=0.9),
            lrkit.exponential(BASE, gamma=0.9),
        ),
        (lambda o: tls.StepLR(o, step_size=3, gamma=0.5), lrkit.step(BASE, 0.5, every=3)),
    ],
    ids=["exponential", "step"],
)
def test_sequential_lr_with_a_phase_that_never_ends(first, ours):
    def make(o):
        return tls.SequentialLR(
            o, [first(o), tls.CosineAnnealingLR(o, T_max=30, eta_min=1e-3)], milestones=[10]
        )

    ref = _torch_lrs(make, 40)
    s = lrkit.sequence(lrkit.truncate(ours, steps=10), lrkit.cosine(BASE, 1e-3, steps=30))
    _close(s(np.arange(40)), ref)
    # the phase that never ends is rejected without a length, with the way out named
    with pytest.raises(lrkit.errors.ConfigError, match=r"truncate\(\.\.\., steps=N\)"):
        lrkit.sequence(ours, lrkit.cosine(BASE, 1e-3, steps=30))(0)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr_asymmetric(mode):
    gamma = 0.995 if mode == "exp_range" else 1.0

    def make(o):
        return tls.CyclicLR(
            o, 0.01, BASE, step_size_up=7, step_size_down=23, mode=mode, gamma=gamma
        )

    ref = _torch_lrs(make, 200, momentum=0.9)
    mom = _torch_lrs(make, 200, key="momentum", momentum=0.9)
    s = lrkit.cyclic(0.01, BASE, half_period=7, half_period_down=23, mode=mode, gamma=gamma)
    _close(s(np.arange(200)), ref)
    _close(lrkit.opposite(s, 0.8, 0.9)(np.arange(200)), mom)
    # half_period_down equal to half_period is the symmetric cycle, bit for bit
    sym = lrkit.cyclic(0.01, BASE, half_period=7, half_period_down=7, mode=mode, gamma=gamma)
    t = np.arange(500)
    np.testing.assert_array_equal(
        sym(t), lrkit.cyclic(0.01, BASE, half_period=7, mode=mode, gamma=gamma)(t)
    )


def test_lambda_lr_escape_hatches():
    ref = _torch_lrs(lambda o: tls.LambdaLR(o, lambda t: 0.98**t * (1 + t % 3)), 50)
    s = lrkit.custom(lambda t: BASE * 0.98**t * (1 + t % 3))
    _close(s(np.arange(50)), ref)
    table = lrkit.table([BASE * 0.98**t * (1 + t % 3) for t in range(50)])
    _close(table(np.arange(50)), ref, rtol=1e-15)
    assert table(10**9) == table(49)  # holds its last value


# ---------------------------------------------------------------- HuggingFace
def test_inverse_sqrt_timescale():
    for timescale in (3, 40):
        ref = _torch_lrs(
            lambda o, ts=timescale: transformers.get_inverse_sqrt_schedule(
                o, num_warmup_steps=10, timescale=ts
            ),
            300,
        )
        _close(lrkit.inverse_sqrt(BASE, warmup=10, timescale=timescale)(np.arange(300)), ref)
    # the default timescale (= warmup) is HF's default too
    ref = _torch_lrs(lambda o: transformers.get_inverse_sqrt_schedule(o, 10), 100)
    _close(lrkit.inverse_sqrt(BASE, warmup=10)(np.arange(100)), ref)


@pytest.mark.parametrize("cycles", [0.5, 0.25, 1.0, 1.5, 2.75])
def test_cosine_num_cycles(cycles):
    def make(o):
        return transformers.get_cosine_schedule_with_warmup(o, 10, 100, num_cycles=cycles)

    ref = _torch_lrs(make, 140)
    s = lrkit.warmup(lrkit.cosine(BASE, 0.0, steps=90, cycles=cycles), steps=10, start=0)
    got = s(np.arange(140))
    _close(got[:101], ref[:101], atol=1e-16)
    np.testing.assert_array_equal(got[100:], got[100])  # past its end lrkit holds


@pytest.mark.parametrize("cycles, decay", [(1, 90), (2, 90), (3, 90), (5, 100)])
def test_cosine_with_hard_restarts(cycles, decay):
    total = 10 + decay

    def make(o):
        return transformers.get_cosine_with_hard_restarts_schedule_with_warmup(
            o, 10, total, num_cycles=cycles
        )

    ref = _torch_lrs(make, total + 30)
    period = decay // cycles
    inner = lrkit.sgdr(BASE, 0.0, period=period, cycles=cycles)
    s = lrkit.warmup(inner, steps=10, start=0)
    _close(s(np.arange(total + 30)), ref, atol=1e-15)
    assert s.length == total and s(total) == 0.0


@pytest.mark.parametrize("warmup_type", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize(
    "decay_type, cycles", [("linear", 0.5), ("cosine", 0.5), ("cosine", 1.25), ("1-sqrt", 0.5)]
)
@pytest.mark.parametrize("ratio", [0.0, 0.1])
def test_wsd_shapes(warmup_type, decay_type, cycles, ratio):
    def make(o):
        return transformers.get_wsd_schedule(
            o,
            10,
            30,
            num_training_steps=100,
            warmup_type=warmup_type,
            decay_type=decay_type,
            min_lr_ratio=ratio,
            num_cycles=cycles,
        )

    ref = _torch_lrs(make, 130)
    names = {"linear": "linear", "cosine": "cos", "1-sqrt": "sqrt"}
    s = lrkit.wsd(
        BASE,
        steps=100,
        warmup=10,
        decay=30,
        end=BASE * ratio,
        start=BASE * ratio,
        warmup_shape=names[warmup_type],
        shape=names[decay_type],
        cycles=cycles,
    )
    _close(s(np.arange(130)), ref, rtol=1e-12, atol=1e-16)


# ---------------------------------------------------------------- optax
@pytest.mark.parametrize("exponent", [0.5, 1.0, 2.0, 3.7])
def test_cosine_exponent(exponent):
    f = optax.cosine_decay_schedule(BASE, decay_steps=100, alpha=0.01, exponent=exponent)
    s = lrkit.cosine(BASE, 0.01 * BASE, steps=100, exponent=exponent)
    _close32(s(np.arange(130)), _f32(f, 130))


# ---------------------------------------------------------------- Keras
@pytest.mark.parametrize("power", [1.0, 0.5, 2.0])
def test_keras_polynomial_decay_cycle(power):
    f = ks.PolynomialDecay(BASE, 20, end_learning_rate=1e-3, power=power, cycle=True)
    s = lrkit.polynomial(BASE, 1e-3, steps=20, power=power, cycle=True)
    _close32(s(np.arange(200)), _f32(f, 200))
    assert s.length is None


@pytest.mark.parametrize("t_mul", [1.0, 2.0])
def test_keras_cosine_decay_restarts_alpha_and_m_mul(t_mul):
    alpha, m = 0.05, 0.5
    f = ks.CosineDecayRestarts(BASE, 10, t_mul=t_mul, m_mul=m, alpha=alpha)
    s = lrkit.sgdr(BASE, alpha * BASE, period=10, mult=t_mul, decay=m, decay_of="amplitude")
    _close32(s(np.arange(160)), _f32(f, 160))


# ---------------------------------------------------------------- timm (formulas)
def timm_cosine_lr(t, t_initial, lr_min=0.0, k=1.0, cycle_limit=1, warmup_t=0, init=0.0):
    """timm's CosineLRScheduler._get_lr (cycle_mul=1, warmup_prefix=False, no noise)."""

    def raw(t):
        i, t_curr = t // t_initial, t - t_initial * (t // t_initial)
        if i >= cycle_limit:
            return lr_min
        return lr_min + 0.5 * (BASE - lr_min) * (1 + math.cos(math.pi * t_curr**k / t_initial**k))

    if t < warmup_t:  # the ramp aims at the base rate; the schedule keeps its own clock
        return init + t * (BASE - init) / warmup_t
    return raw(t)


def timm_tanh_lr(t, t_initial, lr_min=0.0, lb=-7.0, ub=3.0):
    """timm's TanhLRScheduler._get_lr (one cycle, no warmup)."""
    if t >= t_initial:
        return lr_min
    tr = t / t_initial
    return lr_min + 0.5 * (BASE - lr_min) * (1 - math.tanh(lb * (1.0 - tr) + ub * tr))


def test_timm_formulas_known_points():
    assert timm_cosine_lr(0, 100) == BASE
    assert timm_cosine_lr(50, 100) == pytest.approx(BASE / 2, rel=1e-12)
    assert timm_cosine_lr(50, 100, k=2.0) == pytest.approx(
        BASE * (1 + math.cos(math.pi / 4)) / 2, rel=1e-12
    )
    assert timm_cosine_lr(5, 100, warmup_t=10) == pytest.approx(BASE / 2)
    assert timm_cosine_lr(10, 100, warmup_t=10) == timm_cosine_lr(10, 100)
    assert timm_tanh_lr(50, 100, lb=-3.0, ub=3.0) == pytest.approx(BASE / 2, rel=1e-12)
    assert timm_tanh_lr(100, 100, lr_min=1e-3) == 1e-3


@pytest.mark.parametrize("k", [0.5, 2.0, 3.0])
def test_timm_k_decay(k):
    ref = [timm_cosine_lr(t, 100, 1e-3, k=k) for t in range(120)]
    _close(lrkit.cosine(BASE, 1e-3, steps=100, k=k)(np.arange(120)), ref, rtol=1e-12)


def test_timm_tanh():
    for lb, ub in ((-7.0, 3.0), (-3.0, 3.0), (-1.0, 5.0)):
        ref = [timm_tanh_lr(t, 100, 1e-3, lb, ub) for t in range(130)]
        s = lrkit.tanh(BASE, 1e-3, steps=100, lower=lb, upper=ub)
        _close(s(np.arange(130)), ref, rtol=1e-12)


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_timm_cycle_limit(limit):
    ref = [timm_cosine_lr(t, 20, 1e-3, cycle_limit=limit) for t in range(100)]
    s = lrkit.sgdr(BASE, 1e-3, period=20, cycles=limit)
    _close(s(np.arange(100)), ref, rtol=1e-12)
    assert s.length == 20 * limit


def test_timm_warmup_on_the_schedules_own_clock():
    ref = [timm_cosine_lr(t, 100, 1e-3, warmup_t=10, init=1e-4) for t in range(120)]
    s = lrkit.warmup(lrkit.cosine(BASE, 1e-3, steps=100), steps=10, start=1e-4, prefix=False)
    _close(s(np.arange(120)), ref, rtol=1e-12)
    assert s.length == 100


def test_timm_noise_is_a_pure_function_of_the_step():
    # timm: in [a, b) the value is v * (1 + n), n a standard normal redrawn until
    # |n| < noise_pct, seeded by noise_seed + t (so the same step, the same n)
    base = lrkit.cosine(BASE, 1e-3, steps=100)
    s = lrkit.noise(base, pct=0.67, begin=10, until=90, seed=42)
    t = np.arange(120)
    v, b = s(t), base(t)
    outside = (t < 10) | (t >= 90)
    np.testing.assert_array_equal(v[outside], b[outside])
    n = v[~outside] / b[~outside] - 1.0
    assert np.all(np.abs(n) < 0.67) and np.std(n) > 0.2
    np.testing.assert_array_equal(s(t), v)  # same steps, same values
    np.testing.assert_array_equal([s(int(i)) for i in t], v)  # scalar = vector
    np.testing.assert_array_equal(s(t[::-1]), v[::-1])  # order does not matter
    other = lrkit.noise(base, pct=0.67, begin=10, until=90, seed=43)(t)
    assert not np.array_equal(other, v)
    u = lrkit.noise(lrkit.constant(1.0), pct=0.25, dist="uniform")(np.arange(20000)) - 1.0
    assert np.all(np.abs(u) < 0.25) and abs(np.mean(u)) < 0.01
    assert abs(np.std(u) - 0.25 / math.sqrt(3)) < 0.005  # uniform on (-pct, pct)
