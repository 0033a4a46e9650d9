"""Combinators: schedules built from schedules.

``warmup`` (a ramp prefix), ``sequence`` (phases on their own clocks),
arithmetic (``*``, ``+``), ``clip``, ``opposite`` (cyclical momentum) and
``coupled_wd`` (a weight decay that keeps ``lr * wd`` constant).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validate import check_number
from .core import BindContext, Param, Schedule, register

__all__ = ["Warmup", "Sequence", "Mul", "Add", "Clip", "Opposite", "CoupledWD"]


def _eval_operand(x: Any, t: Any, xp: Any) -> Any:
    return x._eval(t, xp) if isinstance(x, Schedule) else t * 0.0 + x


@register
class Warmup(Schedule):
    r"""Prefix ``schedule`` with a ramp of ``steps`` steps from ``start`` to its first value.

    With :math:`w` = ``steps``, :math:`a` = ``start``, :math:`b = s(0)` the
    wrapped schedule's first value and :math:`f = t/w`:

    - ``linear``: :math:`a + (b-a) f`
    - ``cos``: :math:`a + \tfrac12 (b-a)(1-\cos\pi f)`
    - ``exp``: :math:`a\,(b/a)^f` (needs :math:`a > 0`)
    - ``constant``: :math:`a`

    for :math:`t < w`, then :math:`s(t-w)`: the wrapped schedule's clock
    starts after the warmup. The default ``start`` is :math:`b/(w+1)` for
    ``linear``, ``cos`` and ``exp`` (so the ramp is ``b (t+1)/(w+1)`` and the
    first update is never a wasted zero-rate step) and :math:`b/10` for
    ``constant``. ``start=0`` reproduces the libraries that begin at zero
    (HuggingFace, optax with ``init_value=0``).

    >>> warmup(constant(1.0), steps=3)(0)
    0.25
    """

    name = "warmup"
    params = (
        Param("schedule", kind="schedule"),
        Param("steps", kind="duration"),
        Param("start", None, "opt_value"),
        Param("shape", "linear", "choice", ("linear", "cos", "exp", "constant")),
    )

    def _check(self) -> None:
        if not isinstance(self.schedule, Schedule):
            raise TypeError(f"warmup: schedule must be a schedule, got {self.schedule!r}")
        if self.start is not None:
            if self.shape == "exp":
                check_number(
                    self.name, "start", self.start, positive=True, rule="> 0 with shape='exp'"
                )
            else:
                check_number(self.name, "start", self.start, nonneg=True)

    def _bind(self, ctx: BindContext, remaining: int | None) -> Schedule:
        from ._validate import resolve_duration

        w = resolve_duration(self.name, "steps", self.steps, ctx.total_steps, ctx.steps_per_epoch)
        rest = None
        if remaining is not None and isinstance(w, int):
            rest = max(remaining - w, 1)
        child = self.schedule._bind(ctx, rest)
        if w == self.steps and child is self.schedule:
            return self
        return self.replace(schedule=child, steps=w)

    def _length(self) -> int | None:
        n = self.schedule._length()
        return None if n is None else self.steps + n

    def _eval(self, t: Any, xp: Any) -> Any:
        w = float(self.steps)
        b = self.schedule._eval(xp.zeros(()), xp)
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
        after = self.schedule._eval(xp.maximum(t - w, 0.0), xp)
        return xp.where(t < w, ramp, after)


@register
class Sequence(Schedule):
    r"""Run phases one after another, each on its own clock.

    Phase :math:`k` starts at :math:`o_k = \sum_{j<k} n_j` (:math:`n_j` the
    length of phase :math:`j`) and sees the local step :math:`t - o_k`. Every
    phase but the last needs a length; the last may run to the end of the run
    (its ``steps`` left out) or hold its final value.

    >>> sequence(linear(0.0, 1.0, steps=2), constant(1.0))(1)
    0.5
    """

    name = "sequence"
    params = (Param("phases", kind="schedules"),)

    def _bind(self, ctx: BindContext, remaining: int | None) -> Schedule:
        phases = [p._bind(ctx, None) for p in self.phases[:-1]]
        used = 0
        for p in phases:
            n = p._length() if p.is_bound else None
            if n is None:
                used = -1
                break
            used += n
        rest = None if remaining is None or used < 0 else max(remaining - used, 1)
        phases.append(self.phases[-1]._bind(ctx, rest))
        return type(self)(*phases)

    def _unbound(self) -> str | None:
        msg = super()._unbound()
        if msg:
            return msg
        for i, p in enumerate(self.phases[:-1]):
            if p._length() is None:
                return (
                    f"sequence: phase {i} ({p}) never ends; only the last phase may run "
                    "to the end of the run (give the others steps)"
                )
        return None

    def _length(self) -> int | None:
        n = self.phases[-1]._length()
        if n is None:
            return None
        return sum(p._length() for p in self.phases[:-1]) + n  # type: ignore[misc]

    def _eval(self, t: Any, xp: Any) -> Any:
        offs = [0]
        for p in self.phases[:-1]:
            offs.append(offs[-1] + p._length())
        out = self.phases[-1]._eval(xp.maximum(t - float(offs[-1]), 0.0), xp)
        for p, o, nxt in reversed(list(zip(self.phases[:-1], offs[:-1], offs[1:]))):
            local = xp.clip(t - float(o), 0.0, float(p._length()))
            out = xp.where(t < float(nxt), p._eval(local, xp), out)
        return out

    def _opposite(self, t: Any, xp: Any, low: float, high: float) -> Any:
        return Schedule._opposite(self, t, xp, low, high)


class _Binary(Schedule):
    params = (Param("left", kind="schedule"), Param("right", kind="schedule"))
    symbol = "?"

    def _check(self) -> None:
        if not isinstance(self.left, Schedule) and not isinstance(self.right, Schedule):
            raise TypeError(f"{self.name}: at least one operand must be a schedule")

    def _length(self) -> int | None:
        lens = [x._length() for x in (self.left, self.right) if isinstance(x, Schedule)]
        if any(n is None for n in lens):
            return None
        return max(lens)  # type: ignore[type-var]

    def _operand(self, x: Any) -> str:
        if isinstance(x, Add) and self.symbol == "*":
            return f"({x.spec()})"
        return x.spec() if isinstance(x, Schedule) else repr(x)

    def spec(self) -> str:
        return f"{self._operand(self.left)} {self.symbol} {self._operand(self.right)}"


@register
class Mul(_Binary):
    r"""Product of two schedules or of a schedule and a number: ``s * 0.5``.

    .. math:: \eta_t = a_t \cdot b_t
    """

    name = "mul"
    symbol = "*"

    def _eval(self, t: Any, xp: Any) -> Any:
        return _eval_operand(self.left, t, xp) * _eval_operand(self.right, t, xp)

    def spec(self) -> str:
        # * is left-associative: a right-hand product needs parentheses too, else
        # 2.0 * (3.0 * s) would print as 2.0 * 3.0 * s and parse back as 6.0 * s
        r = self.right
        rs = f"({r.spec()})" if isinstance(r, Mul) else self._operand(r)
        return f"{self._operand(self.left)} * {rs}"


@register
class Add(_Binary):
    r"""Sum of two schedules or of a schedule and a number: ``s + 1e-5``.

    .. math:: \eta_t = a_t + b_t
    """

    name = "add"
    symbol = "+"

    def _eval(self, t: Any, xp: Any) -> Any:
        return _eval_operand(self.left, t, xp) + _eval_operand(self.right, t, xp)

    def spec(self) -> str:
        # a * (b + c) needs parentheses; + is left-associative so a right-hand Add does too
        r = self.right
        rs = f"({r.spec()})" if isinstance(r, Add) else self._operand(r)
        return f"{self._operand(self.left)} + {rs}"


@register
class Clip(Schedule):
    r"""Clip a schedule to ``[low, high]`` (either may be left out).

    .. math:: \eta_t = \min(\max(s_t, \text{low}), \text{high})

    >>> clip(linear(0.0, 1.0, steps=10), low=0.2)(0)
    0.2
    """

    name = "clip"
    params = (
        Param("schedule", kind="schedule"),
        Param("low", None, "opt_value"),
        Param("high", None, "opt_value"),
    )

    def _check(self) -> None:
        if self.low is None and self.high is None:
            raise ValueError("clip: give low, high or both, got neither")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"clip: low must be <= high, got low={self.low!r}, high={self.high!r}")

    def _length(self) -> int | None:
        return self.schedule._length()

    def _eval(self, t: Any, xp: Any) -> Any:
        v = self.schedule._eval(t, xp)
        if self.low is not None:
            v = xp.maximum(v, self.low)
        if self.high is not None:
            v = xp.minimum(v, self.high)
        return v


@register
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
    params = (Param("schedule", kind="schedule"), Param("low", 0.85), Param("high", 0.95))

    def _check(self) -> None:
        if not isinstance(self.schedule, Schedule):
            raise TypeError(f"opposite: schedule must be a schedule, got {self.schedule!r}")
        if self.low > self.high:
            raise ValueError(
                f"opposite: low must be <= high, got low={self.low!r}, high={self.high!r}"
            )

    def _length(self) -> int | None:
        return self.schedule._length()

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.schedule._opposite(t, xp, self.low, self.high)


@register
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
    params = (
        Param("schedule", kind="schedule"),
        Param("value"),
        Param("ref", None, "opt_value"),
        Param("cap", None, "opt_value"),
    )

    def _check(self) -> None:
        if not isinstance(self.schedule, Schedule):
            raise TypeError(f"coupled_wd: schedule must be a schedule, got {self.schedule!r}")
        check_number(self.name, "value", self.value, nonneg=True)
        if self.ref is not None:
            check_number(self.name, "ref", self.ref, positive=True)
        if self.cap is not None:
            check_number(self.name, "cap", self.cap, positive=True)

    def _length(self) -> int | None:
        return self.schedule._length()

    def _eval(self, t: Any, xp: Any) -> Any:
        ref = self.ref if self.ref is not None else _peak_info(self.schedule)[1]
        cap = self.cap if self.cap is not None else 10.0 * self.value
        lr = self.schedule._eval(t, xp)
        safe = xp.maximum(lr, ref * 1e-300 + 1e-300)
        return xp.minimum(self.value * ref / safe, cap)


def _peak_info(s: Schedule) -> tuple[float, float, float, float]:
    """(first argmax step, peak, first value, final value) of a bound schedule.

    Computed once with numpy over the schedule's length and cached on the value.
    """
    cache = s.__dict__.get("_peak_cache")
    if cache is not None:
        return cache  # type: ignore[no-any-return]
    n = s._length()
    if n is None:
        v0 = float(s._eval(np.zeros(1), np)[0])
        out = (0.0, v0, v0, v0)
    else:
        with np.errstate(all="ignore"):
            v = np.asarray(s._eval(np.arange(n + 1, dtype=np.float64), np), dtype=np.float64)
        k = int(np.argmax(v))
        out = (float(k), float(v[k]), float(v[0]), float(v[-1]))
    object.__setattr__(s, "_peak_cache", out)
    return out


warmup = Warmup
sequence = Sequence
clip = Clip
opposite = Opposite
coupled_wd = CoupledWD
