"""The catalogue of schedule shapes.

Notation in the docstrings: ``t`` is the zero-based optimizer step, ``T`` a
shape's ``steps``; ``min(t, T)`` means the shape holds its final value past
its end. Every class is also reachable under its spec name (``lrkit.cosine``
is ``Cosine``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np

from ._validate import check_bool, check_int, check_number
from .core import (
    Array,
    Choice,
    Count,
    Duration,
    Durations,
    Flag,
    Namespace,
    OptReal,
    Points,
    Real,
    Reals,
    Schedule,
    Steps,
    finite_range,
    frac,
    register,
    steps_of,
)
from .errors import ConfigError, ConfigTypeError

__all__ = [
    "Constant",
    "Linear",
    "Cosine",
    "Polynomial",
    "Exponential",
    "Step",
    "MultiStep",
    "Piecewise",
    "Interpolate",
    "InverseTime",
    "InverseSqrt",
    "SGDR",
    "Cyclic",
    "OneCycle",
    "WSD",
    "Tanh",
    "Table",
    "Custom",
]

#: up to this many breakpoints, select with `where`; beyond, bisect with searchsorted
_FEW = 4

#: a positive duration (int steps, "N%", "Nep")
Every = Annotated[int | str, Duration()]
#: a duration that may be 0
Span = Annotated[int | str, Duration(allow_zero=True)]
#: an optional count (``sgdr``'s ``cycles``)
OptCount = Annotated[int | None, Count(optional=True)]


@register
@dataclass(frozen=True, repr=False)
class Constant(Schedule):
    r"""A constant value.

    .. math:: \eta_t = \text{value}

    ``steps`` (optional) only gives the schedule a length, so that it can be
    a middle phase of :func:`lrkit.sequence`.

    >>> constant(0.1)(7)
    0.1
    """

    name = "constant"
    value: Real
    #: optional: None is fine (a constant has no end)
    steps: Annotated[int | str | None, Duration(optional=True)] = None

    def _length(self) -> int | None:
        return None if self.steps is None else steps_of(self.steps)

    def peak_step(self) -> int:
        return 0

    def nonincreasing(self) -> bool:
        return True

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return t * 0.0 + self.value


class _Ramp:
    """What ``linear``, ``cosine`` and ``polynomial`` share: they move from ``start`` to
    ``end`` over ``steps``, then hold ``end``."""

    start: Real
    end: Real
    steps: Steps

    def _length(self) -> int | None:
        return steps_of(self.steps)

    def peak_step(self) -> int:
        """First step of the maximum: 0 when it decays, its end when it rises."""
        return 0 if self.start >= self.end else steps_of(self.steps)

    def nonincreasing(self) -> bool:
        return self.start >= self.end


@register
@dataclass(frozen=True, repr=False)
class Linear(_Ramp, Schedule):
    r"""Linear interpolation from ``start`` to ``end`` over ``steps``, then hold ``end``.

    .. math:: \eta_t = \text{start} + (\text{end}-\text{start})\,\frac{\min(t,T)}{T}

    Same values as PyTorch's ``LinearLR`` (as factors of the base rate) and
    HuggingFace's linear decay.

    >>> linear(1.0, 0.0, steps=4)(2)
    0.5
    """

    name = "linear"
    start: Real
    end: Real
    steps: Steps = None

    def _check(self) -> None:
        finite_range(self.name, "end - start", self.end - self.start)

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return self.start + (self.end - self.start) * frac(t, steps_of(self.steps), xp)


@register
@dataclass(frozen=True, repr=False)
class Cosine(_Ramp, Schedule):
    r"""Cosine annealing from ``start`` to ``end`` over ``steps``, then hold ``end``.

    With :math:`f = (\min(t,T)/T)^k`, :math:`e` = ``exponent`` and :math:`c` = ``cycles``:

    .. math:: \eta_t = \text{end} + (\text{start}-\text{end})
              \left(\tfrac12\left(1+\cos 2\pi c f\right)\right)^{e}

    With the defaults ``k = 1``, ``exponent = 1`` this is PyTorch's
    ``CosineAnnealingLR`` (``T_max=T``, ``eta_min=end``) for ``t <= T``.
    Deliberate difference: past ``T`` PyTorch's cosine rises again (it is
    periodic); lrkit holds ``end``. HuggingFace's cosine also rises again
    past ``num_training_steps``. ``exponent`` is optax's
    ``cosine_decay_schedule(exponent=...)``; ``k`` is timm's k-decay
    (``k_decay``, Zhang & Li 2020: :math:`t^k/T^k` in place of :math:`t/T`).
    ``cycles`` (default 0.5: half a cosine, from ``start`` down to ``end``) is
    HuggingFace's ``num_cycles``: 1.5 goes down, up and down again; past
    ``T`` the value at ``T`` holds.

    >>> cosine(1.0, 0.0, steps=100)(50)
    0.5
    """

    name = "cosine"
    start: Real
    end: Real = 0.0
    steps: Steps = None
    exponent: Real = field(default=1.0, kw_only=True)
    k: Real = field(default=1.0, kw_only=True)
    cycles: Real = field(default=0.5, kw_only=True)

    def _check(self) -> None:
        finite_range(self.name, "start - end", self.start - self.end)
        check_number(self.name, "exponent", self.exponent, positive=True)
        check_number(self.name, "k", self.k, positive=True)
        check_number(self.name, "cycles", self.cycles, positive=True)

    def peak_step(self) -> int:
        if self.cycles == 0.5:
            return super().peak_step()
        if self.start >= self.end:  # it starts at its top
            return 0
        # it rises to `end` at T / (2 cycles), maybe between two steps: look at the values
        n = steps_of(self.steps)
        return int(np.argmax(self._eval(np.arange(n + 1, dtype=np.float64), np)))

    def nonincreasing(self) -> bool:
        return self.start >= self.end and self.cycles <= 0.5

    def _eval(self, t: Array, xp: Namespace) -> Array:
        f = frac(t, steps_of(self.steps), xp)
        if self.k != 1.0:
            f = xp.power(f, self.k)
        angle = math.pi * f if self.cycles == 0.5 else (2.0 * math.pi * self.cycles) * f
        if self.exponent == 1.0:  # the plain cosine, computed as it always was
            return self.end + (self.start - self.end) * (1.0 + xp.cos(angle)) / 2.0
        c = xp.maximum((1.0 + xp.cos(angle)) / 2.0, 0.0)
        return self.end + (self.start - self.end) * xp.power(c, self.exponent)


@register
@dataclass(frozen=True, repr=False)
class Polynomial(_Ramp, Schedule):
    r"""Polynomial decay from ``start`` to ``end`` over ``steps``.

    .. math:: \eta_t = (\text{start}-\text{end})\left(1-\frac{\min(t,T)}{T}\right)^{p} + \text{end}

    Same as Keras' ``PolynomialDecay`` (``cycle=False``) and PyTorch's
    ``PolynomialLR`` (``end=0``). With ``cycle=True`` (Keras'
    ``PolynomialDecay(cycle=True)``) the decay restarts with a longer period
    instead of holding ``end``: :math:`\min(t,T)/T` becomes :math:`t/D_t` with
    :math:`D_t = T\max(1, \lceil t/T\rceil)`; then it never ends.

    >>> polynomial(1.0, 0.0, steps=10, power=2)(5)
    0.25
    """

    name = "polynomial"
    start: Real
    end: Real
    steps: Steps = None
    power: Real = 1.0
    cycle: Flag = field(default=False, kw_only=True)

    def _check(self) -> None:
        check_number(self.name, "power", self.power, positive=True)
        finite_range(self.name, "start - end", self.start - self.end)

    def _length(self) -> int | None:
        return None if self.cycle else steps_of(self.steps)

    def nonincreasing(self) -> bool:
        return self.start >= self.end and not self.cycle

    def _eval(self, t: Array, xp: Namespace) -> Array:
        if self.cycle:
            n = float(steps_of(self.steps))
            q = xp.ceil(t / n)
            q = xp.where((q - 1.0) * n >= t, q - 1.0, q)  # t/n rounded up past an integer
            f = t / (n * xp.maximum(q, 1.0))
        else:
            f = frac(t, steps_of(self.steps), xp)
        # max(., 0): in float32 (jax/keras) t/T can round to 1 + 1 ulp at t = T
        return (self.start - self.end) * xp.power(xp.maximum(1.0 - f, 0.0), self.power) + self.end


@register
@dataclass(frozen=True, repr=False)
class Exponential(Schedule):
    r"""Exponential decay, smooth or staircase.

    .. math:: \eta_t = \text{start}\cdot\gamma^{p},\qquad
              p = t/\text{every}\ \text{(smooth)}\ \text{or}\ \lfloor t/\text{every}\rfloor\
              \text{(staircase)}

    Give either ``gamma`` (factor per ``every`` steps) or ``half_life`` (steps
    for the value to halve: ``gamma = 0.5 ** (every / half_life)``). The
    continuous form ``start * exp(-k t)`` is ``gamma = exp(-k)``. Same as
    optax's ``exponential_decay`` and Keras' ``ExponentialDecay``; with
    ``every=1`` PyTorch's ``ExponentialLR``. Never ends (no final value).

    >>> exponential(1.0, half_life=10)(20)
    0.25
    """

    name = "exponential"
    start: Real
    gamma: OptReal = None
    half_life: Annotated[int | str | None, Duration(optional=True)] = None
    every: Every = 1
    staircase: Flag = False

    def _check(self) -> None:
        if (self.gamma is None) == (self.half_life is None):
            raise ConfigError(
                f"exponential: give exactly one of gamma or half_life, got "
                f"gamma={self.gamma!r}, half_life={self.half_life!r}"
            )
        if self.gamma is not None:
            check_number(self.name, "gamma", self.gamma, positive=True)

    def factor(self) -> float:
        """The decay factor per ``every`` steps (bound schedule)."""
        if self.gamma is not None:
            return float(self.gamma)
        return 0.5 ** (steps_of(self.every) / steps_of(self.half_life))

    def nonincreasing(self) -> bool:
        return self.start >= 0 and (self.gamma is None or self.gamma <= 1.0)

    def _eval(self, t: Array, xp: Namespace) -> Array:
        every = float(steps_of(self.every))
        p = t / every
        if self.staircase:
            p = xp.floor(p)
        if self.gamma is not None:
            return self.start * xp.power(self.gamma, p)
        return self.start * xp.power(0.5, p * (every / float(steps_of(self.half_life))))


@register
@dataclass(frozen=True, repr=False)
class Step(Schedule):
    r"""Step decay: multiply by ``gamma`` every ``every`` steps.

    .. math:: \eta_t = \text{start}\cdot\gamma^{\lfloor t/S\rfloor}

    PyTorch's ``StepLR`` (``step_size=S``). Never ends.

    >>> step(1.0, 0.5, every=10)(25)
    0.25
    """

    name = "step"
    start: Real
    gamma: Real
    every: Every

    def _check(self) -> None:
        check_number(self.name, "gamma", self.gamma, positive=True)

    def nonincreasing(self) -> bool:
        return self.start >= 0 and self.gamma <= 1.0

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return self.start * xp.power(self.gamma, xp.floor(t / float(steps_of(self.every))))


@register
@dataclass(frozen=True, repr=False)
class MultiStep(Schedule):
    r"""Multiply by ``gamma`` at each milestone.

    .. math:: \eta_t = \text{start}\cdot\gamma^{\#\{m_i \le t\}}

    PyTorch's ``MultiStepLR``: the new value applies *at* the milestone step
    (milestone 0 decays step 0 already). Repeated milestones decay twice.
    Length: the last milestone.

    >>> multistep(1.0, 0.1, milestones=[10, 20])(15)
    0.1
    """

    name = "multistep"
    start: Real
    gamma: Real
    milestones: Durations

    def _check(self) -> None:
        check_number(self.name, "gamma", self.gamma, positive=True)
        if not self.milestones:
            raise ConfigError("multistep: milestones must be a non-empty list, got []")
        _check_sorted(self.name, "milestones", self.milestones, strict=False)
        _finite_table(self.name, "gamma", self._levels())

    def _levels(self) -> list[float]:
        """The value after 0, 1, ..., len(milestones) milestones."""
        with np.errstate(all="ignore"):
            return [
                float(self.start * np.float64(self.gamma) ** k)
                for k in range(len(self.milestones) + 1)
            ]

    def _length(self) -> int | None:
        return max(steps_of(m) for m in self.milestones)

    def peak_step(self) -> int:
        levels = self._levels()
        k = levels.index(max(levels))
        return 0 if k == 0 else steps_of(self.milestones[k - 1])

    def nonincreasing(self) -> bool:
        return self.start >= 0 and self.gamma <= 1.0

    def _eval(self, t: Array, xp: Namespace) -> Array:
        # k = number of milestones <= t, found by bisection: O(log milestones) per step
        ms = xp.array([float(steps_of(m)) for m in self.milestones])
        return xp.take(xp.array(self._levels()), xp.searchsorted(ms, t, side="right"))


@register
@dataclass(frozen=True, repr=False)
class Piecewise(Schedule):
    r"""Piecewise constant: ``values[i]`` from ``boundaries[i-1]`` (inclusive).

    .. math:: \eta_t = v_i \quad\text{for}\quad b_{i-1} \le t < b_i

    The switch happens *at* the boundary step, like PyTorch's milestones.
    Deliberate difference: Keras' ``PiecewiseConstantDecay`` switches one
    step later (``t > b``); use boundaries ``b + 1`` to reproduce it.

    >>> piecewise([1.0, 0.5, 0.1], boundaries=[10, 20])(10)
    0.5
    """

    name = "piecewise"
    values: Reals
    boundaries: Durations

    def _check(self) -> None:
        if len(self.values) != len(self.boundaries) + 1:
            raise ConfigError(
                "piecewise: values must have one more entry than boundaries, got "
                f"{len(self.values)} values and {len(self.boundaries)} boundaries"
            )
        _check_sorted(self.name, "boundaries", self.boundaries, strict=True)

    def _length(self) -> int | None:
        return max(steps_of(b) for b in self.boundaries) if self.boundaries else 0

    def _applied(self) -> int:
        """Index of the first value that applies at some step: 1 when the first boundary
        is step 0 (``values[0]`` is then never used), else 0."""
        return 1 if self.boundaries and self.boundaries[0] == 0 else 0

    def peak_step(self) -> int:
        i = self._applied()
        k = self.values.index(max(self.values[i:]), i)
        return 0 if k == 0 else steps_of(self.boundaries[k - 1])

    def nonincreasing(self) -> bool:
        v = self.values[self._applied() :]
        return all(b <= a for a, b in zip(v, v[1:]))

    def _eval(self, t: Array, xp: Namespace) -> Array:
        if len(self.boundaries) <= _FEW:  # a few selections beat a bisection
            out = t * 0.0 + self.values[0]
            for b, v in zip(self.boundaries, self.values[1:]):
                out = xp.where(t >= float(steps_of(b)), v, out)
            return out
        bs = xp.array([float(steps_of(b)) for b in self.boundaries])
        return xp.take(xp.array(list(self.values)), xp.searchsorted(bs, t, side="right"))


@register
@dataclass(frozen=True, repr=False)
class Interpolate(Schedule):
    r"""Interpolate between (step, value) points, linearly or along a half cosine.

    Between points :math:`(s_i, v_i)` and :math:`(s_{i+1}, v_{i+1})`, with
    :math:`f = (t - s_i)/(s_{i+1}-s_i)`:

    .. math:: \text{linear: } v_i + (v_{i+1}-v_i) f \qquad
              \text{cos: } v_{i+1} + \tfrac12 (v_i - v_{i+1})(1+\cos\pi f)

    Holds the first value before the first point and the last value after the
    last point. optax's ``piecewise_interpolate_schedule`` and its one-cycle
    schedules are instances of it. The segment of each step is found by
    bisection (O(log points) per step).

    >>> interpolate([(0, 0.0), (10, 1.0), (20, 0.0)])(15)
    0.5
    """

    name = "interpolate"
    points: Points
    kind: Annotated[str, Choice("linear", "cos")] = "linear"

    def _check(self) -> None:
        if not self.points:
            raise ConfigError("interpolate: points must be a non-empty list of (step, value)")
        _check_sorted(self.name, "points steps", [s for s, _ in self.points], strict=True)
        ys = [y for _, y in self.points]
        for i, (a, b) in enumerate(zip(ys, ys[1:])):
            finite_range(self.name, f"points[{i + 1}] value - points[{i}] value", b - a)

    def _length(self) -> int | None:
        return steps_of(self.points[-1][0])

    def _few(self, t: Array, xp: Namespace) -> Array:
        pts = self.points
        out = t * 0.0 + pts[0][1]
        for (s0, v0), (s1, v1) in zip(pts[:-1], pts[1:]):
            a, b = float(steps_of(s0)), float(steps_of(s1))
            f = xp.clip((t - a) / (b - a), 0.0, 1.0)
            if self.kind == "linear":
                seg = v0 + (v1 - v0) * f
            else:
                seg = v1 + (v0 - v1) * (1.0 + xp.cos(math.pi * f)) / 2.0
            out = xp.where(t >= a, seg, out)
        return out

    def peak_step(self) -> int:
        ys = [y for _, y in self.points]
        k = ys.index(max(ys))
        return 0 if k == 0 else steps_of(self.points[k][0])

    def _eval(self, t: Array, xp: Namespace) -> Array:
        pts = self.points
        if len(pts) <= _FEW:  # a few segments: select each (no bisection, no gathers)
            return self._few(t, xp)
        xs = [float(steps_of(s)) for s, _ in pts]
        # segment k-1 .. k holds t; before the first point f = 0, after the last f = 1
        k = xp.clip(xp.searchsorted(xp.array(xs), t, side="right"), 1, len(pts) - 1)
        s0, s1 = xp.take(xp.array(xs[:-1]), k - 1), xp.take(xp.array(xs[1:]), k - 1)
        v0 = xp.take(xp.array([v for _, v in pts[:-1]]), k - 1)
        v1 = xp.take(xp.array([v for _, v in pts[1:]]), k - 1)
        f = xp.clip((t - s0) / (s1 - s0), 0.0, 1.0)
        if self.kind == "linear":
            return v0 + (v1 - v0) * f
        return v1 + (v0 - v1) * (1.0 + xp.cos(math.pi * f)) / 2.0


@register
@dataclass(frozen=True, repr=False)
class InverseTime(Schedule):
    r"""Inverse-time decay.

    .. math:: \eta_t = \frac{\text{start}}{1 + d\,p},\qquad p = t/\text{every}
              \ \text{or}\ \lfloor t/\text{every}\rfloor\ \text{(staircase)}

    Keras' ``InverseTimeDecay`` (``decay_rate=d``, ``decay_steps=every``).

    >>> inverse_time(1.0, decay=1.0)(3)
    0.25
    """

    name = "inverse_time"
    start: Real
    decay: Real
    every: Every = 1
    staircase: Flag = False

    def _check(self) -> None:
        check_number(self.name, "decay", self.decay, nonneg=True)

    def nonincreasing(self) -> bool:
        return self.start >= 0

    def _eval(self, t: Array, xp: Namespace) -> Array:
        p = t / float(steps_of(self.every))
        if self.staircase:
            p = xp.floor(p)
        return self.start / (1.0 + self.decay * p)


@register
@dataclass(frozen=True, repr=False)
class InverseSqrt(Schedule):
    r"""Linear warmup to ``peak`` then inverse-square-root decay (the Transformer schedule).

    With :math:`w` = ``warmup`` and :math:`\tau` = ``timescale`` (default :math:`w`):

    .. math:: \eta_t = \text{peak}\cdot\frac{t}{w}\ (t < w), \qquad
              \text{peak}\sqrt{\frac{\tau}{t - w + \tau}}\ (t \ge w)

    (:math:`\text{peak}\sqrt{w/t}` with the default timescale.) Same values as
    HuggingFace's ``get_inverse_sqrt_schedule`` (``num_warmup_steps=w``,
    ``timescale=τ``). Like it (and fairseq), step 0 has value 0; wrap a pure
    decay in :func:`lrkit.warmup` if you want a non-zero first step. Never ends.

    >>> inverse_sqrt(1.0, warmup=4)(16)
    0.5
    """

    name = "inverse_sqrt"
    peak: Real
    warmup: Every
    timescale: Annotated[int | str | None, Duration(optional=True)] = field(
        default=None, kw_only=True
    )

    def _eval(self, t: Array, xp: Namespace) -> Array:
        w = float(steps_of(self.warmup))
        ramp = self.peak * (t / w)
        if self.timescale is None:
            decay = self.peak / xp.sqrt(xp.maximum(t, w) / w)
        else:
            tau = float(steps_of(self.timescale))
            decay = self.peak / xp.sqrt((xp.maximum(t, w) - w + tau) / tau)
        return xp.where(t < w, ramp, decay)


@register
@dataclass(frozen=True, repr=False)
class SGDR(Schedule):
    r"""Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017).

    Cycle :math:`i` lasts :math:`T_i = P\,m^i` steps and starts at
    :math:`S_i = P (m^i-1)/(m-1)` (:math:`iP` when :math:`m=1`); inside it,
    with :math:`\tau = t - S_i`:

    .. math:: \eta_t = \text{end} + \tfrac12(\text{start}\cdot d^i - \text{end})
              \left(1+\cos\frac{\pi\tau}{T_i}\right)

    PyTorch's ``CosineAnnealingWarmRestarts`` (``T_0=P``, ``T_mult=m``,
    ``eta_min=end``) when ``decay=1``; ``decay`` shrinks each cycle's peak
    (timm's ``cycle_decay``). With ``decay_of="amplitude"`` it shrinks the
    height above ``end`` instead, as Keras' ``CosineDecayRestarts`` does with
    ``alpha`` and ``m_mul`` (``end = alpha * start``, ``decay = m_mul``):

    .. math:: \eta_t = \text{end} + (\text{start}-\text{end})\,d^i\,
              \tfrac12\left(1+\cos\frac{\pi\tau}{T_i}\right)

    ``cycles`` (timm's ``cycle_limit``; HuggingFace's hard restarts): after
    that many cycles the value is ``end`` and holds; else it never ends.

    >>> sgdr(1.0, 0.0, period=10)(10)
    1.0
    """

    name = "sgdr"
    start: Real
    end: Real = 0.0
    period: Every = field(kw_only=True)  # required; after `end`, so keyword-only
    mult: Real = 1.0
    decay: Real = 1.0
    cycles: OptCount = field(default=None, kw_only=True)
    decay_of: Annotated[str, Choice("peak", "amplitude")] = field(default="peak", kw_only=True)

    def _check(self) -> None:
        check_number(self.name, "mult", self.mult, low=1.0)
        check_number(self.name, "decay", self.decay, low=0.0, high=1.0, low_open=True)
        finite_range(self.name, "start - end", self.start - self.end)
        if self.cycles is not None and self.mult > 1.0:
            try:
                grow = float(self.mult) ** self.cycles
            except OverflowError:  # Python floats raise here instead of giving inf
                grow = math.inf
            finite_range(self.name, "mult ** cycles", grow)

    def _length(self) -> int | None:
        """The first step of cycle ``cycles`` (with the restart tolerance of cycle_index)."""
        if self.cycles is None:
            return None
        p, m, c = float(steps_of(self.period)), self.mult, self.cycles
        start = c * p if m == 1.0 else p * (m**c - 1.0) / (m - 1.0)
        finite_range(self.name, "period * (mult ** cycles - 1) / (mult - 1)", start)
        return int(math.ceil(start - min(1e-9 * (1.0 + start), 1e-6)))

    def _cycles(self) -> np.ndarray | None:
        """Indices 0..K of the cycles that start before step 2**63, when K <= 4096."""
        p, m = float(steps_of(self.period)), self.mult
        if m == 1.0:
            return None
        k = math.log(2.0**63 * (m - 1.0) / p + 1.0) / math.log(m)
        return np.arange(int(k) + 2, dtype=np.float64) if k < 4096 else None

    def cycle_index(self, t: Array, xp: Namespace) -> tuple[Array, Array, Array]:
        """(cycle index, cycle start, cycle length) at step t.

        Cycle ``k`` starts at ``S_k = P (m^k - 1)/(m - 1)``; a start computed
        with floating error (7.000000000000001) still restarts at step 7: the
        rule is ``t >= S_k - tol(S_k)`` with ``tol(s) = min(1e-9 (1 + s), 1e-6)``.
        The cycle is found by bisection in the table of starts when there are
        at most 4096 cycles before step 2**63, else from a logarithm. The table
        holds each cycle's first step, ``ceil(S_k - tol(S_k))`` (steps are
        integers, so the rule is the same): an integer is exact in float32 up to
        2**24, where a fractional start close to an integer can round across it,
        so jax and Keras restart on float64's step up to 16.7 M steps.
        """
        p, m = float(steps_of(self.period)), self.mult
        if m == 1.0:
            i = xp.floor(t / p)
            return i, i * p, t * 0.0 + p
        ks = self._cycles()
        if ks is not None:
            mk = np.power(m, ks)
            starts = p * (mk - 1.0) / (m - 1.0)
            edges = np.ceil(starts - np.minimum(1e-9 * (1.0 + starts), 1e-6))
            j = xp.searchsorted(xp.array(edges.tolist()), t, side="right") - 1
            pick = xp.take
            return (
                pick(xp.array(ks.tolist()), j),
                pick(xp.array(starts.tolist()), j),
                pick(xp.array((p * mk).tolist()), j),
            )
        return self._cycle_from_log(t, xp, p, m)

    def _cycle_from_log(
        self, t: Array, xp: Namespace, p: float, m: float
    ) -> tuple[Array, Array, Array]:
        i = xp.floor(xp.log(1.0 + t * (m - 1.0) / p) / math.log(m))
        i = xp.maximum(i, 0.0)

        def start(mk: Array) -> Array:  # start of the cycle k, from m**k
            return p * (mk - 1.0) / (m - 1.0)

        def tol(s: Array) -> Array:
            return xp.minimum(1e-9 * (1.0 + s), 1e-6)

        # each power of m is computed once and selected
        s0 = start(xp.power(m, i))
        i = xp.where(t < s0 - tol(s0), i - 1.0, i)
        m_i, m_next = xp.power(m, i), xp.power(m, i + 1.0)
        s_i, s_next = start(m_i), start(m_next)
        up = t >= s_next - tol(s_next)
        i = xp.where(up, i + 1.0, i)
        return i, xp.where(up, s_next, s_i), p * xp.where(up, m_next, m_i)

    def _eval(self, t: Array, xp: Namespace) -> Array:
        i, s, length = self.cycle_index(t, xp)
        # decay == 1: power(1, i) is exactly 1; skip computing it
        d = xp.power(self.decay, i) if self.decay != 1.0 else 1.0
        c = 1.0 + xp.cos(math.pi * (t - s) / length)
        if self.decay_of == "peak":
            out = self.end + (self.start * d - self.end) * c / 2.0
        else:
            out = self.end + (self.start - self.end) * d * c / 2.0
        if self.cycles is not None:
            out = xp.where(i >= float(self.cycles), self.end, out)
        return out


@register
@dataclass(frozen=True, repr=False)
class Cyclic(Schedule):
    r"""Cyclical learning rate (Smith 2017): triangle waves between ``low`` and ``high``.

    A cycle rises for :math:`u` = ``half_period`` steps and falls for
    :math:`d` = ``half_period_down`` steps (default :math:`u`). With
    :math:`L = u + d`, :math:`r = u/L`, :math:`c = \lfloor 1 + t/L \rfloor` and
    :math:`x = 1 + t/L - c`:

    .. math:: \eta_t = \text{low} + (\text{high}-\text{low})\,\phi(x)\,s,\qquad
              \phi(x) = \begin{cases} x/r & x \le r \\ (1-x)/(1-r) & x > r\end{cases}

    with :math:`s = 1` (``triangular``), :math:`2^{1-c}` (``triangular2``) or
    :math:`\gamma^t` (``exp_range``). Same as PyTorch's ``CyclicLR``
    (``base_lr=low``, ``max_lr=high``, ``step_size_up=u``,
    ``step_size_down=d``); its cyclical momentum is
    ``opposite(cyclic(...), low, high)``. Never ends.

    >>> cyclic(0.1, 1.0, half_period=10)(5)
    0.55
    """

    name = "cyclic"
    low: Real
    high: Real
    half_period: Every
    mode: Annotated[str, Choice("triangular", "triangular2", "exp_range")] = "triangular"
    gamma: Real = 1.0
    half_period_down: Annotated[int | str | None, Duration(optional=True)] = field(
        default=None, kw_only=True
    )

    def _check(self) -> None:
        if self.high < self.low:
            raise ConfigError(
                f"cyclic: high must be >= low, got low={self.low!r}, high={self.high!r}"
            )
        check_number(self.name, "gamma", self.gamma, low=0.0, high=1.0, low_open=True)
        finite_range(self.name, "high - low", self.high - self.low)
        if self.gamma != 1.0 and self.mode != "exp_range":
            raise ConfigError(
                f"cyclic: gamma is only used with mode='exp_range', got gamma={self.gamma!r} "
                f"with mode={self.mode!r}"
            )

    def _wave(self, t: Array, xp: Namespace, low: float, high: float) -> Array:
        up = float(steps_of(self.half_period))
        if self.half_period_down is None:
            total, ratio = 2.0 * up, 0.5
        else:
            total = up + float(steps_of(self.half_period_down))
            ratio = up / total
        # x = position in the cycle from the exact remainder t - total*q (not
        # 1 + t/total - cycle, which loses the fraction at large t in float32)
        q = xp.floor(t / total)
        r = t - total * q
        q = xp.where(r < 0.0, q - 1.0, xp.where(r >= total, q + 1.0, q))
        r = t - total * q
        cycle = q + 1.0
        x = r / total
        scale = xp.where(x <= ratio, x / ratio, (x - 1.0) / (ratio - 1.0))
        height = (high - low) * scale
        if self.mode == "triangular":
            return low + height * 1.0
        if self.mode == "triangular2":
            return low + height * (1.0 / xp.power(2.0, cycle - 1.0))
        return low + height * xp.power(self.gamma, t)

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return self._wave(t, xp, self.low, self.high)

    def opposite_wave(self, t: Array, xp: Namespace, low: float, high: float) -> Array:
        """PyTorch's ``CyclicLR`` momentum: the same wave from ``high`` down to ``low``."""
        return self._wave(t, xp, high, low)


