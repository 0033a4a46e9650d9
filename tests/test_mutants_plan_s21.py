"""Direct tests for lrkit.plan found by the seed-21 measurement sample (issue 15):
``Plan.plot`` draws every curve with a visible line (``_types.py:287``: a probe's line
width of 0 would leave the left panel empty while its legend still listed the probes);
``move_gain`` has no noise estimate from a single paired difference (``_core.py:897``);
the shape rung says why a shape it was asked to compare was not run (``_core.py:1062``)."""

from __future__ import annotations

import math

from lrkit.plan import Plan, Prediction, Probe, shape_schedule
from lrkit.plan._evidence import move_gain
from lrkit.plan._ledger import _Ledger
from lrkit.plan._shape_rule import _shape_rung


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


def test_move_gain_of_probes_with_one_update_in_their_second_half_has_no_noise_term():
    """``half = steps // 2`` leaves one paired difference for a 2-update probe: no
    successive difference to estimate the noise from, so the standard error is 0 (not
    NaN, which would make every later comparison false)."""
    a = Probe("rung2", 0.1, "linear", 2, "", (3.0, 1.5), None, 1.5, False)
    b = Probe("rung2", 0.05, "linear", 2, "", (3.0, 2.0), None, 2.0, False)
    gain, se = move_gain(b, a)
    assert gain == 0.5 and se == 0.0 and not math.isnan(se)


def test_the_shape_rung_says_when_no_stable_second_rung_probe_is_left_to_compare_with():
    led = _Ledger(lambda s, n: [1.0] * n, 100, None)
    led.probes.append(Probe("rung2", 0.1, "linear", 4, "", (2.0, 1.0), None, 1.0, True))
    notes: list[str] = []
    assert _shape_rung(led, "cosine", True, "linear", 100, 0.05, 0.0, notes) == ("linear", 0.05)
    assert notes == ["no stable second-rung probe to compare cosine with: keeping linear"]
    assert led.cost == 0  # nothing was run
    notes = []
    assert _shape_rung(led, None, True, "linear", 100, 0.05, 0.0, notes) == ("linear", 0.05)
    assert notes == []
