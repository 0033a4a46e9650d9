"""The peer features of issue 14 §2 as lrkit values: operators, truncate, the escape
hatches (custom, table), noise, the new parameters' defaults (bit-identical to before,
0.1.0 dicts and pickles still read) and the hints for the peers' argument names.

Parity with the peers themselves is in tests/test_parity_peers.py.
"""

from __future__ import annotations

import math
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lrkit
import lrkit.jax as ljax
from lrkit.errors import ConfigError, ConfigTypeError, NonFiniteError
from lrkit.spec import SpecError

T = np.arange(0, 400)
C = lrkit.cosine(1.0, 0.1, steps=100)
L = lrkit.linear(0.0, 2.0, steps=50)


# ---------------------------------------------------------------- operators
@pytest.mark.parametrize(
    "s, expect",
    [
        (C - 0.5, lambda: C(T) - 0.5),
        (0.5 - C, lambda: 0.5 - C(T)),
        (C / 4, lambda: C(T) / 4),
        (2.0 / C, lambda: 2.0 / C(T)),
        (-C, lambda: -C(T)),
        (C - L, lambda: C(T) - L(T)),
        (C / (L + 1.0), lambda: C(T) / (L(T) + 1.0)),
        (-(C * L), lambda: -(C(T) * L(T))),
        (1.0 - (C - L), lambda: 1.0 - (C(T) - L(T))),
        ((1.0 - C) - L, lambda: (1.0 - C(T)) - L(T)),
        (C / 2.0 / L.replace(start=1.0), lambda: C(T) / 2.0 / L.replace(start=1.0)(T)),
        (C / (2.0 / L.replace(start=1.0)), lambda: C(T) / (2.0 / L.replace(start=1.0)(T))),
        (lrkit.Neg(-C), lambda: C(T)),
        (2.0 * -C, lambda: -2.0 * C(T)),
    ],
)
def test_operators_values_and_round_trips(s, expect):
    np.testing.assert_array_equal(s(T), expect())
    assert lrkit.parse(str(s)) == s
    assert lrkit.from_dict(s.to_dict()) == s
    assert pickle.loads(pickle.dumps(s)) == s


def test_operator_specs_print_as_written():
    assert str(C - 0.5) == "cosine(start=1.0, end=0.1, steps=100) - 0.5"
    assert str(-C) == "-cosine(start=1.0, end=0.1, steps=100)"
    assert str(-(C + 1)) == "-(cosine(start=1.0, end=0.1, steps=100) + 1.0)"
    assert str(C - (C - 1)).endswith("- (cosine(start=1.0, end=0.1, steps=100) - 1.0)")
    assert str(C / (C * 2)).endswith("/ (cosine(start=1.0, end=0.1, steps=100) * 2.0)")
    # the printed forms that existed before keep printing the same
    assert str(2.0 * (3.0 * C)) == "2.0 * (3.0 * cosine(start=1.0, end=0.1, steps=100))"
    assert str((C + 1.0) * 2.0) == "(cosine(start=1.0, end=0.1, steps=100) + 1.0) * 2.0"
    assert lrkit.parse("+cosine(1.0, steps=3)") == lrkit.cosine(1.0, steps=3)
    assert lrkit.parse("-cosine(1.0, steps=3)") == -lrkit.cosine(1.0, steps=3)
    assert lrkit.parse("1 - cosine(1.0, steps=3)").name == "sub"
    assert lrkit.parse("cosine(1.0, steps=3) / 2").name == "div"


def test_operator_errors():
    with pytest.raises(ConfigError, match="div: the divisor must not be 0"):
        C / 0
    with pytest.raises(SpecError, match="the divisor must not be 0"):
        lrkit.parse("cosine(1.0, steps=3) / 0.0")
    with pytest.raises(ConfigTypeError, match="at least one operand must be a schedule"):
        lrkit.Subtract(1.0, 2.0)
    with pytest.raises(ConfigTypeError, match="must be a schedule or a number"):
        C - "x"
    # dividing by a schedule that reaches 0 is not finite there, and says where
    with pytest.raises(NonFiniteError, match="not finite at step 0"):
        (1.0 / lrkit.linear(0.0, 1.0, steps=10))(np.arange(5))