@register
@dataclass(frozen=True, repr=False)
class OneCycle(Schedule):
    r"""The 1cycle policy (Smith & Topin 2018), with PyTorch's phase boundaries.

    With :math:`\eta_0 = \text{peak}/\text{div}` and
    :math:`\eta_{min} = \eta_0/\text{final\_div}` and :math:`T` = ``steps``:

    - two phases: :math:`\eta_0 \to \text{peak}` over steps :math:`[0, pT-1]`,
      then :math:`\text{peak} \to \eta_{min}` over :math:`[pT-1, T-1]`;
    - three phases: :math:`\eta_0 \to \text{peak}` over :math:`[0, pT-1]`,
      :math:`\text{peak}\to\eta_0` over :math:`[pT-1, 2pT-2]`,
      :math:`\eta_0\to\eta_{min}` over :math:`[2pT-2, T-1]`.

    Within a phase from :math:`a` to :math:`b` at fraction :math:`f`:
    ``cos``: :math:`b + \tfrac12(a-b)(1+\cos\pi f)`; ``linear``: :math:`a + (b-a) f`.

    Identical to PyTorch's ``OneCycleLR`` (``max_lr=peak``,
    ``total_steps=T``, ``pct_start=p``, ``div_factor``, ``final_div_factor``,
    ``three_phase``, ``anneal_strategy``), except that past step ``T-1`` it
    holds :math:`\eta_{min}` where PyTorch raises. Its cyclical momentum is
    ``opposite(one_cycle(...), 0.85, 0.95)``. optax's one-cycle schedules
    place the peak at step ``int(pT)`` and the floor at ``T`` instead; build
    them with :func:`lrkit.interpolate`.

    >>> round(one_cycle(1.0, steps=100)(29), 12)
    1.0
    """

    name = "one_cycle"
    peak: Real
    steps: Steps = None
    pct_start: Real = 0.3
    div: Real = 25.0
    final_div: Real = 1e4
    three_phase: Flag = False
    anneal: Annotated[str, Choice("cos", "linear")] = "cos"

    def _check(self) -> None:
        check_number(self.name, "peak", self.peak, positive=True)
        # three phases: up to pct_start = 0.5 (as PyTorch), the last phase then from T-2 to T-1
        hi = 0.5 if self.three_phase else 1.0
        check_number(
            self.name,
            "pct_start",
            self.pct_start,
            low=0.0,
            high=hi,
            low_open=True,
            high_open=not self.three_phase,
        )
        check_number(self.name, "div", self.div, positive=True)
        check_number(self.name, "final_div", self.final_div, positive=True)
        if isinstance(self.steps, int):
            self._ends()

    def _length(self) -> int | None:
        return steps_of(self.steps)

    def _ends(self) -> list[float]:
        T, p = float(steps_of(self.steps)), self.pct_start
        ends = (
            [p * T - 1.0, 2.0 * p * T - 2.0, T - 1.0]
            if self.three_phase
            else [p * T - 1.0, T - 1.0]
        )
        prev = 0.0
        for e in ends:
            if e <= prev:
                raise ConfigError(
                    f"one_cycle: steps={self.steps} is too short for pct_start={self.pct_start!r}"
                    f"{' with three_phase' if self.three_phase else ''}: every phase needs "
                    "at least one step"
                )
            prev = e
        return ends

    def _values(self) -> list[float]:
        lo = self.peak / self.div
        floor = lo / self.final_div
        if self.three_phase:
            return [lo, self.peak, lo, floor]
        return [lo, self.peak, floor]

    def _anneal(self, t: Array, xp: Namespace, values: list[float]) -> Array:
        ends = self._ends()
        starts = [0.0] + ends[:-1]
        # phases are chosen the way PyTorch does: step <= end_step of phase i.
        # Select each step's phase fraction and end values first, then apply
        # the shape once (one cos for the whole array instead of one per phase).
        k = len(ends) - 1
        pct = xp.clip((t - starts[k]) / (ends[k] - starts[k]), 0.0, 1.0)
        a = t * 0.0 + values[k]
        b = t * 0.0 + values[k + 1]
        for i in reversed(range(k)):
            here = t <= ends[i]
            pct = xp.where(here, xp.clip((t - starts[i]) / (ends[i] - starts[i]), 0.0, 1.0), pct)
            a = xp.where(here, values[i], a)
            b = xp.where(here, values[i + 1], b)
        if self.anneal == "cos":
            return b + (a - b) / 2.0 * (xp.cos(math.pi * pct) + 1.0)
        return (b - a) * pct + a

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return self._anneal(t, xp, self._values())

    def opposite_wave(self, t: Array, xp: Namespace, low: float, high: float) -> Array:
        """PyTorch's ``OneCycleLR`` momentum: each phase anneals between ``high`` and ``low``."""
        vals = [high, low, high, high] if self.three_phase else [high, low, high]
        return self._anneal(t, xp, vals)


