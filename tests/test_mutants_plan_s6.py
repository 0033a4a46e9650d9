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


def test_a_short_run_s_predicted_curves_have_a_point_at_every_step():
    """``_laws.py:88``: a prediction's curve has ``min(40, T - 1)`` points spread over
    steps ``1 .. T - 1``: on a 30-step run, every step from 1 to 29."""
    import numpy as np

    import lrkit

    def run(schedule, steps):
        eta = np.asarray(schedule(np.arange(steps)), float)
        return list(2.0 + 1.0 / (1.0 + np.cumsum(eta)) ** 0.5)

    shapes = ("wsd", "linear", "cosine", "constant", "one_cycle")
    p = lrkit.plan(run, 30, budget=20.0, lr=0.1, use_laws=True, shapes=shapes)
    assert [q.shape for q in p.predictions] == list(shapes)
    for q in p.predictions:
        assert q.steps == tuple(range(1, 30)) and len(q.curve) == 29


def test_plan_plot_legends_are_small_print():
    """``_types.py:294`` (cosmetic): the probes' legend at 7 pt, the schedule's at 8 pt."""
    from lrkit.plan import Plan, shape_schedule

    s = shape_schedule("linear", 0.1, 100)
    probe = Probe("rung1", 0.2, "linear", 4, "", (2.0, 1.5, 1.0, 0.5), None, 0.5, False)
    fig = Plan(s, 0.1, "linear", 100, 0.5, 4, probes=(probe,)).plot()
    a, b = fig.axes
    assert [t.get_fontsize() for t in a.get_legend().get_texts()] == [7.0]
    assert [t.get_fontsize() for t in b.get_legend().get_texts()] == [8.0]