def test_operators_length():
    assert (C - L).length == 100 and (-C).length == 100 and (C / 2).length == 100
    assert (C - lrkit.exponential(1.0, gamma=0.9)).length is None


# ---------------------------------------------------------------- truncate
def test_truncate_holds_and_gives_a_length():
    e = lrkit.exponential(1.0, gamma=0.5)
    s = lrkit.truncate(e, steps=3)
    np.testing.assert_array_equal(s(np.arange(6)), [1.0, 0.5, 0.25, 0.125, 0.125, 0.125])
    assert s.length == 3
    seq = lrkit.sequence(s, lrkit.constant(9.0))
    np.testing.assert_array_equal(seq(np.arange(5)), [1.0, 0.5, 0.25, 9.0, 9.0])
    assert lrkit.parse(str(seq)) == seq and lrkit.from_dict(seq.to_dict()) == seq


def test_truncate_relative_and_inner_to_the_end():
    s = lrkit.truncate(lrkit.cosine(1.0), steps="10%")
    assert not s.is_bound
    b = s.bind(total_steps=200)
    assert b.steps == 20 and b.schedule.steps == 20  # the inner cosine runs to the cut
    assert b(20) == 0.0 and b(500) == 0.0
    with pytest.raises(ConfigError, match="truncate: steps must be a positive duration"):
        lrkit.truncate(C, steps=0)


# ---------------------------------------------------------------- table and custom
def test_table_round_trips_and_runs_under_jit():
    s = lrkit.table([0.3, 0.2, 0.1, 0.05])
    np.testing.assert_array_equal(s(np.arange(7)), [0.3, 0.2, 0.1, 0.05, 0.05, 0.05, 0.05])
    assert s.length == 4
    assert lrkit.parse(str(s)) == s and lrkit.from_dict(s.to_dict()) == s
    got = jax.jit(ljax.schedule(s))(jnp.arange(7))
    np.testing.assert_allclose(np.asarray(got), s(np.arange(7)), rtol=1e-7)
    assert lrkit.table([0.5])(10**9) == 0.5
    with pytest.raises(ConfigError, match="table: values must be a non-empty list"):
        lrkit.table([])


def _halving(t):
    return 0.1 * 0.5**t


def test_custom_evaluates_and_says_what_it_cannot_do():
    s = lrkit.custom(_halving)
    assert s(3) == 0.1 * 0.5**3
    np.testing.assert_array_equal(s(np.arange(4)), [0.1 * 0.5**t for t in range(4)])
    assert str(s) == "custom(_halving)"
    with pytest.raises(SpecError, match="custom.*holds a Python function"):
        lrkit.parse(str(s))
    with pytest.raises(SpecError, match="holds a Python function"):
        lrkit.parse(str(lrkit.custom(lambda t: 1.0) * 2))  # custom(<lambda>) * 2.0
    with pytest.raises(ConfigError, match="cannot be written as a spec or a dict"):
        s.to_dict()
    with pytest.raises(ConfigError, match="cannot be written as a spec or a dict"):
        (s * 2).to_dict()
    with pytest.raises(ConfigError, match="cannot be read from a spec or a dict"):
        lrkit.from_dict({"name": "custom"})
    # a per-int fn cannot be traced: a clear error under jit
    with pytest.raises(ConfigError, match="cannot run under jit"):
        jax.jit(ljax.schedule(s))(jnp.arange(3))
    # a module-level fn pickles; a lambda does not (pickle's own error)
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(lrkit.custom(lambda t: 1.0))
    with pytest.raises(ConfigTypeError, match="custom: fn must be a callable"):
        lrkit.custom(3.0)


def test_custom_vectorized_runs_under_jit_and_is_a_phase():
    s = lrkit.custom(lambda t: 0.1 / (1.0 + t), vectorized=True, steps=5)
    got = jax.jit(ljax.schedule(s))(jnp.arange(5))
    np.testing.assert_allclose(np.asarray(got), 0.1 / (1.0 + np.arange(5)), rtol=1e-6)
    seq = lrkit.sequence(s, lrkit.constant(1.0))
    np.testing.assert_array_equal(seq(np.arange(7))[5:], [1.0, 1.0])
    assert str(s) == "custom(<lambda>, steps=5, vectorized=True)"


