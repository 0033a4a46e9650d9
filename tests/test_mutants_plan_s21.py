"""Direct test for lrkit.plan found by the seed-21 measurement sample (issue 15):
``Plan.plot`` draws every curve with a visible line (``_types.py:287``: a probe's line
width of 0 would leave the left panel empty while its legend still listed the probes)."""

from __future__ import annotations

from lrkit.plan import Plan, Prediction, Probe, shape_schedule


def test_plan_plot_draws_every_curve_with_a_visible_line():
    s = shape_schedule("linear", 0.1, 100)
    probes = (
        Probe("rung1", 0.2, "linear", 4, "", (2.0, 1.5, 1.0, 0.5), None, 0.5, False),
        Probe("rung2", 0.05, "linear", 4, "", (2.0, 1.8, 1.6, 1.4), None, 1.4, False),
    )
    preds = (Prediction("wsd", 0.1, "wsd(...)", 0.4, (1, 50, 99), (1.0, 0.6, 0.4)),)
    a, b = Plan(s, 0.1, "linear", 100, 0.5, 8, probes=probes, predictions=preds).plot().axes
    assert [ln.get_linewidth() for ln in a.get_lines()] == [1.0, 1.0, 1.0]
    assert [ln.get_linewidth() for ln in b.get_lines()] == [2.0]
