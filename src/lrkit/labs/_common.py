"""Helpers shared by the labs: multi-panel PNG figures, small statistics, progress."""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

#: the progress bar of the lab being run (``lrkit lab`` on a terminal or with --progress)
_BARS: list[Any] = []


@contextlib.contextmanager
def progress(desc: str, enabled: bool) -> Iterator[None]:
    """While the block runs, show on stderr a tqdm counter of the lab's training runs
    (each :func:`tick`) with the elapsed time; nothing when ``enabled`` is false."""
    if not enabled:
        yield
        return
    from .._deps import require

    tqdm = require("tqdm", extra="tasks", what="--progress").tqdm
    bar = tqdm(desc=desc, unit=" runs", file=sys.stderr, leave=True, dynamic_ncols=True)
    _BARS.append(bar)
    try:
        yield
    finally:
        _BARS.remove(bar)
        bar.close()


def tick(label: str = "") -> None:
    """One training run of a lab is done: advance the progress bar, if one is shown."""
    for bar in _BARS:
        bar.set_postfix_str(label[:40], refresh=False)
        bar.update(1)


def panels(out: str, items: Sequence[dict[str, Any]], title: str = "") -> str:
    """Draw side-by-side panels into one PNG and return its path.

    Each item: ``series`` [(label, x, y)] or [(label, x, y, style)] where style
    is a matplotlib format string ("o" for markers, "--" dashed), optional
    ``title``, ``xlabel``, ``ylabel``, ``logx``, ``logy``, ``hlines``
    [(label, y)], ``vlines`` [(label, x)], ``ylim`` (low, high).
    """
    from .._render import vline as _vline
    from ..plot import _pyplot

    plt = _pyplot()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    n = len(items)
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 4.2), dpi=100, squeeze=False)
    try:
        for ax, it in zip(axes[0], items):
            for s in it.get("series", ()):
                label, x, y = s[0], np.asarray(s[1]), np.asarray(s[2])
                style = s[3] if len(s) > 3 else "-"
                ax.plot(x, y, style, label=label, linewidth=1.4, markersize=4)
            for label, y in it.get("hlines", ()):
                ax.axhline(y, linestyle=":", linewidth=1, color="gray")
                ax.annotate(label, (0.01, y), xycoords=("axes fraction", "data"), fontsize=7)
            for label, x in it.get("vlines", ()):
                _vline(ax, label, x, top=0.98, fontsize=7)
            if it.get("logx"):
                ax.set_xscale("log")
            if it.get("logy"):
                ax.set_yscale("log")
            if it.get("ylim"):
                ax.set_ylim(*it["ylim"])
            ax.set_xlabel(it.get("xlabel", ""))
            ax.set_ylabel(it.get("ylabel", ""))
            ax.set_title(it.get("title", ""), fontsize=10)
            ax.grid(True, which="both", alpha=0.3)
            if it.get("series"):
                ax.legend(fontsize=7)
        if title:
            fig.suptitle(title, fontsize=11)
        fig.tight_layout()
        fig.savefig(out)
    finally:
        plt.close(fig)
    return out


def verdict_of(full: object, partial: object) -> str:
    """A lab's verdict: ``"reproduced"`` if ``full``, else ``"partly"`` if ``partial``,
    else ``"not reproduced"``."""
    if full:
        return "reproduced"
    return "partly" if partial else "not reproduced"


def fig_path(out_dir: str, name: str) -> str:
    return os.path.join(out_dir, f"{name}.png")


def mean_se(x: Any) -> tuple[float, float]:
    """Mean and standard error of a sample (se 0 for one value)."""
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size == 0:
        return float("nan"), float("nan")
    se = float(a.std(ddof=1) / math.sqrt(a.size)) if a.size > 1 else 0.0
    return float(a.mean()), se


def r(x: float, digits: int = 4) -> float:
    """Round for reporting (keeps nan / inf)."""
    x = float(x)
    if not math.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")
