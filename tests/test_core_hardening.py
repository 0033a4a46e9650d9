"""Bad input and corner cases of the core and the spec language end in a clear lrkit error
or the right value (issue 10), and direct tests for behaviours a planted mutant changed
without any test of its own module failing (issue 15)."""

from __future__ import annotations

import copy
import math
import pickle
import re

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError, LrkitError, NonFiniteError
from lrkit.spec import MAX_DEPTH, SpecError, parse


# ---------------------------------------------------------------- issue 15: direct tests
def test_product_and_sum_last_as_long_as_their_longer_operand():
    short, long = lrkit.linear(1.0, 0.5, steps=10), lrkit.linear(0.0, 1.0, steps=30)
    for s in (short * long, long * short, short + long, long + short):
        assert s.length == 30
    # a following phase starts when the longer operand has ended
    seq = lrkit.sequence(short * long, lrkit.constant(7.0))
    assert seq.length is None
    assert seq(29) == pytest.approx(0.5 * 29 / 30) and seq(30) == 7.0
    assert (short * 2.0).length == 10 and (3.0 + long).length == 30
    assert (short * lrkit.exponential(1.0, gamma=0.5)).length is None


def test_unary_plus_keeps_the_sign():
    assert parse("+0.5") == lrkit.constant(0.5)
    assert parse("cosine(+0.1, steps=3)").start == 0.1
    assert parse("-0.5") == lrkit.constant(-0.5)
    assert parse("cosine(-(+0.1), steps=3)").start == -0.1


def test_booleans_are_not_numbers_in_specs():
    for text in ("True", "False", "cosine(True, steps=3)", "True * cosine(0.1, steps=3)"):
        with pytest.raises(SpecError):
            parse(text)


def test_exponential_factor_is_the_ratio_over_every_steps():
    for s in (
        lrkit.exponential(2.0, gamma=0.3, every=4),
        lrkit.exponential(2.0, half_life=10, every=5),
        lrkit.exponential(2.0, half_life=3, every=7),
    ):
        f = s.factor()
        assert 0 < f < 1
        assert s(s.every) / s(0) == pytest.approx(f, rel=1e-14)
        assert s(3 * s.every) / s(2 * s.every) == pytest.approx(f, rel=1e-14)
    assert lrkit.exponential(1.0, half_life=10, every=5).factor() == 0.5**0.5
    assert lrkit.exponential(1.0, gamma=0.3).factor() == 0.3


def test_sorted_rules_strict_and_non_strict():
    # boundaries and interpolation points must strictly increase; milestones may repeat
    with pytest.raises(ConfigError, match=re.escape("boundaries must be strictly increasing")):
        lrkit.piecewise([1.0, 0.5, 0.1], boundaries=[5, 5])
    with pytest.raises(ConfigError, match="points steps must be strictly increasing"):
        lrkit.interpolate([(0, 1.0), (5, 0.5), (5, 0.1)])
    with pytest.raises(ConfigError, match="milestones must be non-decreasing"):
        lrkit.multistep(1.0, 0.5, milestones=[5, 4])
    assert lrkit.multistep(1.0, 0.5, milestones=[5, 5])(5) == 0.25
    assert lrkit.piecewise([1.0, 0.5], boundaries=[5])(5) == 0.5


# ---------------------------------------------------------------- issue 10 item 12: ASCII
@pytest.mark.parametrize("text", ["٣", "１００", "5％", "３ep", "1e2", "5\u00a0%"])
def test_durations_are_ascii(text):
    with pytest.raises(ConfigError, match="must be a positive duration"):
        lrkit.cosine(1.0, steps=text)


def test_specs_are_ascii():
    for text in ("ｃｏｓｉｎｅ(0.1)", "cosine(0.1, steps='٣')", "cosine(٣)", "cosine(0.1) # é"):
        with pytest.raises(SpecError, match="only ASCII characters are allowed"):
            parse(text)
    assert lrkit.cosine(1.0, steps=" 5% ").steps == "5%"


def test_a_comment_never_reaches_the_label():
    s = parse("constant(10.0) # cosine(0.1)")
    assert s == lrkit.constant(10.0) and str(s) == "constant(value=10.0)"
    assert lrkit.summary("constant(10.0) # cosine(0.1)", 10).spec == "constant(value=10.0)"


