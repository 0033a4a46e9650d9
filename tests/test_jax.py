"""lrkit.jax: optax schedules, training with optax, the jittable plateau, the finder."""

from __future__ import annotations

import dataclasses
import math
import pickle
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lrkit
import lrkit.jax as ljax
from lrkit.control import Plateau, PlateauConfig, plateau_init, plateau_update


def test_import_lrkit_does_not_import_jax():
    code = "import sys, lrkit; lrkit.cosine(1.0, steps=10)(3); print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_schedule_values_shapes_and_dtype():
    f = ljax.schedule(lrkit.cosine(1.0, 0.0, steps=100))
    assert float(f(50)) == pytest.approx(0.5, rel=1e-6)
    assert f(np.int32(0)).dtype == jnp.float32
    v = f(jnp.arange(6, dtype=jnp.int32).reshape(2, 3))
    assert v.shape == (2, 3)
    np.testing.assert_allclose(
        v.ravel(), lrkit.cosine(1.0, 0.0, steps=100)(np.arange(6)), rtol=1e-6
    )
    # a constant keeps the count's shape too
    assert ljax.schedule(0.1)(jnp.zeros((4,), jnp.int32)).shape == (4,)
    # past the end: the final value, never NaN
    assert float(f(10**6)) == 0.0


def test_schedule_accepts_specs_dicts_and_binds():
    s = lrkit.warmup(lrkit.cosine(0.1, 1e-5), steps="5%")
    a = ljax.schedule(s, total_steps=1000)
    b = ljax.schedule(str(s), total_steps=1000)
    c = ljax.schedule(s.to_dict(), total_steps=1000)
    assert a == b == c and hash(a) == hash(b)
    assert a.schedule == s.bind(total_steps=1000)
    assert float(a(50)) == pytest.approx(0.1, rel=1e-6)
    assert pickle.loads(pickle.dumps(a)) == a
    assert "warmup(cosine" in repr(a)


def test_unbound_schedule_raises_the_numpy_message_eagerly():
    s = lrkit.warmup(lrkit.cosine(0.1), steps="5%")
    with pytest.raises(ValueError) as numpy_err:
        s(0)
    with pytest.raises(ValueError) as jax_err:
        ljax.schedule(s)
    assert str(jax_err.value) == str(numpy_err.value)
    with pytest.raises(TypeError, match="lrkit.jax.schedule: schedule must be"):
        ljax.schedule([1, 2])
    with pytest.raises(ValueError, match="count must be >= 0, got -1"):
        ljax.schedule(0.1)(-1)
    with pytest.raises(ValueError, match="total_steps must be"):
        ljax.schedule(s, total_steps=0)


def test_traced_negative_count_is_clamped_to_zero():
    f = ljax.schedule(lrkit.linear(1.0, 0.0, steps=10))
    assert float(jax.jit(f)(jnp.asarray(-3))) == 1.0


def test_float64_mode_gives_float64():
    s = lrkit.exponential(0.1, gamma=0.999)
    with jax.enable_x64(True):
        v = ljax.schedule(s)(jnp.arange(5000, dtype=jnp.int64))
        assert v.dtype == jnp.float64
        np.testing.assert_allclose(np.asarray(v), s(np.arange(5000)), rtol=1e-13)


def test_float32_power_of_inexact_constant_does_not_drift():
    # 0.999 rounded to float32 and raised to t=20000 would be off by ~1e-3 relative
    s = lrkit.exponential(1.0, gamma=0.999)
    t = np.array([0, 1000, 5000, 20000])
    got = np.asarray(ljax.schedule(s)(jnp.asarray(t, jnp.int32)), np.float64)
    naive = np.float32(0.999) ** t.astype(np.float32)
    assert np.abs(naive / s(t) - 1).max() > 1e-4  # the pitfall is real
    np.testing.assert_allclose(got, s(t), rtol=3e-6)