# ---------------------------------------------------------------- noise
def test_noise_round_trips_and_is_the_same_draw_under_jit():
    s = lrkit.noise(lrkit.cosine(0.1, steps=100), pct=0.3, begin=5, until=50, seed=7)
    assert lrkit.parse(str(s)) == s and lrkit.from_dict(s.to_dict()) == s
    assert pickle.loads(pickle.dumps(s))(np.arange(60)).tolist() == s(np.arange(60)).tolist()
    assert s.length == 100
    t = np.arange(120)
    got = np.asarray(jax.jit(ljax.schedule(s))(jnp.asarray(t)), dtype=np.float64)
    np.testing.assert_allclose(got, s(t), rtol=2e-6, atol=1e-8)  # float32 near 0
    # a jitted step at a time gives the same value as the whole array
    one = jax.jit(ljax.schedule(s))
    assert [float(one(jnp.int32(i))) for i in (7, 30)] == [float(got[7]), float(got[30])]
    with pytest.raises(ConfigError, match=r"noise: pct must be > 0 and <= 1, got 1.5"):
        lrkit.noise(C, pct=1.5)
    with pytest.raises(ConfigError, match="noise: seed must be >= 0"):
        lrkit.noise(C, seed=-1)


# ---------------------------------------------------------------- new parameters
def test_defaults_are_bit_identical_to_the_plain_forms():
    # the formulas of 0.1.0, in its order of operations: the new parameters' defaults
    # must give these values bit for bit
    t = np.arange(0, 3000).astype(np.float64)
    f = np.minimum(t, 900.0) / 900.0
    cos = 1e-3 + (0.1 - 1e-3) * (1.0 + np.cos(math.pi * f)) / 2.0
    np.testing.assert_array_equal(lrkit.cosine(0.1, 1e-3, steps=900)(t.astype(int)), cos)
    i = np.floor(t / 37.0)
    top = 0.1 * np.power(0.7, i)
    sg = 1e-3 + (top - 1e-3) * (1.0 + np.cos(math.pi * (t - i * 37.0) / 37.0)) / 2.0
    np.testing.assert_array_equal(lrkit.sgdr(0.1, 1e-3, period=37, decay=0.7)(t.astype(int)), sg)
    w = 40.0
    isq = np.where(t < w, 0.1 * (t / w), 0.1 / np.sqrt(np.maximum(t, w) / w))
    np.testing.assert_array_equal(lrkit.inverse_sqrt(0.1, warmup=40)(t.astype(int)), isq)
    q = np.floor(t / 74.0)
    x = (t - 74.0 * q) / 74.0
    scale = np.where(x <= 0.5, x / 0.5, (x - 1.0) / (0.5 - 1.0))
    cyc = 0.01 + (0.1 - 0.01) * scale * 1.0
    np.testing.assert_array_equal(lrkit.cyclic(0.01, 0.1, half_period=37)(t.astype(int)), cyc)
    g = np.clip((t - 700.0) / 200.0, 0.0, 1.0)
    wsd = 0.0 + (0.1 - 0.0) * (1.0 - (1.0 - np.cos(math.pi * g)) / 2.0)
    wsd = np.where(t < 50.0, 0.1 * (t + 1.0) / 51.0, wsd)
    got = lrkit.wsd(0.1, steps=900, warmup=50, decay=200, shape="cos")(t.astype(int))
    np.testing.assert_array_equal(got, wsd)
    # and the printed forms and dicts do not name the new parameters
    assert str(lrkit.sgdr(0.1, period=9)) == "sgdr(start=0.1, period=9)"
    assert str(lrkit.cosine(0.1, steps=9)) == "cosine(start=0.1, steps=9)"
    w = lrkit.wsd(0.1, steps=9, warmup=1, decay=1)
    assert w.to_dict() == {"name": "wsd", "peak": 0.1, "steps": 9, "warmup": 1, "decay": 1}


