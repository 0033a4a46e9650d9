"""One set of schedules, four evaluators: numpy, lrkit.torch, lrkit.jax, lrkit.keras.

Every registered constructor and combinator appears (warmup in each shape,
sequence, arithmetic, clip, opposite, coupled_wd, relative durations bound to
a run). numpy (float64) is the reference:

- lrkit.torch writes Python floats into ``param_groups``: equal to 1e-12;
- lrkit.jax and lrkit.keras evaluate in float32: each value is within
  ``1e-6 * max(|value|, peak)`` of the reference (peak = the largest value of
  that schedule over the run): float32 precision relative to the schedule's
  scale. Pointwise relative error can be larger only where a value is tiny
  next to its peak (the end of a cosine to 0), where float32's absolute
  error dominates.
"""

from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import lrkit
import lrkit.jax as ljax
import lrkit.keras as lkeras
import lrkit.torch as ltorch

TOTAL = 1000
SPE = 100  # steps per epoch
F32_TOL = 1e-6


def zoo() -> dict[str, lrkit.Schedule]:
    c = lrkit.cosine(0.1, 1e-5)
    return {
        "constant": lrkit.constant(0.05),
        "linear": lrkit.linear(0.1, 0.0, steps=700),
        "cosine": lrkit.cosine(0.1, 1e-5, steps=800),
        "cosine_to_0_open": lrkit.cosine(0.1),
        "polynomial": lrkit.polynomial(0.1, 1e-4, steps=900, power=2.5),
        "polynomial_sqrt": lrkit.polynomial(0.1, 0.0, steps="90%", power=0.5),
        "exponential": lrkit.exponential(0.1, gamma=0.995),
        "exponential_half_life": lrkit.exponential(0.1, half_life=97, every=3),
        "exponential_staircase": lrkit.exponential(0.1, gamma=0.5, every="1ep", staircase=True),
        "step": lrkit.step(0.1, 0.5, every=130),
        "multistep": lrkit.multistep(0.1, 0.1, milestones=[0, 300, 300, "70%"]),
        "piecewise": lrkit.piecewise([0.1, 0.05, 0.01], boundaries=[250, "6ep"]),
        "interpolate": lrkit.interpolate([(0, 0.0), (100, 0.1), (900, 0.001)]),
        "interpolate_cos": lrkit.interpolate([(10, 0.02), (100, 0.1), ("90%", 0.001)], kind="cos"),
        "inverse_time": lrkit.inverse_time(0.1, decay=0.5, every=10),
        "inverse_time_staircase": lrkit.inverse_time(0.1, decay=0.5, every=10, staircase=True),
        "inverse_sqrt": lrkit.inverse_sqrt(0.1, warmup=50),
        "sgdr": lrkit.sgdr(0.1, 1e-4, period=50),
        "sgdr_mult": lrkit.sgdr(0.1, 1e-4, period=10, mult=2, decay=0.7),
        "sgdr_mult_1.5": lrkit.sgdr(0.1, 0.0, period=16, mult=1.5),
        "cyclic": lrkit.cyclic(0.01, 0.1, half_period=37),
        "cyclic_triangular2": lrkit.cyclic(0.01, 0.1, half_period=37, mode="triangular2"),
        "cyclic_exp_range": lrkit.cyclic(0.01, 0.1, half_period=37, mode="exp_range", gamma=0.999),
        "one_cycle": lrkit.one_cycle(0.1),
        "one_cycle_3phase_linear": lrkit.one_cycle(
            0.1, steps=TOTAL, three_phase=True, anneal="linear"
        ),
        "wsd": lrkit.wsd(0.1, warmup=50, decay="20%"),
        "wsd_sqrt": lrkit.wsd(0.1, steps=TOTAL, warmup=0, decay=200, shape="sqrt", end=1e-5),
        "warmup_linear": lrkit.warmup(c, steps="5%"),
        "warmup_cos_from_0": lrkit.warmup(c, steps=40, start=0.0, shape="cos"),
        "warmup_exp": lrkit.warmup(c, steps=40, start=1e-4, shape="exp"),
        "warmup_constant": lrkit.warmup(c, steps="2ep", shape="constant"),
        "sequence": lrkit.sequence(
            lrkit.linear(0.0, 0.1, steps=100), lrkit.constant(0.1, steps="30%"), c
        ),
        "mul_add": lrkit.cosine(1.0, steps="50%") * 0.1 + 1e-4,
        "mul_schedules": lrkit.linear(1.0, 0.5) * lrkit.cyclic(0.5, 1.0, half_period=25),
        "clip": lrkit.clip(lrkit.exponential(0.2, gamma=0.99), low=1e-3, high=0.1),
        "opposite_one_cycle": lrkit.opposite(lrkit.one_cycle(0.1, steps=TOTAL)),
        "opposite_cyclic": lrkit.opposite(lrkit.cyclic(0.01, 0.1, half_period=37), 0.8, 0.9),
        "opposite_warmup_cosine": lrkit.opposite(lrkit.warmup(c, steps=100), 0.85, 0.95),
        "coupled_wd": lrkit.coupled_wd(lrkit.warmup(c, steps=100), 0.01),
        "spec_text": lrkit.parse("warmup(cosine(start=0.1, end=1e-5), steps='5%') * 2"),
        # issue 14 §2: the peers' features
        "sub_neg": 0.2 - lrkit.cosine(0.1, steps=800) + -lrkit.linear(0.0, 0.05),
        "div": lrkit.cosine(0.1, 0.01, steps=600) / 2 + 0.01 / lrkit.linear(1.0, 4.0),
        "truncate": lrkit.sequence(
            lrkit.truncate(lrkit.exponential(0.1, gamma=0.99), steps=100), lrkit.cosine(0.1)
        ),
        "tanh": lrkit.tanh(0.1, 1e-4, steps=800),
        "table": lrkit.table([0.1 * 0.97**i for i in range(300)]),
        "cosine_exponent_k": lrkit.cosine(0.1, 1e-4, steps=700, exponent=2.5, k=1.7),
        "polynomial_cycle": lrkit.polynomial(0.1, 1e-3, steps=37, power=2, cycle=True),
        "sgdr_cycles_amplitude": lrkit.sgdr(
            0.1, 1e-3, period=30, mult=2, decay=0.5, cycles=4, decay_of="amplitude"
        ),
        "cyclic_asymmetric": lrkit.cyclic(0.01, 0.1, half_period=13, half_period_down=41),
        "inverse_sqrt_timescale": lrkit.inverse_sqrt(0.1, warmup=50, timescale=300),
        "wsd_shapes": lrkit.wsd(
            0.1, warmup=80, decay=300, start=0.0, warmup_shape="sqrt", shape="cos", cycles=1.25
        ),
        "warmup_on_own_clock": lrkit.warmup(c, steps=60, start=1e-4, prefix=False),
        "noise_normal": lrkit.noise(c, pct=0.3, begin=20, until="80%", seed=2**40 + 3),
        "noise_uniform": lrkit.noise(lrkit.constant(0.1), pct=0.5, dist="uniform"),
    }


