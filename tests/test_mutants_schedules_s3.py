"""Direct test for a schedule behaviour that a fresh sampled mutation run
(``benchmarks/mutation.py``, seed 3) showed no other test pinned."""

import math
from fractions import Fraction

import numpy as np

import lrkit


def test_sgdr_restarts_at_a_step_within_the_tolerance_below_a_cycle_start():
    """Cycle ``k`` starts at ``S_k = P (m**k - 1) / (m - 1)`` and step ``t`` is in it when
    ``t >= S_k - min(1e-9 (1 + S_k), 1e-6)``. With P = 130, m = 1.082, ``S_9`` is
    1637 + 2.6e-7 exactly (a rational just above an integer): step 1637 is within
    1e-6 of it, so cycle 9 restarts there, at the peak."""
    P, m = 130, Fraction("1.082")
    s9 = P * (m**9 - 1) / (m - 1)
    assert 1e-9 < s9 - 1637 < min(1e-9 * (1 + s9), 1e-6)
    s = lrkit.sgdr(1.0, 0.0, period=P, mult=1.082)
    v = s(np.arange(1635, 1640))
    assert v[2] == 1.0  # step 1637: the first step of cycle 9
    # the steps before are the end of cycle 8 (length P m**8), after it cycle 9's cosine
    s8, p8, p9 = P * (m**8 - 1) / (m - 1), P * m**8, P * m**9
    for i, t in enumerate(range(1635, 1637)):
        want = 0.5 * (1 + math.cos(math.pi * float((t - s8) / p8)))
        assert v[i] == np.float64(want) or math.isclose(v[i], want, rel_tol=1e-9, abs_tol=1e-15)
    for i, t in zip((3, 4), (1638, 1639)):
        want = 0.5 * (1 + math.cos(math.pi * (t - 1637) / float(p9)))
        assert math.isclose(v[i], want, rel_tol=1e-9)
