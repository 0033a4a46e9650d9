"""Direct tests for behaviours of the schedule constructors that a sampled mutation
run (``benchmarks/mutation.py``) showed no other test pinned. Public API only."""

import pytest

import lrkit


def test_wsd_without_decay_ends_at_end_when_warmup_fills_the_run():
    """``warmup == steps`` and ``decay = 0``: the ramp ``peak (t+1)/(w+1)`` covers
    ``t < w`` only; at ``t = T`` (and past it) the value is ``end`` (``t < w`` vs
    ``t <= w`` at the join)."""
    s = lrkit.wsd(2.0, steps=10, warmup=10, decay=0, end=0.1)
    assert s(9) == pytest.approx(2.0 * 10 / 11)
    assert s(10) == pytest.approx(0.1)
    assert s(25) == pytest.approx(0.1)
    assert [float(v) for v in s([9, 10, 11])] == pytest.approx([2.0 * 10 / 11, 0.1, 0.1])
