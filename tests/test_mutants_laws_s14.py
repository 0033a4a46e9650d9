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


def test_fit_s_public_defaults():
    """fit()'s documented defaults: the mean_pqs law, lam 0.999, a Huber threshold of
    1e-3 on the log residual, the warm-up left out, 400 evaluations, step weights."""
    import inspect

    from lrkit.laws import DEFAULT_LAW, fit

    d = {k: v.default for k, v in inspect.signature(fit).parameters.items() if k != "runs"}
    assert d == {
        "law": "mean_pqs",
        "lam": 0.999,
        "delta": 1e-3,
        "skip_warmup": True,
        "max_nfev": 400,
        "weight": "step",
    }
    assert DEFAULT_LAW == "mean_pqs"


@pytest.mark.parametrize("budget", [5, 60])
def test_fit_runs_each_start_briefly_then_continues_the_best(monkeypatch, budget):
    """_fit_one: a short run (at most 40 evaluations, fewer if the budget is smaller)
    from each start, the Huber loss with f_scale = delta and bounds; the best one is run
    again with the whole budget only when its short run stopped on the budget."""
    import scipy.optimize

    from lrkit.laws import fit

    calls = []
    real = scipy.optimize.least_squares

    def spy(fun, x0, **kw):
        res = real(fun, x0, **kw)
        calls.append((np.array(x0), kw, res))
        return res

    monkeypatch.setattr(scipy.optimize, "least_squares", spy)
    true = Law("momentum", MOM)
    eta = np.asarray(
        lrkit.warmup(lrkit.cosine(1e-2, 1e-3), 10).bind(total_steps=200)(np.arange(200))
    )
    st = np.arange(12, 200, 4)
    fit(
        [Run(eta, st, true.predict(eta, st) * (1 + 1e-3 * np.sin(st)))],
        "momentum",
        max_nfev=budget,
        delta=2e-3,
    )
    assert [c[1]["max_nfev"] for c in calls[:2]] == [min(40, budget)] * 2  # two starts
    assert all(c[1]["loss"] == "huber" and c[1]["f_scale"] == 2e-3 for c in calls)
    best = min(calls[:2], key=lambda c: c[2].cost)
    if best[2].status == 0:
        assert len(calls) == 3 and calls[2][1]["max_nfev"] == budget
        np.testing.assert_array_equal(calls[2][0], best[2].x)
    else:
        assert len(calls) == 2
    assert budget != 5 or len(calls) == 3  # 5 evaluations cannot converge


def test_fit_points_at_the_first_steps_and_their_weights():
    """Without skip_warmup every point with S(t) > 0 is fitted, step 0 included when its
    rate is not 0; a run's weights are t / t_last, with t_last taken as at least 1 (a
    run logged at step 0 alone weighs 0, not NaN)."""
    from lrkit.laws._fit import _fit_data, _points

    runs = [Run(1e-2, [0], [3.0]), Run(1e-2, [0, 1], [3.0, 2.9]), Run(1e-2, [0, 2, 4], [3, 2, 1])]
    _, data, _ = _fit_data(runs, "momentum", 0.0, 1e-3, False)
    assert [g.steps.tolist() for g, _, _ in data] == [[0], [0, 1], [0, 2, 4]]
    assert [sw.tolist() for _, _, sw in data] == [[0.0], [0.0, 1.0], [0.0, 0.5**0.5, 1.0]]
    # after the warm-up: after the peak, here step 0
    assert [_points(r, True)[0].tolist() for r in runs] == [[], [1], [2, 4]]
    assert fit_lam0(runs).params["lam"] == 0.0


def fit_lam0(runs):
    from lrkit.laws import fit

    return fit(runs, "momentum", lam=0.0, max_nfev=3, skip_warmup=False)


@pytest.mark.parametrize(
    ("total", "peak", "warmup", "family", "knots"),
    [(10, 1e-3, 0, "wsd", 2), (130, 5, 64, "interpolate", 64), (11, 1e-300, 4, "wsd", 63)],
)
def test_optimize_s_argument_check_accepts_every_edge_of_its_ranges(
    total, peak, warmup, family, knots
):
    """total_steps >= 10, peak any finite number > 0 (an int too), warmup in
    [0, total_steps / 2) (64 of 130, 4 of 11), knots in [2, 64] (and, for
    "interpolate", at most total_steps - warmup: 64 of 130 - 64)."""
    from lrkit.laws._optimize import _check

    assert _check(total, peak, warmup, family, knots) is None


@pytest.mark.parametrize("total", [100, 2160, 30000])
def test_public_rates_are_the_documented_formulas(total):
    """lrkit.laws.public's notes: a 2160-step warm-up linspace(0, 3e-4, 2160) (cut to the
    run's length), then cosine_N from 3e-4 to 3e-5 over steps 2160..N, constant_N at
    3e-4, wsdcon_K at 3e-4 until 8000 then K e-5, wsd_/wsdld_20000_24000 at 3e-4 until
    20000 then geometric / linear down to 3e-5 at 24000."""
    from lrkit.laws.public import NAMES, public_rates

    t = np.arange(total, dtype=float)
    warm = np.linspace(0.0, 3e-4, 2160)
    for name in NAMES:
        kind, _, rest = name.partition("_")
        if kind == "cosine":
            n = float(rest)
            f = np.clip((t - 2160) / (n - 2160), 0, 1)
            want = 3e-5 + 0.5 * (3e-4 - 3e-5) * (1 + np.cos(np.pi * f))
        elif kind == "constant":
            want = np.full(total, 3e-4)
        elif kind == "wsdcon":
            want = np.where(t < 8000, 3e-4, int(rest) * 1e-5)
        else:
            f = np.clip((t - 20000) / 4000, 0, 1)
            dec = 3e-4 * (3e-5 / 3e-4) ** f if kind == "wsd" else 3e-4 - (3e-4 - 3e-5) * f
            want = np.where(t < 20000, 3e-4, dec)
        k = min(2160, total)
        want[:k] = warm[:k]
        np.testing.assert_allclose(public_rates(name, total), want, rtol=1e-12, atol=0)


