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

__all__ = ["new_figure", "lines_figure", "png", "repr_png"]


def new_figure(width: float = 7.0, height: float = 3.6, dpi: int = 100) -> Any:
    """An empty :class:`matplotlib.figure.Figure` (``pip install 'lrkit[plot]'``)."""
    require("matplotlib")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=dpi)


def lines_figure(
    series: Sequence[tuple[str, Any, Any]],
    *,
    title: str = "",
    xlabel: str = "step",
    ylabel: str = "value",
    logx: bool = False,
    logy: bool = False,
) -> Any:
    """(label, x, y) series drawn as lines on one axes; the figure is returned."""
    fig = new_figure()
    ax = fig.add_subplot()
    for label, x, y in series:
        ax.plot(x, y, label=label, linewidth=1.6)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    if len(series) > 1:
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
