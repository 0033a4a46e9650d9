"""The one finder figure: what is drawn (:class:`FinderFigure`) and its two renderings.

Every picture of a range test (``FinderResult.plot``, the finder chart of a
benchmark or demo report, the range-test lab) is made here, from
:func:`finder_figure`: the raw loss, the online EMA (it lags; it only decides
the stop), the lag-free curve the suggestions read, each suggestion marked
where its value was read on that curve (and the divergence edge the default
is read from), and the (base, max) range as a band.

One clipping rule keeps the divergence spike from squashing the curve: the
y axis ends at :math:`c = t + \\max(t - m, |t|/4)`, with :math:`m` the
minimum of the lag-free curve and :math:`t` the highest loss (raw or
curve) recorded up to that minimum; points above are off the chart.

:func:`to_plotly` gives the interactive (HTML) version as a plain plotly
figure dict, :func:`draw` the matplotlib one; :func:`save` writes either by
the file's extension.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._deps import require
from .._files import figure_kind
from .suggest import METHODS, divergence_edge, suggest_range, suggestion

if TYPE_CHECKING:
    from .result import FinderResult

__all__ = ["FinderFigure", "finder_figure", "to_plotly", "draw", "save"]

_LINES = (
    ("loss", "#1f77b4", 0.45),
    ("smoothed (online EMA, lags)", "#ff7f0e", 0.6),
    ("lag-free curve (suggestions)", "#2ca02c", 1.0),
)
_MARKER_COLORS = {
    "auto": "#d62728",
    "steep": "#9467bd",
    "valley": "#8c564b",
    "minimum": "#17becf",
    "edge": "#7f7f7f",
}


@dataclass(frozen=True)
class FinderFigure:
    """What the finder chart shows: ``series`` (label, y) over ``lrs``, ``markers``
    (method, label, lr, y), the ``band`` (base, max) or None, and the y limits ``ylim``."""

    title: str
    lrs: tuple[float, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    markers: tuple[tuple[str, str, float, float], ...]
    band: tuple[float, float] | None
    ylim: tuple[float, float] | None


def clip_limits(res: FinderResult) -> tuple[float, float] | None:
    """The y range of the chart (see the module's docstring), or None with no points."""
    z, raw = res.curve, res.losses
    ok = np.isfinite(z)
    if not ok.any():
        return None
    imin = int(np.flatnonzero(ok)[np.argmin(z[ok])])
    top = max(float(np.nanmax(z[: imin + 1])), float(np.max(raw[: imin + 1])))
    cap = top + max(top - float(z[imin]), 0.25 * abs(top))
    low = min(float(np.min(raw)), float(np.nanmin(z)))
    pad = 0.05 * (cap - low) if cap > low else 0.05 * max(abs(low), 1.0)
    return low - pad, cap


def _on_curve(res: FinderResult, lr: float) -> float:
    pos = (res.lrs > 0) & np.isfinite(res.curve)
    return float(np.interp(math.log(lr), np.log(res.lrs[pos]), res.curve[pos]))


def finder_figure(res: FinderResult, title: str = "LR range test") -> FinderFigure:
    """The chart of ``res`` (pure data; no plotting library needed)."""
    markers = []
    for m in METHODS:
        s = suggestion(res, m)
        if s.lr is not None and s.index is not None:
            # read at a recorded point (steep, valley, minimum) or derived from one (auto)
            y = float(res.curve[s.index]) if s.lr == res.lrs[s.index] else _on_curve(res, s.lr)
            markers.append((m, f"{m} {s.lr:.3g}", s.lr, y))
    edge = divergence_edge(res) if markers else None
    if edge is not None and edge <= res.lrs[-1]:  # what "auto" was read from
        markers.append(("edge", f"divergence edge {edge:.3g}", edge, _on_curve(res, edge)))
    ylim = clip_limits(res)
    ys = [res.losses, res.smoothed, res.curve]
    label0 = _LINES[0][0]
    if ylim is not None and bool(np.any(res.losses > ylim[1])):
        label0 += " (spikes above the chart)"
    labels = [label0, _LINES[1][0], _LINES[2][0]]
    return FinderFigure(
        title=title,
        lrs=tuple(float(v) for v in res.lrs),
        series=tuple((lab, tuple(float(v) for v in y)) for lab, y in zip(labels, ys)),
        markers=tuple(markers),
        band=suggest_range(res),
        ylim=ylim,
    )


def _num(v: float) -> float | None:
    return v if math.isfinite(v) else None


def to_plotly(fig: FinderFigure) -> dict[str, Any]:
    """The interactive version: a plotly figure as a plain, JSON-safe dict."""
    data: list[dict[str, Any]] = []
    for (label, ys), (_, color, opacity) in zip(fig.series, _LINES):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": label,
                "x": list(fig.lrs),
                "y": [_num(v) for v in ys],
                "line": {"color": color},
                "opacity": opacity,
            }
        )
    for method, label, x, y in fig.markers:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": label,
                "x": [x],
                "y": [y],
                "marker": {"size": 11, "color": _MARKER_COLORS[method]},
            }
        )
    shapes = []
    if fig.band is not None:
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": fig.band[0],
                "x1": fig.band[1],
                "y0": 0,
                "y1": 1,
                "fillcolor": "#2ca02c",
                "opacity": 0.12,
                "line": {"width": 0},
            }
        )
    yaxis: dict[str, Any] = {"title": {"text": "loss"}, "type": "linear"}
    if fig.ylim is not None:
        yaxis["range"] = [fig.ylim[0], fig.ylim[1]]
    layout = {
        "title": {"text": fig.title},
        "xaxis": {"title": {"text": "learning rate"}, "type": "log"},
        "yaxis": yaxis,
        "template": "plotly_white",
        "hovermode": "closest",
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "legend": {"font": {"size": 11}},
        "shapes": shapes,
    }
    return {"data": data, "layout": layout}


def draw(fig: FinderFigure) -> Any:
    """The matplotlib version: a new ``matplotlib.figure.Figure`` (not a pyplot one)."""
    from .._render import new_figure

    out = new_figure(8, 4.5, dpi=110)
    ax = out.add_subplot()
    x = np.asarray(fig.lrs)
    for (label, ys), (_, color, opacity) in zip(fig.series, _LINES):
        ax.plot(x, np.asarray(ys), label=label, color=color, alpha=opacity, linewidth=1.5)
    for method, label, mx, my in fig.markers:
        ax.plot([mx], [my], "o", markersize=8, label=label, color=_MARKER_COLORS[method])
    if fig.band is not None:
        ax.axvspan(fig.band[0], fig.band[1], color="#2ca02c", alpha=0.12, label="range (base, max)")
    if fig.ylim is not None:
        ax.set_ylim(*fig.ylim)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.set_title(fig.title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    out.tight_layout()
    return out


def save(fig: FinderFigure, out: str) -> str:
    """Write the chart to ``out`` (``.png``, ``.svg``, ``.pdf``, or ``.html``); returns ``out``."""
    kind = figure_kind(out, "plot: out")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    if kind == "html":
        pio = require("plotly.io", what="an HTML chart")
        pio.write_html(to_plotly(fig), out, include_plotlyjs=True, full_html=True)
        return out
    draw(fig).savefig(out)
    return out
