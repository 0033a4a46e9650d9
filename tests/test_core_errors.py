"""Bad parameters fail with a message naming the parameter, the value and the rule."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import lrkit

C = lrkit.constant(1.0)
DUR = "(int steps, 'N%' of the run or 'Nep' epochs)"


def _pattern(*fragments: str) -> str:
    """A regex requiring every fragment, in order."""
    return ".*".join(re.escape(f) for f in fragments)


# (id, thunk, exception, fragments that must appear in order: owner/parameter, rule, value)
CASES = [
    (
        "steps0",
        lambda: lrkit.cosine(1.0, steps=0),
        ValueError,
        ["cosine: steps", "positive duration", DUR, "got 0"],
    ),
    (
        "steps-neg",
        lambda: lrkit.cosine(1.0, steps=-5),
        ValueError,
        ["cosine: steps", "positive duration", "got -5"],
    ),
    (
        "steps-float",
        lambda: lrkit.linear(1.0, 0.0, steps=2.5),
        ValueError,
        ["linear: steps", "whole number of steps", "got 2.5"],
    ),
    (
        "steps-text",
        lambda: lrkit.cosine(1.0, steps="abc"),
        ValueError,
        ["cosine: steps", "positive duration", "got 'abc'"],
    ),
    (
        "steps-0pct",
        lambda: lrkit.cosine(1.0, steps="0%"),
        ValueError,
        ["cosine: steps", "positive duration", "got '0%'"],
    ),
    (
        "steps-150pct",
        lambda: lrkit.cosine(1.0, steps="150%"),
        ValueError,
        ["cosine: steps", "at most 100%", "got '150%'"],
    ),
    (
        "steps-bool",
        lambda: lrkit.cosine(1.0, steps=True),
        TypeError,
        ["cosine: steps", "duration", "got True"],
    ),
    (
        "start-bool",
        lambda: lrkit.cosine(True),
        TypeError,
        ["cosine: start", "must be a number", "got True (bool)"],
    ),
    (
        "start-str",
        lambda: lrkit.cosine("0.1", steps=3),
        TypeError,
        ["cosine: start", "must be a number", "got '0.1' (str)"],
    ),
    (
        "start-none",
        lambda: lrkit.linear(None, 0.0, steps=3),
        TypeError,
        ["linear: start", "must be a number", "got None"],
    ),
    (
        "start-nan",
        lambda: lrkit.cosine(math.nan, steps=3),
        ValueError,
        ["cosine: start", "finite number", "got nan"],
    ),
    (
        "end-inf",
        lambda: lrkit.cosine(1.0, math.inf, steps=3),
        ValueError,
        ["cosine: end", "finite number", "got inf"],
    ),
    ("missing", lambda: lrkit.linear(1.0), TypeError, ["linear: missing required argument 'end'"]),
    (
        "unknown-kw",
        lambda: lrkit.cosine(1.0, stepz=3),
        TypeError,
        ["cosine: unexpected argument 'stepz'", "allowed: start, end, steps"],
    ),
    (
        "too-many",
        lambda: lrkit.cosine(1.0, 0, 3, 4),
        TypeError,
        ["cosine: takes at most 3 positional arguments", "got 4"],
    ),
    (
        "twice",
        lambda: lrkit.linear(1.0, 0.0, 5, end=2),
        TypeError,
        ["linear: argument 'end' given twice"],
    ),
    (
        "power0",
        lambda: lrkit.polynomial(1, 0, steps=3, power=0),
        ValueError,
        ["polynomial: power", "> 0", "got 0"],
    ),
    (
        "power-neg",
        lambda: lrkit.polynomial(1, 0, steps=3, power=-2),
        ValueError,
        ["polynomial: power", "> 0", "got -2"],
    ),
    (
        "exp-neither",
        lambda: lrkit.exponential(1.0),
        ValueError,
        ["exponential: give exactly one of gamma or half_life", "gamma=None, half_life=None"],
    ),
    (
        "exp-both",
        lambda: lrkit.exponential(1.0, gamma=0.5, half_life=3),
        ValueError,
        ["exactly one of gamma or half_life", "gamma=0.5, half_life=3"],
    ),
    (
        "exp-gamma0",
        lambda: lrkit.exponential(1.0, gamma=0),
        ValueError,
        ["exponential: gamma", "> 0", "got 0"],
    ),
    (
        "exp-half-life0",
        lambda: lrkit.exponential(1.0, half_life=0),
        ValueError,
        ["exponential: half_life", "positive duration", "got 0"],
    ),
    (
        "exp-staircase-int",
        lambda: lrkit.exponential(1.0, gamma=0.5, staircase=1),
        TypeError,
        ["exponential: staircase", "True or False", "got 1"],
    ),
    (
        "exp-every0",
        lambda: lrkit.exponential(1.0, gamma=0.5, every=0),
        ValueError,
        ["exponential: every", "positive duration", "got 0"],
    ),
    (
        "step-gamma",
        lambda: lrkit.step(1.0, -0.5, every=3),
        ValueError,
        ["step: gamma", "> 0", "got -0.5"],
    ),
    (
        "step-every0",
        lambda: lrkit.step(1.0, 0.5, every=0),
        ValueError,
        ["step: every", "positive duration", "got 0"],
    ),
    (
        "step-missing-every",
        lambda: lrkit.step(1.0, 0.5),
        TypeError,
        ["step: missing required argument 'every'"],
    ),
    (
        "ms-empty",
        lambda: lrkit.multistep(1.0, 0.5, milestones=[]),
        ValueError,
        ["multistep: milestones", "non-empty list", "got []"],
    ),
    (
        "ms-order",
        lambda: lrkit.multistep(1.0, 0.5, milestones=[5, 3]),
        ValueError,
        ["multistep: milestones", "non-decreasing", "got [5, 3]"],
    ),
    (
        "ms-scalar",
        lambda: lrkit.multistep(1.0, 0.5, milestones=5),
        TypeError,
        ["multistep: milestones", "must be a list", "got 5"],
    ),
    (
        "ms-negative",
        lambda: lrkit.multistep(1.0, 0.5, milestones=[-1]),
        ValueError,
        ["multistep: milestones[0]", "non-negative duration", "got -1"],
    ),
    (
        "ms-bool",
        lambda: lrkit.multistep(1.0, 0.5, milestones=[1, True]),
        TypeError,
        ["multistep: milestones[1]", "duration", "got True"],
    ),
    (
        "ms-order-after-bind",
        lambda: lrkit.multistep(1.0, 0.5, milestones=["50%", 3]).bind(total_steps=10),
        ValueError,
        ["multistep: milestones", "non-decreasing", "got [5, 3]"],
    ),
    (
        "pw-count",
        lambda: lrkit.piecewise([1.0, 0.5], boundaries=[]),
        ValueError,
        ["piecewise: values", "one more entry than boundaries", "2 values and 0 boundaries"],
    ),
    (
        "pw-order",
        lambda: lrkit.piecewise([1, 0.5, 0.1], boundaries=[5, 5]),
        ValueError,
        ["piecewise: boundaries", "strictly increasing", "got [5, 5]"],
    ),
    (
        "pw-str",
        lambda: lrkit.piecewise("ab", boundaries=[]),
        TypeError,
        ["piecewise: values", "must be a list", "got 'ab'"],
    ),
    (
        "pw-value-bool",
        lambda: lrkit.piecewise([1.0, False], boundaries=[3]),
        TypeError,
        ["piecewise: values[1]", "must be a number", "got False"],
    ),
    (
        "ip-empty",
        lambda: lrkit.interpolate([]),
        ValueError,
        ["interpolate: points", "non-empty list"],
    ),
    (
        "ip-order",
        lambda: lrkit.interpolate([(0, 1), (0, 2)]),
        ValueError,
        ["interpolate: points steps", "strictly increasing", "got [0, 0]"],
    ),
    (
        "ip-triple",
        lambda: lrkit.interpolate([(0, 1, 2)]),
        TypeError,
        ["interpolate: points[0]", "(step, value) pair", "got (0, 1, 2)"],
    ),
    (
        "ip-kind",
        lambda: lrkit.interpolate([(0, 1)], kind="cubic"),
        ValueError,
        ["interpolate: kind", "one of 'linear', 'cos'", "got 'cubic'"],
    ),
    (
        "it-decay",
        lambda: lrkit.inverse_time(1.0, decay=-1),
        ValueError,
        ["inverse_time: decay", ">= 0", "got -1"],
    ),
    (
        "isqrt-warmup0",
        lambda: lrkit.inverse_sqrt(1.0, warmup=0),
        ValueError,
        ["inverse_sqrt: warmup", "positive duration", "got 0"],
    ),
    (
        "sgdr-mult",
        lambda: lrkit.sgdr(1.0, period=10, mult=0.5),
        ValueError,
        ["sgdr: mult", ">= 1", "got 0.5"],
    ),
    (
        "sgdr-decay0",
        lambda: lrkit.sgdr(1.0, period=10, decay=0),
        ValueError,
        ["sgdr: decay", "> 0 and <= 1", "got 0"],
    ),
    (
        "sgdr-decay-big",
        lambda: lrkit.sgdr(1.0, period=10, decay=1.5),
        ValueError,
        ["sgdr: decay", "> 0 and <= 1", "got 1.5"],
    ),
    (
        "sgdr-period",
        lambda: lrkit.sgdr(1.0, period=0),
        ValueError,
        ["sgdr: period", "positive duration", "got 0"],
    ),
    (
        "cyc-order",
        lambda: lrkit.cyclic(1.0, 0.5, half_period=3),
        ValueError,
        ["cyclic: high must be >= low", "low=1.0, high=0.5"],
    ),
    (
        "cyc-mode",
        lambda: lrkit.cyclic(0.1, 1, half_period=3, mode="tri"),
        ValueError,
        ["cyclic: mode", "one of 'triangular', 'triangular2', 'exp_range'", "got 'tri'"],
    ),
    (
        "cyc-gamma-mode",
        lambda: lrkit.cyclic(0.1, 1, half_period=3, gamma=0.9),
        ValueError,
        ["cyclic: gamma", "only used with mode='exp_range'", "gamma=0.9"],
    ),
    (
        "cyc-gamma0",
        lambda: lrkit.cyclic(0.1, 1, half_period=3, mode="exp_range", gamma=0),
        ValueError,
        ["cyclic: gamma", "> 0 and <= 1", "got 0"],
    ),
    (
        "oc-peak",
        lambda: lrkit.one_cycle(0.0, steps=100),
        ValueError,
        ["one_cycle: peak", "> 0", "got 0"],
    ),
    (
        "oc-pct",
        lambda: lrkit.one_cycle(1.0, steps=100, pct_start=1.0),
        ValueError,
        ["one_cycle: pct_start", "> 0 and < 1", "got 1.0"],
    ),
    (
        "oc-pct-3",
        lambda: lrkit.one_cycle(1.0, steps=100, pct_start=0.6, three_phase=True),
        ValueError,
        ["one_cycle: pct_start", "> 0 and <= 0.5", "got 0.6"],
    ),
    (
        "oc-short",
        lambda: lrkit.one_cycle(1.0, steps=2),
        ValueError,
        ["one_cycle: steps=2", "too short for pct_start=0.3", "at least one step"],
    ),
    (
        "oc-short-after-bind",
        lambda: lrkit.one_cycle(1.0).bind(total_steps=3),
        ValueError,
        ["one_cycle: steps=3", "too short"],
    ),
    (
        "oc-div",
        lambda: lrkit.one_cycle(1.0, steps=100, div=0),
        ValueError,
        ["one_cycle: div", "> 0", "got 0"],
    ),
    (
        "oc-final-div",
        lambda: lrkit.one_cycle(1.0, steps=100, final_div=-1),
        ValueError,
        ["one_cycle: final_div", "> 0", "got -1"],
    ),
    (
        "oc-anneal",
        lambda: lrkit.one_cycle(1.0, steps=100, anneal="cosine"),
        ValueError,
        ["one_cycle: anneal", "one of 'cos', 'linear'", "got 'cosine'"],
    ),
    (
        "oc-three-phase",
        lambda: lrkit.one_cycle(1.0, steps=100, three_phase="yes"),
        TypeError,
        ["one_cycle: three_phase", "True or False", "got 'yes'"],
    ),
    (
        "wsd-sum",
        lambda: lrkit.wsd(1.0, steps=10, warmup=6, decay=6),
        ValueError,
        ["wsd: warmup + decay must be <= steps", "warmup=6, decay=6, steps=10"],
    ),
    (
        "wsd-shape",
        lambda: lrkit.wsd(1.0, steps=10, warmup=1, decay=1, shape="exp"),
        ValueError,
        ["wsd: shape", "one of 'linear', 'cos', 'sqrt'", "got 'exp'"],
    ),
    (
        "wsd-warmup-neg",
        lambda: lrkit.wsd(1.0, steps=10, warmup=-1, decay=1),
        ValueError,
        ["wsd: warmup", "non-negative duration", "got -1"],
    ),
    (
        "const-steps0",
        lambda: lrkit.constant(1.0, steps=0),
        ValueError,
        ["constant: steps", "positive duration", "got 0"],
    ),
    (
        "wu-number",
        lambda: lrkit.warmup(0.1, steps=3),
        TypeError,
        ["warmup: schedule", "must be a schedule", "got 0.1"],
    ),
    (
        "wu-steps0",
        lambda: lrkit.warmup(C, steps=0),
        ValueError,
        ["warmup: steps", "positive duration", "got 0"],
    ),
    (
        "wu-start-neg",
        lambda: lrkit.warmup(C, steps=3, start=-1),
        ValueError,
        ["warmup: start", ">= 0", "got -1"],
    ),
    (
        "wu-exp-zero",
        lambda: lrkit.warmup(C, steps=3, start=0, shape="exp"),
        ValueError,
        ["warmup: start", "> 0 with shape='exp'", "got 0"],
    ),
    (
        "wu-shape",
        lambda: lrkit.warmup(C, steps=3, shape="quad"),
        ValueError,
        ["warmup: shape", "one of 'linear', 'cos', 'exp', 'constant'", "got 'quad'"],
    ),
    (
        "seq-empty",
        lambda: lrkit.sequence(),
        ValueError,
        ["sequence: needs at least one schedule", "got none"],
    ),
    (
        "seq-number",
        lambda: lrkit.sequence(C, 0.5),
        TypeError,
        ["sequence: phases[1]", "must be a schedule", "got 0.5"],
    ),
    (
        "seq-never-ends",
        lambda: lrkit.sequence(lrkit.exponential(1, gamma=0.5), C)(0),
        ValueError,
        ["sequence: phase 0", "never ends", "give the others steps"],
    ),
    ("clip-neither", lambda: lrkit.clip(C), ValueError, ["clip: give low, high or both"]),
    (
        "clip-order",
        lambda: lrkit.clip(C, low=2, high=1),
        ValueError,
        ["clip: low must be <= high", "low=2.0, high=1.0"],
    ),
    (
        "opp-order",
        lambda: lrkit.opposite(C, low=0.9, high=0.8),
        ValueError,
        ["opposite: low must be <= high", "low=0.9, high=0.8"],
    ),
    (
        "opp-never-ends",
        lambda: lrkit.opposite(lrkit.exponential(1, gamma=0.5))(0),
        ValueError,
        ["opposite: exponential(start=1.0, gamma=0.5) never ends"],
    ),
    (
        "wd-neg",
        lambda: lrkit.coupled_wd(C, -0.1),
        ValueError,
        ["coupled_wd: value", ">= 0", "got -0.1"],
    ),
    (
        "wd-cap",
        lambda: lrkit.coupled_wd(C, 0.1, cap=0),
        ValueError,
        ["coupled_wd: cap", "> 0", "got 0"],
    ),
    (
        "wd-ref",
        lambda: lrkit.coupled_wd(C, 0.1, ref=-1),
        ValueError,
        ["coupled_wd: ref", "> 0", "got -1"],
    ),
    ("mul-str", lambda: C * "a", TypeError, ["mul: right", "schedule or a number", "got 'a'"]),
    ("add-none", lambda: C + None, TypeError, ["add: right", "schedule or a number", "got None"]),
    ("mul-bool", lambda: True * C, TypeError, ["mul: left", "schedule or a number", "got True"]),
    (
        "bind-total0",
        lambda: C.bind(total_steps=0),
        ValueError,
        ["bind: total_steps", ">= 1", "got 0"],
    ),
    (
        "bind-bool",
        lambda: C.bind(total_steps=True),
        TypeError,
        ["bind: total_steps", "must be an integer", "got True"],
    ),
    (
        "bind-spe-float",
        lambda: C.bind(steps_per_epoch=2.5),
        ValueError,
        ["bind: steps_per_epoch", "must be an integer", "got 2.5"],
    ),
    (
        "replace",
        lambda: lrkit.cosine(1.0, steps=3).replace(steps=0),
        ValueError,
        ["cosine: steps", "positive duration", "got 0"],
    ),
]


@pytest.mark.parametrize("thunk,exc,fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_parameter(thunk, exc, fragments):
    with pytest.raises(exc, match=_pattern(*fragments)):
        thunk()


# ---------------------------------------------------------------- evaluation errors
S = lrkit.cosine(1.0, steps=3)


@pytest.mark.parametrize(
    "step,exc,fragments",
    [
        (-1, ValueError, ["step must be >= 0", "got -1"]),
        (np.int64(-3), ValueError, ["step must be >= 0", "got -3"]),
        (np.array([1, -2, 3]), ValueError, ["step must be >= 0", "got -2"]),
        (1.5, TypeError, ["step must be an integer", "got", "1.5"]),
        (2.0, TypeError, ["step must be an integer", "2.0"]),
        (np.array([1.0, 2.0]), TypeError, ["step must be an integer", "float64"]),
        (True, TypeError, ["step must be an integer", "got True"]),
        ("3", TypeError, ["step must be an integer"]),
    ],
    ids=["neg", "np-neg", "array-neg", "float", "integral-float", "float-array", "bool", "str"],
)
def test_bad_step(step, exc, fragments):
    with pytest.raises(exc, match=_pattern(*fragments)):
        S(step)


@pytest.mark.parametrize(
    "s,fragments",
    [
        (lrkit.cosine(1.0), ["cosine: steps is not given", "call .bind(total_steps=N)"]),
        (lrkit.cosine(1.0, steps="5%"), ["cosine: steps='5%'", "call .bind(total_steps=N)"]),
        (lrkit.cosine(1.0, steps="2ep"), ["cosine: steps='2ep'", ".bind(steps_per_epoch=K)"]),
        (lrkit.warmup(lrkit.cosine(1.0, steps=9), steps="1ep"), ["warmup: steps='1ep'"]),
        (lrkit.warmup(lrkit.cosine(1.0), steps=3), ["cosine: steps is not given"]),
        (lrkit.multistep(1, 0.5, milestones=[2, "50%"]), ["multistep: milestones='50%'"]),
        (lrkit.interpolate([(0, 1), ("1ep", 0)]), ["interpolate: points='1ep'"]),
        (lrkit.constant(1.0) * lrkit.linear(1, 0), ["linear: steps is not given"]),
    ],
    ids=str,
)
def test_unbound_schedule_says_what_to_bind(s, fragments):
    assert not s.is_bound
    assert s.unbound() is not None and fragments[0] in s.unbound()
    with pytest.raises(ValueError, match=_pattern(*fragments)):
        s(0)
    with pytest.raises(ValueError, match=_pattern(*fragments)):
        s(np.arange(3))
    with pytest.raises(ValueError, match=re.escape(fragments[0])):
        _ = s.length


def test_bound_with_only_total_keeps_epochs_unresolved():
    s = lrkit.cosine(1.0, steps="2ep").bind(total_steps=100)
    with pytest.raises(ValueError, match=re.escape(".bind(steps_per_epoch=K)")):
        s(0)
    assert s.bind(steps_per_epoch=10)(20) == 0.0


def test_not_finite_output_raises_instead_of_returning_inf():
    s = lrkit.exponential(1e300, gamma=1e10)
    with pytest.raises(FloatingPointError, match=_pattern("exponential(", "not finite at step")):
        s(np.arange(200))


def test_immutable():
    with pytest.raises(AttributeError, match="immutable"):
        S.start = 2.0  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del S.start


# ---------------------------------------------------------------- accepted inputs
def test_numpy_numbers_and_integral_floats_accepted():
    a = lrkit.cosine(np.float32(0.5), np.float64(0.0), steps=np.int32(4))
    assert a == lrkit.cosine(0.5, 0.0, steps=4)
    assert type(a.start) is float and type(a.steps) is int
    assert lrkit.cosine(1.0, steps=5.0) == lrkit.cosine(1.0, steps=5)
    assert lrkit.multistep(1, np.float64(0.5), milestones=np.array([2, 4])).milestones == (2, 4)
    assert lrkit.exponential(1, gamma=0.5, staircase=np.bool_(True)).staircase is True
    assert lrkit.constant(1) == lrkit.constant(1.0)
    assert S.bind(total_steps=np.int64(10), steps_per_epoch=np.uint16(2)) == S


def test_integer_arrays_of_every_integer_dtype_accepted():
    for dt in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64):
        np.testing.assert_array_equal(S(np.arange(5, dtype=dt)), S(np.arange(5)))
