"""Diagnosis of a range test: why its curve gives no clear answer, and the text report.

:func:`warnings` lists what is wrong with a curve, each with what to change;
``confident`` is true when there is a suggestion and no warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .smooth import step_noise
from .suggest import METHODS, range_base_index, suggest_range, suggestion, too_short, window

if TYPE_CHECKING:
    from .result import FinderResult

__all__ = ["warnings", "confident", "report"]

#: a fall smaller than this fraction of the loss's level is a flat curve
FLAT = 0.02


def _lower_start(
    res: FinderResult,
    start: float,
    linear: str = "sweep with mode='exp' (a linear sweep has few points at small rates)",
) -> str:
    """What to change when the sweep began too high: a lower ``start`` (the example given)
    for an exponential sweep, ``linear`` for a linear one."""
    if res.config.get("mode") == "linear":
        return linear
    return f"lower start (e.g. start={start:.1e})"


def _shape(res: FinderResult) -> list[str]:
    """Warnings about the curve's shape: diverged at once, flat, too noisy."""
    lo, hi = window(res)
    sm, raw = res.curve[lo:hi], res.losses[lo:hi]
    imin = int(np.argmin(sm))
    top = float(np.max(sm[: imin + 1]))
    drop = top - float(sm[imin])
    rise = float(np.max(sm[imin:])) - float(sm[imin])
    scale = max(abs(top), abs(float(sm[imin])), 1e-12)
    # robust step-to-step noise of the raw loss (before the minimum when there is room)
    noise = step_noise(raw[: imin + 1] if imin >= 5 else raw)
    if imin < max(3, (hi - lo) // 10) and rise > max(FLAT * scale, 4.0 * noise):
        hint = _lower_start(  # a linear sweep's first rates are a fraction of end
            res,
            res.lrs[0] / 100,
            f"lower end (the first usable rate of this linear sweep is {res.lrs[lo]:.3g}), "
            "or sweep with mode='exp'",
        )
        return [f"diverged at once: the loss rises from the first steps; {hint}"]
    if drop < FLAT * scale:
        return [
            f"flat curve: the loss falls by only {100 * drop / scale:.1f}% over the "
            "sweep; widen the range (lower start, raise end), raise steps, or check that "
            "step_fn really trains"
        ]
    # the fall measured robustly (medians, so noise extremes do not inflate it)
    lead = float(np.median(sm[: min(5, imin + 1)]))
    floor = float(np.median(sm[max(0, imin - 2) : imin + 3]))
    fall = max(lead - floor, 0.0)
    if noise > 0.25 * fall:
        return [
            f"too noisy: the step-to-step noise of the loss ({noise:.3g}) is comparable "
            f"to its fall ({fall:.3g}); raise smooth (e.g. 0.99), raise steps, or use "
            "larger batches"
        ]
    return []


def _base_in_noise(res: FinderResult) -> str | None:
    """The range's base is not on the descent: the curve there is still within the noise
    of the flat start (its fall from the start's level is under twice the raw noise). When
    the base is the second usable point (the curve falls from the first) there is no flat
    start, and the warning says that instead."""
    found = range_base_index(res)
    if found is None:
        return None
    ib, im = found
    lo, _ = window(res)
    z = res.curve
    lead = float(np.median(z[lo : lo + max(3, (ib - lo) // 4 + 1)]))
    noise = step_noise(res.losses[lo : im + 1])
    if lead - float(z[ib]) >= 2.0 * noise and float(z[ib]) - float(z[im]) > 2.0 * noise:
        return None
    base, top = suggest_range(res)  # type: ignore[misc]
    if ib == lo + 1:  # below the 10% line from the first usable point: no flat start seen
        hint = _lower_start(res, res.lrs[lo] / 100)
        return (
            f"the range's base {base:.3g} is where the usable points begin: the loss already "
            f"falls at the first one (lr={res.lrs[lo]:.3g}), so max/base = {top / base:.0f} is "
            f"not measured; {hint}"
        )
    return (
        f"the range's base {base:.3g} lies in the flat, noisy start of the curve (its fall "
        f"there is within the loss's noise {noise:.3g}), so max/base = {top / base:.0f} is not "
        "measured; raise steps or smooth, or use a larger batch"
    )


def _end(res: FinderResult, flat: bool) -> list[str]:
    """Warnings about how the sweep ended: never diverged, data ran out."""
    out = []
    if res.stop_reason == "exhausted":
        out.append(
            f"stopped early: {res.stop_detail or 'the data ran out'}; the sweep did not "
            "reach end — pass data that can be iterated again (a list, a DataLoader) or lower steps"
        )
    if res.stop_reason == "completed" and not flat:
        lo, hi = window(res)
        sm = res.curve[lo:hi]
        imin = int(np.argmin(sm))
        drop = float(np.max(sm[: imin + 1])) - float(sm[imin])
        if imin >= len(sm) - 3 or float(sm[-1]) < float(sm[imin]) + 0.25 * drop:
            out.append(
                "never diverged within the sweep: the loss was still low at the end, so "
                "the minimum and the range's max may be too small; raise end "
                f"(e.g. end={res.lrs[-1] * 10:.1e})"
            )
    return out


def _auto_below(res: FinderResult) -> str | None:
    """The default rate lies below every rate the sweep measured (a decade below an edge
    that came within a decade of the start): the loss there was not seen."""
    lr = suggestion(res).lr
    pos = res.lrs[res.lrs > 0]
    if lr is None or not len(pos) or lr >= float(pos.min()):
        return None
    hint = _lower_start(res, lr / 10)
    return (
        f"auto {lr:.3g} lies below the swept rates (the lowest is {float(pos.min()):.3g}): the "
        f"loss was not measured there; {hint}"
    )


def warnings(res: FinderResult) -> list[str]:
    """Why the curve gives no clear answer, each with what to change (may be empty)."""
    short = too_short(res)
    if short is not None:
        return [short, *_end(res, flat=True)]  # and why the sweep ended early, if it did
    out = _shape(res)
    flat = any(w.startswith("flat curve") for w in out)
    if not out:
        base = _base_in_noise(res)
        if base is not None:
            out.append(base)
    out += _end(res, flat)
    below = _auto_below(res)
    if below is not None:
        out.append(below)
    parts = [suggestion(res, m).lr for m in ("steep", "valley", "minimum")]
    got = [p for p in parts if p is not None]
    if len(got) >= 2 and max(got) / min(got) > 100.0:
        shown = ", ".join("none" if p is None else f"{p:.2g}" for p in parts)
        out.append(
            f"the methods disagree by {max(got) / min(got):.0f}x "
            f"(steep, valley, minimum = {shown}); "
            "the curve has no clear answer: raise steps or smooth and look at the plot"
        )
    return out


def confident(res: FinderResult) -> bool:
    """True when there is a default suggestion and the curve raised no warning."""
    return suggestion(res).lr is not None and not warnings(res)


def report(res: FinderResult) -> str:
    """Suggestions (each with what it is for), range, stop reason and warnings as text."""
    first = float(res.config.get("start", res.lrs[0] if len(res.lrs) else 0.0))
    stop = f" at lr={res.stop_lr:.3g}" if res.stop_lr is not None else ""
    lines = [
        f"range test: {len(res.lrs)} points from lr={first:.3g}"
        f" ({res.calls} steps, {res.seconds:.2f} s), stopped: {res.stop_reason}{stop}"
    ]
    short = too_short(res)
    for m in METHODS:
        s = suggestion(res, m)
        val = f"{s.lr:.3g}" if s.lr is not None else "none"
        if s.lr is None and short is None:
            val += f" ({s.reason})"
        lines.append(f"  {m:<8} {val:<10} {_auto_for(res) if m == 'auto' else _FOR[m]}")
    r = suggest_range(res)
    lines.append(
        "  range    " + ("none" if r is None else f"{r[0]:.3g} .. {r[1]:.3g}  (cycle: base, peak)")
    )
    lines.append(f"  confident: {'yes' if confident(res) else 'no'}")
    for w in warnings(res):
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def _auto_for(res: FinderResult) -> str:
    """What the default suggestion read on this curve: a decade below the divergence edge,
    or, when the sweep never diverged, the minimum over sqrt(10) (or, without a usable
    minimum, valley's rate; :func:`lrkit.finder.suggest.auto`)."""
    from .suggest import divergence_edge, minimum

    if suggestion(res).lr is None or divergence_edge(res) is not None:
        return _FOR["auto"]
    if minimum(res).lr is None:
        return "(default: a constant rate; no usable minimum: valley's rate)"
    return "(default: a constant rate, the minimum / sqrt(10): the sweep never diverged)"


_FOR = {
    "auto": "(default: a constant rate, a decade below divergence)",
    "steep": "(fastest fall: aggressive)",
    "valley": "(conservative)",
    "minimum": "(where the loss stops falling: a schedule's peak)",
}