# ---------------------------------------------------------------- item 13: from_dict shape
@pytest.mark.parametrize(
    "d, err, fragments",
    [
        (
            {"name": "multistep", "start": 1, "gamma": 0.5, "milestones": {10: 1}},
            ConfigTypeError,
            ["milestones must be a list", "dict"],
        ),
        ({"name": "sequence", "phases": "abc"}, ConfigTypeError, ["phases must be a list"]),
        ({"name": ["cosine"]}, ConfigTypeError, ["name must be a string", "['cosine']"]),
        ({"name": "interpolate", "points": {0: 1.0}}, ConfigTypeError, ["points must be a list"]),
        (
            {"name": "interpolate", "points": [[0, 1.0], [1, 2, 3]]},
            ConfigTypeError,
            ["points[1] must be a pair"],
        ),
        (
            {"name": "warmup", "schedule": {"name": "clip", "schedule": 3}, "steps": 2},
            ConfigTypeError,
            ["schedule.schedule", "expected a dict with a 'name'", "got 3"],
        ),
        (
            {"name": "sequence", "phases": [{"name": "constant", "value": 1}, {"value": 2}]},
            ConfigError,
            ["phases[1]", "needs a 'name' key"],
        ),
        ({"name": "piecewise", "values": "ab", "boundaries": [1]}, ConfigTypeError, ["values"]),
        ({"name": "cosine", "start": "0.1"}, ConfigTypeError, ["start must be a number"]),
    ],
)
def test_from_dict_checks_the_shape_and_names_the_path(d, err, fragments):
    with pytest.raises(err) as e:
        lrkit.from_dict(d)
    for f in fragments:
        assert f in str(e.value), (f, str(e.value))


def test_nesting_depth_is_bounded_with_a_clear_error():
    d = {"name": "constant", "value": 1.0}
    for _ in range(3000):
        d = {"name": "clip", "schedule": d, "low": 0.0}
    with pytest.raises(ConfigError, match=f"nests deeper than {MAX_DEPTH} levels"):
        lrkit.from_dict(d)
    for text in (
        " + ".join(["constant(0.1)"] * 1000),
        "clip(" * 3000 + "constant(1.0)" + ", low=0.0)" * 3000,
        "[" * 5000 + "]" * 5000,
    ):
        with pytest.raises(SpecError, match=f"nests deeper than {MAX_DEPTH} levels"):
            parse(text)
    # within the depth: everything works
    s = parse(" + ".join(["constant(0.1)"] * (MAX_DEPTH - 1)))
    assert s(0) == pytest.approx(0.1 * (MAX_DEPTH - 1))
    assert copy.deepcopy(s) == pickle.loads(pickle.dumps(s)) == lrkit.from_dict(s.to_dict()) == s


# ---------------------------------------------------------------- item 14: messages
def test_relative_duration_rounding_to_zero_says_so():
    s = lrkit.warmup(lrkit.cosine(0.1), steps="5%")
    msg = "steps='5%' rounds to 0 steps of a 5-step run"
    with pytest.raises(ConfigError, match=re.escape(msg)):
        s.bind(total_steps=5)
    with pytest.raises(ConfigError, match="rounds to 0 steps of 10-step epochs"):
        lrkit.cosine(1.0, steps="0.01ep").bind(steps_per_epoch=10)
    assert s.bind(total_steps=20).steps == 1


def test_arithmetic_in_specs_gives_clear_errors():
    with pytest.raises(SpecError, match="too large for a float64"):
        parse("cosine(10**10**10)")
    with pytest.raises(SpecError, match="too large for a float64"):
        parse("cosine(0.1, steps=10**400)")
    with pytest.raises(SpecError, match=re.escape("(-8) ** 0.5 is not a real number")):
        parse("cosine((-8)**0.5)")
    with pytest.raises(SpecError, match="division by zero"):
        parse("cosine(1/0)")


def test_steps_argument_corners():
    s = lrkit.cosine(1.0, steps=3)
    out = s([])
    assert out.shape == (0,) and out.dtype == np.float64
    assert s(np.arange(0)).shape == (0,)
    for big in (10**400, 2**63, 10**10000):
        with pytest.raises(ConfigError, match=re.escape("step must be <= 2**63 - 1")):
            s(big)
    assert s(2**63 - 1) == 0.0
    with pytest.raises(ConfigError, match="must be at most 2\\*\\*53 steps"):
        lrkit.cosine(1.0, steps=10**400)
    with pytest.raises(ConfigError, match="must be a finite number, got an integer of about 401"):
        lrkit.constant(10**400)


# ---------------------------------------------------------------- item 16: overflow
@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: lrkit.cosine(1e308, -1e308, steps=10), "start - end"),
        (lambda: lrkit.linear(-1e308, 1e308, steps=10), "end - start"),
        (lambda: lrkit.polynomial(1e308, -1e308, steps=10), "start - end"),
        (lambda: lrkit.sgdr(1e308, -1e308, period=10), "start - end"),
        (lambda: lrkit.cyclic(-1e308, 1e308, half_period=10), "high - low"),
        (lambda: lrkit.wsd(1e308, steps=10, warmup=1, decay=1, end=-1e308), "peak - end"),
        (lambda: lrkit.multistep(1e300, 1e10, milestones=[1, 2, 3]), "gamma"),
        (lambda: lrkit.interpolate([(0, -1e308), (10, 1e308)]), "points[1] value - points[0]"),
        (lambda: lrkit.warmup(lrkit.constant(-1e308), steps=3, start=1e308), "warmup"),
        (lambda: lrkit.coupled_wd(lrkit.constant(1e308), 1e10), "value * ref"),
    ],
)
def test_ranges_that_overflow_are_rejected_at_construction(make, fragment):
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        make()


