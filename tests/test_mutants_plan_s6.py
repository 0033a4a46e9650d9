"""Direct tests for planner behaviours that the seed-6 mutation sample
(``benchmarks/mutation.py --seed 6``, ``benchmarks/results/mutation_seed6.md``)
showed no other test pinned; written after that sample ran."""

import pytest

from lrkit.plan import Probe
from lrkit.plan._evidence import PROGRESS, progressed


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


def _range_then_quadratic(range_losses):
    """A run whose first call (the range test) returns ``range_losses(n)`` and whose
    probes train the exact quadratic."""

    from lrkit.tasks.quadratic import NoisyQuadratic

    q = NoisyQuadratic(dim=20, m=0.05, M=1.0, noise=0.5)
    calls = []

    def run(schedule, steps):
        calls.append(steps)
        if len(calls) == 1:
            return list(range_losses(steps))
        return q.expected_loss(schedule, steps)[:-1]

    return run


def test_the_range_test_is_cut_at_the_first_raw_loss_above_4x_the_lowest():
    """docs/plan.md rule 1 (written after seed 6's run, broad): the planner reads its
    short range test cut at the first *raw* loss above 4 x the lowest before it (the
    finder's ``diverge``), strictly; that point is the stop."""
    import math

    import numpy as np

    import lrkit

    def jump(to):
        def losses(n):
            y = 2.0 - np.linspace(0.0, 1.0, n)  # falls to 1.0 ...
            y[25:] = to  # ... then jumps at step 25
            return y

        return losses

    lowest = float((2.0 - np.linspace(0.0, 1.0, 40))[24])  # n_f = 40: the last before the jump
    p = lrkit.plan(_range_then_quadratic(jump(4.0 * lowest * 1.01)), 1000, budget=0.2)
    f = p.finder
    assert len(f) == 25 and f.stop_reason == "diverged"
    assert f.stop_loss == 4.0 * lowest * 1.01 and float(f.losses[-1]) == lowest
    assert math.isclose(f.stop_lr, float(f.lrs[-1]) * (10.0 / 1e-6) ** (1 / 39), rel_tol=1e-12)
    p = lrkit.plan(_range_then_quadratic(jump(4.0 * lowest)), 1000, budget=0.2)
    assert len(p.finder) == 40 and p.finder.stop_reason == "completed"  # not above 4x


@pytest.mark.parametrize(
    ("total", "budget", "lr_range", "n_f", "skip_end"),
    [
        (1000, 0.5, (1e-6, 10.0), 100, 3),  # 7 decades / 99 steps: 0.3 dec = 4 steps, cap 3
        (1000, 0.2, (1e-6, 10.0), 40, 2),  # 7 / 39 = 0.18 dec a step: round(1.67) = 2
        (400, 0.25, (1e-6, 10.0), 20, 1),  # 7 / 19 = 0.37: round(0.81) = 1
        (400, 0.25, (1e-3, 1.0), 20, 2),  # 3 / 19 = 0.158: round(1.9) = 2
    ],
)
def test_the_range_test_leaves_out_about_a_third_of_a_decade_at_its_end(
    total, budget, lr_range, n_f, skip_end
):
    import lrkit
    from lrkit.tasks.quadratic import NoisyQuadratic

    q = NoisyQuadratic(dim=20, m=0.05, M=1.0, noise=0.5)
    p = lrkit.plan(lambda s, n: q.expected_loss(s, n)[:-1], total, budget=budget, lr_range=lr_range)
    assert p.probes[0].steps == n_f and p.finder.skip_end == skip_end
    assert p.finder.meta["framework"] == "plan" and p.finder.meta["optimizer_steps"] == n_f
