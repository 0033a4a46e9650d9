r"""Planning a schedule from a fitted law: minimize the predicted final loss.

Two families, both returned as lrkit schedules whose spec round-trips:

- ``"wsd"``: ``wsd(peak, steps=T, warmup=w, decay=D, end=e, shape=s)``; a
  grid over the cooldown fraction :math:`D/(T - w)` of the steps after the warmup
  (1 % to 80 %, in 1 % steps), the shape (linear, cos, sqrt) and the end value (0,
  1 %, 10 % of the peak), refined to the step by a bounded scalar search around the
  best cell (so a cooldown is at most 81 % of those steps; ``"interpolate"`` is not
  bound so).
- ``"interpolate"``: a free monotone shape held at the peak after the warmup:
  ``interpolate`` through :math:`K` evenly spaced knots (``knots``, 2 to 64, at most
  ``total_steps - warmup``) with values
  :math:`v_j = \text{peak}\prod_{i \le j} r_i`, :math:`r_i \in [0, 1]`
  (monotone by construction), optimized with L-BFGS-B on
  :math:`\hat L(T-1)`; the WSD optimum is the starting point.

Each evaluation of :math:`\hat L(T-1)` sums the drops once (:math:`O(T)`).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..core import Schedule
from ..errors import ConfigError, ConfigTypeError, NonFiniteError
from ._run import MAX_RUN_STEPS

__all__ = ["optimize", "FAMILIES"]

FAMILIES = ("wsd", "interpolate")
_SHAPES = ("linear", "cos", "sqrt")
_ENDS = (0.0, 0.01, 0.1)


def _check(total_steps: Any, peak: Any, warmup: Any, family: Any, knots: Any) -> None:
    if isinstance(total_steps, bool) or not isinstance(total_steps, numbers.Integral):
        raise ConfigError(f"optimize: total_steps must be an int >= 10, got {total_steps!r}")
    if isinstance(warmup, numbers.Integral) and not isinstance(warmup, bool):
        warmup = int(warmup)
    if isinstance(knots, numbers.Integral) and not isinstance(knots, bool):
        knots = int(knots)
    total_steps = int(total_steps)
    if total_steps < 10:
        raise ConfigError(f"optimize: total_steps must be an int >= 10, got {total_steps!r}")
    if total_steps > MAX_RUN_STEPS:
        raise ConfigError(
            f"optimize: total_steps must be at most {MAX_RUN_STEPS:,} (the laws hold one rate "
            f"per step), got {total_steps!r}"
        )
    if isinstance(peak, bool) or not isinstance(peak, numbers.Real):
        raise ConfigTypeError(f"optimize: peak must be a number, got {peak!r}")
    if not (math.isfinite(float(peak)) and float(peak) > 0):
        raise ConfigError(f"optimize: peak must be a finite number > 0, got {peak!r}")
    if (
        isinstance(warmup, bool)
        or not isinstance(warmup, int)
        or not 0 <= warmup < total_steps // 2
    ):
        raise ConfigError(f"optimize: warmup must be an int in [0, total_steps/2), got {warmup!r}")
    if family not in FAMILIES:
        raise ConfigError(f"optimize: family must be one of {', '.join(FAMILIES)}, got {family!r}")
    if isinstance(knots, bool) or not isinstance(knots, int) or not 2 <= knots <= 64:
        raise ConfigError(f"optimize: knots must be an int in [2, 64], got {knots!r}")
    if family == "interpolate" and knots > total_steps - warmup:  # a knot per step at most
        raise ConfigError(
            f"optimize: knots must be at most total_steps - warmup = {total_steps - warmup} "
            f"(one knot per step after the warmup), got {knots!r}"
        )


def _final(law: Any, s: Schedule, total: int) -> float:
    try:
        return float(law.final(s, total_steps=total))
    except NonFiniteError:  # the law overflows on this candidate: never the best
        return math.inf


def _wsd(law: Any, T: int, peak: float, w: int) -> tuple[Schedule, float]:
    from .._deps import require

    minimize_scalar = require("scipy.optimize", "laws", "Law.optimize").minimize_scalar

    from ..schedules import wsd

    room = T - w
    best: tuple[float, float, str, float] | None = None
    for frac in np.arange(0.01, 0.81, 0.01):
        D = max(1, int(round(frac * room)))
        for shape in _SHAPES:
            for e in _ENDS:
                v = _final(law, wsd(peak, steps=T, warmup=w, decay=D, end=e * peak, shape=shape), T)
                if best is None or v < best[0]:
                    best = (v, float(D), shape, e)
    assert best is not None
    _, D0, shape, e = best

    def obj(D: float) -> float:
        s = wsd(peak, steps=T, warmup=w, decay=max(1, int(round(D))), end=e * peak, shape=shape)
        return _final(law, s, T)

    lo, hi = max(1.0, D0 - 0.01 * room), min(float(room), D0 + 0.01 * room)
    r = minimize_scalar(obj, bounds=(lo, hi), method="bounded", options={"xatol": 1.0})
    D = int(round(r.x)) if r.fun < best[0] else int(D0)
    s = wsd(peak, steps=T, warmup=w, decay=max(1, D), end=e * peak, shape=shape)
    return s, _final(law, s, T)


def _free(law: Any, T: int, peak: float, w: int, knots: int, start: Schedule) -> Schedule:
    from .._deps import require

    minimize = require("scipy.optimize", "laws", "Law.optimize").minimize

    from ..combinators import warmup as warm
    from ..schedules import interpolate

    room = T - w
    xs = np.linspace(0, room, knots + 1).round().astype(int)
    v0 = np.maximum(np.asarray(start(w + np.minimum(xs, room - 1)), float), 1e-6 * peak)
    r0 = np.clip(v0 / np.concatenate([[peak], v0[:-1]]), 0.0, 1.0)

    def build(r: np.ndarray) -> Schedule:
        v = peak * np.cumprod(np.clip(r, 0.0, 1.0))
        pts = [(int(x), float(f"{y:.6g}")) for x, y in zip(xs, v)]
        base = interpolate(pts)
        return warm(base, steps=w, start=0.0) if w > 0 else base

    def obj(r: np.ndarray) -> float:
        return _final(law, build(r), T)

    res = minimize(
        obj,
        r0,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * r0.size,
        options={"maxiter": 60, "eps": 1e-4},
    )
    return build(res.x if res.fun <= obj(r0) else r0)


def optimize(
    law: Any,
    total_steps: int,
    peak: float,
    *,
    warmup: int = 0,
    family: str = "wsd",
    knots: int = 16,
) -> Schedule:
    """The schedule of ``family`` with this ``peak`` and ``warmup`` that minimizes
    ``law``'s predicted loss after ``total_steps`` updates (see the module notes).

    The result is an lrkit schedule (``wsd(...)``, or ``interpolate(...)`` behind a
    linear ``warmup`` from 0 when ``warmup > 0``) with ``lrkit.parse(str(s)) == s``.
    """
    _check(total_steps, peak, warmup, family, knots)
    total_steps, warmup, knots, peak = int(total_steps), int(warmup), int(knots), float(peak)
    s, _ = _wsd(law, total_steps, peak, warmup)
    if family == "wsd":
        return s
    return _free(law, total_steps, peak, warmup, knots, s)
