"""Direct tests for laws survivors of the seed-11 measurement sample (issue 15): the
fit's documented bound on the floor, ``L0`` in [0, (1 - 1e-6) x the lowest loss)."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError
from lrkit.laws import Run, fit


@pytest.mark.parametrize("law", ["multi_power", "momentum"])
def test_the_floor_stays_below_the_lowest_loss_when_the_data_push_it_up(law):
    """A loss that rises over the run: the laws (decreasing in the summed rate) fit it
    best with the floor as high as allowed, so ``L0`` sits on its upper bound, which
    ``fit``'s docstring and docs/laws.md put strictly below the lowest loss logged:
    (1 - 1e-6) x min L."""
    steps = np.arange(10, 400, 10)
    run = Run(lrkit.constant(3e-3, steps=400), steps, 1.0 + steps / 400.0)
    lmin = float(run.losses.min())
    got = fit([run], law).params["L0"]
    assert got <= lmin * (1 - 1e-6)
    assert got > lmin * (1 - 1e-5)  # on the bound: the data push it there


@pytest.mark.parametrize(("law", "k"), [("momentum", 4), ("multi_power", 7)])
def test_a_fit_needs_as_many_points_as_parameters_and_no_more(law, k):
    """``fit`` refuses runs that give fewer points (after warmup) than the law has free
    parameters (4 for the momentum law, ``lam`` being fixed; 7 for the Multi-Power
    Law), naming both counts; exactly as many is enough."""
    steps = np.arange(1, k + 1) * 10
    s = lrkit.cosine(3e-3, 3e-4, steps=int(steps[-1]) + 1)
    losses = 2.0 + 1.0 / np.sqrt(steps)
    got = fit([Run(s, steps, losses)], law, max_nfev=20)
    assert got.law == law and 0.0 <= got.params["L0"] < losses.min()
    few = Run(s, steps[:-1], losses[:-1])
    with pytest.raises(
        ConfigError,
        match=rf"^fit: the {law} law has {k} parameters but the runs give only "
        rf"{k - 1} points after warmup$",
    ):
        fit([few], law, max_nfev=20)


def test_predict_takes_one_step_as_a_number():
    """``predict``'s ``steps`` may be one step given as a number (``as_steps``: a scalar
    becomes a one-element array): the same value as the list of that one step."""
    steps = np.arange(10, 400, 10)
    s = lrkit.cosine(3e-3, 3e-4, steps=400)
    law = fit([Run(s, steps, 2.0 + 1.0 / np.sqrt(steps))], "momentum", max_nfev=20)
    one = law.predict(s, 250)
    assert one.shape == (1,)
    assert one[0] == law.predict(s, [250])[0] == law.predict(s, np.int64(250))[0]
    assert Run(s, 250, 2.1).steps.tolist() == [250]


def test_the_plot_gives_a_run_one_colour_for_its_observed_and_predicted_curves():
    """``law.plot``: a run's observed and predicted curves share one colour (the
    labels' name before " ("), and two runs get two colours."""
    steps = np.arange(10, 400, 10)
    runs = [
        Run(lrkit.cosine(3e-3, 3e-4, steps=400), steps, 2.0 + 1.0 / np.sqrt(steps), name="a"),
        Run(lrkit.constant(3e-3, steps=400), steps, 2.1 + 1.0 / np.sqrt(steps), name="b"),
    ]
    law = fit(runs, "momentum", max_nfev=20)
    fig = law.plot(runs=runs)
    lines = {ln.get_label(): ln.get_color() for ln in fig.axes[0].get_lines()}
    assert len(lines) == 4
    by_run = {}
    for label, colour in lines.items():
        by_run.setdefault(label.rsplit(" (", 1)[0], set()).add(colour)
    assert sorted(by_run) == ["a", "b"]
    assert all(len(c) == 1 for c in by_run.values())
    assert by_run["a"] != by_run["b"]