@register
@dataclass(frozen=True, repr=False)
class WSD(Schedule):
    r"""Warmup-stable-decay ("trapezoidal"; Hägele et al. 2024, MiniCPM).

    With :math:`w` = ``warmup``, :math:`D` = ``decay``, :math:`T` = ``steps``:

    - warmup :math:`t < w`: :math:`\text{peak}\,(t+1)/(w+1)` (never a zero first
      step) by default; given ``start`` :math:`a` (or another ``warmup_shape``),
      :math:`a + (\text{peak}-a)\,h(t/w)` with :math:`h` ``linear`` :math:`u`,
      ``cos`` :math:`\tfrac12(1-\cos\pi u)` or ``sqrt`` :math:`1-\sqrt{1-u}`
      (:math:`a = \text{peak}/(w+1)` when ``start`` is not given);
    - stable :math:`w \le t < T-D`: peak;
    - decay :math:`T-D \le t \le T` with :math:`f=(t-T+D)/D`:
      :math:`\text{end} + (\text{peak}-\text{end})(1-g(f))` where :math:`g` is
      ``linear`` :math:`f`, ``cos`` :math:`\tfrac12(1-\cos 2\pi c f)` (:math:`c` =
      ``cycles``, 0.5: half a cosine) or ``sqrt`` :math:`\sqrt f` (the "1-sqrt"
      cooldown);
    - past :math:`T`: end.

    HuggingFace's ``get_wsd_schedule`` is ``start=0`` (or
    ``start = end = min_lr_ratio * peak``), ``warmup_shape`` its
    ``warmup_type`` and ``shape`` its ``decay_type`` (``"1-sqrt"`` is
    ``"sqrt"``, ``"cosine"`` is ``"cos"``, ``num_cycles`` is ``cycles``).

    >>> wsd(1.0, steps=100, warmup=0, decay=20)(90)
    0.5
    """

    name = "wsd"
    peak: Real
    steps: Steps = None
    warmup: Span = field(kw_only=True)  # required; after `steps`, so keyword-only
    decay: Span = field(kw_only=True)
    end: Real = 0.0
    shape: Annotated[str, Choice("linear", "cos", "sqrt")] = "linear"
    start: OptReal = field(default=None, kw_only=True)
    warmup_shape: Annotated[str, Choice("linear", "cos", "sqrt")] = field(
        default="linear", kw_only=True
    )
    cycles: Real = field(default=0.5, kw_only=True)

    def _check(self) -> None:
        finite_range(self.name, "peak - end", self.peak - self.end)
        check_number(self.name, "cycles", self.cycles, positive=True)
        if self.cycles != 0.5 and self.shape != "cos":
            raise ConfigError(
                f"wsd: cycles is only used with shape='cos', got cycles={self.cycles!r} "
                f"with shape={self.shape!r}"
            )
        if self.start is not None:
            finite_range(self.name, "peak - start", self.peak - self.start)
        s, w, d = self.steps, self.warmup, self.decay
        if isinstance(s, int) and isinstance(w, int) and isinstance(d, int):
            if w + d > s:
                raise ConfigError(
                    f"wsd: warmup + decay must be <= steps, got warmup={self.warmup}, "
                    f"decay={self.decay}, steps={self.steps}"
                )

    def _length(self) -> int | None:
        return steps_of(self.steps)

    def peak_step(self) -> int:
        if self.start is not None and self.warmup and self.start >= max(self.peak, self.end):
            return 0
        if self.end > self.peak:
            return steps_of(self.steps)
        return steps_of(self.warmup)

    def _ramp(self, t: Array, xp: Namespace, w: float) -> Array:
        """The warmup's values (used where t < w)."""
        if self.start is None and self.warmup_shape == "linear":
            return self.peak * (t + 1.0) / (w + 1.0)
        a = self.peak / (w + 1.0) if self.start is None else self.start
        u = xp.clip(t / w, 0.0, 1.0)
        if self.warmup_shape == "linear":
            h = u
        elif self.warmup_shape == "cos":
            h = (1.0 - xp.cos(math.pi * u)) / 2.0
        else:
            h = 1.0 - xp.sqrt(1.0 - u)
        return a + (self.peak - a) * h

    def _eval(self, t: Array, xp: Namespace) -> Array:
        T, w, D = (float(steps_of(x)) for x in (self.steps, self.warmup, self.decay))
        out = t * 0.0 + self.peak
        if D > 0:
            f = xp.clip((t - (T - D)) / D, 0.0, 1.0)
            if self.shape == "linear":
                g = f
            elif self.shape == "cos" and self.cycles == 0.5:
                g = (1.0 - xp.cos(math.pi * f)) / 2.0
            elif self.shape == "cos":
                g = (1.0 - xp.cos(2.0 * math.pi * self.cycles * f)) / 2.0
            else:
                g = xp.sqrt(f)
            out = self.end + (self.peak - self.end) * (1.0 - g)
            if self.cycles != 0.5:  # a cosine that does not end at `end`: end past T
                out = xp.where(t >= T, self.end, out)
        else:
            out = xp.where(t >= T, self.end, out)
        if w > 0:
            out = xp.where(t < w, self._ramp(t, xp, w), out)
        return out


