"""Direct tests for ``lrkit.laws.Law`` serialisation that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned."""

import json

import numpy as np
import pytest

from lrkit.errors import ConfigTypeError
from lrkit.laws import Law

PARAMS = {"L0": 2.0, "A": 0.5, "alpha": 0.5, "C": 1.0, "lam": 0.9}


@pytest.mark.parametrize("bad", [[1, 2], "law", None, 3.0])
def test_law_from_dict_refuses_what_is_not_a_dict(bad):
    with pytest.raises(ConfigTypeError, match=r"Law.from_dict: expected a dict, got "):
        Law.from_dict(bad)


def test_law_to_dict_turns_info_into_plain_json_types():
    """Tuples become lists, numpy scalars Python numbers (inside lists too)."""
    law = Law("momentum", PARAMS, info={"r2": np.float64(0.5), "ranges": (1, np.int64(2))})
    d = law.to_dict()
    assert d["info"] == {"r2": 0.5, "ranges": [1, 2]}
    assert type(d["info"]["r2"]) is float
    assert type(d["info"]["ranges"]) is list
    assert type(d["info"]["ranges"][1]) is int
    assert json.loads(json.dumps(d)) == d
    assert Law.from_dict(d) == law


class _KnownOptimum:
    """A law whose predicted final loss is a known function of the WSD cooldown
    length and end value (relative to the peak), so the optimum of
    :func:`lrkit.laws.optimize` is known exactly."""

    def __init__(self, g, end=0.0):
        self.g, self.end = g, end

    def final(self, schedule, total_steps):
        rel_end = float(schedule.end) / float(schedule.peak)
        return float(self.g(int(schedule.decay))) + 100.0 * abs(rel_end - self.end)


@pytest.mark.parametrize(("best", "peak", "end"), [(5, 1.0, 0.0), (7, 1.0, 0.0), (5, 2.0, 0.1)])
def test_optimize_refines_the_cooldown_between_the_grid_cells(best, peak, end):
    """300 steps: the 1 % grid has cooldowns 3, 6, 9...; with the loss minimal at a
    5- or 7-step cooldown the best cell is 6 and the step-level search around it
    (one grid step either side) must reach the optimum, with the end value the law
    prefers (0 or 10 % of the peak)."""
    from lrkit.laws import optimize

    s = optimize(_KnownOptimum(lambda d: (d - best) ** 2 + 1.0, end), 300, peak)
    assert int(s.decay) == best
    assert float(s.end) == pytest.approx(end * peak)
    # ties between shapes keep the first: linear, from the peak at 300 - best
    t = np.array([299 - best, 300 - best, 301 - best, 299, 300])
    want = peak - (peak - end * peak) * np.clip(t - (300 - best), 0, best) / best
    assert np.asarray(s(t), float) == pytest.approx(want)


def test_optimize_can_choose_a_one_step_cooldown():
    """200 steps: the grid's shortest cooldown is 2; with the loss growing with the
    cooldown length the search must reach the shortest possible one, 1 step."""
    from lrkit.laws import optimize

    s = optimize(_KnownOptimum(float), 200, 1.0)
    assert int(s.decay) == 1
    assert [float(s(t)) for t in (198, 199, 200)] == pytest.approx([1.0, 1.0, 0.0])


def test_law_plot_starts_at_step_0_unless_told_to_skip():
    """``Law.plot`` without ``out`` returns the figure; by default (``skip=0``) the
    observed and predicted curves start at step 0."""
    from lrkit import parse
    from lrkit.laws import Run

    law = Law("momentum", PARAMS)
    steps = np.arange(100)
    sched = parse("constant(0.01)")
    run = Run(sched, steps, law.predict(sched, steps=steps), name="r")
    observed, predicted = law.plot(runs=[run]).axes[0].get_lines()[:2]
    np.testing.assert_array_equal(observed.get_xdata(), steps)
    np.testing.assert_array_equal(predicted.get_xdata(), steps)
    cut = law.plot(runs=[run], skip=1).axes[0].get_lines()[0]
    np.testing.assert_array_equal(cut.get_xdata(), steps[1:])


def test_law_errors_against_their_formulas():
    """``errors``: mean relative error, worst relative error, R², MAE and RMSE of the
    residuals between the law's curve and the observed losses."""
    from lrkit import parse
    from lrkit.laws import Run

    law = Law("momentum", PARAMS)
    steps = np.arange(50)
    sched = parse("constant(0.01)")
    pred = law.predict(sched, steps=steps)
    res = np.where(steps % 2 == 0, 0.01, -0.03)  # residuals of both signs and sizes
    obs = pred - res
    e = law.errors(Run(sched, steps, obs))
    assert e["rmse"] == pytest.approx(np.sqrt(np.mean(res**2)), rel=1e-9)
    assert e["mae"] == pytest.approx(0.02, rel=1e-9)
    assert e["mean_rel"] == pytest.approx(np.mean(np.abs(res) / obs), rel=1e-9)
    assert e["worst_rel"] == pytest.approx(np.max(np.abs(res) / obs), rel=1e-9)
    r2 = 1 - np.sum(res**2) / np.sum((obs - obs.mean()) ** 2)
    assert e["r2"] == pytest.approx(r2, rel=1e-9)
