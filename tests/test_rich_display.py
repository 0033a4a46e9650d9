"""Notebook display: schedules, finder results, plans and laws show as figures
(``_repr_png_``), ``.plot()`` returns a matplotlib Figure drawing the real values,
and ``lrkit.plot.schedules(..., out=None)`` returns one too."""

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from matplotlib.figure import Figure

import lrkit
from lrkit.errors import ConfigError
from lrkit.laws import Law, Run

PNG = b"\x89PNG\r\n\x1a\n"
MOMENTUM = {"L0": 2.0, "A": 1.0, "alpha": 0.5, "C": 100.0, "lam": 0.999}


def _finder_result():
    def step_fn(lr):  # falls, then rises: a minimum near lr = 1e-2
        return 1.0 / (1.0 + (lr / 1e-2) ** 2) + (lr / 0.3) ** 4

    return lrkit.find(step_fn, start=1e-4, end=1.0, steps=60, progress=False)


def _plan():
    lr, opt = 0.01, 0.025

    def run(schedule, steps):
        peak = float(np.max(np.asarray(schedule(np.arange(steps)), float)))
        return [math.exp(0.3 * math.log2(peak / opt) ** 2)] * steps

    return lrkit.plan(run, 400, lr=lr)


def _no_pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums() == []


@pytest.mark.parametrize(
    "value",
    [
        lambda: lrkit.parse("warmup(cosine(0.1, steps=300), 30)"),
        _finder_result,
        _plan,
        lambda: Law("momentum", MOMENTUM),
    ],
    ids=["schedule", "finder", "plan", "law"],
)
def test_each_value_displays_as_a_png_in_a_notebook(value):
    v = value()
    png = v._repr_png_()
    assert isinstance(png, bytes) and png.startswith(PNG) and len(png) > 5000
    assert _no_pyplot_figures()  # nothing left behind for the notebook to show twice


def test_schedule_plot_draws_its_values_over_its_length():
    s = lrkit.parse("warmup(cosine(0.1, steps=300), 30)")
    fig = s.plot()
    assert isinstance(fig, Figure)
    (line,) = fig.axes[0].get_lines()
    t = np.arange(330)  # a bound schedule that ends: its own length (30 + 300)
    np.testing.assert_array_equal(line.get_xdata(), t)
    np.testing.assert_array_equal(line.get_ydata(), s(t))
    assert fig.axes[0].get_title() == str(s)


def test_unbound_schedule_plot_binds_to_total_steps_or_1000():
    s = lrkit.parse("cosine(0.1)")  # steps left out: to the end of the run
    fig = s.plot(200, log=True)
    (line,) = fig.axes[0].get_lines()
    np.testing.assert_allclose(line.get_ydata(), lrkit.parse("cosine(0.1, steps=200)")(range(200)))
    assert fig.axes[0].get_yscale() == "log"
    assert len(s.plot().axes[0].get_lines()[0].get_xdata()) == 1000
    with pytest.raises(ConfigError, match="total_steps"):
        s.plot(0)


def test_a_schedule_that_cannot_be_drawn_falls_back_to_the_text_repr():
    s = lrkit.parse('cosine(0.1, steps="2ep")')  # needs steps_per_epoch
    assert s._repr_png_() is None
    with pytest.raises(ConfigError, match="steps_per_epoch"):
        s.plot()
    fig = s.plot(100, steps_per_epoch=10)
    np.testing.assert_allclose(
        fig.axes[0].get_lines()[0].get_ydata(), lrkit.parse("cosine(0.1, steps=20)")(range(100))
    )


def test_finder_plot_returns_a_figure_of_its_losses():
    res = _finder_result()
    fig = res.plot()
    assert isinstance(fig, Figure) and _no_pyplot_figures()
    ax = fig.axes[0]
    raw = ax.get_lines()[0]
    np.testing.assert_array_equal(raw.get_xdata(), res.lrs)
    np.testing.assert_array_equal(raw.get_ydata(), res.losses)
    assert ax.get_xscale() == "log"


def test_plan_plot_returns_a_figure_with_the_chosen_schedule(tmp_path):
    p = _plan()
    fig = p.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    chosen = fig.axes[1].get_lines()[0]
    t = np.arange(400)
    np.testing.assert_array_equal(chosen.get_ydata(), p.schedule(t))
    probes = [q for q in p.probes if q.stage != "range"]
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_ydata(), probes[0].losses)
    assert p.plot(str(tmp_path / "p.png")).endswith("p.png")
    assert (tmp_path / "p.png").read_bytes().startswith(PNG)
    with pytest.raises(ConfigError, match=r"out must end in .png, .svg, .pdf or .html, got"):
        p.plot(str(tmp_path / "p.txt"))


def test_law_plot_returns_a_figure_from_step_0_by_default():
    law = Law("momentum", MOMENTUM)
    steps = np.arange(0, 200)
    sched = lrkit.parse("constant(0.01)")
    losses = law.predict(sched, steps=steps)
    run = Run(sched, steps, losses, name="r")
    fig = law.plot(runs=[run])
    assert isinstance(fig, Figure)
    observed, predicted = fig.axes[0].get_lines()[:2]
    np.testing.assert_array_equal(observed.get_xdata(), steps)  # skip=0: from step 0
    np.testing.assert_array_equal(observed.get_ydata(), losses)
    np.testing.assert_allclose(predicted.get_ydata(), losses, rtol=1e-12)
    cut = law.plot(runs=[run], skip=50).axes[0].get_lines()[0]
    np.testing.assert_array_equal(cut.get_xdata(), steps[50:])


def test_law_display_is_its_constant_rate_curve():
    from lrkit.laws.plotting import law_figure

    law = Law("momentum", MOMENTUM)
    line = law_figure(law).axes[0].get_lines()[0]
    s = np.asarray(line.get_xdata())
    np.testing.assert_allclose(line.get_ydata(), 2.0 + 1.0 * s**-0.5, rtol=1e-12)


def test_plot_schedules_without_out_returns_a_figure():
    a, b = "cosine(0.1)", "linear(0.1, 0.0)"
    fig = lrkit.plot.schedules([a, b], 100, steps_per_epoch=10, x_unit="epoch")
    assert isinstance(fig, Figure)
    la, lb = fig.axes[0].get_lines()
    np.testing.assert_allclose(la.get_xdata(), np.arange(100) / 10)
    np.testing.assert_array_equal(la.get_ydata(), lrkit.parse("cosine(0.1, steps=100)")(range(100)))
    np.testing.assert_array_equal(
        lb.get_ydata(), lrkit.parse("linear(0.1, 0.0, steps=100)")(range(100))
    )
    assert fig.axes[0].get_xlabel() == "epoch"


def test_without_matplotlib_the_display_falls_back_to_text():
    """matplotlib made unimportable in a fresh process: every _repr_png_ is None
    (the notebook shows the text repr) and .plot() names the extra to install."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["matplotlib"] = None
        import lrkit
        from lrkit.laws import Law
        s = lrkit.parse("cosine(0.1, steps=10)")
        law = Law("momentum", {"L0": 2.0, "A": 1.0, "alpha": 0.5, "C": 100.0, "lam": 0.9})
        print(s._repr_png_(), law._repr_png_(), repr(s) == s.spec())
        try:
            s.plot()
        except ImportError as e:
            print(e)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = out.stdout.splitlines()
    assert first == "None None True"
    assert "pip install 'lrkit[plot]'" in second