@register
@dataclass(frozen=True, repr=False)
class Tanh(_Ramp, Schedule):
    r"""Tanh decay (Hsueh et al. 2019) from ``start`` to ``end`` over ``steps``, then ``end``.

    With :math:`f = t/T`, :math:`l` = ``lower`` and :math:`u` = ``upper``:

    .. math:: \eta_t = \text{end} + \tfrac12(\text{start}-\text{end})
              \left(1-\tanh\left(l(1-f) + u f\right)\right)\ (t < T),
              \qquad \text{end}\ (t \ge T)

    timm's ``TanhLRScheduler`` (``t_initial=T``, ``lr_min=end``, ``lb=l``,
    ``ub=u``; one cycle). Like timm, the value steps down to ``end`` at
    :math:`T` (the curve itself ends at
    :math:`\text{end} + \tfrac12(\text{start}-\text{end})(1-\tanh u)`).

    >>> round(tanh(1.0, steps=100, lower=-3.0, upper=3.0)(50), 12)
    0.5
    """

    name = "tanh"
    start: Real
    end: Real = 0.0
    steps: Steps = None
    lower: Real = -7.0
    upper: Real = 3.0

    def _check(self) -> None:
        finite_range(self.name, "start - end", self.start - self.end)
        if not self.lower < self.upper:
            raise ConfigError(
                f"tanh: lower must be < upper, got lower={self.lower!r}, upper={self.upper!r}"
            )

    def _eval(self, t: Array, xp: Namespace) -> Array:
        n = float(steps_of(self.steps))
        f = frac(t, n, xp)
        v = (
            self.end
            + (self.start - self.end)
            * (1.0 - xp.tanh(self.lower * (1.0 - f) + self.upper * f))
            / 2.0
        )
        return xp.where(t >= n, self.end, v)