def test_float32_large_steps_cyclic_and_sgdr_boundaries():
    # exact cycle positions at millions of steps (float32 is exact for ints < 2**24)
    t = np.array([4_000_000, 4_000_017, 9_999_999, 16_000_000])
    s = lrkit.cyclic(0.01, 0.1, half_period=37)
    got = np.asarray(ljax.schedule(s)(jnp.asarray(t, jnp.int32)), np.float64)
    np.testing.assert_allclose(got, s(t), rtol=2e-6)
    # SGDR restarts land on the same step as in float64, also for late cycles
    for period, mult in [(10, 2.0), (1, 2.0), (5, 3.0), (100, 2.0)]:
        sg = lrkit.sgdr(1.0, 0.0, period=period, mult=mult)
        i = np.arange(0, 40)
        starts = period * (mult**i - 1) / (mult - 1)
        starts = starts[starts < 16e6].astype(np.int64)
        steps = np.unique(np.concatenate([starts - 1, starts, starts + 1]))
        steps = steps[steps >= 0]
        got = np.asarray(ljax.schedule(sg)(jnp.asarray(steps, jnp.int32)), np.float64)
        np.testing.assert_allclose(got, sg(steps), atol=1e-5)


def test_float32_sgdr_restarts_with_a_non_integer_mult_land_on_float64s_step():
    # cycle starts such as 1,879,745.98 are not integers; before the table held each
    # cycle's first integer step, float32 rounded 19 of these restarts one step off
    # (the earliest at step 296,104 for period=3, mult=1.7)
    for period, mult in [(7, 1.1), (5, 1.3), (3, 1.7), (11, 1.25), (100, 1.5), (1, 1.05)]:
        sg = lrkit.sgdr(1.0, 0.0, period=period, mult=mult)
        i = np.arange(0, 400)
        starts = period * (mult**i - 1) / (mult - 1)
        first = np.ceil(starts[starts < 16e6] - 1e-6).astype(np.int64)
        steps = np.unique(np.concatenate([first - 1, first, first + 1]))
        steps = steps[steps >= 0]
        ref = sg(steps)
        late = first[first > 1000]  # long cycles: a restart is a jump to the peak
        assert (sg(late) > 0.999).all() and (sg(late - 1) < 0.01).all()
        got = np.asarray(ljax.schedule(sg)(jnp.asarray(steps, jnp.int32)), np.float64)
        np.testing.assert_allclose(got, ref, atol=1e-3)


# ----------------------------------------------------------------------------- optax training


def _probe_loss(params, c):
    # gradient of <w, c> is c: an SGD update moves w by exactly -lr * c
    return jnp.vdot(params["w"], c)


def test_sgd_applies_the_schedule_at_every_step_inside_jit():
    s = lrkit.warmup(lrkit.cosine(0.5, 0.01), steps=5).bind(total_steps=40)
    opt = optax.sgd(learning_rate=ljax.schedule(s))
    c = jnp.asarray([1.0, 2.0, -4.0])

    @jax.jit
    def step(params, state):
        g = jax.grad(_probe_loss)(params, c)
        upd, state = opt.update(g, state, params)
        return optax.apply_updates(params, upd), state, upd

    params = {"w": jnp.zeros(3)}
    state = opt.init(params)
    applied = []
    for _ in range(40):
        params, state, upd = step(params, state)
        applied.append(np.asarray(-upd["w"] / c, np.float64))  # the rate of this update
    applied = np.asarray(applied)
    ref = s(np.arange(40))
    for j in range(3):
        np.testing.assert_allclose(applied[:, j], ref, rtol=1e-6, atol=1e-6 * 0.5)
    np.testing.assert_allclose(np.asarray(params["w"]), -ref.sum() * np.asarray(c), rtol=1e-5)


def test_inject_hyperparams_adamw_with_lrkit_lr_momentum_and_weight_decay():
    total = 60
    lr = lrkit.one_cycle(0.3, steps=total)
    beta1 = lrkit.opposite(lr, 0.85, 0.95)
    wd = lrkit.coupled_wd(lrkit.warmup(lrkit.cosine(3e-2, 1e-4, steps=50), steps=10), 1e-2)
    opt = optax.inject_hyperparams(optax.adamw)(
        learning_rate=ljax.schedule(lr), b1=ljax.schedule(beta1), weight_decay=ljax.schedule(wd)
    )
    # a tiny regression model trained for real
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(64, 4)), jnp.float32)
    y = x @ jnp.asarray([1.0, -2.0, 0.5, 3.0]) + 0.1

    def loss_fn(p):
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    @jax.jit
    def step(p, st):
        loss, g = jax.value_and_grad(loss_fn)(p)
        upd, st = opt.update(g, st, p)
        return optax.apply_updates(p, upd), st, loss

    p = {"w": jnp.zeros(4), "b": jnp.zeros(())}
    st = opt.init(p)
    seen = {"learning_rate": [], "b1": [], "weight_decay": []}
    losses = []
    for _ in range(total):
        p, st, loss = step(p, st)
        losses.append(float(loss))
        for k in seen:
            seen[k].append(float(st.hyperparams[k]))  # the value used by this update
    t = np.arange(total)
    np.testing.assert_allclose(seen["learning_rate"], lr(t), rtol=1e-6, atol=1e-6 * 0.3)
    np.testing.assert_allclose(seen["b1"], beta1(t), rtol=1e-6)
    np.testing.assert_allclose(seen["weight_decay"], wd(t), rtol=1e-5)
    assert losses[-1] < 0.05 * losses[0]


