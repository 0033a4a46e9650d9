"""Direct tests for combinators survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import numpy as np

import lrkit


def test_noise_hashes_the_step_modulo_two_to_the_32():
    """``noise``'s draw is a 32-bit hash of the step and the seed (``step_noise``): the
    step enters as its value modulo 2**32, so steps 2**32 apart draw the same factor,
    and a step past 2**32 is drawn like any other (inside (-pct, pct))."""
    s = lrkit.noise(lrkit.constant(1.0), pct=0.5, seed=7)
    small = np.array([0, 5, 12345, 2**31], dtype=np.int64)
    big = small + 2**32
    assert np.array_equal(s(big), s(small))
    assert np.array_equal(s(small + 2**33), s(small))
    assert np.all(np.abs(s(big) - 1.0) < 0.5)
    assert len(set(s(small).tolist())) == len(small)
