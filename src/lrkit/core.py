"""The schedule value: base class, parameters, registry, binding, evaluation.

A schedule is an immutable value whose fields are its configuration. It is a
pure function of the (integer, zero-based) optimizer step and is evaluated on
a Python int (giving a float) or on a numpy integer array of any shape (giving
a float64 array of that shape).

The math of every schedule is written once, in :meth:`Schedule._eval`, against
an array namespace ``xp`` (``numpy``, ``jax.numpy`` or ``keras.ops``) using only
element-wise operations (``where``, ``minimum``, ``maximum``, ``clip``,
``floor``, ``cos``, ``exp``, ``log``, ``sqrt``, ``power``), so the same formula
serves the numpy preview, a jitted optax schedule and a Keras schedule.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ._validate import (
    check_bool,
    check_choice,
    check_number,
    parse_duration,
    resolve_duration,
)

__all__ = ["Schedule", "Param", "REGISTRY", "register", "as_schedule", "BindContext"]

REQUIRED: Any = object()

#: name -> schedule class; drives the spec parser, to_dict/from_dict and the docs.
REGISTRY: dict[str, type[Schedule]] = {}


@dataclass(frozen=True)
class Param:
    """Description of one constructor parameter.

    kind is one of: ``value`` (finite float), ``opt_value`` (float or None),
    ``duration`` (int steps, ``"N%"``, ``"Nep"``; ``None`` allowed when
    ``to_end``), ``durations`` (list of those), ``values`` (list of floats),
    ``points`` (list of (duration, float) pairs), ``choice``, ``bool``,
    ``schedule`` (a schedule, or a number for arithmetic operands),
    ``schedules`` (variadic list of schedules).
    """

    name: str
    default: Any = REQUIRED
    kind: str = "value"
    choices: tuple[str, ...] = ()
    to_end: bool = False  # duration: None means "to the end of the bound run"
    allow_zero: bool = False  # duration may be 0

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class BindContext:
    total_steps: int | None
    steps_per_epoch: int | None


def register(cls: type[Schedule]) -> type[Schedule]:
    REGISTRY[cls.name] = cls
    return cls


def _norm_param(owner: str, p: Param, value: Any) -> Any:
    """Type-normalize one parameter value (range checks live in ``_check``)."""
    k = p.kind
    if k == "value":
        return check_number(owner, p.name, value)
    if k == "opt_value":
        return None if value is None else check_number(owner, p.name, value)
    if k == "duration":
        if value is None:
            if p.to_end or p.default is None:
                return None
            raise ValueError(f"{owner}: {p.name} must be given (a duration), got None")
        return parse_duration(owner, p.name, value, allow_zero=p.allow_zero)
    if k in ("durations", "values", "points"):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise TypeError(f"{owner}: {p.name} must be a list, got {value!r}")
        items = list(value)
        if k == "durations":
            return tuple(
                parse_duration(owner, f"{p.name}[{i}]", v, allow_zero=True)
                for i, v in enumerate(items)
            )
        if k == "values":
            return tuple(check_number(owner, f"{p.name}[{i}]", v) for i, v in enumerate(items))
        out = []
        for i, pt in enumerate(items):
            if isinstance(pt, (str, bytes)) or not hasattr(pt, "__len__") or len(pt) != 2:
                raise TypeError(f"{owner}: {p.name}[{i}] must be a (step, value) pair, got {pt!r}")
            out.append(
                (
                    parse_duration(owner, f"{p.name}[{i}] step", pt[0], allow_zero=True),
                    check_number(owner, f"{p.name}[{i}] value", pt[1]),
                )
            )
        return tuple(out)
    if k == "choice":
        return check_choice(owner, p.name, value, p.choices)
    if k == "bool":
        return check_bool(owner, p.name, value)
    if k == "schedule":
        if isinstance(value, Schedule):
            return value
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return check_number(owner, p.name, value)
        raise TypeError(f"{owner}: {p.name} must be a schedule or a number, got {value!r}")
    if k == "schedules":
        scheds: list[Schedule] = []
        for i, v in enumerate(value):
            if not isinstance(v, Schedule):
                raise TypeError(f"{owner}: {p.name}[{i}] must be a schedule, got {v!r}")
            scheds.append(v)
        return tuple(scheds)
    raise AssertionError(k)  # pragma: no cover


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Schedule):
        return value.spec()
    if isinstance(value, tuple):
        if value and isinstance(value[0], tuple):
            return "[" + ", ".join("(" + ", ".join(_fmt(x) for x in v) + ")" for v in value) + "]"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    raise AssertionError(value)  # pragma: no cover


def _as_steps(step: Any) -> tuple[bool, np.ndarray]:
    """Validate a step argument: returns (is_scalar, float64 array)."""
    if isinstance(step, bool):
        raise TypeError(f"step must be an integer or an integer array, got {step!r}")
    if isinstance(step, numbers.Integral):
        s = int(step)
        if s < 0:
            raise ValueError(f"step must be >= 0, got {s}")
        return True, np.asarray(float(s))
    arr = np.asarray(step)
    if arr.dtype.kind not in "iu":
        got = f"{step!r} ({type(step).__name__})" if arr.ndim == 0 else f"dtype {arr.dtype}"
        raise TypeError(
            "step must be an integer or an integer array (steps are counted, not measured), "
            f"got {got}"
        )
    if arr.size and arr.min() < 0:
        raise ValueError(f"step must be >= 0, got {int(arr.min())}")
    return arr.ndim == 0, arr.astype(np.float64)


class Schedule:
    """Base class of every schedule value.

    Subclasses declare ``name`` (the spec name) and ``params`` and implement
    ``_eval(t, xp)``; they may override ``_check`` (cross-parameter rules),
    ``_length`` and ``_bind``.
    """

    name: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()

    if TYPE_CHECKING:  # parameters are set dynamically from ``params``

        def __getattr__(self, name: str) -> Any: ...

    # ------------------------------------------------------------ construction
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        owner = self.name
        params = self.params
        values: dict[str, Any] = {}
        if params and params[0].kind == "schedules":
            # variadic: sequence(a, b, c) or sequence([a, b, c])
            if len(args) == 1 and isinstance(args[0], (list, tuple)):
                args = tuple(args[0])
            if params[0].name in kwargs:
                if args:
                    raise TypeError(f"{owner}: {params[0].name} given twice")
                args = tuple(kwargs.pop(params[0].name))
            values[params[0].name] = tuple(args)
            args = ()
            rest = params[1:]
        else:
            rest = params
            if len(args) > len(params):
                raise TypeError(
                    f"{owner}: takes at most {len(params)} positional arguments "
                    f"({', '.join(p.name for p in params)}), got {len(args)}"
                )
            for p, a in zip(params, args):
                values[p.name] = a
        names = {p.name for p in params}
        for k, v in kwargs.items():
            if k not in names:
                allowed = ", ".join(p.name for p in params)
                raise TypeError(f"{owner}: unexpected argument {k!r} (allowed: {allowed})")
            if k in values:
                raise TypeError(f"{owner}: argument {k!r} given twice")
            values[k] = v
        for p in rest:
            if p.name not in values:
                if p.required:
                    raise TypeError(f"{owner}: missing required argument {p.name!r}")
                values[p.name] = p.default
        for p in params:
            object.__setattr__(self, p.name, _norm_param(owner, p, values[p.name]))
        if params and params[0].kind == "schedules" and not values[params[0].name]:
            raise ValueError(f"{owner}: needs at least one schedule, got none")
        self._check()

    def _check(self) -> None:
        """Cross-parameter validation; raise ValueError naming the parameter."""

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{self.name} schedules are immutable; use .replace(...)")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"{self.name} schedules are immutable")

    def __reduce__(self) -> tuple[Callable[..., Schedule], tuple[Any, ...]]:
        return (_rebuild, (self.name, self.config()))

    # ------------------------------------------------------------ identity
    def config(self) -> dict[str, Any]:
        """All parameter values, by name (defaults included)."""
        return {p.name: getattr(self, p.name) for p in self.params}

    def _key(self) -> tuple[Any, ...]:
        return (self.name,) + tuple(getattr(self, p.name) for p in self.params)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return type(self) is type(other) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def replace(self, **changes: Any) -> Schedule:
        """A copy with some parameters changed (validated again)."""
        cfg = self.config()
        cfg.update(changes)
        if self.params and self.params[0].kind == "schedules":
            first = cfg.pop(self.params[0].name)
            return type(self)(*first, **cfg)
        return type(self)(**cfg)

    # ------------------------------------------------------------ printing
    def spec(self) -> str:
        """The canonical spec text; ``lrkit.parse(s.spec()) == s``."""
        parts: list[str] = []
        for i, p in enumerate(self.params):
            v = getattr(self, p.name)
            if p.kind == "schedules":
                parts.extend(_fmt(x) for x in v)
                continue
            if i == 0 and p.kind == "schedule":
                parts.append(_fmt(v))
                continue
            if not p.required and _same(v, p.default):
                continue
            parts.append(f"{p.name}={_fmt(v)}")
        return f"{self.name}({', '.join(parts)})"

    def __str__(self) -> str:
        return self.spec()

    def __repr__(self) -> str:
        return self.spec()

    def to_dict(self) -> dict[str, Any]:
        """A JSON/YAML-friendly dict; ``lrkit.from_dict(s.to_dict()) == s``."""
        d: dict[str, Any] = {"name": self.name}
        for p in self.params:
            v = getattr(self, p.name)
            if not p.required and p.kind != "schedules" and _same(v, p.default):
                continue
            d[p.name] = _to_plain(v)
        return d

    # ------------------------------------------------------------ arithmetic
    def __mul__(self, other: Any) -> Schedule:
        from .combinators import Mul

        return Mul(self, other)

    def __rmul__(self, other: Any) -> Schedule:
        from .combinators import Mul

        return Mul(other, self)

    def __add__(self, other: Any) -> Schedule:
        from .combinators import Add

        return Add(self, other)

    def __radd__(self, other: Any) -> Schedule:
        from .combinators import Add

        return Add(other, self)

    # ------------------------------------------------------------ structure
    def children(self) -> Iterator[Schedule]:
        for p in self.params:
            v = getattr(self, p.name)
            if p.kind == "schedule" and isinstance(v, Schedule):
                yield v
            elif p.kind == "schedules":
                yield from v

    # ------------------------------------------------------------ binding
    def bind(self, total_steps: int | None = None, steps_per_epoch: int | None = None) -> Schedule:
        """Resolve relative durations for a run of ``total_steps`` optimizer steps.

        ``"N%"`` is N percent of ``total_steps``; ``"Nep"`` is N epochs of
        ``steps_per_epoch`` steps (both rounded to the nearest step); a
        ``steps`` left out runs to the end of the run. Absolute durations are
        kept. Returns a new schedule; the original is unchanged.
        """
        from ._validate import check_int

        ts = None if total_steps is None else check_int("bind", "total_steps", total_steps, low=1)
        spe = (
            None
            if steps_per_epoch is None
            else check_int("bind", "steps_per_epoch", steps_per_epoch, low=1)
        )
        return self._bind(BindContext(ts, spe), ts)

    def _bind(self, ctx: BindContext, remaining: int | None) -> Schedule:
        changes: dict[str, Any] = {}
        for p in self.params:
            v = getattr(self, p.name)
            if p.kind == "duration":
                if v is None:
                    if p.to_end and remaining is not None:
                        changes[p.name] = remaining
                else:
                    changes[p.name] = resolve_duration(
                        self.name, p.name, v, ctx.total_steps, ctx.steps_per_epoch
                    )
            elif p.kind == "durations":
                changes[p.name] = tuple(
                    resolve_duration(self.name, p.name, x, ctx.total_steps, ctx.steps_per_epoch)
                    for x in v
                )
            elif p.kind == "points":
                changes[p.name] = tuple(
                    (
                        resolve_duration(
                            self.name, p.name, s, ctx.total_steps, ctx.steps_per_epoch
                        ),
                        y,
                    )
                    for s, y in v
                )
            elif p.kind == "schedule" and isinstance(v, Schedule):
                changes[p.name] = v._bind(ctx, remaining)
            elif p.kind == "schedules":
                changes[p.name] = tuple(x._bind(ctx, remaining) for x in v)
        if all(_same(getattr(self, k), c) for k, c in changes.items()):
            return self
        return self.replace(**changes)

    def unbound(self) -> str | None:
        """Why this schedule cannot be evaluated yet (None when it can)."""
        cached = self.__dict__.get("_unbound_cache", False)
        if cached is not False:
            return cached  # type: ignore[no-any-return]
        msg = self._unbound()
        object.__setattr__(self, "_unbound_cache", msg)
        return msg

    def _unbound(self) -> str | None:
        for p in self.params:
            v = getattr(self, p.name)
            if p.kind == "duration":
                if v is None and p.to_end:
                    return (
                        f"{self.name}: {p.name} is not given, so it runs to the end of the run; "
                        "call .bind(total_steps=N) first (or give steps)"
                    )
                if isinstance(v, str):
                    return _relative_msg(self.name, p.name, v)
            elif p.kind == "durations":
                for x in v:
                    if isinstance(x, str):
                        return _relative_msg(self.name, p.name, x)
            elif p.kind == "points":
                for s, _ in v:
                    if isinstance(s, str):
                        return _relative_msg(self.name, p.name, s)
        for c in self.children():
            m = c.unbound()
            if m:
                return m
        return None

    @property
    def is_bound(self) -> bool:
        return self.unbound() is None

    @property
    def length(self) -> int | None:
        """Steps until the schedule reaches its final value and holds it.

        ``None`` for schedules that never end (exponential, cyclic, ...).
        """
        msg = self.unbound()
        if msg:
            raise ValueError(msg)
        return self._length()

    def _length(self) -> int | None:
        return None

    # ------------------------------------------------------------ evaluation
    def __call__(self, step: Any) -> Any:
        """Value at ``step`` (int -> float; integer array -> float64 array)."""
        msg = self.unbound()
        if msg:
            raise ValueError(msg)
        scalar, t = _as_steps(step)
        with np.errstate(all="ignore"):
            out = np.asarray(self._eval(t, np), dtype=np.float64)
        if out.shape != t.shape:
            out = np.broadcast_to(out, t.shape).copy()
        if not np.isfinite(out).all():
            bad = t[~np.isfinite(out)].ravel()[0] if out.ndim else t
            raise FloatingPointError(
                f"{self.spec()} is not finite at step {int(bad)}; check its parameters"
            )
        return float(out) if scalar else out

    def _eval(self, t: Any, xp: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _opposite(self, t: Any, xp: Any, low: float, high: float) -> Any:
        """Momentum moving opposite to this schedule within [low, high].

        Default rule: within the rise (up to the first maximum) the value maps
        linearly from [v(0), peak] to [high, low]; within the fall from
        [final value, peak] to [high, low]. Schedules with a well-known
        cyclical momentum (one_cycle, cyclic) override it to match PyTorch.
        """
        from .combinators import _peak_info

        if self._length() is None:
            raise ValueError(
                f"opposite: {self.spec()} never ends, so its rise and fall are undefined; "
                "use a schedule with a length (or one_cycle / cyclic)"
            )
        t_peak, peak, a0, a1 = _peak_info(self)
        v = self._eval(t, xp)
        d0 = peak - a0
        d1 = peak - a1
        f0 = (v - a0) / d0 if d0 > 0 else v * 0.0 + 1.0
        f1 = (v - a1) / d1 if d1 > 0 else v * 0.0 + 1.0
        # clipped: a value below the start (or the end) of its rise (fall) stays at high
        f = xp.clip(xp.where(t <= t_peak, f0, f1), 0.0, 1.0)
        return high - (high - low) * f


def _relative_msg(owner: str, name: str, value: str) -> str:
    what = "total_steps=N" if value.endswith("%") else "steps_per_epoch=K"
    return f"{owner}: {name}={value!r} is relative to the run; call .bind({what}) before evaluating"


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b) and not (isinstance(a, numbers.Real) and isinstance(b, numbers.Real)):
        return False
    try:
        return bool(a == b)
    except Exception:  # pragma: no cover
        return False


def _to_plain(v: Any) -> Any:
    if isinstance(v, Schedule):
        return v.to_dict()
    if isinstance(v, tuple):
        return [_to_plain(x) for x in v]
    return v


def _rebuild(name: str, cfg: dict[str, Any]) -> Schedule:
    cls = REGISTRY[name]
    if cls.params and cls.params[0].kind == "schedules":
        first = cfg.pop(cls.params[0].name)
        return cls(*first, **cfg)
    return cls(**cfg)


def as_schedule(x: Any) -> Schedule:
    """A schedule from a schedule, a number (constant), a spec string or a dict."""
    if isinstance(x, Schedule):
        return x
    if isinstance(x, str):
        from .spec import parse

        return parse(x)
    if isinstance(x, dict):
        from .spec import from_dict

        return from_dict(x)
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        from .schedules import Constant

        return Constant(x)
    raise TypeError(f"expected a schedule, a number, a spec string or a dict, got {x!r}")


def frac(t: Any, steps: float, xp: Any) -> Any:
    """min(t, steps) / steps: progress through a shape, held at 1 past its end."""
    return xp.minimum(t, float(steps)) / float(steps)