def test_sgd_momentum_scheduled_through_inject_hyperparams():
    mom = lrkit.opposite(lrkit.cyclic(0.01, 0.1, half_period=5), 0.8, 0.95)
    lr = lrkit.cyclic(0.01, 0.1, half_period=5)
    opt = optax.inject_hyperparams(optax.sgd)(
        learning_rate=ljax.schedule(lr), momentum=ljax.schedule(mom)
    )
    p = {"w": jnp.zeros(2)}
    st = opt.init(p)
    c = jnp.asarray([1.0, 1.0])
    step = jax.jit(lambda p, st: opt.update(jax.grad(_probe_loss)(p, c), st, p))
    got_m, got_lr = [], []
    for _ in range(25):
        upd, st = step(p, st)
        p = optax.apply_updates(p, upd)
        got_m.append(float(st.hyperparams["momentum"]))
        got_lr.append(float(st.hyperparams["learning_rate"]))
    np.testing.assert_allclose(got_m, mom(np.arange(25)), rtol=1e-6)
    np.testing.assert_allclose(got_lr, lr(np.arange(25)), rtol=1e-6)


# ----------------------------------------------------------------------------- plateau


def _ref_states(cfg, metrics, values):
    st = plateau_init(cfg)
    out = []
    for m, v in zip(metrics, values):
        st = plateau_update(cfg, st, m, value=v)
        out.append(st)
    return out


CONFIGS = [
    PlateauConfig(patience=2, factor=0.5),
    PlateauConfig(mode="max", patience=1, factor=0.3, threshold=0.05, cooldown=2),
    PlateauConfig(patience=0, threshold_mode="abs", threshold=0.1, cooldown=1, min_value=0.02),
    PlateauConfig(patience=3, factor=0.1, threshold=0.0, nan="skip", eps=1e-3),
    PlateauConfig(mode="max", patience=1, factor=0.5, threshold=1.5),  # rel threshold >= 1
    PlateauConfig(patience=0, factor=0.5, threshold=1.0, min_value=0.05, eps=0.0),
]


@pytest.mark.parametrize("ci", range(len(CONFIGS)))
def test_jax_plateau_matches_control_on_random_streams(ci):
    cfg = CONFIGS[ci]
    upd = jax.jit(lambda st, m, v: ljax.plateau_update(cfg, st, m, v))
    rng = np.random.default_rng(ci)
    with jax.enable_x64(True):  # float64 state: decisions compared bit for bit
        for trial in range(6):
            n = 60
            # random walks with plateaus and repeats, signs mixed (negative losses too)
            steps = rng.choice([-0.3, -0.05, 0.0, 0.0, 0.02, 0.2], size=n)
            metrics = np.round(np.cumsum(steps) + rng.choice([-1.0, 0.5, 3.0]), 3)
            if cfg.nan == "skip":
                metrics[rng.integers(0, n, size=5)] = np.nan
            values = rng.choice([1.0, 0.1, 0.03], size=n)
            ref = _ref_states(cfg, metrics.tolist(), values.tolist())
            st = ljax.plateau_init(cfg)
            for k, (m, v) in enumerate(zip(metrics, values)):
                st = upd(st, jnp.asarray(m), jnp.asarray(v))
                r = ref[k]
                got = (
                    float(st.best),
                    int(st.num_bad),
                    int(st.cooldown_left),
                    float(st.scale),
                    int(st.num_reductions),
                    bool(st.last_reduced),
                )
                want = (
                    r.best,
                    r.num_bad,
                    r.cooldown_left,
                    r.scale,
                    r.num_reductions,
                    r.last_reduced,
                )
                assert got == want, (trial, k, got, want)
                skipped = sum(np.isnan(metrics[: k + 1]))
                assert int(st.num_updates) == r.num_updates == k + 1 - skipped