@register
@dataclass(frozen=True, repr=False)
class Table(Schedule):
    r"""One value per step, from a list: ``values[t]`` for :math:`t < n`, then the last.

    .. math:: \eta_t = v_{\min(t,\,n-1)}

    The per-step escape hatch (PyTorch's ``LambdaLR`` with a precomputed
    table): the values are data, so a table prints as a spec, parses back,
    goes through ``to_dict``/``from_dict`` and runs under ``jit`` like any
    schedule (the spec is as long as the list). Its length is :math:`n`, so
    as a :func:`lrkit.sequence` phase it uses all of its values. For a Python
    function of the step, see :func:`lrkit.custom`.

    >>> table([0.3, 0.2, 0.1])(7)
    0.1
    """

    name = "table"
    values: Reals

    def _check(self) -> None:
        if not self.values:
            raise ConfigError("table: values must be a non-empty list of numbers, got []")

    def _length(self) -> int | None:
        return len(self.values)

    def peak_step(self) -> int:
        return self.values.index(max(self.values))

    def _eval(self, t: Array, xp: Namespace) -> Array:
        n = len(self.values)
        if n == 1:
            return t * 0.0 + self.values[0]
        # the index min(t, n-1), found as the number of steps 1..n-1 that are <= t
        edges = xp.array([float(i) for i in range(1, n)])
        return xp.take(xp.array(list(self.values)), xp.searchsorted(edges, t, side="right"))


