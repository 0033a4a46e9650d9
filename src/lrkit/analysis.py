"""Rules of thumb as code: summaries, half-lives, conversions, scaling rules.

Everything here works on schedule values (numpy only); nothing trains.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ._validate import MAX_STEP, TINY, _digits, check_choice, check_int, check_number
from .core import Schedule
from .errors import ConfigError, ConfigTypeError
from .schedules import Exponential, Step
from .spec import as_schedule

__all__ = [
    "Summary",
    "summary",
    "half_life",
    "step_to_exponential",
    "exponential_to_step",
    "scale_lr",
    "optimal_constant_lr",
    "contraction_rate",
]


@dataclass(frozen=True)
class Summary:
    """Key figures of a schedule over a run of ``total_steps`` steps (0 .. total-1)."""

    spec: str
    total_steps: int
    peak: float
    peak_step: int
    final: float
    min: float
    mean: float
    half_life: int | None  # steps from the peak until the value first halves

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        hl = "never" if self.half_life is None else f"{self.half_life} steps"
        return (
            f"{self.spec}\n  peak {self.peak:.6g} at step {self.peak_step}, "
            f"final {self.final:.6g}, min {self.min:.6g}, mean {self.mean:.6g}, "
            f"half-life at peak {hl}"
        )


def summary(schedule: Any, total_steps: int, steps_per_epoch: int | None = None) -> Summary:
    """Peak, final, min, mean and half-life at the peak over a run.

    >>> summary(lrkit.cosine(1.0, steps=100), 100).half_life
    50
    """
    n = check_int("summary", "total_steps", total_steps, low=1)
    given = as_schedule(schedule)
    s = given.bind(total_steps=n, steps_per_epoch=steps_per_epoch)
    v = s(np.arange(n))
    k = int(np.argmax(v))
    # the half-life at the peak, from the values already computed (as half_life(s, k));
    # a peak <= 0 has none
    below = np.nonzero(v[k + 1 :] <= v[k] / 2.0)[0] if v[k] > 0 else np.zeros(0)
    hl = int(below[0]) + 1 if below.size else None
    return Summary(
        spec=str(given),  # the canonical spec, never the text given (comments, spacing)
        total_steps=n,
        peak=float(v[k]),
        peak_step=k,
        final=float(v[-1]),
        min=float(v.min()),
        mean=float(v.mean()),
        half_life=hl,
    )


def half_life(schedule: Schedule, at: int = 0, horizon: int | None = None) -> int | None:
    """Steps from ``at`` until the value first falls to half of its value at ``at``.

    Returns ``None`` if it never does (within ``horizon`` steps when given;
    otherwise searched up to the schedule's end, or 2**24 (about 16.8
    million) steps for schedules that never end), and when the value at
    ``at`` is not positive (0 or a negative value does not decay by halving:
    it has no half-life). A schedule that never
    increases (cosine, linear, polynomial decays, exponential, step decays, ...)
    is searched by bisection, in O(log n) evaluations; any other is scanned in
    blocks.

    >>> half_life(lrkit.exponential(1.0, gamma=0.5, every=10))
    10
    """
    at = check_int("half_life", "at", at, low=0)
    s = as_schedule(schedule)
    v0 = s(at)
    target = v0 / 2.0
    if horizon is None:
        n = s.length
        limit = (n - at) if n is not None else 2**24
    else:
        limit = check_int("half_life", "horizon", horizon, low=0)
    limit = min(limit, MAX_STEP - at)  # no step past the last one
    if limit <= 0 or not v0 > 0:
        return None
    if isinstance(s, Monotone) and s.nonincreasing():
        return _first_below(s, at, target, limit)
    lo, size = 1, 1024
    while lo <= limit:
        hi = min(lo + size, limit + 1)
        ks = np.arange(lo, hi, dtype=np.int64)
        hit = np.nonzero(s(at + ks) <= target)[0]
        if hit.size:
            return int(ks[hit[0]])
        lo, size = hi, min(size * 2, 1 << 22)
    return None


@runtime_checkable
class Monotone(Protocol):
    """A schedule that can tell whether it never increases (then searches bisect)."""

    def nonincreasing(self) -> bool: ...


def _first_below(s: Schedule, at: int, target: float, limit: int) -> int | None:
    """Smallest ``j`` in ``[1, limit]`` with ``s(at + j) <= target``, ``s`` non-increasing.

    Bisection: O(log limit) evaluations (a billion-step cosine: 30).
    """
    if not s(at + limit) <= target:
        return None
    lo, hi = 0, limit  # invariant: the answer is in (lo, hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if s(at + mid) <= target:
            hi = mid
        else:
            lo = mid
    return hi


def step_to_exponential(schedule: Schedule) -> Exponential:
    r"""The smooth exponential with the same half-life as a step decay.

    ``step(start, gamma, every)`` halves after
    :math:`S\ln 0.5/\ln\gamma` steps on average; the smooth
    ``exponential(start, gamma, every)`` has exactly that half-life and meets
    the staircase at every drop.

    >>> step_to_exponential(lrkit.step(0.1, 0.5, every=30))
    exponential(start=0.1, half_life=30)
    """
    if not isinstance(schedule, Step):
        raise ConfigTypeError(f"step_to_exponential: expected a step schedule, got {schedule}")
    every = schedule.every
    if isinstance(every, int) and schedule.gamma < 1:  # a decay: it has a half-life
        hl = every * math.log(0.5) / math.log(schedule.gamma)
        if abs(hl - round(hl)) < 1e-9:
            return Exponential(schedule.start, half_life=int(round(hl)))
    return Exponential(schedule.start, gamma=schedule.gamma, every=schedule.every)


def exponential_to_step(schedule: Exponential, every: int) -> Step:
    """The step decay dropping every ``every`` steps with the same half-life.

    >>> exponential_to_step(lrkit.exponential(0.1, half_life=30), every=30)
    step(start=0.1, gamma=0.5, every=30)
    """
    if not isinstance(schedule, Exponential):
        raise ConfigTypeError(
            f"exponential_to_step: expected an exponential schedule, got {schedule}"
        )
    e = check_int("exponential_to_step", "every", every, low=1)
    if isinstance(schedule.half_life, int):
        gamma = 0.5 ** (e / schedule.half_life)
    elif schedule.gamma is not None and isinstance(schedule.every, int):
        gamma = schedule.gamma ** (e / schedule.every)
    else:
        raise ConfigError(
            f"exponential_to_step: {schedule} has durations relative to the run; "
            "bind it first (.bind(total_steps=N, steps_per_epoch=K))"
        )
    return Step(schedule.start, gamma, every=e)


def scale_lr(base_lr: float, batch_size: int, base_batch: int = 256, rule: str = "linear") -> float:
    r"""Batch-size scaling of a learning rate tuned at ``base_batch``.

    .. math:: \text{linear: } \eta = \eta_0\,\frac{B}{B_0} \qquad
              \text{sqrt: } \eta = \eta_0\sqrt{B/B_0}

    The linear rule (Goyal et al. 2017) is meant to be used with a warmup.

    >>> scale_lr(0.1, 1024)
    0.4
    """
    lr = check_number("scale_lr", "base_lr", base_lr, positive=True)
    b = check_int("scale_lr", "batch_size", batch_size, low=1)
    b0 = check_int("scale_lr", "base_batch", base_batch, low=1)
    check_choice("scale_lr", "rule", rule, ("linear", "sqrt"))
    try:
        ratio = b / b0
        out = lr * (ratio if rule == "linear" else math.sqrt(ratio))
    except OverflowError:  # an int ratio beyond float64
        out = math.inf
    if not TINY <= out < math.inf:  # out > 0: base_lr > 0 and both batches >= 1
        raise ConfigError(
            f"scale_lr: the scaled rate is beyond float64's normal range (base_lr={base_lr!r}, "
            f"batch_size={_digits(b)}, base_batch={_digits(b0)}); scale a rate of a "
            "sensible size"
        )
    return out


def _curvature(m: Any, M: Any, matrix: Any, owner: str) -> tuple[float, float]:
    if matrix is not None:
        if m is not None or M is not None:
            raise ConfigError(f"{owner}: give either (m, M) or matrix, not both")
        try:
            a = np.asarray(matrix, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigTypeError(
                f"{owner}: matrix must be a square array of numbers, got {matrix!r}"
            ) from None
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ConfigError(f"{owner}: matrix must be square, got shape {a.shape}")
        if a.size == 0:
            raise ConfigError(f"{owner}: matrix must not be empty, got shape {a.shape}")
        if not np.isfinite(a).all():
            raise ConfigError(f"{owner}: matrix must hold finite numbers, got nan or inf in it")
        if not np.allclose(a, a.T, rtol=1e-10, atol=1e-12):
            raise ConfigError(f"{owner}: matrix must be symmetric")
        with np.errstate(all="ignore"):
            ev = np.linalg.eigvalsh(a)
        if not np.isfinite(ev).all():
            raise ConfigError(f"{owner}: the eigenvalues of matrix overflow float64; scale it down")
        m, M = float(ev[0]), float(ev[-1])
        if m <= 0:
            raise ConfigError(
                f"{owner}: matrix must be positive definite, smallest eigenvalue is {m!r}"
            )
        return m, M
    if m is None or M is None:
        raise ConfigError(f"{owner}: give m and M (curvature bounds) or matrix")
    m = check_number(owner, "m", m, positive=True)
    M = check_number(owner, "M", M, positive=True)
    if M < m:
        raise ConfigError(f"{owner}: M must be >= m, got m={m!r}, M={M!r}")
    return m, M


def optimal_constant_lr(
    m: float | None = None, M: float | None = None, matrix: Any = None
) -> float:
    r"""The best constant step for gradient descent on a strongly convex quadratic.

    With curvature (Hessian eigenvalues) in :math:`[m, M]`:

    .. math:: \eta^\* = \frac{2}{m + M}

    which gives the contraction factor :func:`contraction_rate`
    :math:`(M-m)/(M+m)` per step.

    >>> optimal_constant_lr(1.0, 3.0)
    0.5
    """
    m, M = _curvature(m, M, matrix, "optimal_constant_lr")
    return 1.0 / (0.5 * m + 0.5 * M)  # 2 / (m + M), without m + M overflowing


def contraction_rate(
    lr: float | None = None, m: float | None = None, M: float | None = None, matrix: Any = None
) -> float:
    r"""Worst-case error contraction per gradient step at a constant rate.

    .. math:: \rho(\eta) = \max(|1-\eta m|, |1-\eta M|)

    At :math:`\eta = 2/(m+M)` this is :math:`(M-m)/(M+m)`, its minimum.

    >>> contraction_rate(0.5, 1.0, 3.0)
    0.5
    """
    m, M = _curvature(m, M, matrix, "contraction_rate")
    eta = (
        1.0 / (0.5 * m + 0.5 * M)  # 2 / (m + M), without m + M overflowing
        if lr is None
        else check_number("contraction_rate", "lr", lr, positive=True)
    )
    rho = max(abs(1.0 - eta * m), abs(1.0 - eta * M))
    if not math.isfinite(rho):
        raise ConfigError(
            f"contraction_rate: lr * M overflows float64 (lr={eta!r}, M={M!r}); use a smaller lr"
        )
    return rho
