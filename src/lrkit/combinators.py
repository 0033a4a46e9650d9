"""Combinators: schedules built from schedules.

``warmup`` (a ramp prefix), ``sequence`` (phases on their own clocks),
arithmetic (``*``, ``+``, ``-``, ``/``, unary ``-``), ``clip``, ``opposite`` (cyclical momentum) and
``coupled_wd`` (a weight decay that keeps ``lr * wd`` constant).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Protocol, runtime_checkable

import numpy as np

from ._validate import check_number
from .core import (
    HOOKS,
    Array,
    BindContext,
    Choice,
    Count,
    Duration,
    Flag,
    Namespace,
    OpenEnd,
    OptReal,
    Real,
    Schedule,
    Sub,
    Subs,
    finite_range,
    register,
    resolve,
    steps_of,
)
from .errors import ConfigError, ConfigTypeError

__all__ = [
    "Warmup",
    "Sequence",
    "Truncate",
    "Noise",
    "Mul",
    "Add",
    "Subtract",
    "Div",
    "Neg",
    "Clip",
    "Opposite",
    "CoupledWD",
]


#: a schedule inside a combinator
Inner = Annotated[Schedule, Sub()]
#: an operand of ``*`` and ``+``: a schedule or a number
Operand = Annotated["Schedule | float", Sub(numbers=True)]


def _eval_operand(x: Schedule | float, t: Array, xp: Namespace) -> Array:
    return x._eval(t, xp) if isinstance(x, Schedule) else t * 0.0 + x


@register
@dataclass(frozen=True, repr=False)
class Warmup(Schedule):
    r"""Prefix ``schedule`` with a ramp of ``steps`` steps from ``start`` to its first value.

    With :math:`w` = ``steps``, :math:`a` = ``start``, :math:`b = s(0)` the
    wrapped schedule's first value and :math:`f = t/w`:

    - ``linear``: :math:`a + (b-a) f`
    - ``cos``: :math:`a + \tfrac12 (b-a)(1-\cos\pi f)`
    - ``exp``: :math:`a\,(b/a)^f` (needs :math:`a > 0`)
    - ``constant``: :math:`a`

    for :math:`t < w`, then :math:`s(t-w)`: the wrapped schedule's clock
    starts after the warmup. With ``prefix=False`` the ramp is laid over the
    first :math:`w` steps of the schedule's own clock instead (timm's default
    ``warmup_prefix=False``): the same ramp towards :math:`b = s(0)`, then
    :math:`s(t)` for :math:`t \ge w`. The default ``start`` is :math:`b/(w+1)` for
    ``linear``, ``cos`` and ``exp`` (so the ramp is ``b (t+1)/(w+1)`` and the
    first update is never a wasted zero-rate step) and :math:`b/10` for
    ``constant``. ``start=0`` reproduces the libraries that begin at zero
    (HuggingFace, optax with ``init_value=0``).

    >>> warmup(constant(1.0), steps=3)(0)
    0.25
    """

    name = "warmup"
    schedule: Inner
    steps: Annotated[int | str, Duration()]
    start: OptReal = None
    shape: Annotated[str, Choice("linear", "cos", "exp", "constant")] = "linear"
    prefix: Flag = field(default=True, kw_only=True)

    def _check(self) -> None:
        if self.start is not None:
            if self.shape == "exp":
                check_number(
                    self.name, "start", self.start, positive=True, rule="> 0 with shape='exp'"
                )
            else:
                check_number(self.name, "start", self.start, nonneg=True)
            if not self.schedule.unbound():
                first = float(self.schedule._eval(np.zeros(()), np))
                finite_range(self.name, "start", first - self.start)
                if self.shape == "exp" and first < 0:
                    raise ConfigError(
                        f"warmup: shape='exp' ramps geometrically from start > 0 to the "
                        f"schedule's first value, which must be >= 0, got {first!r}"
                    )

    def _bind(self, ctx: BindContext, remaining: int | None) -> Schedule:
        w = resolve(self.name, "steps", self.steps, ctx, allow_zero=False)
        rest = remaining if not self.prefix else None
        if self.prefix and remaining is not None and isinstance(w, int):
            rest = max(remaining - w, 1)
        child = self.schedule._bind(ctx, rest)
        if w == self.steps and child is self.schedule:
            return self
        return self.replace(schedule=child, steps=w)

    def _length(self) -> int | None:
        n = self.schedule._length()
        if n is None:
            return None
        w = steps_of(self.steps)
        return w + n if self.prefix else max(w, n)

    def peak_step(self) -> int:
        """First step of the maximum: the ramp's start or the wrapped schedule's peak."""
        if not self.prefix:  # the ramp hides the start of the schedule: look at the values
            n = self._length()
            v = np.asarray(self._eval(np.arange((n or 0) + 1, dtype=np.float64), np))
            return int(np.argmax(v))
        t_peak, peak, first, _ = peak_info(self.schedule)
        a = float(self._eval(np.zeros(()), np))
        return 0 if a >= peak else steps_of(self.steps) + int(t_peak)

    def _eval(self, t: Array, xp: Namespace) -> Array:
        w = float(steps_of(self.steps))
        # the wrapped schedule is evaluated once, at its first step and at every step
        # together: two calls per level would make k nested warmups cost 2**k evaluations
        t_in = xp.maximum(t - w, 0.0) if self.prefix else t
        both = xp.concatenate([xp.reshape(xp.zeros(()), (1,)), xp.reshape(t_in, (-1,))])
        v = self.schedule._eval(both, xp)
        b, after = v[0], xp.reshape(v[1:], xp.shape(t_in))
        if self.start is None:
            a = b / 10.0 if self.shape == "constant" else b / (w + 1.0)
        else:
            a = self.start
        f = xp.minimum(t, w) / w
        if self.shape == "linear":
            ramp = a + (b - a) * f
        elif self.shape == "cos":
            ramp = a + (b - a) * (1.0 - xp.cos(math.pi * f)) / 2.0
        elif self.shape == "exp":
            # the default start is 0 when the schedule starts at 0: ramp 0 -> 0, not 0 * nan
            safe = xp.where(a == 0, 1.0, a)
            ramp = xp.where(a == 0, b + 0.0 * f, safe * xp.power(b / safe, f))
        else:
            ramp = t * 0.0 + a
        return xp.where(t < w, ramp, after)


@register
@dataclass(frozen=True, repr=False)
class Sequence(Schedule):
    r"""Run phases one after another, each on its own clock.

    Phase :math:`k` starts at :math:`o_k = \sum_{j<k} n_j` (:math:`n_j` the
    length of phase :math:`j`) and sees the local step :math:`t - o_k`. Every
    phase but the last needs a length (a schedule that never ends gets one
    from :func:`lrkit.truncate`); the last may run to the end of the run (its
    ``steps`` left out) or hold its final value.

    >>> sequence(linear(0.0, 1.0, steps=2), constant(1.0))(1)
    0.5
    """

    name = "sequence"
    phases: Subs

    def __init__(self, *phases: Schedule | Iterable[Schedule]) -> None:
        """``sequence(a, b, c)`` or ``sequence([a, b, c])``."""
        items = phases[0] if len(phases) == 1 and isinstance(phases[0], (list, tuple)) else phases
        object.__setattr__(self, "phases", items)
        self.__post_init__()

    @classmethod
    def _from_config(cls, cfg: dict[str, object]) -> Schedule:
        extra = sorted(set(cfg) - {"phases"})
        if extra:
            raise ConfigTypeError(f"sequence: unexpected argument {extra[0]!r} (allowed: phases)")
        phases = cfg.get("phases", ())
        assert isinstance(phases, (list, tuple))
        return cls(*phases)

    def _bind(self, ctx: BindContext, remaining: int | None) -> Schedule:
        phases = [p._bind(ctx, None) for p in self.phases[:-1]]
        for i, p in enumerate(phases):
            if isinstance(p.unbound(), OpenEnd):  # bind never gives a middle phase the rest
                raise ConfigError(
                    f"sequence: phase {i} ({self.phases[i]}) has no length: a steps left "
                    "out runs to the end of the run, which only the last phase may do; give "
                    "it steps (int steps, 'N%' of the run or 'Nep' epochs)"
                )
        used = 0
        for p in phases:
            n = p._length() if p.is_bound else None
            if n is None:
                used = -1
                break
            used += n
        rest = None if remaining is None or used < 0 else max(remaining - used, 1)
        phases.append(self.phases[-1]._bind(ctx, rest))
        return Sequence(*phases)

    def _unbound(self) -> str | None:
        msg = super()._unbound()
        if msg:
            return msg
        for i, p in enumerate(self.phases[:-1]):
            if p._length() is None:
                return (
                    f"sequence: phase {i} ({p}) never ends; only the last phase may run "
                    "to the end of the run (give the others steps, or wrap one that never "
                    "ends in truncate(..., steps=N))"
                )
        return None

    def _length(self) -> int | None:
        n = self.phases[-1]._length()
        if n is None:
            return None
        return sum(self._lengths()) + n

    def _lengths(self) -> list[int]:
        """The lengths of every phase but the last (all finite once bound)."""
        out = []
        for p in self.phases[:-1]:
            n = p._length()
            assert n is not None  # guarded by _unbound
            out.append(n)
        return out

    def peak_step(self) -> int:
        """First step of the maximum over the phases (each phase's own peak)."""
        best_t, best, off = 0, -math.inf, 0
        lengths = self._lengths()
        for i, p in enumerate(self.phases):
            t_peak, peak, _, _ = peak_info(p)
            if i < len(lengths) and t_peak >= lengths[i]:
                # the step at a phase's end belongs to the next phase: scan this one
                v = np.asarray(p._eval(np.arange(lengths[i], dtype=np.float64), np))
                t_peak, peak = float(np.argmax(v)), float(np.max(v))
            if peak > best:
                best_t, best = off + int(t_peak), peak
            off += lengths[i] if i < len(lengths) else 0
        return best_t

    def _eval(self, t: Array, xp: Namespace) -> Array:
        offs = [0]
        for n in self._lengths():
            offs.append(offs[-1] + n)
        out = self.phases[-1]._eval(xp.maximum(t - float(offs[-1]), 0.0), xp)
        for p, o, nxt in reversed(list(zip(self.phases[:-1], offs[:-1], offs[1:]))):
            local = xp.clip(t - float(o), 0.0, float(nxt - o))
            out = xp.where(t < float(nxt), p._eval(local, xp), out)
        return out


def _precedence(x: Schedule | float) -> int:
    """How tightly ``x`` binds when printed: ``+ -`` 1, ``* /`` 2, unary ``-`` 3, else 4."""
    if isinstance(x, (Add, Subtract)):
        return 1
    if isinstance(x, (Mul, Div)):
        return 2
    return 3 if isinstance(x, Neg) else 4


def _printed(x: Schedule | float, parens: bool) -> str:
    text = x.spec() if isinstance(x, Schedule) else repr(x)
    return f"({text})" if parens else text


@register
@dataclass(frozen=True, repr=False)
class Truncate(Schedule):
    r"""``schedule`` cut after ``steps`` steps: it holds its value at ``steps`` from then on.

    .. math:: \eta_t = s(\min(t, n))

    Gives any schedule a length, so that one that never ends (``exponential``,
    ``step``, ``cyclic``, ...) can be a middle phase of :func:`lrkit.sequence`
    (PyTorch's ``SequentialLR`` with an ``ExponentialLR`` or ``StepLR`` phase):
    ``sequence(truncate(exponential(0.1, gamma=0.9), steps=10), cosine(0.1))``.
    A wrapped ``steps`` left out runs to the truncation.

    >>> truncate(exponential(1.0, gamma=0.5), steps=2)(10)
    0.25
    """

    name = "truncate"
    schedule: Inner
    steps: Annotated[int | str, Duration()]

    def _bind(self, ctx: BindContext, remaining: int | None) -> Schedule:
        n = resolve(self.name, "steps", self.steps, ctx, allow_zero=False)
        child = self.schedule._bind(ctx, n if isinstance(n, int) else None)
        if n == self.steps and child is self.schedule:
            return self
        return self.replace(schedule=child, steps=n)

    def _length(self) -> int | None:
        return steps_of(self.steps)

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return self.schedule._eval(xp.minimum(t, float(steps_of(self.steps))), xp)


@dataclass(frozen=True, repr=False)
class _Binary(Schedule):
    left: Operand
    right: Operand
    symbol = "?"
    #: the precedence of the operator (see :func:`_precedence`)
    level = 0

    def _check(self) -> None:
        if not isinstance(self.left, Schedule) and not isinstance(self.right, Schedule):
            raise ConfigTypeError(f"{self.name}: at least one operand must be a schedule")

    def _length(self) -> int | None:
        """The longer operand's length: the value is final only when both are."""
        lens = []
        for x in (self.left, self.right):
            if isinstance(x, Schedule):
                n = x._length()
                if n is None:
                    return None
                lens.append(n)
        return max(lens)

    def spec(self) -> str:
        # operators are left-associative: a right operand of the same precedence
        # needs parentheses (2.0 * (3.0 * s) must not print as 2.0 * 3.0 * s)
        left = _printed(self.left, _precedence(self.left) < self.level)
        right = _printed(self.right, _precedence(self.right) <= self.level)
        return f"{left} {self.symbol} {right}"


@register
@dataclass(frozen=True, repr=False)
class Mul(_Binary):
    r"""Product of two schedules or of a schedule and a number: ``s * 0.5``.

    .. math:: \eta_t = a_t \cdot b_t
    """

    name = "mul"
    symbol = "*"
    level = 2

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return _eval_operand(self.left, t, xp) * _eval_operand(self.right, t, xp)


@register
@dataclass(frozen=True, repr=False)
class Add(_Binary):
    r"""Sum of two schedules or of a schedule and a number: ``s + 1e-5``.

    .. math:: \eta_t = a_t + b_t
    """

    name = "add"
    symbol = "+"
    level = 1

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return _eval_operand(self.left, t, xp) + _eval_operand(self.right, t, xp)


@register
@dataclass(frozen=True, repr=False)
class Subtract(_Binary):
    r"""Difference of two schedules or of a schedule and a number: ``s - 1e-5``, ``1.0 - s``.

    .. math:: \eta_t = a_t - b_t

    >>> (1.0 - linear(0.0, 1.0, steps=4))(1)
    0.75
    """

    name = "sub"
    symbol = "-"
    level = 1

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return _eval_operand(self.left, t, xp) - _eval_operand(self.right, t, xp)


@register
@dataclass(frozen=True, repr=False)
class Div(_Binary):
    r"""Quotient of two schedules or of a schedule and a number: ``s / 2``, ``1.0 / s``.

    .. math:: \eta_t = a_t / b_t

    Dividing by the number 0 is an error when the schedule is built. Dividing
    by a schedule that reaches 0 is not finite there: evaluating it raises
    :class:`~lrkit.errors.NonFiniteError` naming the step (under ``jit`` the
    value is ``inf``, which the jax and keras adapters check before a run).

    >>> (constant(1.0) / 4)(0)
    0.25
    """

    name = "div"
    symbol = "/"
    level = 2

    def _check(self) -> None:
        super()._check()
        if not isinstance(self.right, Schedule) and self.right == 0.0:
            raise ConfigError(f"div: the divisor must not be 0, got {self.left} / {self.right!r}")

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return _eval_operand(self.left, t, xp) / _eval_operand(self.right, t, xp)


@register
@dataclass(frozen=True, repr=False)
class Neg(Schedule):
    r"""The negated schedule: ``-s``.

    .. math:: \eta_t = -s_t

    >>> (-constant(0.5))(3)
    -0.5
    """

    name = "neg"
    schedule: Inner

    def _length(self) -> int | None:
        return self.schedule._length()

    def spec(self) -> str:
        return "-" + _printed(self.schedule, _precedence(self.schedule) < 3)

    def _eval(self, t: Array, xp: Namespace) -> Array:
        return -self.schedule._eval(t, xp)


@register
@dataclass(frozen=True, repr=False)
class Clip(Schedule):
    r"""Clip a schedule to ``[low, high]`` (either may be left out).

    .. math:: \eta_t = \min(\max(s_t, \text{low}), \text{high})

    >>> clip(linear(0.0, 1.0, steps=10), low=0.2)(0)
    0.2
    """

    name = "clip"
    schedule: Inner
    low: OptReal = None
    high: OptReal = None

    def _check(self) -> None:
        if self.low is None and self.high is None:
            raise ConfigError("clip: give low, high or both, got neither")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ConfigError(
                f"clip: low must be <= high, got low={self.low!r}, high={self.high!r}"
            )

    def _length(self) -> int | None:
        return self.schedule._length()

    def _eval(self, t: Array, xp: Namespace) -> Array:
        v = self.schedule._eval(t, xp)
        if self.low is not None:
            v = xp.maximum(v, self.low)
        if self.high is not None:
            v = xp.minimum(v, self.high)
        return v


@register
@dataclass(frozen=True, repr=False)
class Opposite(Schedule):
    r"""A value (momentum, beta1) that moves opposite to ``schedule`` inside [low, high].

    Where ``schedule`` is at its peak the value is ``low``; where it is at
    its base the value is ``high`` (1cycle's cyclical momentum,
    0.95 → 0.85 → 0.95). The mapping is linear within each rise and fall:

    - ``one_cycle``: exactly PyTorch's ``OneCycleLR`` momentum (each phase
      anneals between ``high`` and ``low`` with the rate's own shape; the
      three-phase variant holds ``high`` in the last phase);
    - ``cyclic``: exactly PyTorch's ``CyclicLR`` momentum;
    - any other schedule with an end: up to its first maximum
      :math:`m_t = \text{high} - (\text{high}-\text{low})\frac{s_t - s_0}{s_{max}-s_0}`,
      after it the same with the final value :math:`s_\infty` in place of
      :math:`s_0`; clipped to [low, high] where the rate dips below
      :math:`s_0` (or :math:`s_\infty`).

    >>> round(opposite(one_cycle(1.0, steps=100), 0.85, 0.95)(29), 12)
    0.85
    """

    name = "opposite"
    schedule: Inner
    low: Real = 0.85
    high: Real = 0.95
    #: (first argmax step, peak, first value, final value) of ``schedule`` for the
    #: default rule, computed once at construction when ``schedule`` is bound
    _peak: tuple[float, float, float, float] | None = field(
        default=None, init=False, compare=False, repr=False
    )

    def _check(self) -> None:
        if self.low > self.high:
            raise ConfigError(
                f"opposite: low must be <= high, got low={self.low!r}, high={self.high!r}"
            )
        inner = self.schedule
        if isinstance(inner, Cyclical) or inner.unbound():
            return
        if inner._length() is not None:  # one that never ends fails when evaluated
            object.__setattr__(self, "_peak", peak_info(inner))

    def _length(self) -> int | None:
        return self.schedule._length()

    def _eval(self, t: Array, xp: Namespace) -> Array:
        low, high, inner = self.low, self.high, self.schedule
        if isinstance(inner, Cyclical):
            return inner.opposite_wave(t, xp, low, high)
        if self._peak is None:  # bound (checked by the caller) but never ends
            raise ConfigError(
                f"opposite: {inner.spec()} never ends, so its rise and fall are undefined; "
                "use a schedule with a length (or one_cycle / cyclic)"
            )
        t_peak, peak, a0, a1 = self._peak
        v = inner._eval(t, xp)
        d0, d1 = peak - a0, peak - a1
        f0 = (v - a0) / d0 if d0 > 0 else v * 0.0 + 1.0
        f1 = (v - a1) / d1 if d1 > 0 else v * 0.0 + 1.0
        # clipped: a value below the start (or the end) of its rise (fall) stays at high
        f = xp.clip(xp.where(t <= t_peak, f0, f1), 0.0, 1.0)
        return high - (high - low) * f


@register
@dataclass(frozen=True, repr=False)
class CoupledWD(Schedule):
    r"""Weight decay scheduled against a learning rate so that ``lr_t * wd_t`` stays constant.

    AdamW's effective regularization per step is :math:`\eta_t\lambda_t`; a
    decaying rate weakens it. This keeps it at :math:`\lambda\,\eta_{ref}`:

    .. math:: \lambda_t = \min\left(\lambda\,\frac{\eta_{ref}}{\eta_t},\ \text{cap}\right)

    ``ref`` defaults to the peak of ``schedule`` (over its length; its first
    value if it never ends); ``cap`` defaults to ``10 * value`` and bounds the
    decay where the rate approaches zero.

    >>> coupled_wd(linear(1.0, 0.5, steps=10), 0.01)(10)
    0.02
    """

    name = "coupled_wd"
    schedule: Inner
    value: Real
    ref: OptReal = None
    cap: OptReal = None
    #: the reference rate used (``ref``, or the schedule's peak computed once when bound)
    _ref: float | None = field(default=None, init=False, compare=False, repr=False)

    def _check(self) -> None:
        check_number(self.name, "value", self.value, nonneg=True)
        if self.ref is not None:
            check_number(self.name, "ref", self.ref, positive=True)
        if self.cap is not None:
            check_number(self.name, "cap", self.cap, positive=True)
        ref = self.ref
        if ref is None and not self.schedule.unbound():
            ref = peak_info(self.schedule)[1]
        if ref is not None and not ref > 0:
            raise ConfigError(
                f"{self.name}: the reference rate (the schedule's peak) must be > 0, got {ref!r}; "
                "weight decay is coupled to a positive learning rate (or give ref=)"
            )
        if ref is not None:
            finite_range(self.name, "value * ref", self.value * ref)
        object.__setattr__(self, "_ref", ref)

    def _length(self) -> int | None:
        return self.schedule._length()

    def _eval(self, t: Array, xp: Namespace) -> Array:
        assert self._ref is not None  # bound: computed in _check
        ref = self._ref
        cap = self.cap if self.cap is not None else 10.0 * self.value
        lr = self.schedule._eval(t, xp)
        safe = xp.maximum(lr, ref * 1e-300 + 1e-300)
        return xp.minimum(self.value * ref / safe, cap)


def _u32(xp: Namespace, x: Array) -> Array:
    """``x`` (whole numbers in [0, 2**32), or a Python int) as uint32, in any namespace."""
    keras = hasattr(xp, "convert_to_tensor")  # keras.ops
    if isinstance(x, int):
        return xp.convert_to_tensor(x, dtype="uint32") if keras else xp.asarray(x, dtype="uint32")
    return xp.cast(x, "uint32") if keras else xp.asarray(x).astype("uint32")


def _lowbias32(xp: Namespace, x: Array) -> Array:
    """A bijective scramble of uint32 values (C. Wellons' "lowbias32"; wrapping products).

    Each product keeps its low 32 bits (a no-op for uint32; Keras' torch backend
    holds uint32 as int64, where the mask does the wrap-around).
    """
    s16, s15, low32 = _u32(xp, 16), _u32(xp, 15), _u32(xp, 0xFFFFFFFF)
    x = xp.bitwise_xor(x, xp.right_shift(x, s16))
    x = xp.bitwise_and(xp.multiply(x, _u32(xp, 0x7FEB352D)), low32)
    x = xp.bitwise_xor(x, xp.right_shift(x, s15))
    x = xp.bitwise_and(xp.multiply(x, _u32(xp, 0x846CA68B)), low32)
    return xp.bitwise_xor(x, xp.right_shift(x, s16))


#: Acklam's rational approximation of the normal quantile, central region
#: (|q| <= 0.425 about the median: relative error < 1.2e-9)
_ACKLAM_A = (
    -39.69683028665376,
    220.9460984245205,
    -275.9285104469687,
    138.3577518672690,
    -30.66479806614716,
    2.506628277459239,
)
_ACKLAM_B = (
    -54.47609879822406,
    161.5858368580409,
    -155.6989798598866,
    66.80131188771972,
    -13.28068155288572,
)


def _normal_quantile(u: Array) -> Array:
    """Φ⁻¹(u) for u in [0.075, 0.925] (the central region of Acklam's approximation)."""
    q = u - 0.5
    r = q * q
    a, b = _ACKLAM_A, _ACKLAM_B
    num = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
    den = ((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0
    return num / den


def step_noise(t: Array, xp: Namespace, seed: int, pct: float, dist: str) -> Array:
    r"""A draw ``n_t`` in [-pct, pct) per step: a pure function of (seed, step).

    A uniform :math:`u \in [0, 1)` (24 bits) comes from a 32-bit hash of the
    step and the seed, computed the same way in numpy, jax and keras.
    ``uniform``: :math:`(2u - 1)\,\text{pct}`; ``normal``: the standard normal
    conditioned on :math:`|n| < \text{pct}` (by inversion, whose lowest cell is
    :math:`-\text{pct}`:
    :math:`\Phi^{-1}(\Phi(-p) + u(\Phi(p) - \Phi(-p)))`).
    """
    folded = (seed % 2**32) ^ ((seed >> 32) * 0x9E3779B9 % 2**32)  # a 63-bit seed in 32 bits
    with np.errstate(over="ignore"):  # numpy scalars warn on the (intended) wrap-around
        key = _lowbias32(xp, _u32(xp, folded))
        wrapped = t - xp.floor(t / 2.0**32) * 2.0**32
        h = _lowbias32(xp, xp.bitwise_xor(_u32(xp, wrapped), key))
        top = xp.right_shift(h, _u32(xp, 8))
    dtype = str(getattr(t, "dtype", "float64"))
    if hasattr(xp, "convert_to_tensor"):  # keras.ops
        u = xp.cast(top, dtype) * 2.0**-24
    else:
        u = top.astype(dtype) * 2.0**-24
    if dist == "uniform":
        return (2.0 * u - 1.0) * pct
    lo = 0.5 * (1.0 + math.erf(-pct / math.sqrt(2.0)))
    return _normal_quantile(lo + u * (1.0 - 2.0 * lo))


@register
@dataclass(frozen=True, repr=False)
class Noise(Schedule):
    r"""Multiplicative noise on ``schedule``, seeded: a pure function of the step (timm's lr noise).

    .. math:: \eta_t = s(t)\,(1 + n_t)\ \ (\text{begin} \le t < \text{until}),
              \qquad s(t)\ \text{elsewhere}

    :math:`n_t` depends on ``seed`` and :math:`t` only (a 32-bit hash of both,
    see :func:`step_noise`), so the same step always has the same value, on
    resume too, and numpy, ``lrkit.jax`` and ``lrkit.keras`` compute the same
    draw (the values agree to float32 precision under ``jit``).
    ``dist="normal"``: a standard normal conditioned on :math:`|n_t| <`
    ``pct`` (timm's ``noise_type='normal'``, ``noise_pct``, which redraws until
    it holds); ``"uniform"``: uniform in [-``pct``, ``pct``). In both, the lowest of the
    2**24 cells of the draw is -``pct`` itself (exactly for ``"uniform"``, to the inverse
    normal's accuracy, about 1e-9, for ``"normal"``). ``until`` left
    out: no end; given, it is after ``begin``. timm's ``noise_range_t=(a, b)``
    is ``begin=a, until=b``. The draws are not timm's (timm seeds torch's
    generator with ``seed + t``): same law, other numbers. Steps are hashed modulo :math:`2^{32}`.

    >>> s = noise(constant(1.0), pct=0.1, seed=1)
    >>> s(5) == s(5) and 0.9 < s(5) < 1.1
    True
    """

    name = "noise"
    schedule: Inner
    pct: Real = 0.67
    begin: Annotated[int | str, Duration(allow_zero=True)] = 0
    until: Annotated[int | str | None, Duration(optional=True)] = None
    seed: Annotated[int, Count(low=0)] = 42
    dist: Annotated[str, Choice("normal", "uniform")] = "normal"

    def _check(self) -> None:
        check_number(self.name, "pct", self.pct, low=0.0, high=1.0, low_open=True)
        if self.seed >= 2**63:
            raise ConfigError(f"noise: seed must be < 2**63, got {self.seed}")
        b, u = self.begin, self.until
        if isinstance(b, int) and isinstance(u, int) and u <= b:
            raise ConfigError(
                "noise: until must be > begin (the noise is on the steps begin <= t < until), "
                f"got begin={b}, until={u}"
            )

    def _length(self) -> int | None:
        n = self.schedule._length()
        if n is None or self.until is None:
            return None
        return max(n, steps_of(self.until))

    def _eval(self, t: Array, xp: Namespace) -> Array:
        v = self.schedule._eval(t, xp)
        lo = float(steps_of(self.begin))
        on = t >= lo
        if self.until is not None:
            on = xp.logical_and(on, t < float(steps_of(self.until)))
        n = step_noise(t, xp, self.seed, self.pct, self.dist)
        return xp.where(on, v * (1.0 + n), v)


@runtime_checkable
class Cyclical(Protocol):
    """A schedule with a well-known cyclical momentum (one_cycle, cyclic)."""

    def opposite_wave(self, t: Array, xp: Namespace, low: float, high: float) -> Array: ...


@runtime_checkable
class KnownPeak(Protocol):
    """A schedule that knows the first step of its maximum over ``[0, length]``."""

    def peak_step(self) -> int: ...


def peak_info(s: Schedule) -> tuple[float, float, float, float]:
    """(first argmax step, peak, first value, final value) of a bound schedule.

    Over ``[0, length]``; for a schedule that never ends, its first value. A
    schedule that knows its peak step (:class:`KnownPeak`) is evaluated at three
    steps; any other is evaluated over its length in blocks of 2**20 steps.
    """
    n = s._length()
    if n is None:
        v0 = float(s._eval(np.zeros(1), np)[0])
        return (0.0, v0, v0, v0)
    if isinstance(s, KnownPeak):
        k = s.peak_step()
        v = np.asarray(s._eval(np.array([0.0, float(k), float(n)]), np), dtype=np.float64)
        return (float(k), float(v[1]), float(v[0]), float(v[2]))
    best_k, best, first, last = 0, -math.inf, math.nan, math.nan
    block = 1 << 20
    with np.errstate(all="ignore"):
        for lo in range(0, n + 1, block):
            ts = np.arange(lo, min(lo + block, n + 1), dtype=np.float64)
            v = np.asarray(s._eval(ts, np), dtype=np.float64) + ts * 0.0
            k = int(np.argmax(v))
            if v[k] > best:
                best_k, best = lo + k, float(v[k])
            if lo == 0:
                first = float(v[0])
            last = float(v[-1])
    return (float(best_k), best, first, last)


_peak_info = peak_info


def _mul(a: Schedule | float, b: Schedule | float) -> Schedule:
    return Mul(a, b)


def _add(a: Schedule | float, b: Schedule | float) -> Schedule:
    return Add(a, b)


def _sub(a: Schedule | float, b: Schedule | float) -> Schedule:
    return Subtract(a, b)


def _div(a: Schedule | float, b: Schedule | float) -> Schedule:
    return Div(a, b)


def _neg(a: Schedule) -> Schedule:
    return Neg(a)


HOOKS["mul"] = _mul
HOOKS["add"] = _add
HOOKS["sub"] = _sub
HOOKS["div"] = _div
HOOKS["neg"] = _neg


warmup = Warmup
sequence = Sequence
truncate = Truncate
noise = Noise
clip = Clip
opposite = Opposite
coupled_wd = CoupledWD
