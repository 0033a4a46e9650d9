"""Direct tests for schedules survivors of the seed-11 measurement sample (draws 11-20,
issue 15): formulas with their non-default parameters (``cosine``'s ``exponent``,
``inverse_sqrt``'s ``timescale``), ``sgdr``'s length when a cycle's start carries
floating error, and every ``nonincreasing()`` claim against the values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit


@pytest.mark.parametrize("exponent", [0.5, 2.0, 3.0])
@pytest.mark.parametrize(("k", "cycles"), [(1.0, 0.5), (2.0, 0.5), (1.0, 1.0), (1.0, 0.75)])
def test_cosine_with_an_exponent_follows_its_formula(exponent, k, cycles):
    """eta = end + (start - end) * ((1 + cos(2 pi c f)) / 2)^e, f = (min(t, T)/T)^k."""
    T, a, b = 50, 1.0, 0.1
    s = lrkit.cosine(a, b, steps=T, exponent=exponent, k=k, cycles=cycles)
    t = np.arange(0, T + 5)
    f = (np.minimum(t, T) / T) ** k
    c = np.maximum((1.0 + np.cos(2.0 * math.pi * cycles * f)) / 2.0, 0.0)
    np.testing.assert_allclose(s(t), b + (a - b) * c**exponent, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("w", "tau"), [(4, 10), (10, 3), (8, None)])
def test_inverse_sqrt_follows_its_formula_with_a_timescale(w, tau):
    """peak t/w before w, then peak sqrt(tau / (t - w + tau)) (tau defaults to w)."""
    kw = {} if tau is None else {"timescale": tau}
    s = lrkit.inverse_sqrt(2.0, warmup=w, **kw)
    tt = w if tau is None else tau
    t = np.arange(0, 200)
    want = np.where(t < w, 2.0 * t / w, 2.0 * np.sqrt(tt / (np.maximum(t, w) - w + tt)))
    np.testing.assert_allclose(s(t), want, rtol=1e-12)


@pytest.mark.parametrize(
    ("period", "mult", "cycles", "length"),
    [(7, 1.3, 1, 7), (5, 1.2, 2, 11), (10, 1.2, 2, 22), (10, 1.3, 2, 23), (13, 1.2, 1, 13)],
)
def test_sgdr_length_is_the_step_its_last_cycle_ends_despite_rounding(period, mult, cycles, length):
    """P (m^c - 1)/(m - 1) computes as 7.000000000000001 (and the like) for these: the
    length is still that step, where the schedule reaches ``end`` and holds."""
    s = lrkit.sgdr(1.0, 0.0, period=period, mult=mult, cycles=cycles)
    assert period * (mult**cycles - 1.0) / (mult - 1.0) > length  # the floating error
    assert s.length == length
    v = s(np.arange(length + 3))
    np.testing.assert_array_equal(v[length:], [0.0] * 3)
    assert v[length - 1] > 0.0


CASES = [
    lrkit.polynomial(1.0, 0.1, steps=10),
    lrkit.polynomial(1.0, 0.1, steps=10, cycle=True),
    lrkit.polynomial(0.1, 1.0, steps=10),
    lrkit.polynomial(0.5, 0.5, steps=10),
    lrkit.polynomial(1.0, 0.1, steps=10, power=2.0, cycle=True),
    lrkit.cosine(1.0, 0.1, steps=20),
    lrkit.cosine(1.0, 0.1, steps=20, cycles=1.0),
    lrkit.cosine(0.1, 1.0, steps=20),
    lrkit.linear(1.0, 0.0, steps=10),
    lrkit.linear(0.0, 1.0, steps=10),
]


@pytest.mark.parametrize("s", CASES, ids=[c.spec() for c in CASES])
def test_nonincreasing_is_true_exactly_when_the_values_never_rise(s):
    """For these (a cycling polynomial that never changes is the one case it leaves out:
    ``nonincreasing()`` is a sufficient condition, and says False for any cycle)."""
    v = s(np.arange(0, 100))
    assert s.nonincreasing() == bool(np.all(np.diff(v) <= 0))


def test_custom_steps_must_be_at_least_one():
    """``custom(fn, steps=n)``: a length is a positive number of steps; 0 is refused
    with an error naming the parameter and the value (``steps >= 1``)."""
    from lrkit.errors import ConfigError

    with pytest.raises(ConfigError, match=r"custom.*steps.*0"):
        lrkit.custom(lambda t: 0.1, steps=0)
    assert lrkit.custom(lambda t: 0.1, steps=1).steps == 1
