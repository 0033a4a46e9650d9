"""Direct tests for planner behaviours that the seed-6 mutation sample
(``benchmarks/mutation.py --seed 6``, ``benchmarks/results/mutation_seed6.md``)
showed no other test pinned; written after that sample ran."""

from lrkit.plan import Probe
from lrkit.plan._core import PROGRESS, progressed


def _probe(losses):
    return Probe("rung2", 0.1, "linear", len(losses), "", tuple(losses), None, losses[-1], False)


def test_progress_needs_a_fall_of_a_tenth_of_the_starting_loss():
    """``_core.py:653``: beyond twice its standard error, the fall must be at least
    ``PROGRESS`` (0.1) *times* the starting loss: from 10 (w = 2 losses at each
    end, no noise) a fall of 0.99 is not progress, 1.0 is; from 0.5, 0.06 is and 0.04 is not."""
    assert PROGRESS == 0.1
    flat = [10.0] * 16
    assert not progressed(_probe([10.0, 10.0, *flat, 9.01, 9.01]))
    assert progressed(_probe([10.0, 10.0, *flat, 9.0, 9.0]))
    assert progressed(_probe([0.5, 0.5, *[0.5] * 16, 0.44, 0.44]))
    assert not progressed(_probe([0.5, 0.5, *[0.5] * 16, 0.46, 0.46]))
    # a negative start: a tenth of its absolute value
    assert progressed(_probe([-1.0, -1.0, *[-1.0] * 16, -1.1, -1.1]))
    assert not progressed(_probe([-1.0, -1.0, *[-1.0] * 16, -1.09, -1.09]))
