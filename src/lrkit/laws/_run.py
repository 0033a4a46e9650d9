"""A recorded run (schedule + logged losses) and turning any schedule into per-step rates."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_int
from ..core import Schedule, as_schedule
from ..errors import ConfigError, ConfigTypeError, NonFiniteError

__all__ = ["Run", "rates", "as_steps", "own_steps", "MAX_RUN_STEPS"]

#: the longest run the laws take: they hold one float64 rate per step (800 MB here)
MAX_RUN_STEPS = 100_000_000


def rates(
    schedule: Any, total: int, *, owner: str = "schedule", total_steps: int | None = None
) -> np.ndarray:
    """Per-step rates ``η_0 .. η_{total-1}`` of ``schedule``.

    ``schedule``: an lrkit schedule (bound, or bound here to ``total_steps``, default
    ``total``), a spec string or a spec dict (the same), or a 1-D array of per-step rates
    from step 0 (at least ``total`` long). Rates must be finite and >= 0, and not all 0.
    ``total`` is an int from 1 to :data:`MAX_RUN_STEPS`.
    """
    total = check_int("rates", "total", total, low=1)
    if total_steps is not None:
        total_steps = check_int("rates", "total_steps", total_steps, low=1)
    if total > MAX_RUN_STEPS:
        raise ConfigError(
            f"{owner}: the run spans {total:,} steps (its last step is {total - 1:,}); the "
            f"laws hold one rate per step, at most {MAX_RUN_STEPS:,} steps"
        )
    if isinstance(schedule, (Schedule, str, dict)):
        s = as_schedule(schedule)
        if not s.is_bound:
            s = s.bind(total_steps=total if total_steps is None else total_steps)
        eta = np.asarray(s(np.arange(total)), dtype=np.float64)
    elif isinstance(schedule, numbers.Real) and not isinstance(schedule, bool):
        eta = np.full(total, float(schedule))
    else:
        try:
            if schedule is None or np.asarray(schedule).dtype.kind in "bUS":
                raise TypeError  # None, bools or strings ("0.01" would be read as 0.01)
            eta = np.asarray(schedule, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigTypeError(
                f"{owner} must be an lrkit schedule, a spec or a 1-D array of rates, "
                f"got {type(schedule).__name__}"
            ) from None
        if eta.ndim != 1:
            raise ConfigError(f"{owner} must be a 1-D array of rates, got shape {eta.shape}")
        if eta.size < total:
            raise ConfigError(
                f"{owner}: the array has {eta.size} rates but steps up to {total - 1} "
                f"need at least {total}"
            )
        eta = eta[:total]
    if not np.isfinite(eta).all():
        raise NonFiniteError(f"{owner}: rates must be finite, got {eta[~np.isfinite(eta)][0]}")
    if (eta < 0).any():
        raise ConfigError(f"{owner}: rates must be >= 0, got {eta[eta < 0][0]:g}")
    if not (eta > 0).any():
        raise ConfigError(f"{owner}: rates must not all be 0")
    return eta


def own_steps(schedule: Schedule) -> int | None:
    """The run's length an unbound schedule names itself (``wsd(..., steps=3000,
    decay="20%")``: unbound, its decay a share of the run, its ``steps`` the run's), else
    ``None``. Only a ``steps`` that runs to the end of the run counts: a combinator's
    ``steps`` (``warmup(..., steps=200)``) is its own part's length."""
    if schedule.is_bound:
        return None
    for p in schedule.params:
        if p.name == "steps" and getattr(p.marker, "to_end", False):
            v = getattr(schedule, p.name)
            return v if isinstance(v, int) and not isinstance(v, bool) else None
    return None


def _a_bool_in(owner: str, values: Any, what: str) -> None:
    """Refuse a list or tuple holding a bool among numbers (numpy reads ``[True, 2]`` as
    ``[1, 2]``; an array of bools only is refused by its dtype)."""
    if isinstance(values, (list, tuple)):
        b = next((v for v in values if isinstance(v, (bool, np.bool_))), None)
        if b is not None:
            raise ConfigTypeError(f"{owner} must be {what}, got {bool(b)} in {values!r:.80}")


def as_steps(steps: Any, owner: str = "steps") -> np.ndarray:
    """``steps`` as a 1-D int64 array of non-negative step numbers."""
    _a_bool_in(owner, steps, "integers")
    a = np.asarray(steps)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1 or a.size == 0:
        raise ConfigError(f"{owner} must be a non-empty 1-D list of steps, got shape {a.shape}")
    if a.dtype.kind == "f":
        off = ~np.isfinite(a) | (a != np.round(a))  # inf == round(inf): named by isfinite
        if off.any():
            raise ConfigError(f"{owner} must be whole step numbers, got {float(a[off][0])!r}")
        if (np.abs(a) >= 2.0**63).any():  # the int64 cast would wrap around
            raise ConfigError(f"{owner} must be < 2**63, got {float(a[np.abs(a) >= 2.0**63][0]):g}")
        a = a.astype(np.int64)
    if a.dtype.kind not in "iu":
        raise ConfigTypeError(f"{owner} must be integers, got dtype {a.dtype}")
    if a.dtype.kind == "u" and (a >= 2**63).any():  # the int64 cast would wrap around
        raise ConfigError(f"{owner} must be < 2**63, got {int(a[a >= 2**63][0])}")
    a = a.astype(np.int64)
    if (a < 0).any():
        raise ConfigError(f"{owner} must be >= 0, got {int(a.min())}")
    return a


