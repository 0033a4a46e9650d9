"""Figures for notebooks: the rich display (``_repr_png_``) of lrkit's values.

A schedule, a finder result, a plan and a law show as a figure in Jupyter.
This module sits below :mod:`lrkit.core` (it imports nothing of lrkit but
:mod:`lrkit._deps`) so that every layer can use it; matplotlib is imported
only when a figure is drawn. Figures are built with
:class:`matplotlib.figure.Figure`, not ``pyplot``: no global state, no
backend to choose, and a figure returned to a notebook is shown once.

Without matplotlib, :func:`repr_png` returns ``None``, so the notebook falls
back to the text ``repr``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ._deps import require
from .errors import LrkitError

__all__ = ["new_figure", "lines_figure", "vline", "png", "repr_png", "envelope", "MAX_POINTS"]


#: the most points a schedule's chart draws (a chart is about 1000 pixels wide)
MAX_POINTS = 20_000


def envelope(x: Any, y: Any, limit: int = MAX_POINTS) -> tuple[Any, Any]:
    """At most ``limit`` points of (x, y) that draw the same chart: the lowest and the
    highest value of each of ``limit / 2`` runs of consecutive steps, and the ends.

    >>> x = np.arange(10); envelope(x, x % 3, limit=4)[1].tolist()
    [0, 2, 2, 0, 0]
    """
    import numpy as np

    n = y.size
    if n <= limit:
        return x, y
    k = -(-n // (limit // 2))  # steps per run
    runs = -(-n // k)
    padded = np.concatenate([y, np.repeat(y[-1:], runs * k - n)]).reshape(runs, k)
    first = np.arange(runs) * k
    lo = np.minimum(first + padded.argmin(axis=1), n - 1)
    hi = np.minimum(first + padded.argmax(axis=1), n - 1)
    keep = np.unique(np.concatenate([lo, hi, [0, n - 1]]))
    return x[keep], y[keep]


def new_figure(width: float = 7.0, height: float = 3.6, dpi: int = 100) -> Any:
    """An empty :class:`matplotlib.figure.Figure` (``pip install 'lrkit[plot]'``)."""
    require("matplotlib")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=dpi)


def vline(ax: Any, label: str, x: float, *, top: float = 1.0, fontsize: int = 8) -> None:
    """A dashed gray vertical line at ``x`` on matplotlib axes ``ax``, its label written
    upwards just left of it with its top at ``top`` (a fraction of the axes' height)."""
    ax.axvline(x, linestyle="--", linewidth=1, color="gray")
    ax.annotate(
        label,
        (x, top),
        xycoords=("data", "axes fraction"),
        rotation=90,
        va="top",
        ha="right",
        fontsize=fontsize,
    )


def lines_figure(
    series: Sequence[tuple[str, Any, Any]],
    *,
    title: str = "",
    xlabel: str = "step",
    ylabel: str = "value",
    logx: bool = False,
    logy: bool = False,
    markers: Sequence[tuple[str, float, float]] = (),
    vlines: Sequence[tuple[str, float]] = (),
    size: tuple[float, float] = (7.0, 3.6),
    dpi: int = 100,
    title_size: float | None = 9,
) -> Any:
    """(label, x, y) series drawn as lines on one axes, with (label, x, y) ``markers``
    and (label, x) ``vlines``; the figure is returned. ``title_size=None``: the
    default font size."""
    import numpy as np

    fig = new_figure(*size, dpi=dpi)
    ax = fig.add_subplot()
    for label, x, y in series:
        ax.plot(np.asarray(x), np.asarray(y), label=label, linewidth=1.6)
    for label, x, y in markers:
        ax.plot([x], [y], "o", markersize=8, label=label)
    for label, x in vlines:
        vline(ax, label, x)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, **({} if title_size is None else {"fontsize": title_size}))
    ax.grid(True, which="both", alpha=0.3)
    if len(series) + len(markers) > 1 or markers:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def png(fig: Any) -> bytes:
    """The figure as PNG bytes; a ``pyplot`` figure is closed (a notebook would show it twice)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)
    return buf.getvalue()


def repr_png(make: Callable[[], Any]) -> bytes | None:
    """``png(make())`` for a ``_repr_png_``; ``None`` (the text repr is shown) when
    matplotlib is missing or the value cannot be drawn as it is (an lrkit error,
    such as a schedule that needs ``steps_per_epoch``)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    try:
        return png(make())
    except LrkitError:
        return None
