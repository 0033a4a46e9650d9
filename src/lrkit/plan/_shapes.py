"""The candidate schedule shapes the planner chooses between, as lrkit schedules."""

from __future__ import annotations

from typing import Any

from ..core import Schedule
from ..errors import ConfigError

__all__ = ["SHAPES", "ALL_SHAPES", "shape_schedule", "round_peak"]

#: the shapes compared by default (the first is the default and the probes' shape)
SHAPES = ("linear", "wsd", "cosine", "one_cycle")
#: every shape :func:`shape_schedule` knows
ALL_SHAPES = (*SHAPES, "constant")


def round_peak(peak: float) -> float:
    """``peak`` to 3 significant digits (a readable spec)."""
    return float(f"{float(peak):.3g}")


def shape_schedule(
    shape: str,
    peak: float,
    total_steps: int,
    warmup: float = 0.05,
    cooldown: float = 0.2,
    warmup_steps: int | None = None,
) -> Schedule:
    r"""The schedule of ``shape`` with peak ``peak``, bound to ``total_steps``.

    With :math:`T` = ``total_steps``, :math:`w = \lfloor \text{warmup}\cdot T\rceil`
    and :math:`D = \lfloor \text{cooldown}\cdot T\rceil` (at least one step each
    when the fraction is > 0; ``warmup_steps``, when given, sets :math:`w` in
    steps instead — the planner's probes warm up for as many updates as the
    real run, up to half their length):

    - ``wsd``: ``wsd(peak, T, warmup=w, decay=D)``, linear cooldown to 0
      (constant + cooldown, Hägele et al. 2024);
    - ``cosine``: ``warmup(cosine(peak, 0), w)``;
    - ``linear``: ``warmup(linear(peak, 0), w)`` (linear decay to zero,
      Bergsma et al. 2025);
    - ``one_cycle``: ``one_cycle(peak)`` (its own 30 % warm-up from ``peak/25``);
    - ``constant``: ``warmup(constant(peak), w)``.

    >>> print(shape_schedule("wsd", 0.1, 100))
    wsd(peak=0.1, steps=100, warmup=5, decay=20)
    """
    from ..combinators import warmup as _warmup
    from ..schedules import constant, cosine, linear, one_cycle, wsd

    T = int(total_steps)
    w = max(1, round(warmup * T)) if warmup > 0 else 0
    if warmup_steps is not None:
        w = max(0, min(int(warmup_steps), T - 1))
    d = max(1, round(cooldown * T)) if cooldown > 0 else 0
    if shape == "wsd":
        w = min(w, T - d)
        s: Schedule = wsd(peak, steps=T, warmup=max(w, 0), decay=d)
    elif shape == "one_cycle":
        s = one_cycle(peak)
    elif shape in ("cosine", "linear", "constant"):
        base: Any = {"cosine": cosine(peak, 0.0), "linear": linear(peak, 0.0)}.get(
            shape, constant(peak)
        )
        s = _warmup(base, w) if w > 0 else base
    else:
        raise ConfigError(f"plan: shape must be one of {', '.join(ALL_SHAPES)}, got {shape!r}")
    return s.bind(total_steps=T)
