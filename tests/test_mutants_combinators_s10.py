"""Direct tests for combinator checks no test of the module reached (issue 15, seed-10
pass): ``warmup(shape="exp")`` onto a negative first value, ``sequence.replace`` with
an unknown argument, ``noise``'s 63-bit seed bound."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit
from lrkit.combinators import step_noise
from lrkit.errors import ConfigError, ConfigTypeError


@pytest.mark.parametrize("first", [-0.5, -1e-9])
def test_an_exp_warmup_onto_a_negative_first_value_is_refused(first):
    """A geometric ramp from ``start > 0`` cannot reach a value below 0."""
    with pytest.raises(ConfigError, match=rf"must be >= 0, got {first!r}$"):
        lrkit.warmup(lrkit.constant(first), 10, start=0.1, shape="exp")
    # a linear ramp may; an exp ramp onto 0 is allowed too
    lin = lrkit.warmup(lrkit.constant(first), 10, start=0.1)
    assert lin(0) == pytest.approx(0.1) and lin(10) == pytest.approx(first)
    lrkit.warmup(lrkit.constant(0.0), 10, start=0.1, shape="exp")


def test_an_exp_warmup_ramps_geometrically_from_start():
    s = lrkit.warmup(lrkit.constant(1.0), 10, start=1e-3, shape="exp")
    t = np.arange(11)
    np.testing.assert_allclose(s(t), 1e-3 * (1.0 / 1e-3) ** (t / 10), rtol=1e-12)


def test_sequence_replace_names_the_first_unknown_argument():
    s = lrkit.sequence([lrkit.constant(1.0, steps=3), lrkit.constant(0.5)])
    with pytest.raises(ConfigTypeError, match=r"^sequence: unexpected argument 'bogus' \("):
        s.replace(zz=1, bogus=2)
    r = s.replace(phases=[lrkit.constant(2.0, steps=2), lrkit.constant(0.25)])
    np.testing.assert_allclose(r(np.arange(4)), [2.0, 2.0, 0.25, 0.25])


def test_noise_takes_a_seed_below_2_to_the_63_only():
    top = lrkit.noise(lrkit.constant(1.0), pct=0.1, seed=2**63 - 1, dist="uniform")
    t = np.arange(64)
    want = 1.0 + step_noise(t.astype(np.float64), np, 2**63 - 1, 0.1, "uniform")
    np.testing.assert_allclose(top(t), want, rtol=0, atol=0)
    assert np.all(np.abs(top(t) - 1.0) < 0.1)
    with pytest.raises(
        ConfigError, match=r"^noise: seed must be < 2\*\*63, got 9223372036854775808"
    ):
        lrkit.noise(lrkit.constant(1.0), seed=2**63)


def test_noise_seeds_differing_only_above_bit_32_draw_differently():
    """The seed is folded to 32 bits with its high half mixed in, so seeds equal
    modulo 2**32 still give different draws."""
    t = np.arange(256, dtype=np.float64)
    a = step_noise(t, np, 5, 0.5, "uniform")
    b = step_noise(t, np, 5 + 2**32, 0.5, "uniform")
    assert not np.allclose(a, b)
    # uniform in (-pct, pct): 256 draws spread over the range
    assert a.min() < -0.4 and a.max() > 0.4 and abs(float(a.mean())) < 0.1
    # the truncated normal: |n| < pct, and its quantile inversion is symmetric
    n = step_noise(t, np, 5, 0.5, "normal")
    assert np.all(np.abs(n) < 0.5) and math.isclose(float(np.median(n)), 0.0, abs_tol=0.1)


@pytest.mark.parametrize(
    "phases",
    [
        [lrkit.constant(1.0, steps=5), lrkit.constant(1.0, steps=5), lrkit.constant(0.5, steps=2)],
        [
            lrkit.linear(0.5, 1.0, steps=4),
            lrkit.constant(1.0, steps=3),
            lrkit.constant(1.0, steps=2),
        ],
        [
            lrkit.constant(0.2, steps=3),
            lrkit.cosine(1.0, 0.1, steps=6),
            lrkit.constant(1.0, steps=2),
        ],
        [
            lrkit.cosine(1.0, 0.1, steps=6),
            lrkit.linear(0.1, 1.0, steps=6),
            lrkit.constant(0.3, steps=2),
        ],
    ],
)
def test_sequence_peak_step_is_the_first_step_of_the_maximum(phases):
    """``sequence.peak_step()``: the *first* step of the maximum over the phases, so a
    later phase that only ties the maximum does not move it."""
    s = lrkit.sequence(phases)
    v = s(np.arange(s.length + 1))
    assert s.peak_step() == int(np.argmax(v))
