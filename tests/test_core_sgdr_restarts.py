"""SGDR's restart rule at a cycle start computed just off a whole step.

Cycle ``k`` starts at ``S_k = P (m^k - 1)/(m - 1)``; step ``t`` is in cycle ``k`` once
``t >= S_k - tol(S_k)`` with ``tol(s) = min(1e-9 (1 + s), 1e-6)`` (the SGDR docstring). Here
``S_2 = P (1 + m)`` is placed at ``K + delta`` for a whole step ``K``, with ``delta`` on
either side of the tolerance (and of its cap), on the table path (few cycles before step
2**63) and on the logarithm path (more than 4096), and for ``.length`` with ``cycles=2``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit


def tol(s: float) -> float:
    return min(1e-9 * (1.0 + s), 1e-6)


# (period P, whole step K = S_2 rounded, base mult, delta): m = K / P - 1 + delta / P
CASES = [
    # table path (m ~ 1.5: 93 cycles before 2**63); S ~ 500, tol = 5.01e-7
    (200, 500, 2e-7),  # inside the tolerance: the restart is at K
    (200, 500, 8e-7),  # outside it, under the 1e-6 cap: the restart is at K + 1
    (200, 500, 5.005e-7),  # between 1e-9 s and 1e-9 (1 + s): inside
    (200, 500, 5.02e-7),  # just outside 1e-9 (1 + s)
    # table path, S ~ 2500 > 999: the tolerance is the cap, 1e-6
    (1000, 2500, 5e-7),
    (1000, 2500, 1.5e-6),  # outside the cap, inside 1e-9 (1 + s) = 2.5e-6
    # logarithm path (m ~ 1.005: about 6600 cycles before 2**63); S ~ 401, tol = 4.02e-7
    (200, 401, 2e-7),
    (200, 401, 7e-7),
    (200, 401, 4.015e-7),  # between 1e-9 s and 1e-9 (1 + s): inside
    (200, 401, 4.03e-7),
    # logarithm path (m ~ 1.004), S ~ 2004 > 999
    (1000, 2004, 5e-7),
    (1000, 2004, 1.5e-6),
]


def build(p: int, k: int, delta: float, **kw):
    m = k / p - 1.0 + delta / p
    return lrkit.sgdr(1.0, 0.0, period=p, mult=m, **kw), m


@pytest.mark.parametrize(("p", "k", "delta"), CASES)
def test_restart_at_a_start_just_above_a_whole_step(p, k, delta):
    s, m = build(p, k, delta)
    s2 = p * (m**2 - 1.0) / (m - 1.0)  # the docstring's S_2, as float64 computes it
    off = s2 - k
    assert off == pytest.approx(delta, rel=1e-4)
    # delta sits clear of the boundary: the rule decides, not rounding
    assert abs(off - tol(s2)) > 1e-10
    restarts_at_k = k >= s2 - tol(s2)
    on_table = s._cycles() is not None
    assert on_table == (k / p > 2.1)  # m ~ 1.5 on the table, m ~ 1.004-1.005 not
    i, start, length = s.cycle_index(np.array([k - 1.0, float(k), k + 1.0]), np)
    assert list(i) == ([1.0, 2.0, 2.0] if restarts_at_k else [1.0, 1.0, 2.0])
    # the value: the peak where cycle 2 has begun, the floor of cycle 1 just before it
    v = float(s(k))
    if restarts_at_k:
        assert v == pytest.approx(1.0, abs=1e-9)
    else:
        assert v == pytest.approx(0.5 * (1 + math.cos(math.pi * (k - p) / (p * m))), abs=1e-12)
        assert v < 1e-3


@pytest.mark.parametrize(("p", "k", "delta"), CASES)
def test_length_of_two_cycles_follows_the_same_rule(p, k, delta):
    s, m = build(p, k, delta, cycles=2)
    s2 = p * (m**2 - 1.0) / (m - 1.0)
    assert s.length == (k if k >= s2 - tol(s2) else k + 1)
    assert float(s(s.length)) == 0.0  # `end` holds after the last cycle
