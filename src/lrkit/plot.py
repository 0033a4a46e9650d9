"""Pictures of schedules: PNG (matplotlib) or self-contained interactive HTML (plotly).

Both libraries are imported only when a picture is made; install them with
``pip install 'lrkit[plot]'``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._deps import require
from ._files import check_file, figure_kind
from ._render import MAX_POINTS, envelope
from ._validate import check_int, check_list
from .core import Schedule, as_schedule
from .errors import ConfigError
from .spec import label as spec_label

__all__ = ["schedules", "lines", "require", "MAX_POINTS"]


def _pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (unless one is already chosen)."""
    require("matplotlib")
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _kind(out: str) -> str:
    """``"html"`` or ``"image"`` (kept for callers of 0.1; see :func:`lrkit._files.figure_kind`)."""
    return figure_kind(out)


#: ``plotly_js`` values: how an HTML chart gets plotly.js (plotly's ``include_plotlyjs``)
PLOTLY_JS: dict[str, str | bool] = {"inline": True, "cdn": "cdn", "directory": "directory"}


def plotly_js_mode(value: str | bool, option: str = "plotly_js") -> str | bool:
    """``"inline"`` (embedded: offline, about 4.8 MB), ``"cdn"`` (a ``<script>`` link to
    the CDN: small, needs the network) or ``"directory"`` (a ``plotly.min.js`` file
    written next to the page, shared by the pages of that folder), as plotly's
    ``include_plotlyjs`` argument."""
    if value is True:
        return True
    if not isinstance(value, str) or value not in PLOTLY_JS:
        raise ConfigError(f"{option} must be one of {', '.join(PLOTLY_JS)}, got {value!r}")
    return PLOTLY_JS[value]


def lines(
    series: Sequence[tuple[str, Any, Any]],
    out: str | os.PathLike[str] | None = None,
    *,
    title: str = "",
    xlabel: str = "step",
    ylabel: str = "value",
    logx: bool = False,
    logy: bool = False,
    markers: Sequence[tuple[str, float, float]] = (),
    vlines: Sequence[tuple[str, float]] = (),
    plotly_js: str | bool = "inline",
) -> Any:
    """Draw (label, x, y) series on one chart and save it as PNG/SVG/PDF or HTML.

    ``markers`` are (label, x, y) points, ``vlines`` (label, x) vertical lines.
    With ``logy`` every series needs a value > 0 (values <= 0 are not drawn).
    Returns the path written; without ``out``, the matplotlib figure (for
    notebooks). ``plotly_js`` (HTML only): ``"inline"`` (the default: works
    offline), ``"cdn"`` or ``"directory"`` (see :func:`plotly_js_mode`).
    """
    mode = plotly_js_mode(plotly_js)
    if isinstance(out, os.PathLike):
        out = os.fspath(out)
    if logy:
        for label, _, y in series:
            if not (np.asarray(y) > 0).any():
                raise ConfigError(
                    f"log scale: {label} has no value > 0 to draw (a log axis shows only "
                    "positive values); draw it without the log scale"
                )
    if out is not None:
        kind = figure_kind(out)
        check_file(out, "out")
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        if kind == "html":
            args = (series, out, title, xlabel, ylabel, logx, logy, markers, vlines)
            return _lines_html(*args, plotly_js=mode)
    from ._render import lines_figure

    fig = lines_figure(
        series,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        logx=logx,
        logy=logy,
        markers=markers,
        vlines=vlines,
        size=(8.0, 4.5),
        dpi=110,
        title_size=None,
    )
    if out is None:
        return fig
    fig.savefig(out)
    return out


def schedules(
    items: Sequence[Schedule | str] | Schedule | str,
    total_steps: int,
    out: str | os.PathLike[str] | None = None,
    *,
    steps_per_epoch: int | None = None,
    log: bool = False,
    labels: Sequence[str] | None = None,
    title: str = "",
    x_unit: str = "step",
    plotly_js: str | bool = "inline",
) -> Any:
    """Compare schedules on one chart (PNG or self-contained HTML).

    ``x_unit="epoch"`` labels the x axis in epochs (needs ``steps_per_epoch``).
    A run longer than :data:`MAX_POINTS` steps is drawn from at most that many
    points per schedule: the lowest and highest value of each run of
    consecutive steps (the same picture; an HTML page of a 10**8-step run
    stays under a megabyte). ``labels``: one per schedule (default: their
    specs). ``out`` may be a ``str`` or a path object. Returns the path
    written; without ``out``, the matplotlib figure (for notebooks).
    ``plotly_js``: see :func:`lines`.
    """
    total_steps = check_int("schedules", "total_steps", total_steps, low=1)
    if x_unit not in ("step", "epoch"):
        raise ConfigError(f"schedules: x_unit must be 'step' or 'epoch', got {x_unit!r}")
    if x_unit == "epoch" and not steps_per_epoch:
        raise ConfigError(
            "schedules: x_unit='epoch' needs steps_per_epoch (the number of steps in an epoch)"
        )
    if isinstance(items, (Schedule, str, dict)):  # one schedule
        items = [items]
    items = check_list("schedules", "items", items)
    if not items:
        raise ConfigError("schedules: items must hold at least one schedule, got none")
    if labels is not None:
        labels = check_list("schedules", "labels", labels)
        if len(labels) != len(items) or not all(isinstance(x, str) for x in labels):
            raise ConfigError(
                f"schedules: labels must hold one string per schedule ({len(items)}), "
                f"got {labels!r}"
            )
    steps = np.arange(total_steps)
    series = []
    for i, it in enumerate(items):
        s = as_schedule(it).bind(total_steps=total_steps, steps_per_epoch=steps_per_epoch)
        label = (
            labels[i]
            if labels is not None
            else (spec_label(it) if isinstance(it, str) else str(it))
        )
        x, y = envelope(steps, s(steps))
        x = x / steps_per_epoch if steps_per_epoch and x_unit == "epoch" else x
        series.append((label, x, y))
    xl = x_unit
    return lines(
        series, out, title=title, xlabel=xl, ylabel="learning rate", logy=log, plotly_js=plotly_js
    )


def _lines_html(
    series: Sequence[tuple[str, Any, Any]],
    out: str,
    title: str,
    xlabel: str,
    ylabel: str,
    logx: bool,
    logy: bool,
    markers: Sequence[tuple[str, float, float]],
    vlines: Sequence[tuple[str, float]],
    plotly_js: str | bool = True,
) -> str:
    """:func:`lines` as an interactive plotly page (plotly.js as ``plotly_js`` says)."""
    go = require("plotly.graph_objects")
    fig = go.Figure()
    for label, x, y in series:
        fig.add_trace(
            go.Scatter(x=np.asarray(x).tolist(), y=np.asarray(y).tolist(), mode="lines", name=label)
        )
    for label, x, y in markers:
        fig.add_trace(
            go.Scatter(
                x=[x],
                y=[y],
                mode="markers+text",
                name=label,
                text=[label],
                textposition="top center",
                marker={"size": 10},
            )
        )
    for label, x in vlines:
        fig.add_vline(x=x, line_dash="dash", annotation_text=label)
    fig.update_layout(
        title=title,
        xaxis_title=xlabel,
        yaxis_title=ylabel,
        template="plotly_white",
        hovermode="x unified",
    )
    if logx:
        fig.update_xaxes(type="log")
    if logy:
        fig.update_yaxes(type="log")
    fig.write_html(out, include_plotlyjs=plotly_js, full_html=True)
    return out
