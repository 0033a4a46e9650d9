"""Direct tests for ``Schedule.plot`` (issue 15, seed-10 pass): the figure's length
rule (``total_steps``; else a bound schedule's own length; else 1000 steps), its values
(the schedule's, bound to that length), title, axis label, log scale and bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lrkit  # noqa: E402
from lrkit.errors import ConfigError  # noqa: E402


def _line(fig):
    ax = fig.axes[0]
    (line,) = ax.get_lines()
    return ax, np.asarray(line.get_xdata()), np.asarray(line.get_ydata())


@pytest.mark.parametrize(
    ("sched", "kw", "n"),
    [
        (lrkit.cosine(1.0, 0.1), {}, 1000),  # unbound: 1000 steps
        (lrkit.exponential(1.0, 0.99), {}, 1000),  # never ends: 1000 steps
        (lrkit.cosine(1.0, 0.1, steps=300), {}, 300),  # its own length
        (lrkit.cosine(1.0, 0.1, steps=300), {"total_steps": 40}, 40),  # told
        (lrkit.cosine(1.0, 0.1), {"total_steps": 7}, 7),
    ],
)
def test_plot_draws_steps_0_to_n_minus_1_with_the_schedule_s_values(sched, kw, n):
    fig = sched.plot(**kw)
    try:
        ax, x, y = _line(fig)
        np.testing.assert_array_equal(x, np.arange(n))
        bound = sched.bind(total_steps=n)
        np.testing.assert_allclose(y, bound(np.arange(n)), rtol=0, atol=0)
        assert ax.get_ylabel() == "value" and ax.get_yscale() == "linear"
        assert ax.get_title() == sched.spec()[:90]
    finally:
        plt.close(fig)


def test_plot_binds_epochs_takes_a_title_and_a_log_axis():
    s = lrkit.piecewise([1.0, 0.5], ["2ep"])
    fig = s.plot(total_steps=12, steps_per_epoch=3, log=True, title="T")
    try:
        ax, x, y = _line(fig)
        np.testing.assert_allclose(y, [1.0] * 6 + [0.5] * 6)
        assert ax.get_yscale() == "log" and ax.get_title() == "T"
    finally:
        plt.close(fig)


def test_plot_titles_a_long_spec_with_its_first_90_characters():
    s = lrkit.sequence([lrkit.linear(0.0, 1.0, steps=10)] + [lrkit.constant(0.5, steps=3)] * 8)
    assert len(s.spec()) > 90
    fig = s.plot()
    try:
        ax, x, _ = _line(fig)
        assert ax.get_title() == s.spec()[:90] and x.size == s.length
    finally:
        plt.close(fig)


@pytest.mark.parametrize("bad", [0, -3])
def test_plot_rejects_a_non_positive_length(bad):
    with pytest.raises(ConfigError, match=rf"plot: total_steps .*{bad}"):
        lrkit.cosine(1.0, 0.1).plot(total_steps=bad)


def test_plot_rejects_a_non_integer_length():
    with pytest.raises(ConfigError, match=r"plot: total_steps must be an integer, got 2.5"):
        lrkit.cosine(1.0, 0.1).plot(total_steps=2.5)


def test_a_required_duration_given_none_is_refused_by_name():
    with pytest.raises(
        ConfigError, match=r"^warmup: steps must be given \(a duration\), got None$"
    ):
        lrkit.warmup(lrkit.constant(1.0), None)


def test_a_parameter_lists_its_choices_only_for_a_choice():
    """``Schedule.params``: each parameter's ``choices`` (the allowed strings of a
    ``Choice`` parameter; empty for the others)."""
    got = {p.name: p.choices for p in lrkit.noise(lrkit.constant(1.0)).params}
    assert got["dist"] == ("normal", "uniform")
    assert all(v == () for k, v in got.items() if k != "dist")