def test_wsd_with_default_start_and_other_warmup_shapes():
    s = lrkit.wsd(1.0, steps=100, warmup=9, decay=10, warmup_shape="cos")
    assert s(0) == pytest.approx(0.1)  # starts at peak / (w + 1), never 0
    assert s(9) == 1.0
    v = s(np.arange(10))
    assert np.all(np.diff(v) > 0)
    with pytest.raises(ConfigError, match="wsd: cycles is only used with shape='cos'"):
        lrkit.wsd(1.0, steps=100, warmup=0, decay=10, cycles=1.0)


def test_sgdr_cycles_and_decay_of():
    s = lrkit.sgdr(1.0, 0.1, period=10, mult=2, cycles=2, decay=0.5, decay_of="amplitude")
    assert s.length == 30 and s(30) == 0.1 and s(10**9) == 0.1
    assert s(10) == pytest.approx(0.1 + 0.9 * 0.5)
    with pytest.raises(ConfigError, match="sgdr: cycles must be >= 1, got 0"):
        lrkit.sgdr(1.0, period=10, cycles=0)
    with pytest.raises(ConfigError, match="sgdr: decay_of must be one of"):
        lrkit.sgdr(1.0, period=10, decay_of="floor")


def test_new_parameters_are_checked():
    for make, msg in [
        (lambda: lrkit.cosine(1.0, exponent=0), "cosine: exponent must be > 0, got 0"),
        (lambda: lrkit.cosine(1.0, k=-1.0), "cosine: k must be > 0, got -1.0"),
        (lambda: lrkit.tanh(1.0, lower=3.0, upper=1.0), "tanh: lower must be < upper"),
        (lambda: lrkit.inverse_sqrt(1.0, warmup=3, timescale=0), "inverse_sqrt: timescale"),
        (lambda: lrkit.cyclic(0, 1, 3, half_period_down=0), "cyclic: half_period_down"),
        (lambda: lrkit.polynomial(1.0, 0.0, cycle=1), "polynomial: cycle must be True or"),
    ]:
        with pytest.raises((ConfigError, ConfigTypeError), match=msg):
            make()


def test_new_parameters_are_keyword_only():
    # the positional order of 0.1.0 is unchanged: a 4th positional cosine argument is an error
    with pytest.raises(ConfigTypeError, match="cosine: takes at most 3 positional arguments"):
        lrkit.cosine(1.0, 0.0, 10, 2.0)


def test_0_1_0_dicts_and_pickles_read_with_the_defaults():
    old = {"name": "cosine", "start": 0.1, "end": 0.001, "steps": 100}
    assert lrkit.from_dict(old) == lrkit.cosine(0.1, 0.001, steps=100)
    # a pickle of 0.1.0 holds only the fields of 0.1.0: the new ones read their defaults
    obj = lrkit.Cosine.__new__(lrkit.Cosine)
    obj.__dict__.update(start=0.1, end=0.001, steps=100, _unbound_reason=None)
    fresh = pickle.loads(pickle.dumps(obj))
    assert fresh == lrkit.cosine(0.1, 0.001, steps=100)
    assert fresh(50) == lrkit.cosine(0.1, 0.001, steps=100)(50)


def test_tanh_holds_end_and_round_trips():
    s = lrkit.tanh(1.0, 0.1, steps=50)
    assert s(50) == 0.1 and s(10**9) == 0.1 and s.length == 50
    assert s(0) == pytest.approx(0.1 + 0.9 * (1 - math.tanh(-7.0)) / 2)
    assert lrkit.parse(str(s)) == s