#: why a custom schedule cannot be written down (spec, dict)
_CUSTOM_NO_SPEC = (
    "custom(fn) holds a Python function, which cannot be written as a spec or a dict "
    "(it cannot be parsed, saved with to_dict, or reloaded from a config or a .keras "
    "file); use table([...]) for per-step values, or write the schedule's closed form"
)


@dataclass(frozen=True, repr=False)
class Custom(Schedule):
    r"""A schedule from your own Python function of the step (PyTorch's ``LambdaLR`` role).

    .. math:: \eta_t = \text{fn}(t)

    ``fn(t)`` gets the step as a Python ``int`` and returns the value (not a
    factor of a base rate: ``LambdaLR(opt, f)`` with base rate ``lr`` is
    ``custom(lambda t: lr * f(t))``). With ``vectorized=True`` it gets an
    array of steps (float) instead and must return an array of the same
    shape; ``steps`` (optional, int) gives it a length, so that it can be a
    middle phase of :func:`lrkit.sequence`.

    What it cannot do, because a function is code, not data:

    - round-trip as a spec: ``str(s)`` shows ``custom(<name>)``, but
      :func:`lrkit.parse` of it raises :class:`~lrkit.spec.SpecError`;
      ``to_dict`` raises :class:`~lrkit.errors.ConfigError` (so a ``.keras``
      file or a config cannot hold it); it pickles only if ``fn`` does
      (a module-level function, not a lambda);
    - run under ``jit`` (``lrkit.jax``, ``lrkit.keras``) unless
      ``vectorized=True`` and ``fn`` is written with traceable operations
      (``jax.numpy``): a per-int ``fn`` raises a ConfigError there;
    - relative durations: ``steps`` is a number of steps.

    It is a pure value only if ``fn`` is a pure function of the step. For a
    fixed list of per-step values, :func:`lrkit.table` has none of these
    limits.

    >>> custom(lambda t: 0.1 * 0.5 ** t)(2)
    0.025
    """

    name = "custom"
    fn: Callable[[Any], Any]
    steps: int | None = None
    vectorized: bool = False

    def __post_init__(self) -> None:
        if not callable(self.fn):
            raise ConfigTypeError(f"custom: fn must be a callable, got {self.fn!r}")
        if self.steps is not None:
            object.__setattr__(self, "steps", check_int("custom", "steps", self.steps, low=1))
        object.__setattr__(self, "vectorized", check_bool("custom", "vectorized", self.vectorized))

    def config(self) -> dict[str, Any]:
        return {"fn": self.fn, "steps": self.steps, "vectorized": self.vectorized}

    def spec(self) -> str:
        label = getattr(self.fn, "__qualname__", None) or type(self.fn).__name__
        label = label.rsplit("<locals>.", 1)[-1]  # a function defined in a function
        extra = "".join(
            f", {k}={v!r}" for k, v in (("steps", self.steps), ("vectorized", self.vectorized)) if v
        )
        return f"custom({label}{extra})"

    def to_dict(self) -> dict[str, Any]:
        raise ConfigError(f"{self.spec()}: {_CUSTOM_NO_SPEC}")

    def _length(self) -> int | None:
        return self.steps

    def _eval(self, t: Array, xp: Namespace) -> Array:
        if self.vectorized:
            v = self.fn(t)
            if xp is np:
                a = np.asarray(v) if not isinstance(v, (str, bytes)) else np.asarray(None)
                if a.dtype.kind not in "iuf" or not _fits(a.shape, np.shape(t)):
                    raise ConfigTypeError(
                        f"{self.spec()}: fn(steps) (vectorized) must return numbers, one per "
                        f"step (shape {np.shape(t)}), got {_shown(v)}"
                    )
            return t * 0.0 + v
        if xp is not np:
            raise ConfigError(
                f"{self.spec()}: fn is called with one Python int step at a time, which "
                "cannot run under jit (lrkit.jax, lrkit.keras); pass vectorized=True with "
                "an fn written in traceable array operations (jax.numpy), or use table([...])"
            )
        steps = np.asarray(t, dtype=np.float64)
        flat = [self._number(int(x)) for x in steps.ravel()]
        return np.asarray(flat, dtype=np.float64).reshape(steps.shape)

    def _number(self, step: int) -> float:
        """``fn(step)``, which must be a real number (a bool, a string, a list are not)."""
        v = self.fn(step)
        a = np.asarray(v) if not isinstance(v, (str, bytes, bool)) else np.asarray(None)
        if a.ndim != 0 or a.dtype.kind not in "iuf":
            raise ConfigTypeError(
                f"{self.spec()}: fn({step}) must return a number, got {_shown(v)}"
            )
        return float(a)


