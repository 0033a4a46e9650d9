"""Exact values of every constructor and combinator, derived by hand from the formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit

R = 1e-14  # relative tolerance for values computed by a different (hand) formula


def approx(x):
    return pytest.approx(x, rel=R, abs=1e-300)


# ---------------------------------------------------------------- constructors
def test_constant():
    s = lrkit.constant(0.1)
    assert s(0) == 0.1 and s(10**9) == 0.1
    assert s.length is None
    assert lrkit.constant(0.1, steps=5).length == 5


def test_linear():
    s = lrkit.linear(1.0, 0.2, steps=8)
    assert [s(t) for t in (0, 2, 4, 8, 9, 10**6)] == [
        approx(1.0),
        approx(0.8),
        approx(0.6),
        approx(0.2),
        approx(0.2),
        approx(0.2),
    ]
    assert s.length == 8
    assert lrkit.linear(0.0, 1.0, steps=4)(1) == 0.25


def test_cosine():
    s = lrkit.cosine(1.0, 0.1, steps=100)
    for t in (0, 1, 25, 50, 99, 100):
        assert s(t) == approx(0.1 + 0.45 * (1 + math.cos(math.pi * t / 100)))
    assert s(50) == approx(0.55)
    assert s(100) == approx(0.1) and s(101) == s(100) and s(10**7) == s(100)
    assert lrkit.cosine(2.0, steps=10)(10) == 0.0


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0, 3.0])
def test_polynomial(power):
    s = lrkit.polynomial(1.0, 0.1, steps=10, power=power)
    for t in (0, 3, 5, 9, 10, 11):
        assert s(t) == approx(0.9 * (1 - min(t, 10) / 10) ** power + 0.1)


def test_exponential_gamma_and_half_life():
    s = lrkit.exponential(2.0, gamma=0.9)
    for t in (0, 1, 7, 100):
        assert s(t) == approx(2.0 * 0.9**t)
    h = lrkit.exponential(1.0, half_life=10)
    assert h(10) == approx(0.5) and h(20) == approx(0.25) and h(5) == approx(2**-0.5)
    e = lrkit.exponential(1.0, gamma=0.5, every=4)
    assert e(2) == approx(0.5**0.5) and e(4) == approx(0.5)
    st = lrkit.exponential(1.0, gamma=0.5, every=4, staircase=True)
    assert [st(t) for t in (0, 3, 4, 7, 8)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert lrkit.exponential(1.0, half_life=8, every=4, staircase=True)(7) == approx(0.5**0.5)
    assert s.length is None


def test_step_boundaries():
    s = lrkit.step(1.0, 0.1, every=10)
    assert [s(t) for t in (0, 9, 10, 11, 19, 20)] == [
        1.0,
        1.0,
        approx(0.1),
        approx(0.1),
        approx(0.1),
        approx(0.01),
    ]


def test_multistep_boundaries_and_milestone_zero():
    s = lrkit.multistep(1.0, 0.5, milestones=[3, 7])
    assert [s(t) for t in (0, 2, 3, 4, 6, 7, 8, 1000)] == [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert s.length == 7
    z = lrkit.multistep(1.0, 0.5, milestones=[0, 2])
    assert [z(t) for t in (0, 1, 2, 3)] == [0.5, 0.5, 0.25, 0.25]  # milestone 0 decays step 0
    rep = lrkit.multistep(1.0, 0.5, milestones=[2, 2])
    assert [rep(t) for t in (1, 2)] == [1.0, 0.25]


def test_piecewise_boundaries_and_boundary_zero():
    s = lrkit.piecewise([1.0, 0.5, 0.1], boundaries=[10, 20])
    assert [s(t) for t in (9, 10, 11, 19, 20, 21, 10**6)] == [1.0, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1]
    z = lrkit.piecewise([1.0, 0.5], boundaries=[0])
    assert z(0) == 0.5 and z.length == 0
    one = lrkit.piecewise([0.3], boundaries=[])
    assert one(0) == one(99) == 0.3


@pytest.mark.parametrize("kind", ["linear", "cos"])
def test_interpolate(kind):
    pts = [(5, 1.0), (15, 3.0), (25, 2.0)]
    s = lrkit.interpolate(pts, kind=kind)
    assert s(0) == 1.0 and s(5) == 1.0  # first value held before the first point
    assert s(15) == approx(3.0) and s(25) == approx(2.0) and s(40) == approx(2.0)
    if kind == "linear":
        assert s(10) == approx(2.0) and s(20) == approx(2.5) and s(7) == approx(1.4)
    else:
        f = 2 / 10
        assert s(7) == approx(3.0 + 0.5 * (1.0 - 3.0) * (1 + math.cos(math.pi * f)))
        assert s(10) == approx(2.0) and s(20) == approx(2.5)
    assert s.length == 25
    single = lrkit.interpolate([(0, 0.7)])
    assert single(0) == single(5) == 0.7


def test_inverse_time():
    s = lrkit.inverse_time(1.0, decay=0.5, every=2)
    for t in (0, 1, 2, 3, 100):
        assert s(t) == approx(1.0 / (1 + 0.5 * t / 2))
    st = lrkit.inverse_time(1.0, decay=0.5, every=2, staircase=True)
    assert [st(t) for t in (0, 1, 2, 3, 4)] == [1.0, 1.0, approx(2 / 3), approx(2 / 3), approx(0.5)]
    assert lrkit.inverse_time(0.3, decay=0.0)(10**6) == 0.3


def test_inverse_sqrt():
    s = lrkit.inverse_sqrt(1.0, warmup=4)
    assert [s(t) for t in (0, 1, 3)] == [0.0, 0.25, 0.75]
    assert s(4) == 1.0 and s(16) == approx(0.5) and s(100) == approx(0.2)
    assert s(10**12) == approx(2e-6)


def test_sgdr_mult_1_and_decay():
    s = lrkit.sgdr(1.0, 0.0, period=10, decay=0.5)
    assert (
        s(0) == 1.0 and s(5) == approx(0.5) and s(9) == approx(0.5 * (1 + math.cos(0.9 * math.pi)))
    )
    assert s(10) == approx(0.5) and s(15) == approx(0.25) and s(20) == approx(0.25)
    e = lrkit.sgdr(1.0, 0.2, period=4)
    assert e(2) == approx(0.6) and e(4) == 1.0


def test_sgdr_mult_2_restart_boundaries():
    s = lrkit.sgdr(1.0, 0.0, period=10, mult=2)
    # cycles start at 0, 10, 30, 70, 150 with lengths 10, 20, 40, 80
    for start, length in [(0, 10), (10, 20), (30, 40), (70, 80), (150, 160)]:
        assert s(start) == approx(1.0)
        assert s(start + length // 2) == approx(0.5)
        assert s(start + length - 1) == approx(
            0.5 * (1 + math.cos(math.pi * (length - 1) / length))
        )
    # far away: cycle 40 starts at 10 * (2**40 - 1)
    big = 10 * (2**40 - 1)
    assert s(big) == approx(1.0) and s(big - 1) < 1e-20
    m3 = lrkit.sgdr(1.0, 0.0, period=3, mult=1.5)
    # starts: 0, 3, 7.5, 14.25 -> step 14 is in cycle 2 (start 7.5, length 6.75)
    assert m3(14) == approx(0.5 * (1 + math.cos(math.pi * 6.5 / 6.75)))
    assert m3(15) == approx(0.5 * (1 + math.cos(math.pi * 0.75 / 10.125)))


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic(mode):
    g = 0.9 if mode == "exp_range" else 1.0
    s = lrkit.cyclic(1.0, 3.0, half_period=4, mode=mode, gamma=g)

    def ref(t):
        c = math.floor(1 + t / 8)
        x = abs(t / 4 - 2 * c + 1)
        sc = {"triangular": 1.0, "triangular2": 2.0 ** (1 - c), "exp_range": g**t}[mode]
        return 1.0 + 2.0 * max(0.0, 1 - x) * sc

    for t in range(0, 30):
        assert s(t) == approx(ref(t))
    assert s(0) == 1.0 and s(4) == approx(3.0 if mode != "exp_range" else 1 + 2 * 0.9**4)


def test_one_cycle_two_phase_boundaries():
    T = 100
    s = lrkit.one_cycle(1.0, steps=T)  # pct_start 0.3: peak at step 29, floor at 99
    lo, floor = 1.0 / 25, 1.0 / 25 / 1e4
    assert s(0) == approx(lo)
    assert s(29) == approx(1.0)
    assert s(14) == approx(1.0 + (lo - 1.0) / 2 * (1 + math.cos(math.pi * 14 / 29)))
    assert s(30) == approx(floor + (1.0 - floor) / 2 * (1 + math.cos(math.pi * 1 / 70)))
    assert s(99) == approx(floor) and s(100) == approx(floor) and s(10**6) == approx(floor)
    assert s.length == T
    lin = lrkit.one_cycle(1.0, steps=T, anneal="linear")
    assert lin(10) == approx(lo + (1 - lo) * 10 / 29)
    assert lin(64) == approx(1.0 + (floor - 1.0) * 35 / 70)


def test_one_cycle_three_phase():
    s = lrkit.one_cycle(1.0, steps=100, three_phase=True, anneal="linear", div=10, final_div=100)
    # phases end at 29, 58, 99
    assert s(29) == approx(1.0) and s(58) == approx(0.1) and s(99) == approx(0.001)
    assert s(43) == approx(1.0 + (0.1 - 1.0) * 14 / 29)
    assert s(60) == approx(0.1 + (0.001 - 0.1) * 2 / 41)


def test_wsd_shapes():
    s = lrkit.wsd(1.0, steps=100, warmup=9, decay=20, end=0.1)
    assert s(0) == approx(0.1) and s(8) == approx(0.9) and s(9) == 1.0 and s(79) == 1.0
    assert s(80) == approx(1.0) and s(90) == approx(0.55) and s(100) == approx(0.1)
    assert s(500) == approx(0.1)
    c = lrkit.wsd(1.0, steps=100, warmup=0, decay=20, shape="cos")
    assert c(90) == approx(0.5) and c(85) == approx(1 - (1 - math.cos(math.pi / 4)) / 2)
    q = lrkit.wsd(1.0, steps=100, warmup=0, decay=20, shape="sqrt")
    assert q(85) == approx(1 - math.sqrt(0.25)) and q(100) == 0.0
    nd = lrkit.wsd(1.0, steps=10, warmup=0, decay=0, end=0.5)
    assert nd(9) == 1.0 and nd(10) == 0.5


# ---------------------------------------------------------------- combinators
@pytest.mark.parametrize("shape", ["linear", "cos", "exp", "constant"])
def test_warmup_shapes_and_boundaries(shape):
    base = lrkit.cosine(1.0, 0.0, steps=20)
    s = lrkit.warmup(base, steps=5, start=0.01, shape=shape)
    a, b = 0.01, 1.0
    expect = {
        "linear": lambda f: a + (b - a) * f,
        "cos": lambda f: a + (b - a) * (1 - math.cos(math.pi * f)) / 2,
        "exp": lambda f: a * (b / a) ** f,
        "constant": lambda f: a,
    }[shape]
    for t in range(5):
        assert s(t) == approx(expect(t / 5))
    # milestone-1, milestone, milestone+1: the schedule's clock starts at the warmup's end
    assert s(5) == base(0) == 1.0
    assert s(6) == approx(base(1))
    assert s(25) == approx(0.0) and s(1000) == approx(0.0)
    assert s.length == 25


def test_warmup_default_start_is_not_zero():
    s = lrkit.warmup(lrkit.constant(1.0), steps=3)
    assert [s(t) for t in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]
    c = lrkit.warmup(lrkit.constant(1.0), steps=3, shape="constant")
    assert [c(t) for t in range(4)] == [0.1, 0.1, 0.1, 1.0]
    z = lrkit.warmup(lrkit.constant(1.0), steps=4, start=0.0)
    assert z(0) == 0.0 and z(2) == 0.5


def test_warmup_exp_from_a_schedule_starting_at_zero_stays_finite():
    s = lrkit.warmup(lrkit.linear(0.0, 1.0, steps=10), steps=5, shape="exp")
    assert s(np.arange(7)).tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1]
    e = lrkit.warmup(lrkit.constant(1.0), steps=4, shape="exp")
    assert [e(t) for t in range(5)] == [approx(0.2 * 5 ** (t / 4)) for t in range(4)] + [1.0]


def test_sequence_boundaries_and_milestone_zero():
    s = lrkit.sequence(
        lrkit.linear(0.0, 1.0, steps=4), lrkit.constant(1.0, steps=3), lrkit.cosine(1.0, steps=10)
    )
    got = [s(t) for t in range(20)]
    assert got[:4] == [0.0, 0.25, 0.5, 0.75]
    assert got[4:7] == [1.0, 1.0, 1.0]
    assert got[7] == 1.0 and got[8] == approx(0.5 * (1 + math.cos(math.pi / 10)))
    assert got[17:] == [0.0, 0.0, 0.0]
    assert s.length == 17
    single = lrkit.sequence(lrkit.constant(0.3))
    assert single(0) == 0.3
    lst = lrkit.sequence([lrkit.constant(0.1, steps=1), lrkit.constant(0.2)])
    assert lst(0) == 0.1 and lst(1) == 0.2


def test_sequence_relative_last_phase_runs_to_end():
    s = lrkit.sequence(lrkit.constant(1.0, steps="10%"), lrkit.linear(1.0, 0.0)).bind(
        total_steps=100
    )
    assert s(9) == 1.0 and s(10) == 1.0 and s(55) == approx(0.5) and s(100) == 0.0
    assert s.length == 100


def test_arithmetic():
    a = lrkit.linear(1.0, 0.0, steps=10)
    assert (a * 0.5)(2) == approx(0.4) and (0.5 * a)(2) == approx(0.4)
    assert (a + 1e-3)(10) == approx(1e-3) and (1e-3 + a)(10) == approx(1e-3)
    b = lrkit.constant(2.0)
    assert (a * b)(5) == approx(1.0) and (a + b)(5) == approx(2.5)
    assert ((a + b) * 2)(5) == approx(5.0)
    assert (a * b).length is None and (a * 3).length == 10


def test_clip():
    s = lrkit.clip(lrkit.linear(0.0, 1.0, steps=10), low=0.2, high=0.7)
    assert [s(t) for t in (0, 2, 5, 7, 10)] == [0.2, 0.2, 0.5, approx(0.7), 0.7]
    assert lrkit.clip(lrkit.constant(3.0), high=1.0)(0) == 1.0


def test_opposite_generic_and_one_cycle():
    lr = lrkit.sequence(lrkit.linear(0.1, 1.0, steps=10), lrkit.linear(1.0, 0.0, steps=10))
    m = lrkit.opposite(lr, low=0.8, high=0.9)
    assert m(0) == approx(0.9) and m(10) == approx(0.8) and m(20) == approx(0.9)
    assert m(5) == approx(0.85) and m(15) == approx(0.85)
    # a rate dipping below its start keeps the momentum at high (clipped to [low, high])
    dip = lrkit.opposite(lrkit.piecewise([2.0, 1.0, 3.0], [1, 2]), low=0.5, high=0.6)
    assert [dip(t) for t in range(4)] == [approx(0.6), approx(0.6), approx(0.5), approx(0.5)]
    oc = lrkit.opposite(lrkit.one_cycle(1.0, steps=100))
    assert oc(0) == approx(0.95) and oc(29) == approx(0.85) and oc(99) == approx(0.95)


def test_coupled_wd_keeps_product_constant_up_to_cap():
    lr = lrkit.linear(1.0, 0.01, steps=100)
    wd = lrkit.coupled_wd(lr, 0.01, cap=0.5)
    t = np.arange(101)
    prod = lr(t) * wd(t)
    capped = wd(t) >= 0.5
    np.testing.assert_allclose(prod[~capped], 0.01, rtol=1e-14)
    assert wd(0) == approx(0.01) and wd(100) == 0.5
    assert lrkit.coupled_wd(lrkit.constant(0.1), 1e-4)(7) == approx(1e-4)
    assert lrkit.coupled_wd(lr, 0.01)(100) == approx(0.1)  # default cap 10 * value


# ---------------------------------------------------------------- evaluation semantics
def test_int_returns_python_float_numpy_ints_accepted():
    s = lrkit.cosine(1.0, steps=10)
    assert type(s(3)) is float
    assert type(s(np.int64(3))) is float and s(np.int32(3)) == s(3) == s(np.uint8(3))


@pytest.mark.parametrize("shape", [(0,), (5,), (2, 3), (2, 1, 4)])
def test_array_shapes_and_dtype(shape):
    s = lrkit.warmup(lrkit.cosine(1.0, steps=30), steps=5)
    n = int(np.prod(shape))
    x = np.arange(n, dtype=np.int32).reshape(shape)
    y = s(x)
    assert y.shape == shape and y.dtype == np.float64
    assert [float(v) for v in y.ravel()] == [s(int(i)) for i in x.ravel()]


def test_zero_dim_array_and_constant_broadcast():
    s = lrkit.constant(0.5)
    y = s(np.arange(6).reshape(2, 3))
    assert y.shape == (2, 3) and y.dtype == np.float64 and np.all(y == 0.5)
    z = lrkit.cosine(1.0, steps=4)(np.array(2))
    assert z == approx(0.5)


@pytest.mark.parametrize(
    "s",
    [
        lrkit.one_cycle(1.0, steps=10, pct_start=0.5, div=2.0, final_div=5.0),
        lrkit.cosine(1.0, 0.1, steps=10),
        lrkit.linear(1.0, 0.1, steps=10),
        lrkit.polynomial(1.0, 0.1, steps=10, power=2),
        lrkit.wsd(1.0, steps=10, warmup=2, decay=3, end=0.1),
        lrkit.multistep(1.0, 0.1, milestones=[10]),
        lrkit.interpolate([(0, 1.0), (10, 0.1)]),
        lrkit.warmup(lrkit.cosine(1.0, 0.1, steps=5), steps=5),
        lrkit.sequence(lrkit.constant(1.0, steps=5), lrkit.linear(1.0, 0.1, steps=5)),
    ],
    ids=str,
)
def test_past_the_end_holds_final_value(s):
    n = s.length
    final = s(n)
    assert final == approx(0.1)
    far = s(np.array([n, n + 1, 2 * n, 10**9, 2**52]))
    assert np.all(far == final)


def test_bind_resolves_percent_and_epochs():
    s = lrkit.warmup(lrkit.cosine(1.0), steps="3ep")
    b = s.bind(total_steps=100, steps_per_epoch=5)
    assert b == lrkit.warmup(lrkit.cosine(1.0, steps=85), steps=15)
    assert b.length == 100
    # epochs stay unresolved without steps_per_epoch, and the schedule stays unbound
    assert s.bind(total_steps=10).unbound() is not None
    assert lrkit.linear(1, 0, steps="12.5%").bind(total_steps=8).steps == 1
    assert lrkit.cosine(1.0, steps=10).bind(total_steps=99) == lrkit.cosine(1.0, steps=10)


def test_sgdr_non_integer_mult_restarts_at_the_rounded_start():
    # the cycle-1 start 7*(1.3-1)/(1.3-1) computes as 7.000000000000001 in float64;
    # the restart still happens at step 7, not 8
    s = lrkit.sgdr(1.0, period=7, mult=1.3)
    assert s(7) == 1.0
    assert s(6) < 0.1
