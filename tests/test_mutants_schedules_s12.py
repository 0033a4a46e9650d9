"""Direct tests for schedules survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import numpy as np

import lrkit


def test_an_exponential_from_a_negative_start_is_not_nonincreasing():
    """``exponential(start, gamma)``: ``start * gamma**p``. From a negative start with
    ``gamma < 1`` the values rise towards 0, so ``nonincreasing()`` is False; it is
    True only for ``start >= 0`` and ``gamma <= 1``."""
    rising = lrkit.exponential(-0.5, gamma=0.5)
    v = rising(np.arange(4))
    assert v.tolist() == [-0.5, -0.25, -0.125, -0.0625]
    assert not rising.nonincreasing()
    assert lrkit.exponential(0.5, gamma=0.5).nonincreasing()
    assert lrkit.exponential(0.0, gamma=0.5).nonincreasing()
    assert not lrkit.exponential(0.5, gamma=2.0).nonincreasing()


def test_step_decays_from_a_negative_start_are_not_nonincreasing():
    """``step`` and ``multistep`` multiply by ``gamma`` at each boundary: from a
    negative start with ``gamma < 1`` they rise, so ``nonincreasing()`` is False."""
    st = lrkit.step(-0.5, gamma=0.5, every=2)
    assert st(np.arange(5)).tolist() == [-0.5, -0.5, -0.25, -0.25, -0.125]
    assert not st.nonincreasing()
    assert lrkit.step(0.5, gamma=0.5, every=2).nonincreasing()
    ms = lrkit.multistep(-0.5, milestones=[2, 3], gamma=0.5)
    assert ms(np.arange(4)).tolist() == [-0.5, -0.5, -0.25, -0.125]
    assert not ms.nonincreasing()
    assert lrkit.multistep(0.5, milestones=[2, 3], gamma=0.5).nonincreasing()