def _fits(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of ``shape`` broadcasts to ``target`` (one value per step)."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _shown(v: object) -> str:
    """A value returned by a user's function, for a message (an array by its dtype and shape)."""
    if isinstance(v, np.ndarray) and v.size > 8:
        return f"an array of dtype {v.dtype} and shape {v.shape}"
    return f"{v!r} ({type(v).__name__})"


def _finite_table(owner: str, name: str, values: list[float]) -> None:
    for v in values:
        finite_range(owner, name, v)


def _check_sorted(owner: str, name: str, seq: Sequence[int | str], *, strict: bool) -> None:
    ints = [x for x in seq if isinstance(x, int)]
    if len(ints) != len(seq):
        return  # relative entries are checked after bind
    for a, b in zip(ints, ints[1:]):
        if b < a or (strict and b == a):
            rule = "strictly increasing" if strict else "non-decreasing"
            raise ConfigError(f"{owner}: {name} must be {rule}, got {list(seq)}")


# lower-case constructor names, as used in the spec language
constant = Constant
linear = Linear
cosine = Cosine
polynomial = Polynomial
exponential = Exponential
step = Step
multistep = MultiStep
piecewise = Piecewise
interpolate = Interpolate
inverse_time = InverseTime
inverse_sqrt = InverseSqrt
sgdr = SGDR
cyclic = Cyclic
one_cycle = OneCycle
wsd = WSD
tanh = Tanh
table = Table
custom = Custom
