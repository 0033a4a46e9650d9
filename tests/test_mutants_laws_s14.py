"""Direct tests for the laws survivors of training samples 14 and 16 (issue 15),
each pinning the class behind the survivor: every type check of ``optimize``'s
arguments, and the law plot's HTML page trace by trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.laws import Law, Run, optimize

MOM = {"L0": 2.4, "A": 0.7, "alpha": 0.45, "C": 1.0, "lam": 0.99}


@pytest.mark.parametrize(
    ("kw", "err", "msg"),
    [
        ({"warmup": 10.0}, ConfigError, "optimize: warmup must be an int in [0, total_steps/2), "),
        ({"warmup": True}, ConfigError, "warmup must be an int in [0, total_steps/2), got True"),
        ({"warmup": "10"}, ConfigError, "warmup must be an int in [0, total_steps/2), got '10'"),
        ({"warmup": 50}, ConfigError, "warmup must be an int in [0, total_steps/2), got 50"),
        ({"knots": 8.0}, ConfigError, "optimize: knots must be an int in [2, 64], got 8.0"),
        ({"knots": True}, ConfigError, "knots must be an int in [2, 64], got True"),
        ({"total_steps": True}, ConfigError, "total_steps must be an int >= 10, got True"),
        ({"total_steps": 10.0}, ConfigError, "total_steps must be an int >= 10, got 10.0"),
        ({"peak": "1"}, ConfigTypeError, "optimize: peak must be a number, got '1'"),
        ({"peak": float("nan")}, ConfigError, "peak must be a finite number > 0, got nan"),
        ({"peak": -1.0}, ConfigError, "peak must be a finite number > 0, got -1.0"),
        ({"family": "WSD"}, ConfigError, "family must be one of wsd, interpolate, got 'WSD'"),
    ],
)
def test_optimize_refuses_each_argument_of_the_wrong_type_even_when_in_range(kw, err, msg):
    """Seed 16, ``_optimize.py:45``: a whole float warm-up (10.0 of 100 steps, within
    range) is refused like a bool, as are the other int arguments given as floats or
    bools; each message names the argument, the value and what is allowed."""
    args = {"total_steps": 100, "peak": 1e-3, **kw}
    total, peak = args.pop("total_steps"), args.pop("peak")
    with pytest.raises(err) as e:
        optimize(Law("momentum", MOM), total, peak, **args)
    assert msg in str(e.value)
    assert str(e.value).endswith(repr(kw[next(iter(kw))]))


def test_optimize_accepts_the_edges_of_its_ranges():
    """10 steps (the least), a warm-up of 4 (the most below 10 / 2) and 2 knots."""
    f = optimize(Law("momentum", MOM), 10, 1e-3, warmup=4, family="interpolate", knots=2)
    assert (f.steps, f.start) == (4, 0.0)
    assert [x for x, _ in f.schedule.points] == [0, 3, 6]


def _traces(path):
    """The data and layout plotly wrote into the page."""
    html = open(path, encoding="utf-8").read()
    i = html.index("Plotly.newPlot(")
    dec = json.JSONDecoder()
    i = html.index("[", i)
    data, j = dec.raw_decode(html, i)
    layout, _ = dec.raw_decode(html, html.index("{", j))
    return data, layout


def test_the_html_law_plot_draws_observed_solid_and_predicted_dashed(tmp_path):
    """Seed 16, ``plotting.py:88``: in the HTML page, as in the PNG, a run's observed
    curve is solid and every prediction (the run's and each schedule's) dashed; the
    traces carry the labels and values of the PNG's lines, the page its title and axis
    names."""
    law = Law("momentum", MOM)
    eta = np.asarray(lrkit.warmup(lrkit.cosine(1e-2, 1e-3), 10).bind(total_steps=60)(np.arange(60)))
    st = np.arange(12, 60, 6)
    obs = law.predict(eta, st) * 1.01
    run = Run(eta, st, obs, name="r")
    s = lrkit.cosine(1e-2, 1e-3)
    out = law.plot(
        str(tmp_path / "a.html"),
        runs=[run],
        schedules=[s],
        labels=["cos"],
        total_steps=60,
        plotly_js="cdn",
    )
    data, layout = _traces(out)
    assert [(t["name"], t["line"]["dash"]) for t in data] == [
        ("r (observed)", "solid"),
        ("r (predicted)", "dash"),
        ("cos (predicted)", "dash"),
    ]
    np.testing.assert_array_equal(data[0]["x"], st)
    np.testing.assert_allclose(data[0]["y"], obs, rtol=1e-15)
    np.testing.assert_allclose(data[1]["y"], law.predict(eta, st), rtol=1e-15)
    rates = np.asarray(s.bind(total_steps=60)(np.arange(60)), float)
    np.testing.assert_array_equal(data[2]["x"], np.arange(60))
    np.testing.assert_allclose(data[2]["y"], law.predict(rates, np.arange(60)), rtol=1e-15)
    assert layout["title"]["text"] == "momentum law: predicted (dashed) vs observed"
    assert layout["xaxis"]["title"]["text"] == "step"
    assert layout["yaxis"]["title"]["text"] == "loss"
