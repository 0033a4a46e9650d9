r"""The sweep's settings as one typed value, :class:`SweepOptions`, and its rates.

Step :math:`i = 0 .. n-1` of a sweep uses

- ``mode="exp"``: :math:`\eta_i = \eta_s (\eta_e/\eta_s)^{i/(n-1)}`,
- ``mode="linear"``: :math:`\eta_i = \eta_s + (\eta_e-\eta_s)\, i/(n-1)`,

first and last rate included. Every finder (:func:`lrkit.find`,
``lrkit.torch.find_lr``, ``lrkit.keras.find_lr``) takes these settings either
as a :class:`SweepOptions` or as the same keyword arguments; the defaults live
here only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, TypedDict

import numpy as np

from .._validate import check_choice, check_int, check_number
from ..errors import ConfigError, ConfigTypeError

__all__ = ["SweepOptions", "SweepKeywords", "sweep_lrs", "sweep_options"]


class SweepKeywords(TypedDict, total=False):
    """The keyword form of :class:`SweepOptions` (for type checkers)."""

    start: float
    end: float
    steps: int
    mode: str
    smooth: float
    diverge: float | None


@dataclass(frozen=True)
class SweepOptions:
    """How a range test sweeps: rates ``start`` to ``end`` over ``steps`` steps.

    Args:
        start, end: the first and last rate (``end > start``; ``start > 0``
            for ``mode="exp"``, ``start >= 0`` for ``"linear"``).
        steps: number of rates (training steps) if the sweep runs to the end (``>= 2``).
        mode: ``"exp"`` (log-spaced rates, the usual choice) or ``"linear"``.
        smooth: factor :math:`\\beta \\in [0, 1)` of the online EMA that
            decides the divergence stop (0 = none).
        diverge: stop when the smoothed loss exceeds the best one by a factor
            ``diverge > 1`` (see :func:`lrkit.find`); ``None`` never stops on
            divergence (a NaN/inf loss still stops).

    >>> SweepOptions(steps=50).replace(end=1.0).end
    1.0
    >>> SweepOptions(start=0.0)
    Traceback (most recent call last):
    ...
    lrkit.errors.ConfigError: find: start must be > 0 (mode='exp'), got 0.0
    """

    start: float = 1e-7
    end: float = 10.0
    steps: int = 100
    mode: str = "exp"
    smooth: float = 0.98
    diverge: float | None = 4.0

    def __post_init__(self) -> None:
        mode = check_choice("find", "mode", self.mode, ("exp", "linear"))
        steps = check_int("find", "steps", self.steps, low=2)
        start = check_number("find", "start", self.start)
        if (mode == "exp" and not start > 0) or start < 0:
            rule = "> 0 (mode='exp')" if mode == "exp" else ">= 0"
            raise ConfigError(f"find: start must be {rule}, got {self.start!r}")
        end = check_number("find", "end", self.end, positive=True)
        if not end > start:
            raise ConfigError(f"find: end must be > start, got start={start!r}, end={end!r}")
        smooth = check_number("find", "smooth", self.smooth, low=0.0, high=1.0, high_open=True)
        diverge = self.diverge
        if diverge is not None:
            diverge = check_number("find", "diverge", diverge, low=1.0, low_open=True)
        for name, value in zip(
            ("start", "end", "steps", "mode", "smooth", "diverge"),
            (start, end, steps, mode, smooth, diverge),
        ):
            object.__setattr__(self, name, value)  # normalised once, at construction

    def replace(self, **changes: Any) -> SweepOptions:
        """A copy with some settings changed (validated again)."""
        return sweep_options(self, **changes)

    def lrs(self) -> np.ndarray:
        """The ``steps`` rates of the sweep (first and last exactly ``start`` and ``end``)."""
        f = np.arange(self.steps, dtype=np.float64) / (self.steps - 1)
        if self.mode == "exp":
            lrs = np.exp(math.log(self.start) + (math.log(self.end) - math.log(self.start)) * f)
        else:
            lrs = self.start + (self.end - self.start) * f
        lrs[0], lrs[-1] = self.start, self.end
        return lrs

    def to_dict(self) -> dict[str, Any]:
        """The settings by name (what ``FinderResult.config`` holds)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def sweep_options(options: SweepOptions | None = None, **keywords: Any) -> SweepOptions:
    """``options`` (default :class:`SweepOptions()`) with ``keywords`` applied on top.

    Unknown keywords raise :class:`~lrkit.errors.ConfigTypeError` naming them.

    >>> sweep_options(steps=30).steps, sweep_options(SweepOptions(steps=30), end=1.0).steps
    (30, 30)
    """
    if options is None:
        options = SweepOptions()
    elif not isinstance(options, SweepOptions):
        raise ConfigTypeError(
            f"find: options must be a SweepOptions, got {options!r} "
            f"({type(options).__name__}); pass start=..., end=... as keywords"
        )
    known = {f.name for f in fields(SweepOptions)}
    unknown = sorted(set(keywords) - known)
    if unknown:
        raise ConfigTypeError(
            f"find: unknown sweep setting(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(known))}"
        )
    if not keywords:
        return options
    return SweepOptions(**{**options.to_dict(), **keywords})


def sweep_lrs(start: float, end: float, steps: int, mode: str = "exp") -> np.ndarray:
    """The ``steps`` learning rates of a sweep from ``start`` to ``end`` (both included).

    >>> sweep_lrs(1e-3, 1e-1, 3).round(6).tolist()
    [0.001, 0.01, 0.1]
    >>> sweep_lrs(0.0, 1.0, 5, "linear").tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    return SweepOptions(start=start, end=end, steps=steps, mode=mode).lrs()