@dataclass(frozen=True, eq=False)
class Run:
    """One recorded training run: its schedule and the logged (step, loss) pairs.

    ``schedule``: an lrkit schedule (bound, or bound here to ``total_steps``,
    default the run's length it names, as ``wsd(..., steps=3000, decay="20%")``, else
    the last logged step + 1), a spec string, or a 1-D array of the per-step rates from
    step 0. ``steps``: strictly increasing step numbers;
    ``losses``: the loss logged after the update at each of those steps
    (finite, > 0). ``name`` labels the run in reports and figures.

    >>> import lrkit
    >>> r = Run(lrkit.constant(0.1), [10, 20], [2.0, 1.5])
    >>> r.eta.shape, float(r.eta[0])
    ((21,), 0.1)
    """

    schedule: Any
    steps: Any
    losses: Any
    name: str = ""
    total_steps: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ConfigTypeError(f"Run: name must be a string, got {self.name!r}")
        steps = as_steps(self.steps, "Run: steps")
        _a_bool_in("Run: losses", self.losses, "numbers")
        raw = np.asarray(self.losses)
        if raw.dtype.kind in "bUSc":  # bools, strings ("1.5" would be read as 1.5), complex
            raise ConfigTypeError(
                f"Run: losses must be numbers, got {raw.ravel()[:3].tolist()!r:.80} "
                f"(dtype {raw.dtype})"
            )
        if raw.ndim > 1:  # as steps: a table's rows are not one curve
            raise ConfigError(f"Run: losses must be a 1-D list of losses, got shape {raw.shape}")
        losses = raw.astype(np.float64).ravel()
        if losses.shape != steps.shape:
            raise ConfigError(
                f"Run: steps and losses must have the same length, got {steps.size} "
                f"and {losses.size}"
            )
        if not np.isfinite(losses).all():
            raise NonFiniteError("Run: losses must be finite (drop the NaN/inf rows)")
        if (losses <= 0).any():
            raise ConfigError(f"Run: losses must be > 0, got {losses[losses <= 0][0]:g}")
        if (np.diff(steps) <= 0).any():
            raise ConfigError("Run: steps must be strictly increasing")
        total = int(steps[-1]) + 1
        if self.total_steps is not None:
            if isinstance(self.total_steps, bool) or not isinstance(
                self.total_steps, numbers.Integral
            ):
                raise ConfigTypeError(f"Run: total_steps must be an int, got {self.total_steps!r}")
            object.__setattr__(self, "total_steps", int(self.total_steps))
            if self.total_steps < total:
                raise ConfigError(
                    f"Run: total_steps must be > the last step {total - 1}, got {self.total_steps}"
                )
            if self.total_steps > MAX_RUN_STEPS:
                raise ConfigError(
                    f"Run: total_steps must be at most {MAX_RUN_STEPS:,} (the laws hold one rate "
                    f"per step), got {self.total_steps}"
                )
        length = self.total_steps
        if length is None and isinstance(self.schedule, (Schedule, str, dict)):
            length = own_steps(as_schedule(self.schedule))  # the length the spec names
        eta = rates(self.schedule, total, owner="Run: schedule", total_steps=length)
        if self.total_steps is not None and not isinstance(
            self.schedule, (Schedule, str, dict, numbers.Real)
        ):  # an array of rates: the run's length is what it gives
            n = int(np.asarray(self.schedule).size)
            if self.total_steps > n:
                raise ConfigError(
                    f"Run: total_steps must be at most the {n} rates of the schedule's array "
                    f"(the run's rates from step 0), got {self.total_steps}"
                )
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "losses", losses)
        object.__setattr__(self, "_eta", eta)

    @property
    def _defined(self) -> np.ndarray:
        """Mask of the logged points a law can predict: those after the first non-zero rate
        (before it ``S(t) = 0``); the last point is always one."""
        return np.cumsum(self._eta)[self.steps] > 0  # type: ignore[attr-defined,no-any-return]

    @property
    def _after_warmup(self) -> np.ndarray:
        """Mask of the logged points after the warmup: later than the step of the (first)
        highest rate. A fit leaves the others out by default (``fit(skip_warmup=True)``):
        the laws do not model a warmup."""
        return self.steps > int(np.argmax(self._eta))  # type: ignore[attr-defined,no-any-return]

    def after_warmup(self) -> Run | None:
        """This run with only its points after the warmup and where a law has a value: the
        points :func:`lrkit.laws.fit` fits by default, so the ones to judge a fitted law on
        (``law.errors([r.after_warmup() for r in runs])``). ``None`` when no point is left.

        >>> import lrkit
        >>> r = Run(lrkit.warmup(lrkit.constant(0.1), steps=10), [5, 10, 20], [3.0, 2.0, 1.5])
        >>> r.after_warmup().steps.tolist()  # the peak rate is reached at step 10
        [20]
        """
        keep = self._after_warmup & self._defined
        if not keep.any():
            return None
        return Run(self.eta, self.steps[keep], self.losses[keep], name=self.name)

    @property
    def eta(self) -> np.ndarray:
        """The per-step rates from step 0 to the last logged step."""
        return self._eta  # type: ignore[attr-defined,no-any-return]

    def __repr__(self) -> str:
        return f"Run({self.name or 'unnamed'!r}, {self.steps.size} points)"
