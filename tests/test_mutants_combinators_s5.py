"""Direct tests for combinator behaviours that the seed-5 mutation sample
(``benchmarks/mutation.py --seed 5``, ``benchmarks/results/mutation_seed5.md``)
showed no other test pinned."""

import numpy as np
import pytest

import lrkit


def test_the_peak_of_an_overlaid_warmup_includes_the_schedule_s_last_step():
    """``combinators.py:138``: the peak of ``warmup(..., prefix=False)`` is read over
    ``[0, length]``, both ends included: a rising ``linear(0, 1, steps=10)`` peaks at
    step 10 (value 1.0), not at step 9 (0.9). ``coupled_wd`` couples to that peak:
    ``0.01 x 1.0 / eta_t``."""
    rise = lrkit.warmup(lrkit.linear(0.0, 1.0, steps=10), 3, prefix=False)
    assert rise(10) == 1.0 and rise(9) == pytest.approx(0.9)
    wd = lrkit.coupled_wd(rise, 0.01)
    assert wd(10) == pytest.approx(0.01)
    assert wd(5) == pytest.approx(0.01 * 1.0 / 0.5)
    # the momentum mirror of the rate: low at the peak, high at the start
    mom = lrkit.opposite(rise, 0.85, 0.95)
    a0 = float(rise(0))  # the overlaid ramp's start, s(3) / 4
    assert a0 == pytest.approx(0.3 / 4)
    t = np.arange(11)
    want = 0.95 - 0.1 * (np.asarray(rise(t)) - a0) / (1.0 - a0)
    np.testing.assert_allclose(mom(t), want, rtol=1e-12)
    assert mom(10) == pytest.approx(0.85) and mom(9) > 0.85
