"""Class-wide tests for lrkit.schedules from the seed-16 training pass (issue 15).

Three answers every schedule gives about itself are checked against its own values, on
configurations chosen at the edges of each rule (ties, ``start == end``, ``gamma == 1``,
``start == 0``, a first boundary at step 0, ``cycles == 0.5``):

* ``peak_step()`` is the first step of the maximum over ``[0, length]``;
* ``nonincreasing()`` is true exactly when the values never increase;
* the printed spec and ``to_dict`` round-trip to an equal schedule with the same values.

Plus the length of SGDR with a cycle limit (the first step that holds ``end``) and the
argument checks at their boundary values.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError
from lrkit.spec import from_dict, parse

PEAKED = [
    lambda: lrkit.constant(0.3, steps=5),
    lambda: lrkit.linear(1.0, 0.0, steps=6),
    lambda: lrkit.linear(0.0, 1.0, steps=6),
    lambda: lrkit.linear(0.5, 0.5, steps=6),
    lambda: lrkit.cosine(1.0, 0.1, steps=8),
    lambda: lrkit.cosine(0.1, 1.0, steps=8),
    lambda: lrkit.cosine(0.5, 0.5, steps=8),
    lambda: lrkit.cosine(0.1, 1.0, steps=9, cycles=1.5),
    lambda: lrkit.cosine(1.0, 0.1, steps=9, cycles=1.5),
    lambda: lrkit.cosine(0.1, 1.0, steps=12, cycles=0.75),
    lambda: lrkit.polynomial(1.0, 0.0, steps=6, power=2.0),
    lambda: lrkit.polynomial(0.0, 1.0, steps=6, power=2.0),
    lambda: lrkit.tanh(1.0, 0.0, steps=10),
    lambda: lrkit.tanh(0.0, 1.0, steps=10),
    lambda: lrkit.multistep(1.0, 0.5, milestones=[3, 6]),
    lambda: lrkit.multistep(1.0, 2.0, milestones=[3, 6]),
    lambda: lrkit.multistep(1.0, 2.0, milestones=[3, 3, 6]),
    lambda: lrkit.multistep(1.0, 1.0, milestones=[3, 6]),
    lambda: lrkit.multistep(-1.0, 0.5, milestones=[2, 5]),
    lambda: lrkit.multistep(1.0, 2.0, milestones=[0, 4]),
    lambda: lrkit.piecewise([1.0, 0.5, 0.1], boundaries=[3, 6]),
    lambda: lrkit.piecewise([0.1, 0.5, 0.5], boundaries=[3, 6]),
    lambda: lrkit.piecewise([0.5, 0.1, 0.5], boundaries=[3, 6]),
    lambda: lrkit.piecewise([9.0, 0.1, 0.5], boundaries=[0, 6]),
    lambda: lrkit.piecewise([9.0, 0.7, 0.5], boundaries=[0, 6]),
    lambda: lrkit.piecewise(
        [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.1], boundaries=[1, 2, 3, 4, 5, 6, 7]
    ),
    lambda: lrkit.interpolate([(0, 0.0), (4, 1.0), (8, 1.0)]),
    lambda: lrkit.interpolate([(0, 1.0), (4, 1.0)]),
    lambda: lrkit.interpolate([(3, 0.0), (7, 1.0), (9, 0.5)]),
    lambda: lrkit.interpolate([(3, 2.0), (7, 1.0)], kind="cos"),
    lambda: lrkit.interpolate([(0, 0.2), (2, 0.4), (4, 0.9), (6, 0.3), (8, 0.1), (10, 0.0)]),
    lambda: lrkit.table([0.1, 0.3, 0.3, 0.2]),
    lambda: lrkit.table([0.4]),
    lambda: lrkit.wsd(1.0, steps=20, warmup=4, decay=5),
    lambda: lrkit.wsd(1.0, steps=20, warmup=4, decay=5, start=1.0),
    lambda: lrkit.wsd(1.0, steps=20, warmup=4, decay=5, start=2.0),
    lambda: lrkit.wsd(1.0, steps=20, warmup=0, decay=5, start=2.0),
    lambda: lrkit.wsd(1.0, steps=20, warmup=4, decay=5, end=1.5),
    lambda: lrkit.wsd(1.0, steps=20, warmup=4, decay=5, end=1.0),
    lambda: lrkit.wsd(1.0, steps=20, warmup=4, decay=5, start=0.5, end=1.5),
    lambda: lrkit.wsd(1.0, steps=20, warmup=4, decay=5, start=1.5, end=1.5),
]


def _values(s: lrkit.Schedule, n: int) -> np.ndarray:
    return np.asarray(s(np.arange(n)), dtype=np.float64)


@pytest.mark.parametrize("build", PEAKED)
def test_peak_step_is_the_first_argmax_over_the_length(build):
    s = build()
    n = s.length
    assert n is not None
    v = _values(s, n + 1)
    assert s.peak_step() == int(np.argmax(v)), str(s)


MONOTONE = [
    lambda: lrkit.constant(0.3),
    lambda: lrkit.linear(1.0, 0.0, steps=6),
    lambda: lrkit.linear(0.5, 0.5, steps=6),
    lambda: lrkit.linear(0.0, 1.0, steps=6),
    lambda: lrkit.cosine(1.0, 0.1, steps=8),
    lambda: lrkit.cosine(0.5, 0.5, steps=8),
    lambda: lrkit.cosine(0.1, 1.0, steps=8),
    lambda: lrkit.cosine(1.0, 0.1, steps=8, cycles=0.25),
    lambda: lrkit.cosine(1.0, 0.1, steps=8, cycles=0.75),
    lambda: lrkit.cosine(1.0, 0.1, steps=8, cycles=1.5),
    lambda: lrkit.polynomial(1.0, 0.0, steps=6),
    lambda: lrkit.polynomial(0.5, 0.5, steps=6),
    lambda: lrkit.polynomial(0.0, 1.0, steps=6),
    lambda: lrkit.polynomial(1.0, 0.0, steps=6, cycle=True),
    lambda: lrkit.tanh(1.0, 0.0, steps=6),
    lambda: lrkit.tanh(0.0, 1.0, steps=6),
    lambda: lrkit.exponential(1.0, gamma=0.5),
    lambda: lrkit.exponential(1.0, gamma=1.0),
    lambda: lrkit.exponential(1.0, gamma=1.5),
    lambda: lrkit.exponential(0.0, gamma=0.5),
    lambda: lrkit.exponential(-1.0, gamma=0.5),
    lambda: lrkit.exponential(1.0, half_life=3),
    lambda: lrkit.exponential(-1.0, half_life=3),
    lambda: lrkit.step(1.0, 0.5, every=3),
    lambda: lrkit.step(1.0, 1.0, every=3),
    lambda: lrkit.step(1.0, 2.0, every=3),
    lambda: lrkit.step(0.0, 0.5, every=3),
    lambda: lrkit.step(-1.0, 0.5, every=3),
    lambda: lrkit.multistep(1.0, 0.5, milestones=[3, 6]),
    lambda: lrkit.multistep(1.0, 1.0, milestones=[3, 6]),
    lambda: lrkit.multistep(1.0, 2.0, milestones=[3, 6]),
    lambda: lrkit.multistep(0.0, 0.5, milestones=[3, 6]),
    lambda: lrkit.multistep(-1.0, 0.5, milestones=[3, 6]),
    lambda: lrkit.piecewise([1.0, 1.0, 0.5], boundaries=[3, 6]),
    lambda: lrkit.piecewise([1.0, 2.0], boundaries=[3]),
    lambda: lrkit.piecewise([0.1, 1.0, 0.5], boundaries=[0, 6]),
    lambda: lrkit.piecewise([1.0, 0.5, 0.5, 0.7], boundaries=[2, 4, 6]),
    lambda: lrkit.inverse_time(1.0, decay=0.5),
    lambda: lrkit.inverse_time(0.0, decay=0.5),
    lambda: lrkit.inverse_time(-1.0, decay=0.5),
    lambda: lrkit.inverse_time(1.0, decay=0.0),
]


@pytest.mark.parametrize("build", MONOTONE)
def test_nonincreasing_is_true_exactly_when_the_values_never_increase(build):
    s = build()
    v = _values(s, 40)
    assert s.nonincreasing() == bool(np.all(np.diff(v) <= 0.0)), str(s)


@pytest.mark.parametrize("build", PEAKED + MONOTONE)
def test_every_schedule_round_trips_through_its_spec_and_dict(build):
    s = build()
    for back in (parse(str(s)), from_dict(s.to_dict()), parse(s.spec())):
        assert back == s
        assert np.array_equal(_values(back, 30), _values(s, 30))


@pytest.mark.parametrize(
    ("kw", "n"),
    [
        ({"period": 4, "cycles": 3}, 12),
        ({"period": 4, "cycles": 1}, 4),
        ({"period": 2, "mult": 2.0, "cycles": 3}, 14),
        ({"period": 3, "mult": 1.5, "cycles": 2}, 8),  # 3 + 4.5 = 7.5: restarts at step 8
        ({"period": 5, "mult": 2.0, "decay": 0.5, "cycles": 2}, 15),
    ],
)
def test_sgdr_with_a_cycle_limit_ends_at_the_first_step_of_the_next_cycle(kw, n):
    s = lrkit.sgdr(1.0, 0.1, **kw)
    assert s.length == n
    v = _values(s, n + 5)
    assert np.all(v[n:] == 0.1)
    assert v[n - 1] != 0.1
    assert lrkit.sgdr(1.0, 0.1, period=4).length is None


def test_sgdr_cycle_starts_against_the_formula():
    p, m = 3, 2.0
    s = lrkit.sgdr(1.0, 0.0, period=p, mult=m, decay=0.5)
    starts = [round(p * (m**i - 1.0) / (m - 1.0)) for i in range(6)]
    for i, (a, b) in enumerate(zip(starts, starts[1:])):
        assert s(a) == pytest.approx(0.5**i)  # each cycle starts at its decayed peak
        for t in range(a, b):
            want = 0.5 * 0.5**i * (1.0 + np.cos(np.pi * (t - a) / (b - a)))
            assert s(t) == pytest.approx(want, abs=1e-12)
    amp = lrkit.sgdr(1.0, 0.2, period=4, decay=0.5, decay_of="amplitude")
    assert amp(4) == pytest.approx(0.2 + 0.8 * 0.5) and amp(8) == pytest.approx(0.2 + 0.8 * 0.25)
    peak = lrkit.sgdr(1.0, 0.2, period=4, decay=0.5)
    assert peak(4) == pytest.approx(0.5) and peak(8) == pytest.approx(0.25)


def test_checks_at_their_boundary_values():
    # equal values are allowed where the rule is "<=", refused where it is "<"
    lrkit.cyclic(0.5, 0.5, half_period=3)
    with pytest.raises(ConfigError, match=r"high must be >= low, got low=0\.6, high=0\.5"):
        lrkit.cyclic(0.6, 0.5, half_period=3)
    with pytest.raises(ConfigError, match="gamma is only used with mode='exp_range'"):
        lrkit.cyclic(0.1, 0.5, half_period=3, gamma=0.9)
    lrkit.cyclic(0.1, 0.5, half_period=3, mode="exp_range", gamma=1.0)
    with pytest.raises(ConfigError, match=r"lower must be < upper, got lower=1\.0, upper=1\.0"):
        lrkit.tanh(1.0, steps=10, lower=1.0, upper=1.0)
    lrkit.wsd(1.0, steps=10, warmup=4, decay=6)  # warmup + decay == steps is allowed
    with pytest.raises(ConfigError, match="warmup \\+ decay must be <= steps"):
        lrkit.wsd(1.0, steps=10, warmup=5, decay=6)
    with pytest.raises(ConfigError, match="cycles is only used with shape='cos'"):
        lrkit.wsd(1.0, steps=10, warmup=2, decay=4, cycles=1.0)
    lrkit.multistep(1.0, 0.5, milestones=[3, 3])  # repeated milestones are allowed
    with pytest.raises(ConfigError, match="non-decreasing"):
        lrkit.multistep(1.0, 0.5, milestones=[4, 3])
    with pytest.raises(ConfigError, match="strictly increasing"):
        lrkit.piecewise([1.0, 0.5, 0.1], boundaries=[3, 3])
    with pytest.raises(ConfigError, match="one more entry"):
        lrkit.piecewise([1.0, 0.5], boundaries=[3, 6])
    with pytest.raises(ConfigError, match="strictly increasing"):
        lrkit.interpolate([(0, 1.0), (0, 0.5)])
    with pytest.raises(ConfigError, match="exactly one of gamma or half_life"):
        lrkit.exponential(1.0, gamma=0.5, half_life=3)
    with pytest.raises(ConfigError, match="exactly one of gamma or half_life"):
        lrkit.exponential(1.0)
    with pytest.raises(ConfigError, match="too short"):
        lrkit.one_cycle(1.0, steps=3)
    lrkit.sgdr(1.0, period=3, mult=1.0, decay=1.0)
    for bad in ({"mult": 0.99}, {"decay": 0.0}, {"decay": 1.01}):
        with pytest.raises(ConfigError):
            lrkit.sgdr(1.0, period=3, **bad)
