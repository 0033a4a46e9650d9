"""The planner's use of :mod:`lrkit.laws`, isolated so the planner degrades when a fit fails.

Only three things of the laws are used: ``Run(rates, steps, losses)``,
``fit(runs, law=...)`` and, on the fitted law, ``predict``/``final``/``errors``.
Any failure (the module missing, a fit that raises, a non-finite prediction)
returns ``None`` with a reason, and the planner falls back to the probes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["binned_run_data", "fit_probes", "predict_final"]

#: at most this many (binned) points per probe curve go into a fit
MAX_POINTS = 32


def binned_run_data(
    rates: np.ndarray, losses: Sequence[float]
) -> tuple[np.ndarray, np.ndarray] | None:
    """(steps, mean losses) of one probe, averaged in windows of equal length.

    ``losses[i]`` is measured before update ``i``, i.e. after update ``i - 1``:
    the law's step for it is ``i - 1`` (index 0, before any update, is left
    out). Windows of ``ceil((n-1)/MAX_POINTS)`` points are averaged (the
    per-step loss of a mini-batch is noisy; the mean keeps the trend) and
    stamped with their middle step. ``None`` if fewer than 4 points remain or
    a loss is not finite and > 0 (the laws model positive losses).
    """
    y = np.asarray(losses, dtype=np.float64)[1:]
    if y.size < 4 or not np.all(np.isfinite(y)) or np.any(y <= 0):
        return None
    steps = np.arange(y.size)
    w = max(1, -(-y.size // MAX_POINTS))
    n = (y.size // w) * w
    start = y.size - n  # drop the first few points, never the end (where the cooldown is)
    yb = y[start:].reshape(-1, w).mean(axis=1)
    sb = steps[start:].reshape(-1, w)[:, w // 2]
    return sb, yb


#: the planner's law when none is named: the multi-power law, with which its shape rule
#: was built and tested (``lrkit.laws.fit``'s own default, ``DEFAULT_LAW``, is the
#: averaged ``"mean_pqs"``)
PLAN_LAW = "multi_power"


def fit_probes(
    probes: Sequence[tuple[np.ndarray, Sequence[float]]], law: str | None = None
) -> tuple[Any, dict[str, float] | None, str]:
    """Fit a law to ``probes`` (pairs of per-step rates and per-step losses).

    Returns ``(law, errors, why)``: the fitted law and its error on the probes
    themselves (``mean_rel`` ...), or ``(None, None, reason)``.
    """
    try:
        from .. import laws as L
    except ImportError as e:  # the laws are optional for the planner
        return None, None, f"lrkit.laws is not available ({e})"
    runs = []
    for rates, losses in probes:
        data = binned_run_data(rates, losses)
        if data is None:
            continue
        steps, y = data
        runs.append(L.Run(np.asarray(rates[: int(steps[-1]) + 1]), steps, y))
    if len(runs) < 2:
        return None, None, f"only {len(runs)} usable probe curve(s); a law needs 2 or more"
    try:
        fitted = L.fit(runs, law=PLAN_LAW if law is None else law)
        # judged on the points it was fitted on: the laws do not model a warm-up
        after = [a for a in (r.after_warmup() for r in runs) if a is not None]
        errors = fitted.errors(after)
    except Exception as e:  # noqa: BLE001 - any failure of a fit means: do not trust it
        return None, None, f"the law fit failed ({type(e).__name__}: {e})"
    if not all(np.isfinite(v) for v in errors.values() if isinstance(v, float)):
        return None, None, "the law fit gave non-finite errors"
    return fitted, errors, ""


def predict_final(
    fitted: Any, rates: np.ndarray, points: int = 40
) -> tuple[float, tuple[int, ...], tuple[float, ...]] | None:
    """Predicted final loss of the per-step ``rates`` and a coarse predicted curve, or ``None``."""
    T = len(rates)
    try:
        steps = np.unique(np.linspace(1, T - 1, num=min(points, T - 1)).round().astype(np.int64))
        curve = np.asarray(fitted.predict(rates, steps), dtype=np.float64)
    except Exception:  # noqa: BLE001 - a failed prediction is no evidence
        return None
    if not np.all(np.isfinite(curve)):
        return None
    return float(curve[-1]), tuple(int(s) for s in steps), tuple(float(v) for v in curve)