# ---------------------------------------------------------------- peers' names
@pytest.mark.parametrize(
    "call, spec, hint",
    [
        (
            lambda: lrkit.cosine(1.0, eta_min=0),
            "cosine(1.0, eta_min=0)",
            "PyTorch's `eta_min` is lrkit's `end`",
        ),
        (
            lambda: lrkit.cosine(1.0, T_max=10),
            "cosine(1.0, T_max=10)",
            "PyTorch's `T_max` is lrkit's `steps`",
        ),
        (
            lambda: lrkit.one_cycle(1.0, max_lr=1.0),
            "one_cycle(1.0, max_lr=1.0)",
            "PyTorch's `max_lr` is lrkit's `peak`",
        ),
        (
            lambda: lrkit.cyclic(0.1, 1.0, 5, max_lr=1.0),
            "cyclic(0.1, 1.0, 5, max_lr=1.0)",
            "PyTorch's `max_lr` is lrkit's `high`",
        ),
        (
            lambda: lrkit.cyclic(0.1, 1.0, base_lr=0.1),
            "cyclic(0.1, 1.0, base_lr=0.1)",
            "PyTorch's `base_lr` is lrkit's `low`",
        ),
        (
            lambda: lrkit.step(1.0, 0.5, step_size=3),
            "step(1.0, 0.5, step_size=3)",
            "PyTorch's `step_size` is lrkit's `every`",
        ),
        (
            lambda: lrkit.cyclic(0, 1, step_size_up=3),
            "cyclic(0, 1, step_size_up=3)",
            "PyTorch's `step_size_up` is lrkit's `half_period`",
        ),
        (
            lambda: lrkit.one_cycle(1.0, anneal_strategy="cos"),
            "one_cycle(1.0, anneal_strategy='cos')",
            "PyTorch's `anneal_strategy` is lrkit's `anneal`",
        ),
        (
            lambda: lrkit.sgdr(1.0, period=5, gamma=0.5),
            "sgdr(1.0, period=5, gamma=0.5)",
            "PyTorch's `gamma` is lrkit's `decay`",
        ),
        (
            lambda: lrkit.cosine(1.0, warmup_steps=5),
            "cosine(1.0, warmup_steps=5)",
            "for optax's `warmup_steps`, wrap the schedule: lrkit.warmup(schedule, steps=N)",
        ),
        (
            lambda: lrkit.wsd(1.0, num_warmup_steps=5),
            "wsd(1.0, num_warmup_steps=5)",
            "HuggingFace's `num_warmup_steps` is lrkit's `warmup`",
        ),
        (
            lambda: lrkit.cosine(1.0, num_training_steps=5),
            "cosine(1.0, num_training_steps=5)",
            "HuggingFace's `num_training_steps` is lrkit's `steps`",
        ),
        (
            lambda: lrkit.cosine(1.0, decay_steps=5),
            "cosine(1.0, decay_steps=5)",
            "optax's `decay_steps` is lrkit's `steps`",
        ),
        (
            lambda: lrkit.exponential(1.0, decay_steps=5),
            "exponential(1.0, decay_steps=5)",
            "optax's `decay_steps` is lrkit's `every`",
        ),
        (
            lambda: lrkit.cosine(1.0, alpha=0.1),
            "cosine(1.0, alpha=0.1)",
            "optax's `alpha` is lrkit's end (a rate: end = alpha * start)",
        ),
        (
            lambda: lrkit.cosine(init_value=1.0),
            "cosine(init_value=1.0)",
            "optax's `init_value` is lrkit's `start`",
        ),
        (
            lambda: lrkit.wsd(peak_value=1.0),
            "wsd(peak_value=1.0)",
            "optax's `peak_value` is lrkit's `peak`",
        ),
        (
            lambda: lrkit.cosine(1.0, k_decay=2.0),
            "cosine(1.0, k_decay=2.0)",
            "timm's `k_decay` is lrkit's `k`",
        ),
        (
            lambda: lrkit.sgdr(1.0, period=5, cycle_limit=2),
            "sgdr(1.0, period=5, cycle_limit=2)",
            "timm's `cycle_limit` is lrkit's `cycles`",
        ),
    ],
)
def test_peer_argument_names_get_a_hint(call, spec, hint):
    with pytest.raises(ConfigTypeError, match="unexpected argument") as e:
        call()
    assert hint in str(e.value)
    with pytest.raises(SpecError, match="unknown keyword") as e:
        lrkit.parse(spec)
    assert hint in str(e.value)


def test_no_peer_hint_where_lrkit_has_no_such_parameter():
    # CyclicLR's gamma is lrkit's gamma too; constant has nothing named like max_lr
    with pytest.raises(ConfigTypeError) as e:
        lrkit.constant(1.0, max_lr=1.0)
    assert "PyTorch" not in str(e.value)
    with pytest.raises(SpecError, match="did you mean 'steps'"):
        lrkit.parse("cosine(1.0, stepz=3)")