def test_jax_plateau_float32_and_nan_rules():
    cfg = PlateauConfig(patience=1, factor=0.5)
    st = ljax.plateau_init(cfg)
    assert st.scale.dtype == jnp.float32 and math.isinf(float(st.best))
    for m in (1.0, 1.0, 1.0):
        st = ljax.plateau_update(cfg, st, m)
    assert float(st.scale) == 0.5 and bool(st.last_reduced)
    with pytest.raises(ValueError, match="metric is NaN"):
        ljax.plateau_update(cfg, st, float("nan"))
    # traced NaN cannot raise: it is skipped, never a bad epoch
    st2 = jax.jit(lambda s, m: ljax.plateau_update(cfg, s, m))(st, jnp.nan)
    assert int(st2.num_bad) == int(st.num_bad) and int(st2.num_updates) == int(st.num_updates)
    cfg2 = dataclasses.replace(cfg, min_value=0.2)
    assert float(ljax.plateau_apply(cfg2, 0.5, 0.3)) == pytest.approx(0.2, rel=1e-7)
    with pytest.raises(TypeError, match="either config or keyword"):
        ljax.plateau_init(cfg, patience=3)


def test_jax_plateau_nan_skip_keeps_every_field():
    """A skipped NaN returns the state unchanged field by field, with last_reduced=False."""
    cfg = PlateauConfig(patience=0, factor=0.5, cooldown=2, nan="skip")
    st = ljax.plateau_init(cfg)
    for m in (1.0, 2.0):  # the second metric reduces: scale 0.5, cooldown 2, last_reduced
        st = ljax.plateau_update(cfg, st, m)
    assert bool(st.last_reduced) and int(st.cooldown_left) == 2

    def update(s, m):
        return ljax.plateau_update(cfg, s, m)

    for step in (update, jax.jit(update)):  # concrete NaN skipped by nan="skip"; traced NaN
        got = step(st, jnp.nan)
        assert type(got) is ljax.PlateauState
        for field in ljax.PlateauState._fields:
            want = False if field == "last_reduced" else getattr(st, field)
            assert getattr(got, field).dtype == getattr(st, field).dtype, field
            assert np.asarray(getattr(got, field)).item() == np.asarray(want).item(), field


def test_plateau_in_an_optax_training_loop():
    """warmup + cosine base schedule, plateau scale on top, set through inject_hyperparams."""
    base = lrkit.warmup(lrkit.cosine(0.1, 0.01, steps=90), steps=10)
    sched = ljax.schedule(base)
    cfg = PlateauConfig(patience=1, factor=0.5)
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=0.0)
    c = jnp.asarray([1.0])

    @jax.jit
    def epoch(p, st, pst, metric):
        pst = ljax.plateau_update(cfg, pst, metric)

        def body(carry, _):
            p, st = carry
            st.hyperparams["learning_rate"] = ljax.plateau_apply(cfg, pst.scale, sched(st.count))
            upd, st = opt.update(jax.grad(_probe_loss)(p, c), st, p)
            return (optax.apply_updates(p, upd), st), st.hyperparams["learning_rate"]

        (p, st), lrs = jax.lax.scan(body, (p, st), None, length=10)
        return p, st, pst, lrs

    p = {"w": jnp.zeros(1)}
    st, pst = opt.init(p), ljax.plateau_init(cfg)
    all_lrs = []
    for m in [5.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]:  # metric before each epoch
        p, st, pst, lrs = epoch(p, st, pst, jnp.asarray(m))
        all_lrs.append(np.asarray(lrs))
    got = np.concatenate(all_lrs)
    # reference: lrkit.control with the same metrics
    ctl = Plateau(cfg)
    scales = []
    for m in [5.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]:
        ctl.update(m)
        scales += [ctl.scale] * 10
    want = base(np.arange(100)) * np.asarray(scales)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert ctl.state.num_reductions == 3
    np.testing.assert_allclose(float(p["w"][0]), -want.sum(), rtol=1e-5)


# ----------------------------------------------------------------------------- finder