BOUND = {k: v.bind(total_steps=TOTAL, steps_per_epoch=SPE) for k, v in zoo().items()}
STEPS = np.concatenate([np.arange(0, TOTAL + 201), [5000, 100_000, 1_000_000]]).astype(np.int64)
REF = {k: s(STEPS) for k, s in BOUND.items()}


def test_zoo_covers_every_registered_schedule():
    used: set[str] = set()

    def walk(s):
        used.add(s.name)
        for c in s.children():
            walk(c)

    for s in BOUND.values():
        walk(s)
    assert used == set(lrkit.REGISTRY), set(lrkit.REGISTRY) - used
    assert all(s.is_bound for s in BOUND.values())


def _check_f32(name: str, got: np.ndarray) -> None:
    ref = REF[name]
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape
    assert np.isfinite(got).all(), name
    peak = np.abs(ref).max()
    err = np.abs(got - ref)
    bound = F32_TOL * np.maximum(np.abs(ref), peak)
    worst = int(np.argmax(err / bound))
    assert (err <= bound).all(), (
        f"{name}: step {STEPS[worst]}: got {got[worst]!r}, numpy {ref[worst]!r}"
    )


@pytest.mark.parametrize("name", sorted(BOUND))
def test_jax_float32_matches_numpy(name):
    f = ljax.schedule(BOUND[name])
    got = jax.jit(f)(jnp.asarray(STEPS, dtype=jnp.int32))
    assert got.dtype == jnp.float32
    _check_f32(name, got)