def test_no_overflow_error_reaches_the_user():
    # extreme but accepted parameters: a finite value or an lrkit error, never OverflowError
    steps = np.array([0, 1, 2, 10, 1000, 10**6, 2**62], dtype=np.int64)
    makers = [
        lambda: lrkit.exponential(1e308, gamma=1e308),
        lambda: lrkit.exponential(1e-300, gamma=1e-300, staircase=True),
        lambda: lrkit.step(1e308, 1e308, every=1),
        lambda: lrkit.multistep(1e308, 0.5, milestones=[1, 2]),
        lambda: lrkit.inverse_time(1e308, 1e308),
        lambda: lrkit.inverse_sqrt(1e308, warmup=1),
        lambda: lrkit.one_cycle(1e308, steps=100, div=1e-300),
        lambda: lrkit.sgdr(1e308, period=1, mult=1e308),
        lambda: lrkit.cyclic(0.0, 1e308, half_period=1, mode="exp_range", gamma=1e-300),
        lambda: lrkit.constant(1e308) * 1e308,
        lambda: lrkit.constant(1e308) + lrkit.constant(1e308),
        lambda: lrkit.opposite(lrkit.linear(0.0, 1e308, steps=2**40), 0.85, 0.95),
    ]
    for make in makers:
        try:
            v = make()(steps)
        except LrkitError as e:
            assert isinstance(e, (ConfigError, NonFiniteError))
        else:
            assert np.all(np.isfinite(v))
    for s in ("exponential(1e308, half_life=1e308)", "exponential(1.0, gamma=1e308 * 10)"):
        with pytest.raises(LrkitError):
            parse(s)(3)