def test_the_law_plot_takes_one_run_and_writes_into_a_new_folder(tmp_path):
    """``runs`` may be one Run; ``out`` (a str or a path) may name a folder that does not
    exist yet: it is created and the PNG written there (the path is returned)."""
    from pathlib import Path

    law = Law("momentum", MOM)
    eta = np.full(60, 1e-2)
    st = np.arange(1, 60, 3)
    run = Run(eta, st, law.predict(eta, st), name="one")
    fig = law.plot(runs=run)
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert labels == ["one (observed)", "one (predicted)"]
    out = law.plot(Path(tmp_path) / "new" / "deeper" / "law.png", runs=run)
    assert Path(out) == tmp_path / "new" / "deeper" / "law.png"
    assert Path(out).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_law_shows_itself_as_a_png_and_its_plot_takes_a_title(tmp_path):
    """Jupyter's rich display of a Law is a PNG (law_figure's); Law.plot passes its
    keywords on (a title replaces the default one, in the PNG and the HTML page, and
    plotly_js="cdn" links plotly.js instead of embedding it)."""
    law = Law("momentum", MOM)
    png = law._repr_png_()
    assert isinstance(png, bytes) and png[:8] == b"\x89PNG\r\n\x1a\n"
    eta = np.full(40, 1e-2)
    st = np.arange(1, 40, 3)
    run = Run(eta, st, law.predict(eta, st))
    fig = law.plot(runs=[run], title="mine")
    assert fig.axes[0].get_title() == "mine"
    out = law.plot(str(tmp_path / "a.html"), runs=[run], title="mine", plotly_js="cdn")
    _, layout = _traces(out)
    assert layout["title"]["text"] == "mine"
    html = open(out, encoding="utf-8").read()
    assert "https://cdn.plot.ly/" in html and len(html) < 100_000


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), 2.5])
def test_steps_must_be_finite_whole_numbers(bad):
    """as_steps: float steps are taken when whole; inf and NaN are not step numbers."""
    with pytest.raises(ConfigError, match=r"^Run: steps must be whole step numbers, got "):
        Run(1e-2, [1.0, bad], [2.0, 1.0])
    with pytest.raises(ConfigError, match=r"^predict: steps must be whole step numbers"):
        Law("momentum", MOM).predict(1e-2, [1.0, bad], total_steps=10)
    np.testing.assert_array_equal(Run(1e-2, [1.0, 3.0], [2.0, 1.0]).steps, [1, 3])


def test_load_public_reads_step_lr_loss_files_into_runs(tmp_path):
    """load_public: ``csv_<size>/<name>.csv`` with a header and ``step,lr,loss`` rows; a
    Run per name, named so, with the logged steps and losses and the rebuilt rates up
    to its last step (the lr column is not read)."""
    from lrkit.laws.public import load_public, public_rates

    (tmp_path / "csv_100").mkdir()
    rows = [(2200, 1.0, 3.5), (2300, 2.0, 3.4), (2450, 3.0, 3.3)]
    for name in ("cosine_24000", "wsdcon_9"):
        text = "step,lr,loss\n" + "".join(f"{s},{lr},{x}\n" for s, lr, x in rows)
        (tmp_path / "csv_100" / f"{name}.csv").write_text(text)
    got = load_public(tmp_path, "100", names=("cosine_24000", "wsdcon_9"))
    assert list(got) == ["cosine_24000", "wsdcon_9"]
    for name, run in got.items():
        assert run.name == name
        np.testing.assert_array_equal(run.steps, [2200, 2300, 2450])
        np.testing.assert_array_equal(run.losses, [3.5, 3.4, 3.3])
        np.testing.assert_array_equal(run.eta, public_rates(name, 2451))
    one = tmp_path / "csv_100" / "constant_24000.csv"
    one.write_text("step,lr,loss\n2200,0.5,3.25\n")  # a single row is still a table
    (run,) = load_public(tmp_path, 100, names=("constant_24000",)).values()
    assert run.steps.tolist() == [2200] and run.losses.tolist() == [3.25]


def test_runs_whose_names_hold_parentheses_keep_their_own_colours():
    """Seed 15, ``plotting.py:124``: a curve's colour is keyed by its label without the
    last " (observed)" / " (predicted)" only, so runs named "lr (a)" and "lr (b)" get
    two colours, each shared by its observed and predicted curves."""
    law = Law("momentum", MOM)
    eta = np.full(40, 1e-2)
    st = np.arange(1, 40, 3)
    runs = [
        Run(eta, st, law.predict(eta, st) * f, name=n)
        for f, n in ((1.0, "lr (a)"), (1.1, "lr (b)"))
    ]
    lines = law.plot(runs=runs).axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == [
        "lr (a) (observed)",
        "lr (a) (predicted)",
        "lr (b) (observed)",
        "lr (b) (predicted)",
    ]
    c = [ln.get_color() for ln in lines]
    assert c[0] == c[1] and c[2] == c[3] and c[0] != c[2]
