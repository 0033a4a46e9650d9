"""Figures of a law: predicted (dashed) against observed (solid) loss curves.

matplotlib (PNG/SVG/PDF) or plotly (self-contained HTML) is imported only
when a figure is drawn: ``pip install 'lrkit[plot]'``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._files import FIGURE_EXTENSIONS, check_file, figure_kind
from ..core import Schedule
from ..errors import ConfigError, ConfigTypeError
from ._run import Run

__all__ = ["plot_law", "check_out", "law_figure"]


def check_out(out: Any) -> str:
    """``out`` as a path ending in .png/.svg/.pdf/.html whose folder can be written."""
    if not isinstance(out, (str, os.PathLike)):
        raise ConfigError(f"out must be a file path, got {out!r}")
    return check_file(os.fspath(out), "out", FIGURE_EXTENSIONS)


def _series(law: Any, runs: Any, schedules: Any, labels: Any, total_steps: Any) -> list:
    runs = [runs] if isinstance(runs, Run) else list(runs)
    for i, r in enumerate(runs):
        if not isinstance(r, Run):
            raise ConfigTypeError(f"plot: runs[{i}] must be a Run, got {type(r).__name__}")
    series = []
    for i, r in enumerate(runs):
        name = r.name or f"run {i}"
        series.append((f"{name} (observed)", r.steps, r.losses, "-"))
        st = r.steps[r._defined]
        series.append((f"{name} (predicted)", st, law._curve(r.eta, st), "--"))
    # one schedule (a spec is not a list of its letters) or a list of them
    schedules = [schedules] if isinstance(schedules, (str, dict, Schedule)) else list(schedules)
    labels = [labels] if isinstance(labels, str) else labels
    labels = list(labels) if labels is not None else [str(s) for s in schedules]
    if len(labels) != len(schedules):
        raise ConfigError(f"labels: need one per schedule ({len(schedules)}), got {len(labels)}")
    from ._law import _length, _rates_for

    for s, lab in zip(schedules, labels):
        total = _length(s, total_steps)
        eta = _rates_for(s, total, total_steps)
        n = max(1, total // 2000)
        x = np.arange(int(np.argmax(eta)), total)  # from the peak: the laws do not model warmup
        x = np.unique(np.r_[x[::n], total - 1])  # every n-th step, and the last (the final)
        y = law._curve(eta, x)
        series.append((f"{lab} (predicted)", x, y, "--"))
    if not series:
        raise ConfigError("plot: give runs and/or schedules to draw")
    return series


def plot_law(
    law: Any,
    out: str | None = None,
    *,
    runs: Any = (),
    schedules: Any = (),
    labels: Any = None,
    total_steps: int | None = None,
    title: str = "",
    skip: int = 0,
    plotly_js: str | bool = True,
) -> Any:
    """Draw the observed ``runs`` (a :class:`Run` or a list of them) with the law's
    predictions for them, and the predicted curves of ``schedules`` (a schedule or a
    spec, or a list of them; ``labels``: their names, default their specs) from their
    peak, the end of warmup; write PNG/SVG/PDF or HTML to ``out``.

    ``skip`` leaves out the first ``skip`` steps (the warmup's huge losses).
    Returns the path written; without ``out``, the matplotlib figure (for
    notebooks). ``plotly_js``: how an HTML page gets plotly.js (plotly's
    ``include_plotlyjs``: ``True`` embeds it, ``"cdn"`` links it).
    """
    out = None if out is None else check_out(out)
    series = [
        (lab, np.asarray(x)[np.asarray(x) >= skip], np.asarray(y)[np.asarray(x) >= skip], st)
        for lab, x, y, st in _series(law, runs, schedules, labels, total_steps)
    ]
    title = title or f"{law.law} law: predicted (dashed) vs observed"
    if out is not None:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    if out is not None and figure_kind(out) == "html":
        import plotly.graph_objects as go

        fig = go.Figure()
        for lab, x, y, st in series:
            dash = "dash" if st == "--" else "solid"
            fig.add_trace(go.Scatter(x=x.tolist(), y=y.tolist(), name=lab, line={"dash": dash}))
        fig.update_layout(title=title, xaxis_title="step", yaxis_title="loss")
        fig.write_html(out, include_plotlyjs=plotly_js, full_html=True)
        return out
    figure = _figure(series, title)
    if out is None:
        return figure
    figure.savefig(out)
    return out


#: the longest schedule name a PNG legend shows (an optimized ``interpolate`` prints
#: hundreds of characters, which pushed the axes out of the figure)
LEGEND_CHARS = 60


def _legend_label(label: str) -> str:
    """``label`` for a PNG legend: a name over :data:`LEGEND_CHARS` characters is cut and
    ends in "…", its " (observed)"/" (predicted)" kept; the HTML figure shows it whole."""
    name, sep, kind = label.rpartition(" (")
    if not sep:
        name, kind = label, ""
    if len(name) <= LEGEND_CHARS:
        return label
    return name[: LEGEND_CHARS - 1] + "…" + (sep + kind if sep else "")


def _figure(series: list, title: str) -> Any:
    """The matplotlib figure of :func:`plot_law`."""
    from .._render import new_figure

    fig = new_figure(8, 5)
    ax = fig.add_subplot()
    colors: dict[str, str] = {}
    for lab, x, y, st in series:
        c = colors.setdefault(lab.rsplit(" (", 1)[0], f"C{len(colors) % 10}")
        ax.plot(x, y, st, label=_legend_label(lab), linewidth=1.3, color=c)
    # the first steps' huge predicted losses would flatten everything else
    tops = [float(np.max(y[len(y) // 20 :])) for _, _, y, _ in series if len(y)]
    lows = [float(np.min(y)) for _, _, y, _ in series if len(y)]
    if tops and lows:
        pad = 0.05 * (max(tops) - min(lows))
        ax.set_ylim(min(lows) - pad, max(tops) + pad)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def law_figure(law: Any) -> Any:
    r"""A law without data, as a figure: its constant-rate part
    :math:`L_0 + A\,S^{-\alpha}` against the summed learning rate
    :math:`S = \sum_t \eta_t` (log axis), with the floor :math:`L_0` dashed.
    The part that depends on the schedule's shape (the cooldown's drop) needs a
    schedule: see :func:`plot_law`. For ``"mean"``, the mean of both laws' parts."""
    from .._render import new_figure

    s = np.geomspace(1e-2, 1e3, 200)
    parts = [q.params for q in law.parts()]  # "mean": the mean of both laws' parts
    y = np.mean([p["L0"] + p["A"] * s ** (-p["alpha"]) for p in parts], axis=0)
    p = {"L0": float(np.mean([q["L0"] for q in parts]))}
    fig = new_figure()
    ax = fig.add_subplot()
    ax.plot(s, y, linewidth=1.6, label="L0 + A S^-alpha")
    ax.axhline(p["L0"], linestyle="--", color="gray", linewidth=1, label="L0")
    ax.set_xscale("log")
    ax.set_xlabel("S = sum of learning rates")
    ax.set_ylabel("loss")
    ax.set_title(f"{law.law} law: the loss at a constant rate", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