# ---------------------------------------------------------------- item 17: cost
def test_opposite_and_coupled_wd_do_not_evaluate_the_whole_length():
    n = 2**40
    s = lrkit.opposite(lrkit.linear(0.0, 1.0, steps=n), 0.85, 0.95)
    assert s(0) == 0.95 and s(n) == 0.85 and s(n // 2) == pytest.approx(0.9)
    w = lrkit.coupled_wd(lrkit.warmup(lrkit.cosine(1.0, steps=n), steps=10), 0.01)
    assert w(10) == pytest.approx(0.01) and w(n + 10) == 0.1
    m = lrkit.coupled_wd(lrkit.sequence(lrkit.constant(0.5, steps=n), lrkit.cosine(1.0)), 0.01)
    assert m.bind(total_steps=2 * n)(0) == pytest.approx(0.02)


def test_breakpoint_schedules_match_their_definition():
    rng = np.random.default_rng(0)
    ms = np.sort(rng.integers(0, 10_000, size=2_000))
    t = np.arange(0, 10_100)
    s = lrkit.multistep(1.0, 0.999, milestones=ms.tolist())
    np.testing.assert_allclose(s(t), 0.999 ** np.searchsorted(ms, t, side="right"), rtol=1e-12)
    bs = np.unique(ms)
    vals = rng.random(len(bs) + 1) + 0.1
    p = lrkit.piecewise(vals.tolist(), boundaries=bs.tolist())
    np.testing.assert_array_equal(p(t), vals[np.searchsorted(bs, t, side="right")])
    ys = rng.random(len(bs))
    i = lrkit.interpolate(list(zip(bs.tolist(), ys.tolist())))
    np.testing.assert_allclose(i(t), np.interp(t, bs, ys), rtol=1e-12, atol=1e-15)


def test_half_life_of_a_long_monotone_schedule_is_a_closed_search():
    s = lrkit.cosine(1.0, steps=10**9)
    assert lrkit.half_life(s) == 5 * 10**8
    assert lrkit.half_life(lrkit.cosine(1.0, steps=10**12)) == 5 * 10**11
    assert lrkit.half_life(lrkit.linear(1.0, 0.0, steps=10**12), at=10**11) == 45 * 10**10
    assert lrkit.half_life(lrkit.exponential(1.0, half_life=10**15)) is None  # past 2**24
    assert math.isclose(lrkit.half_life(lrkit.exponential(1.0, half_life=1000)), 1000)


def test_bisection_path_is_the_same_formula_in_jax():
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(1)
    bs = np.unique(rng.integers(1, 1000, size=40)).tolist()
    vals = (rng.random(len(bs) + 1) + 0.1).tolist()
    t = np.arange(0, 1100)
    old = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        _compare_with_jax(jax, jnp, t, bs, vals)
    finally:
        jax.config.update("jax_enable_x64", old)
    # few breakpoints select with where, many bisect: both give the definition
    for n in (3, 4, 5, 6):
        xs, ys = list(range(0, 10 * n, 10)), rng.random(n).tolist()
        np.testing.assert_allclose(lrkit.interpolate(list(zip(xs, ys)))(t), np.interp(t, xs, ys))


def _compare_with_jax(jax, jnp, t, bs, vals):
    for s in (
        lrkit.multistep(1.0, 0.97, milestones=bs),
        lrkit.piecewise(vals, boundaries=bs),
        lrkit.interpolate(list(zip(bs, vals)), kind="cos"),
        lrkit.sgdr(1.0, 0.1, period=7, mult=1.5, decay=0.9),
    ):
        got = np.asarray(jax.jit(lambda x, s=s: s._eval(x, jnp))(jnp.asarray(t, jnp.float64)))
        np.testing.assert_allclose(got, s(t), rtol=1e-13, atol=1e-15)


def test_opposite_of_a_schedule_that_never_ends_fails_when_evaluated():
    s = lrkit.opposite(lrkit.exponential(1.0, gamma=0.5))  # a value may be built...
    with pytest.raises(ConfigError, match="never ends, so its rise and fall are undefined"):
        s(0)  # ...but has no values


def test_nested_warmups_evaluate_the_inner_schedule_once_per_call():
    # a warmup reads its schedule at the join and at every step; done as two calls, k
    # nested warmups (a from_dict within MAX_DEPTH) cost 2**k evaluations of the inner one
    calls = []

    def inner(t):
        calls.append(np.shape(t))
        return 0.1 + 0.0 * t

    s = lrkit.custom(inner, vectorized=True)
    for _ in range(12):
        s = lrkit.warmup(s, steps=10)
    calls.clear()
    t = np.arange(400)
    v = s(t)
    assert len(calls) == 1 and calls[0] == (400 + 12,)  # each level adds its join point
    assert v[-1] == pytest.approx(0.1) and v[0] < 0.1
    assert [float(s(k)) for k in (0, 5, 299, 399)] == [float(x) for x in v[[0, 5, 299, 399]]]


def test_coupled_wd_needs_a_positive_reference_rate():
    """A rate whose peak is <= 0 cannot carry coupled weight decay (0/0 was NaN at run time,
    found by the property tests: coupled_wd(-constant(1.0, steps=1), value=0.0))."""
    for inner in (-lrkit.constant(1.0, steps=1), lrkit.constant(0.0, steps=5)):
        with pytest.raises(ConfigError, match=r"coupled_wd: the reference rate \(the schedule"):
            lrkit.coupled_wd(inner, 0.0)
    late = lrkit.coupled_wd(-lrkit.cosine(1.0, steps="50%"), 0.01)  # peak known once bound
    with pytest.raises(ConfigError, match=r"must be > 0, got 0\.0"):
        late.bind(total_steps=10)
    fine = lrkit.coupled_wd(lrkit.cosine(1.0, steps="50%"), 0.01).bind(total_steps=10)
    assert fine(0) == pytest.approx(0.01)  # a positive peak: lr * wd = 0.01 * 1.0 at the peak


@pytest.mark.parametrize(
    ("kwargs", "what"),
    [
        # 2**1100 overflows a Python float, which raises OverflowError instead of giving inf
        (dict(period=3, mult=2.0, cycles=1100), r"mult \*\* cycles"),
        # 1.3**5000: past the old check's cap of 2000 cycles, the length overflowed
        (dict(period=3, mult=1.3, cycles=5000), r"mult \*\* cycles"),
        # 1.5**1700 ~ 1e299 is finite, the first step after the last cycle is not
        (dict(period=10**12, mult=1.5, cycles=1700), r"period \* \(mult \*\* cycles - 1\)"),
    ],
)
def test_sgdr_cycle_limit_that_overflows_is_a_config_error(kwargs, what):
    with pytest.raises(ConfigError, match=rf"sgdr: the parameters overflow float64: {what}"):
        _ = lrkit.sgdr(1.0, **kwargs).length


def test_sgdr_overflowing_cycle_limit_exits_2_on_the_cli(capsys):
    from lrkit.cli import main

    # before the fix the spec parser showed "(34, 'Numerical result out of range')"
    assert main(["values", "sgdr(1.0, period=3, mult=2.0, cycles=1100)", "--total", "10"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mult ** cycles gives inf" in err[0]
