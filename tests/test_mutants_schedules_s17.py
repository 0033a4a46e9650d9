"""Every schedule's overflow check, at the parameters that overflow (issue 15, seed 17 pass).

Each schedule whose values are built from a difference or a product of its parameters
refuses, at construction, parameters whose difference or product is not a finite
float64, naming the quantity (``lrkit.core.finite_range``); the same magnitudes that do
not overflow are accepted and evaluate to finite values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError

BIG = 1e308


@pytest.mark.parametrize(
    ("build", "fine", "what"),
    [
        (
            lambda: lrkit.linear(-BIG, BIG, steps=4),
            lambda: lrkit.linear(-BIG / 4, BIG / 4, steps=4),
            "end - start",
        ),
        (
            lambda: lrkit.cosine(BIG, -BIG),
            lambda: lrkit.cosine(BIG / 4, -BIG / 4, steps=5),
            "start - end",
        ),
        (
            lambda: lrkit.polynomial(BIG, -BIG, steps=4),
            lambda: lrkit.polynomial(BIG / 4, -BIG / 4, steps=4),
            "start - end",
        ),
        (
            lambda: lrkit.sgdr(BIG, -BIG, period=3),
            lambda: lrkit.sgdr(BIG / 4, -BIG / 4, period=3),
            "start - end",
        ),
        (
            lambda: lrkit.cyclic(-BIG, BIG, half_period=3),
            lambda: lrkit.cyclic(-BIG / 4, BIG / 4, half_period=3),
            "high - low",
        ),
        (
            lambda: lrkit.wsd(BIG, steps=10, warmup=1, decay=1, end=-BIG),
            lambda: lrkit.wsd(BIG / 4, steps=10, warmup=1, decay=1, end=-BIG / 4),
            "peak - end",
        ),
        (
            lambda: lrkit.wsd(BIG, steps=10, warmup=1, decay=1, start=-BIG),
            lambda: lrkit.wsd(BIG / 4, steps=10, warmup=1, decay=1, start=-BIG / 4),
            "peak - start",
        ),
        (
            lambda: lrkit.tanh(BIG, -BIG, steps=4),
            lambda: lrkit.tanh(BIG / 4, -BIG / 4, steps=4),
            "start - end",
        ),
        (
            lambda: lrkit.interpolate([(0, 1.0), (3, -BIG), (5, BIG)]),
            lambda: lrkit.interpolate([(0, 1.0), (3, -BIG / 4), (5, BIG / 4)]),
            r"points\[2\] value - points\[1\] value",
        ),
        (
            lambda: lrkit.multistep(1e300, 1e10, milestones=[1, 2]),
            lambda: lrkit.multistep(1e280, 1e10, milestones=[1, 2]),
            "gamma",
        ),
    ],
)
def test_each_overflow_check_names_its_quantity(build, fine, what):
    with pytest.raises(ConfigError, match=rf"overflow float64: {what} gives (-)?inf"):
        build()
    s = fine()
    n = s.length or 12
    assert all(math.isfinite(float(s(t))) for t in range(n + 2))


def test_sgdr_cycle_limit_overflow_is_checked_only_when_cycles_grow():
    # mult ** cycles must be finite when the run ends after `cycles` cycles
    s = lrkit.sgdr(1.0, period=3, mult=2.0, cycles=1000)  # 2**1000 ~ 1e301: finite
    assert s.length == math.ceil(3 * (2.0**1000 - 1.0))
    lrkit.sgdr(1.0, period=3, mult=1.0, cycles=10**6)  # mult 1: no growth, no check
    assert lrkit.sgdr(1.0, period=3, mult=1.0, cycles=10**6).length == 3 * 10**6


@pytest.mark.parametrize(("p", "m"), [(3, 1.5), (7, 1.0105), (1000, 1.01), (1, 1.0097)])
def test_sgdr_table_of_cycle_starts_covers_the_cycles_before_step_2_63(p, m):
    """``_cycles``: the indices 0..K of the cycles that start before step 2**63 (and the next
    one), as long as there are at most 4096 of them; the table is what places the restarts."""
    s = lrkit.sgdr(1.0, period=p, mult=m)
    ks = s._cycles()
    assert ks is not None and ks[0] == 0 and np.all(np.diff(ks) == 1)
    k_last = int(ks[-1])

    def start(k):
        return p * (m**k - 1.0) / (m - 1.0)

    assert start(k_last - 1) < 2.0**63 * (1 + 1e-9)
    assert start(k_last) >= 2.0**63 * (1 - 1e-9)
    # the table places each restart: around every cycle start the value follows the formula
    for k in (1, 2, 5):
        for t in (math.ceil(start(k) - 1e-6) - 1, math.ceil(start(k) - 1e-6)):
            i = max(j for j in range(k + 1) if start(j) <= t + 1e-6)
            want = 0.5 * (1.0 + math.cos(math.pi * (t - start(i)) / (p * m**i)))
            assert float(s(t)) == pytest.approx(want, abs=1e-9)


def test_sgdr_with_more_than_4096_cycles_before_2_63_uses_the_logarithm():
    assert lrkit.sgdr(1.0, period=1, mult=1.0095)._cycles() is None
    assert lrkit.sgdr(1.0, period=1, mult=1.0097)._cycles() is not None
    assert lrkit.sgdr(1.0, period=3, mult=1.0)._cycles() is None  # no growth: floor(t / p)