def test_lrkit_find_with_a_jitted_optax_step():
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(256, 8)), jnp.float32)
    y = x @ jnp.asarray(rng.normal(size=8), jnp.float32)
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=0.0)
    traces = []

    @jax.jit
    def train_step(p, st, lr, xb, yb):
        traces.append(1)  # runs only while tracing
        st.hyperparams["learning_rate"] = lr
        loss, g = jax.value_and_grad(lambda p: jnp.mean((xb @ p - yb) ** 2))(p)
        upd, st = opt.update(g, st, p)
        return optax.apply_updates(p, upd), st, loss

    p0 = jnp.zeros(8)
    box = {"p": p0, "st": opt.init(p0), "i": 0}

    def step_fn(lr):
        i = box["i"] % 8
        box["p"], box["st"], loss = train_step(
            box["p"], box["st"], jnp.float32(lr), x[i * 32 : (i + 1) * 32], y[i * 32 : (i + 1) * 32]
        )
        box["i"] += 1
        return loss

    res = lrkit.find(step_fn, start=1e-4, end=10.0, steps=80, progress=False)
    assert len(traces) == 1  # one compilation for the whole sweep
    assert res.stop_reason in ("diverged", "nonfinite")
    # for this quadratic (Hessian ~ 2*I) SGD diverges above ~1: the suggestion is below that
    sug = res.suggest()
    assert sug is not None and 1e-3 < sug < 1.0
    lo, hi = res.suggest_range()
    assert lo < hi <= res.stop_lr


# ----------------------------------------------------------------------------- float32


@pytest.mark.parametrize(
    "spec, step",
    [
        ("warmup(constant(1e-3), steps=10, shape='exp', start=1e-39)", 1),
        ("constant(1e39)", 0),
        ("exponential(1e-7, gamma=1.2)", 487),  # float32 overflows long before float64
    ],
)
def test_float32_refuses_what_it_cannot_represent(spec, step):
    assert jnp.result_type(float) == jnp.float32
    with pytest.raises(ValueError, match=f"at step {step} in float32 .*jax_enable_x64"):
        ljax.schedule(spec)


def test_float32_checks_only_the_run():
    f = ljax.schedule("exponential(1e-7, gamma=1.2)", total_steps=100)
    v = np.asarray(f(jnp.arange(101)))
    assert np.isfinite(v).all()
    np.testing.assert_allclose(v, lrkit.exponential(1e-7, gamma=1.2)(np.arange(101)), rtol=2e-5)
    with jax.enable_x64(True):  # float64 holds what float32 cannot
        assert float(ljax.schedule("constant(1e39)")(3)) == 1e39


def test_one_plateau_state_type():
    import lrkit.control as ctl

    assert ljax.PlateauState is ctl.PlateauState
    st = ljax.plateau_update(PlateauConfig(patience=0), ljax.plateau_init(), 1.0)
    leaves = jax.tree_util.tree_leaves(st)
    assert len(leaves) == 7  # a pytree: jit, scan and vmap carry it


def test_count_must_be_integers_as_in_numpy():
    # lrkit's numpy schedules refuse float, bool and negative steps; so does the adapter
    f = ljax.schedule(lrkit.cosine(1.0, 0.0, steps=100))
    for bad in (1.5, 50.0, np.float32(50), np.array([1.5]), jnp.asarray(50.7), jnp.asarray(True)):
        with pytest.raises(TypeError, match="lrkit.jax.schedule: count must be an integer"):
            f(bad)
    with pytest.raises(TypeError, match="count must be an integer"):
        jax.jit(f)(jnp.asarray(2.0))  # the dtype is known while tracing
    for bad in (np.array([-1, 3]), [3, -2], np.int8(-1)):
        with pytest.raises(ValueError, match="lrkit.jax.schedule: count must be >= 0, got -"):
            f(bad)
    np.testing.assert_allclose(
        np.asarray(f([0, 50])), [1.0, 0.5], rtol=1e-6
    )  # an integer list is fine


def test_plateau_functions_name_a_config_that_is_not_one():
    st = ljax.plateau_init(PlateauConfig())
    for call in (
        lambda: ljax.plateau_update("x", st, 1.0),
        lambda: ljax.plateau_update(None, st, 1.0),
        lambda: ljax.plateau_apply({"factor": 0.5}, 0.5, 0.1),
    ):
        with pytest.raises(TypeError, match="lrkit.jax plateau: config must be a PlateauConfig"):
            call()