def test_keras_float32_matches_numpy():
    import keras

    for name, s in BOUND.items():
        ks = lkeras.Schedule(s)
        got = jax.jit(ks)(jnp.asarray(STEPS, dtype=jnp.int32))
        assert keras.backend.standardize_dtype(got.dtype) == "float32"
        _check_f32(name, got)


def test_keras_relative_durations_bound_by_the_adapter():
    s = zoo()["warmup_constant"]
    ks = lkeras.Schedule(s, total_steps=TOTAL, steps_per_epoch=SPE)
    _check_f32("warmup_constant", jax.jit(ks)(jnp.asarray(STEPS, dtype=jnp.int32)))
    f = ljax.schedule(s, total_steps=TOTAL, steps_per_epoch=SPE)
    _check_f32("warmup_constant", f(jnp.asarray(STEPS, dtype=jnp.int32)))


def _torch_values(s: lrkit.Schedule, n: int) -> np.ndarray:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = ltorch.Scheduler(opt, s, total_steps=TOTAL, steps_per_epoch=SPE, warn_past_end=False)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.asarray(out, dtype=np.float64)


@pytest.mark.parametrize("name", sorted(BOUND))
def test_torch_scheduler_matches_numpy(name):
    n = TOTAL + 201
    got = _torch_values(zoo()[name], n)  # the unbound schedule: the Scheduler binds it
    np.testing.assert_allclose(got, REF[name][:n], rtol=1e-12, atol=1e-15)


_KERAS_TORCH_SCRIPT = r"""
import json, sys
import numpy as np
import keras, torch
import lrkit, lrkit.keras as lk
specs = json.loads(sys.stdin.read())
steps = torch.tensor(np.arange(0, 1201), dtype=torch.int64)
out = {}
for name, spec in specs.items():
    v = lk.Schedule(spec)(steps)
    vals = v.detach().cpu().numpy().astype(float).tolist()
    out[name] = [str(keras.backend.backend()), str(v.dtype)] + vals
print(json.dumps(out))
"""


def test_keras_torch_backend_matches_numpy(run_keras_torch):
    specs = {k: str(s) for k, s in BOUND.items()}
    out = run_keras_torch(_KERAS_TORCH_SCRIPT, stdin=json.dumps(specs))
    n = 1201
    for name, vals in out.items():
        assert vals[0] == "torch" and vals[1] == "torch.float32", vals[:2]
        ref = REF[name][:n]
        got = np.asarray(vals[2:], dtype=np.float64)
        peak = np.abs(REF[name]).max()
        err = np.abs(got - ref)
        assert (err <= F32_TOL * np.maximum(np.abs(ref), peak)).all(), name


def test_jax_float64_matches_numpy_closely():
    with jax.enable_x64(True):
        for name, s in BOUND.items():
            got = np.asarray(ljax.schedule(s)(jnp.asarray(STEPS, dtype=jnp.int64)))
            assert got.dtype == np.float64
            ref = REF[name]
            peak = np.abs(ref).max()
            err = np.abs(got - ref)
            assert (err <= 1e-12 * np.maximum(np.abs(ref), peak)).all(), name
