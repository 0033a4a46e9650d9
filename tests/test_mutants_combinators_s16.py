"""Class-wide tests for lrkit.combinators from the seed-16 training pass (issue 15).

Each test closes a *class* of behaviour across every combinator rather than one line:
the arithmetic of lengths and of ``bind`` (what each child is bound to), the printed spec
and its parse / ``to_dict`` round trip for every operator and scalar side, every warm-up
shape against the docstring formulas, ``peak_step`` against the first argmax of the
values, the bounds checks of ``clip`` / ``opposite`` / ``noise`` / ``coupled_wd`` at their
edges, and the noise draw against an independent pure-Python statement of its hash.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

import lrkit
from lrkit.combinators import Add, Div, Mul, Neg, Subtract, peak_info, step_noise
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.spec import from_dict, parse


def _values(s: lrkit.Schedule, n: int) -> list[float]:
    return [float(s(t)) for t in range(n)]


# --- warmup: bind, length, every shape, peak ------------------------------------------


def test_warmup_binds_the_schedule_to_the_steps_left_after_the_ramp():
    c = lrkit.cosine(1.0)
    b = lrkit.warmup(c, steps=10).bind(100)
    assert b.schedule == lrkit.cosine(1.0, steps=90) and b.length == 100
    # a run no longer than the ramp leaves the schedule one step, never 0 or fewer
    assert lrkit.warmup(c, steps=10).bind(10).schedule == lrkit.cosine(1.0, steps=1)
    assert lrkit.warmup(c, steps=10).bind(4).schedule == lrkit.cosine(1.0, steps=1)
    assert lrkit.warmup(c, steps=10).bind(12).schedule == lrkit.cosine(1.0, steps=2)
    # laid over the schedule's own clock: the schedule keeps the whole run
    over = lrkit.warmup(c, steps=10, prefix=False).bind(100)
    assert over.schedule == lrkit.cosine(1.0, steps=100) and over.length == 100
    # a percentage ramp resolves against the run
    pct = lrkit.warmup(c, steps="10%").bind(200)
    assert pct.steps == 20 and pct.schedule == lrkit.cosine(1.0, steps=180)
    # already bound: the same object comes back
    done = lrkit.warmup(lrkit.cosine(1.0, steps=5), steps=3)
    assert done.bind(100) is done


def test_warmup_length_is_ramp_plus_schedule_or_the_longer_of_the_two():
    s5 = lrkit.linear(1.0, 2.0, steps=5)
    assert lrkit.warmup(s5, steps=3).length == 8
    assert lrkit.warmup(s5, steps=3, prefix=False).length == 5
    assert lrkit.warmup(s5, steps=9, prefix=False).length == 9
    assert lrkit.warmup(lrkit.exponential(1.0, gamma=0.5), steps=3).length is None


@pytest.mark.parametrize("prefix", [True, False])
@pytest.mark.parametrize("start", [None, 0.05])
@pytest.mark.parametrize("shape", ["linear", "cos", "exp", "constant"])
def test_every_warmup_shape_follows_its_docstring_formula(shape, start, prefix):
    s = lrkit.linear(0.8, 0.2, steps=20)
    w = 6
    x = lrkit.warmup(s, steps=w, start=start, shape=shape, prefix=prefix)
    b = float(s(0))  # both modes ramp to the schedule's first value (timm's too)
    if start is None:
        a = b / 10.0 if shape == "constant" else b / (w + 1.0)
    else:
        a = start
    for t in range(w + 8):
        f = min(t, w) / w
        if t < w:
            want = {
                "linear": a + (b - a) * f,
                "cos": a + 0.5 * (b - a) * (1.0 - math.cos(math.pi * f)),
                "exp": a * (b / a) ** f,
                "constant": a,
            }[shape]
        else:
            want = float(s(t - w if prefix else t))
        assert x(t) == pytest.approx(want, rel=1e-12, abs=1e-15), (t, shape)


def test_an_exp_warmup_of_a_schedule_starting_at_zero_stays_at_zero():
    x = lrkit.warmup(lrkit.linear(0.0, 1.0, steps=10), steps=4, shape="exp")
    assert _values(x, 5) == [0.0, 0.0, 0.0, 0.0, 0.0]
    assert x(6) == pytest.approx(0.2)


def test_warmup_start_checks_name_the_rule():
    s = lrkit.constant(1.0)
    with pytest.raises(ConfigError, match="start"):
        lrkit.warmup(s, steps=3, start=-0.1)
    lrkit.warmup(s, steps=3, start=0.0)  # 0 is allowed for a linear ramp
    with pytest.raises(ConfigError, match="> 0 with shape='exp'"):
        lrkit.warmup(s, steps=3, start=0.0, shape="exp")
    with pytest.raises(ConfigError, match="overflow"):
        lrkit.warmup(lrkit.constant(-1e308), steps=3, start=1e308)


def _first_argmax(s: lrkit.Schedule) -> int:
    n = s.length
    v = np.array([float(s(t)) for t in range(n + 1)])
    return int(np.argmax(v))


@pytest.mark.parametrize(
    "build",
    [
        lambda: lrkit.warmup(lrkit.constant(1.0, steps=5), steps=3, start=1.0),  # tie: step 0
        lambda: lrkit.warmup(lrkit.constant(1.0, steps=5), steps=3, start=2.0),
        lambda: lrkit.warmup(lrkit.constant(1.0, steps=5), steps=3),
        lambda: lrkit.warmup(lrkit.linear(1.0, 2.0, steps=5), steps=3),
        lambda: lrkit.warmup(lrkit.linear(1.0, 2.0, steps=5), steps=3, prefix=False),
        lambda: lrkit.warmup(lrkit.linear(2.0, 1.0, steps=5), steps=3, prefix=False),
        lambda: lrkit.warmup(lrkit.one_cycle(1.0, steps=40), steps=4),
        lambda: lrkit.sequence(lrkit.linear(0.0, 1.0, steps=4), lrkit.cosine(1.0, steps=6)),
        lambda: lrkit.sequence(lrkit.linear(0.0, 1.0, steps=4), lrkit.cosine(0.5, steps=6)),
        lambda: lrkit.sequence(lrkit.constant(1.0, steps=3), lrkit.constant(1.0, steps=3)),
        lambda: lrkit.sequence(lrkit.constant(0.5, steps=3), lrkit.linear(0.1, 0.9, steps=3)),
        lambda: lrkit.sequence(
            lrkit.cosine(0.2, steps=3),
            lrkit.linear(0.0, 1.0, steps=5),
            lrkit.constant(0.3, steps=4),
        ),
        lambda: lrkit.sequence(
            lrkit.warmup(lrkit.cosine(1.0, steps=6), steps=2), lrkit.cosine(2.0, steps=6)
        ),
    ],
)
def test_peak_step_is_the_first_argmax_of_the_values(build):
    s = build()
    if s.length is None:
        s = s.bind(30)
    assert s.peak_step() == _first_argmax(s)
    t, peak, first, last = peak_info(s)
    n = s.length
    assert (t, peak, first, last) == (
        pytest.approx(_first_argmax(s)),
        pytest.approx(max(_values(s, n + 1))),
        pytest.approx(float(s(0))),
        pytest.approx(float(s(n))),
    )


def test_peak_info_keeps_the_first_maximum_across_evaluation_blocks():
    n = (1 << 20) + 5
    s = lrkit.truncate(lrkit.constant(1.0), steps=n)
    assert peak_info(s) == (0.0, 1.0, 1.0, 1.0)
    rising = lrkit.linear(0.0, 1.0, steps=n)
    t, peak, first, last = peak_info(rising)
    assert (t, peak, first, last) == (float(n), 1.0, 0.0, 1.0)
    never = lrkit.exponential(2.0, gamma=0.5)
    assert peak_info(never) == (0.0, 2.0, 2.0, 2.0)


# --- sequence -------------------------------------------------------------------------


def test_sequence_binds_its_last_phase_to_the_steps_left():
    s = lrkit.sequence(
        lrkit.linear(0.0, 1.0, steps=4),
        lrkit.truncate(lrkit.exponential(1.0, gamma=0.5), steps=3),
        lrkit.cosine(1.0),
    )
    b = s.bind(20)
    assert b.phases[-1] == lrkit.cosine(1.0, steps=13) and b.length == 20
    # a run shorter than the first phases: the last phase still gets one step
    assert s.bind(5).phases[-1] == lrkit.cosine(1.0, steps=1)
    assert s.bind(7).phases[-1] == lrkit.cosine(1.0, steps=1)
    assert s.bind(8).phases[-1] == lrkit.cosine(1.0, steps=1)
    assert s.bind(9).phases[-1] == lrkit.cosine(1.0, steps=2)
    # percentage phases resolve first, then the last phase takes the rest
    p = lrkit.sequence(
        lrkit.linear(0.0, 1.0, steps=4), lrkit.cosine(1.0, steps="50%"), lrkit.cosine(1.0)
    ).bind(100)
    assert [q.length for q in p.phases] == [4, 50, 46]
    # one phase only: it is the last, and takes the whole run
    assert lrkit.sequence(lrkit.cosine(1.0)).bind(100).phases[-1] == lrkit.cosine(1.0, steps=100)
    # a middle phase that never ends: the last phase is not bound to a made-up length
    q = lrkit.sequence(lrkit.exponential(1.0, gamma=0.5), lrkit.cosine(1.0)).bind(100)
    assert q.phases[-1] == lrkit.cosine(1.0) and q.unbound()
    with pytest.raises(ConfigError, match="never ends"):
        lrkit.sequence(lrkit.exponential(1.0, gamma=0.5), lrkit.cosine(1.0, steps=4)).bind(100)(0)


def test_sequence_values_at_and_between_the_joins():
    a = lrkit.linear(0.0, 1.0, steps=4)
    b = lrkit.truncate(lrkit.exponential(1.0, gamma=0.5), steps=3)
    c = lrkit.linear(0.3, 0.1, steps=2)
    s = lrkit.sequence(a, b, c)
    want = [0.0, 0.25, 0.5, 0.75, 1.0, 0.5, 0.25, 0.3, 0.2, 0.1, 0.1, 0.1]
    assert _values(s, 12) == pytest.approx(want)
    assert s.length == 9
    assert lrkit.sequence([a, c]).length == 6 == lrkit.sequence(a, c).length
    assert lrkit.sequence(a, lrkit.exponential(1.0, gamma=0.5)).length is None


# --- truncate --------------------------------------------------------------------------


def test_truncate_binds_its_schedule_to_the_truncation_and_holds_after_it():
    t = lrkit.truncate(lrkit.cosine(1.0), steps="10%").bind(100)
    assert t.steps == 10 and t.schedule == lrkit.cosine(1.0, steps=10) and t.length == 10
    e = lrkit.truncate(lrkit.exponential(1.0, gamma=0.5), steps=3)
    assert _values(e, 6) == [1.0, 0.5, 0.25, 0.125, 0.125, 0.125]
    assert e.bind(100) is e


# --- binary operators and negation: values, lengths, printing, round trips --------------


def _operands():
    a = lrkit.linear(1.0, 3.0, steps=4)
    b = lrkit.cosine(2.0, steps=8)
    return a, b


def test_every_operator_with_a_number_on_either_side():
    a, _ = _operands()
    cases = [
        (a * 2.0, lambda v: v * 2.0),
        (2.0 * a, lambda v: 2.0 * v),
        (a + 0.5, lambda v: v + 0.5),
        (0.5 + a, lambda v: 0.5 + v),
        (a - 0.5, lambda v: v - 0.5),
        (0.5 - a, lambda v: 0.5 - v),
        (a / 4.0, lambda v: v / 4.0),
        (4.0 / a, lambda v: 4.0 / v),
        (-a, lambda v: -v),
    ]
    for x, f in cases:
        for t in range(7):
            assert x(t) == pytest.approx(f(float(a(t)))), (str(x), t)
        assert x.length == 4
        assert parse(str(x)) == x and from_dict(x.to_dict()) == x


def test_two_schedule_operands_take_the_longer_length_and_combine_pointwise():
    a, b = _operands()
    for x, f in [
        (a * b, lambda u, v: u * v),
        (a + b, lambda u, v: u + v),
        (a - b, lambda u, v: u - v),
        (b - a, lambda u, v: v - u),
        (a / (b + 1.0), lambda u, v: u / (v + 1.0)),
    ]:
        assert x.length == 8
        for t in range(10):
            assert x(t) == pytest.approx(f(float(a(t)), float(b(t))))
    e = lrkit.exponential(1.0, gamma=0.5)
    for x in (a * e, e + a, a - e, e / a, -e):
        assert x.length is None
    assert lrkit.sequence(a + b, lrkit.constant(7.0))(8) == 7.0
    assert lrkit.sequence(a + b, lrkit.constant(7.0))(7) == pytest.approx(3.0 + float(b(7)))


def test_printing_puts_parentheses_exactly_where_precedence_needs_them():
    a, b = lrkit.constant(1.0), lrkit.cosine(1.0, steps=10)
    c = lrkit.linear(0.0, 1.0, steps=4)
    cases = [
        (a * b + c, f"{a} * {b} + {c}"),
        (a * (b + c), f"{a} * ({b} + {c})"),
        ((a + b) * c, f"({a} + {b}) * {c}"),
        ((a - b) / c, f"({a} - {b}) / {c}"),
        (a / (b * c), f"{a} / ({b} * {c})"),
        (a / b / c, f"{a} / {b} / {c}"),
        (a * b * c, f"{a} * {b} * {c}"),
        (a * (b * c), f"{a} * ({b} * {c})"),
        (a * (b / c), f"{a} * ({b} / {c})"),
        (a + b * c, f"{a} + {b} * {c}"),
        (a - b / c, f"{a} - {b} / {c}"),
        (-a * b, f"-{a} * {b}"),
        (a * -b, f"{a} * -{b}"),
        (-(a * b), f"-({a} * {b})"),
        (-(a / b), f"-({a} / {b})"),
        (-(a + b), f"-({a} + {b})"),
        (Neg(-a), f"--{a}"),
        (-(b - 0.5), f"-({b} - 0.5)"),
        (2.0 * (b + 1.0), f"2.0 * ({b} + 1.0)"),
        ((b + 1.0) * 2.0, f"({b} + 1.0) * 2.0"),
        (1.0 / (b + 1.0), f"1.0 / ({b} + 1.0)"),
        (1.0 - (b - 0.5), f"1.0 - ({b} - 0.5)"),
    ]
    for x, text in cases:
        assert str(x) == text
        assert x.spec() == text
        assert parse(text) == x
        assert from_dict(x.to_dict()) == x
    for t in (0, 3, 10):
        assert float(parse(str(a - (b - c)))(t)) == pytest.approx(1.0 - (b(t) - c(t)))


def test_an_operator_needs_a_schedule_and_a_nonzero_number_divisor():
    for cls in (Mul, Add, Subtract, Div):
        with pytest.raises(ConfigTypeError, match="at least one operand must be a schedule"):
            cls(1.0, 2.0)
    s = lrkit.constant(1.0)
    with pytest.raises(ConfigError, match="divisor must not be 0"):
        s / 0.0
    assert (0.0 / s)(3) == 0.0
    assert Div(s, 0.5)(0) == 2.0


# --- clip -----------------------------------------------------------------------------


def test_clip_bounds_and_values():
    s = lrkit.linear(0.0, 1.0, steps=10)
    assert _values(lrkit.clip(s, low=0.3), 11)[:5] == pytest.approx([0.3, 0.3, 0.3, 0.3, 0.4])
    assert _values(lrkit.clip(s, high=0.3), 11)[2:6] == pytest.approx([0.2, 0.3, 0.3, 0.3])
    both = lrkit.clip(s, low=0.2, high=0.6)
    assert _values(both, 11) == pytest.approx(
        [0.2, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]
    )
    assert _values(lrkit.clip(s, low=0.5, high=0.5), 11) == [0.5] * 11  # low == high is allowed
    assert lrkit.clip(s, low=0.5).length == 10
    with pytest.raises(ConfigError, match=r"low must be <= high, got low=0\.6, high=0\.5"):
        lrkit.clip(s, low=0.6, high=0.5)
    with pytest.raises(ConfigError, match="give low, high or both"):
        lrkit.clip(s)


# --- opposite -------------------------------------------------------------------------


def test_opposite_follows_its_documented_rule_on_a_rise_and_a_fall():
    low, high = 0.8, 0.9
    s = lrkit.sequence(lrkit.linear(0.2, 1.0, steps=4), lrkit.linear(1.0, 0.5, steps=5))
    m = lrkit.opposite(s, low, high)
    v = _values(s, 12)
    s0, peak, s_end = v[0], max(v), float(s(s.length))
    for t in range(12):
        ref = s0 if t <= 4 else s_end
        f = min(max((v[t] - ref) / (peak - ref), 0.0), 1.0)
        assert m(t) == pytest.approx(high - (high - low) * f)
    assert m.length == 9
    # a schedule that starts at its peak: low at step 0, back to high at its end
    c = lrkit.opposite(lrkit.cosine(1.0, steps=10), low, high)
    assert c(0) == pytest.approx(low) and c(10) == pytest.approx(high)
    assert c(5) == pytest.approx(high - (high - low) * 0.5)
    # a flat schedule: its peak everywhere, so low everywhere
    flat = lrkit.opposite(lrkit.constant(1.0, steps=5), low, high)
    assert _values(flat, 7) == pytest.approx([low] * 7)
    assert _values(lrkit.opposite(s, 0.9, 0.9), 9) == pytest.approx([0.9] * 9)
    with pytest.raises(ConfigError, match=r"low must be <= high, got low=0\.95, high=0\.9"):
        lrkit.opposite(s, 0.95, 0.9)
    with pytest.raises(ConfigError, match="never ends"):
        lrkit.opposite(lrkit.exponential(1.0, gamma=0.5))(3)
    unbound = lrkit.opposite(lrkit.cosine(1.0), low, high)
    assert unbound.bind(10)(0) == pytest.approx(low)
    assert unbound.bind(10)(10) == pytest.approx(high)


# --- coupled_wd -----------------------------------------------------------------------


def test_coupled_wd_keeps_the_product_and_caps_it():
    s = lrkit.linear(1.0, 0.0, steps=10)
    wd = lrkit.coupled_wd(s, 0.01)
    for t in range(9):
        assert wd(t) == pytest.approx(min(0.01 * 1.0 / float(s(t)), 0.1))
    assert wd(10) == pytest.approx(0.1)  # rate 0: the default cap, 10 * value
    assert wd(9) == pytest.approx(0.1)  # 0.01 / 0.1 = 0.1 = the cap
    capped = lrkit.coupled_wd(s, 0.01, cap=0.05)
    assert capped(8) == pytest.approx(0.05) and capped(2) == pytest.approx(0.0125)
    refd = lrkit.coupled_wd(s, 0.01, ref=0.5)
    assert refd(5) == pytest.approx(0.01) and refd(0) == pytest.approx(0.005)
    never = lrkit.coupled_wd(lrkit.exponential(2.0, gamma=0.5), 0.01)
    assert never(1) == pytest.approx(0.02)  # ref = the first value, 2.0
    assert wd.length == 10
    with pytest.raises(ConfigError, match="value"):
        lrkit.coupled_wd(s, -0.01)
    lrkit.coupled_wd(s, 0.0)  # 0 is allowed
    with pytest.raises(ConfigError, match="ref"):
        lrkit.coupled_wd(s, 0.01, ref=0.0)
    with pytest.raises(ConfigError, match="cap"):
        lrkit.coupled_wd(s, 0.01, cap=0.0)
    with pytest.raises(ConfigError, match="must be > 0, got 0.0"):
        lrkit.coupled_wd(lrkit.linear(0.0, -1.0, steps=4), 0.01)
    with pytest.raises(ConfigError, match="value \\* ref"):
        lrkit.coupled_wd(s, 1e300, ref=1e10)


# --- noise ----------------------------------------------------------------------------


def _lowbias32(x: int) -> int:
    m = 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x7FEB352D) & m
    x ^= x >> 15
    x = (x * 0x846CA68B) & m
    return x ^ (x >> 16)


def _uniform(seed: int, t: int) -> float:
    folded = (seed % 2**32) ^ (((seed >> 32) * 0x9E3779B9) % 2**32)
    h = _lowbias32((t % 2**32) ^ _lowbias32(folded))
    return (h >> 8) / 2.0**24


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31 + 7, 2**32 + 3, 2**40 + 5, 2**63 - 1])
def test_noise_draws_match_an_independent_statement_of_the_hash(seed):
    ts = [0, 1, 2, 17, 1000, 2**31 + 1, 2**32 + 5]
    pct = 0.3
    uni = lrkit.noise(lrkit.constant(1.0), pct=pct, seed=seed, dist="uniform")
    nor = lrkit.noise(lrkit.constant(1.0), pct=pct, seed=seed)
    lo = norm.cdf(-pct)
    for t in ts:
        u = _uniform(seed, t)
        assert uni(t) == pytest.approx(1.0 + (2.0 * u - 1.0) * pct, abs=1e-12)
        assert nor(t) == pytest.approx(1.0 + norm.ppf(lo + u * (1.0 - 2.0 * lo)), abs=1e-8)
    got = step_noise(np.array([3.0, 4.0]), np, seed, pct, "uniform")
    assert got == pytest.approx([(2.0 * _uniform(seed, k) - 1.0) * pct for k in (3, 4)])


def test_noise_window_length_and_checks():
    s = lrkit.linear(1.0, 0.0, steps=10)
    n = lrkit.noise(s, pct=0.1, begin=3, until=6, seed=5)
    v = _values(n, 12)
    assert v[:3] == pytest.approx([1.0, 0.9, 0.8]) and v[6:10] == pytest.approx(
        [0.4, 0.3, 0.2, 0.1]
    )
    for t in range(3, 6):
        assert v[t] != pytest.approx(float(s(t)), rel=1e-9)
        assert abs(v[t] / float(s(t)) - 1.0) < 0.1
    assert lrkit.noise(s, until=6).length is None or lrkit.noise(s, until=6).length == 10
    assert lrkit.noise(s, until=6).length == 10
    assert lrkit.noise(s, until=25).length == 25
    assert lrkit.noise(s).length is None
    lrkit.noise(s, pct=1.0)  # pct = 1 is allowed
    for bad in (0.0, -0.1, 1.01):
        with pytest.raises(ConfigError, match="pct"):
            lrkit.noise(s, pct=bad)
    lrkit.noise(s, seed=2**63 - 1)
    with pytest.raises(ConfigError, match=r"seed must be < 2\*\*63, got 9223372036854775808"):
        lrkit.noise(s, seed=2**63)
