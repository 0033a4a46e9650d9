"""Direct test for the plan's first-rung candidates that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned."""

import numpy as np
import pytest

from lrkit.plan._core import _candidates


def test_candidates_without_a_reference_are_log_spaced_from_hi_over_10_to_lo_times_100():
    """No reference rate: ``peaks`` rates log-spaced from ``hi/10`` down to
    ``max(100 lo, hi/1e5)``."""
    got = _candidates(None, 3, 1e-6, 1.0, False)
    assert got == pytest.approx([0.1, 0.1 * (1e-3) ** 0.5, 1e-4], rel=1e-12)
    got = _candidates(None, 5, 1e-9, 1.0, False)  # 100 lo < hi/1e5: the floor is hi/1e5
    np.testing.assert_allclose(got, np.geomspace(0.1, 1e-5, 5), rtol=1e-12)
