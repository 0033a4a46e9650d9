"""Helpers shared by the jax and keras adapters (no framework imports): the float32-safe
array namespace and the argument check that turns ``schedule`` into a bound schedule."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ._validate import callable_hint
from .core import Schedule, as_schedule
from .errors import ConfigError, ConfigTypeError

__all__ = ["Float32Safe", "bound_schedule"]


def bound_schedule(owner: str, s: Any, total_steps: Any, steps_per_epoch: Any) -> Schedule:
    """``s`` (schedule, spec string, dict or number) as a schedule bound to the run.

    Raises ``TypeError`` naming ``owner`` for what is none of those, and
    ``ValueError`` (the schedule's own message) when it still has relative
    durations or open ends that ``total_steps``/``steps_per_epoch`` do not resolve.
    """
    try:
        sched = as_schedule(s)
    except TypeError:
        raise ConfigTypeError(
            f"{owner}: schedule must be an lrkit schedule, a spec string, a dict or a number, "
            f"got {s!r}{callable_hint(s)}"
        ) from None
    if total_steps is not None or steps_per_epoch is not None:
        sched = sched.bind(total_steps=total_steps, steps_per_epoch=steps_per_epoch)
    msg = sched.unbound()
    if msg:
        raise ConfigError(msg)
    return sched


class Float32Safe:
    """An array namespace forwarding to ``xp`` except for powers of constants.

    ``power(c, x)`` with a positive Python number ``c`` that float32 cannot hold
    exactly (0.995, 1.3) and an array ``x`` is computed as ``exp(x * log(c))``
    with ``log(c)`` taken in float64: a naive float32 ``0.995 ** t`` drifts by
    about ``t * 6e-8`` relative. Constants exact in float32 (2.0, 0.5, 1.5) keep
    the native power, exact for integer exponents, which SGDR's cycle starts
    rely on. ``zeros_dtype`` fixes the dtype of ``zeros`` (Keras' floatx).
    """

    def __init__(self, xp: Any, zeros_dtype: Any = None) -> None:
        self._xp = xp
        self._zeros_dtype = zeros_dtype

    def __getattr__(self, name: str) -> Any:
        return getattr(self._xp, name)

    def zeros(self, shape: Any) -> Any:
        if self._zeros_dtype is None:
            return self._xp.zeros(shape)
        return self._xp.zeros(shape, dtype=self._zeros_dtype)

    def power(self, a: Any, b: Any) -> Any:
        if (
            isinstance(a, numbers.Real)
            and not isinstance(b, numbers.Real)
            and float(a) > 0
            and float(np.float32(a)) != float(a)
        ):
            return self._xp.exp(b * math.log(float(a)))
        return self._xp.power(a, b)


def sample_steps(sched: Schedule, total_steps: int | None, n: int = 4096) -> np.ndarray | None:
    """Steps at which an adapter checks a bound schedule's values before a run.

    The run covers ``[0, end]`` with ``end`` = ``total_steps``, else the
    schedule's own length; ``None`` when neither is known. Up to ``2n`` steps
    every step is checked; beyond, the first ``n`` steps, ``n`` evenly spaced
    ones and ``end`` (a bounded sample: the adapters also check lazily).
    """
    end = total_steps if total_steps is not None else sched.length
    if end is None:
        return None
    if end < 2 * n:
        return np.arange(end + 1, dtype=np.int64)
    spaced = np.linspace(0, end, n).astype(np.int64)
    return np.unique(np.concatenate([np.arange(n, dtype=np.int64), spaced, [end]]))


def first_nonfinite(
    sched: Schedule, total_steps: int | None, evaluate: Callable[[np.ndarray], Any]
) -> tuple[int, Any] | None:
    """The first checked step at which ``evaluate(steps)`` (an adapter's own evaluation) is
    NaN or infinite, with that value; ``None`` when every value is finite.

    The steps are :func:`sample_steps`, or the first 4096 steps when neither
    the run's nor the schedule's length is known.
    """
    steps = sample_steps(sched, total_steps)
    if steps is None:
        steps = np.arange(4096, dtype=np.int64)
    got = np.asarray(evaluate(steps))
    bad = ~np.isfinite(got)
    if not bad.any():
        return None
    return int(steps[bad][0]), got[bad][0]
