"""Direct tests for what the seed-9 mutation sample of ``lrkit.schedules`` showed no
test pinned (issue 15): ``KnownPeak.peak_step()`` (docs/core.md: "the first step of
its maximum") against the values themselves, and ``sgdr``'s length with
``mult = 1``."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.combinators import KnownPeak

PEAKED = [
    "interpolate([(0, 1.0), (10, 0.5), (20, 0.1)])",  # the maximum at the first point
    "interpolate([(0, 0.1), (10, 0.5), (20, 1.0)])",  # at the last point
    "interpolate([(0, 0.2), (7, 1.0), (20, 0.1)], kind='cos')",
    "interpolate([(0, 1.0), (5, 1.0), (20, 0.1)])",  # held: the first of equal maxima
    "interpolate([(3, 1.0), (10, 0.5)])",  # the first point after step 0: held before it
    "linear(1.0, 0.0, steps=20)",
    "linear(0.0, 1.0, steps=20)",
    "cosine(1.0, 0.1, steps=20)",
    "cosine(0.1, 1.0, steps=20, cycles=1.0)",  # rises to its top at step 10
    "cosine(0.1, 1.0, steps=21, cycles=1.5)",  # top between two steps
    "cosine(0.1, 1.0, steps=20, cycles=2.0)",  # two equal tops: the first
    "cosine(0.1, 1.0, steps=20, cycles=0.25)",  # still rising at its last step
    "constant(0.5, steps=5)",
    "piecewise([0.1, 0.3, 0.2], [4, 9])",
    "multistep(1.0, 0.5, [5, 10])",
    "multistep(1.0, 2.0, [5, 10])",  # rising: the maximum at the last milestone
    "wsd(1.0, steps=30, warmup=5, decay=10)",
    "wsd(1.0, steps=30, warmup=0, decay=10)",
    "warmup(cosine(1.0, steps=20), 5)",
    "sequence([linear(0.0, 0.5, steps=5), constant(1.0, steps=5), linear(1.0, 0.0, steps=10)])",
]


@pytest.mark.parametrize("spec", PEAKED)
def test_peak_step_is_the_first_step_of_the_maximum(spec):
    s = lrkit.spec.parse(spec)
    s = s if s.length is not None else s.bind(total_steps=40)
    assert isinstance(s, KnownPeak)
    v = np.asarray(s(np.arange(s.length + 1)), dtype=np.float64)
    assert s.peak_step() == int(np.argmax(v))


@pytest.mark.parametrize(("period", "cycles"), [(10, 3), (7, 1), (1, 5), (250, 4)])
def test_sgdr_length_with_constant_cycles_is_cycles_times_period(period, cycles):
    """``sgdr`` with ``mult = 1``: cycle ``k`` starts at ``k x period``, so after
    ``cycles`` cycles (its length) the value is ``end`` and holds."""
    s = lrkit.sgdr(1.0, 0.1, period=period, cycles=cycles)
    assert s.length == cycles * period
    assert float(s(cycles * period)) == 0.1
    assert float(s(cycles * period - 1)) > 0.1


@pytest.mark.parametrize(("period", "mult", "cycles"), [(10, 2.0, 3), (5, 1.5, 2), (4, 3.0, 1)])
def test_sgdr_length_with_growing_cycles_is_the_start_of_the_last_cycle(period, mult, cycles):
    """``mult > 1``: cycle ``k`` starts at ``period (mult^k - 1) / (mult - 1)``; the
    length is the first step at or after the start of cycle ``cycles``."""
    s = lrkit.sgdr(1.0, 0.1, period=period, mult=mult, cycles=cycles)
    start = period * (mult**cycles - 1.0) / (mult - 1.0)
    assert s.length == int(np.ceil(start))
    assert float(s(s.length)) == 0.1
    assert float(s(s.length - 1)) > 0.1
