"""The schedule value: base class, typed fields, registry, binding, evaluation.

A schedule is a frozen dataclass whose fields are its configuration. It is a
pure function of the (integer, zero-based) optimizer step and is evaluated on
a Python int (giving a float) or on a numpy integer array of any shape (giving
a float64 array of that shape).

Each field is declared with a type and a *marker* (``Annotated[float, REAL]``,
``Annotated[int | str | None, Duration(to_end=True)]``, ...). The marker owns
what is particular to that kind of field: normalizing and validating the value,
resolving it when the run is bound, saying why it cannot be evaluated yet,
printing it in a spec and reading it back from a dict. The registry reads the
markers, so the spec language, ``to_dict``/``from_dict`` and the docs follow
the fields.

The math of every schedule is written once, in ``_eval(t, xp)``, against an
array namespace ``xp`` (``numpy``, ``jax.numpy`` or ``keras.ops``) using only
element-wise operations (``where``, ``minimum``, ``maximum``, ``clip``,
``floor``, ``cos``, ``exp``, ``log``, ``sqrt``, ``power``), so the same formula
serves the numpy preview, a jitted optax schedule and a Keras schedule.

Values: the core accepts any finite real number as a schedule value,
negative ones included (a schedule is a general value: an offset, a
momentum, a score). Whether a value suits a hyperparameter (a learning rate
or a weight decay must be >= 0, a momentum in [0, 1)) is checked where it is
written into an optimizer, by the adapters. Magnitudes between 0 and the
smallest normal float64 (about 2.2e-308, "subnormal" numbers) are rejected:
they lose precision and underflow to 0 under the simplest arithmetic.

Layering: this module imports only :mod:`lrkit.errors` and
:mod:`lrkit._validate`. The few services that need the layers above (the
``*``/``+``/``-``/``/`` operators, which build combinators, and :func:`as_schedule`, which
reads specs) are installed into :data:`HOOKS` by those layers when they are
imported; ``import lrkit`` imports them all.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import MISSING, FrozenInstanceError, dataclass, field, fields
from typing import Annotated, Any, ClassVar, TypeVar, get_type_hints

import numpy as np

from ._validate import (
    MAX_DURATION,
    check_bool,
    check_choice,
    check_int,
    check_list,
    check_number,
    check_pair,
    check_steps,
    is_number,
    parse_duration,
    peer_hint,
    resolve_duration,
)
from .errors import ConfigError, ConfigTypeError, NonFiniteError

__all__ = [
    "Schedule",
    "Param",
    "REGISTRY",
    "register",
    "as_schedule",
    "BindContext",
    "Marker",
    "Real",
    "OptReal",
    "Flag",
    "Duration",
    "Durations",
    "Reals",
    "Points",
    "Choice",
    "Count",
    "Sub",
    "Subs",
    "steps_of",
    "frac",
]

#: an array (numpy, jax or keras) or a float: what ``_eval`` computes with
Array = Any
#: an array namespace: ``numpy``, ``jax.numpy``, ``keras.ops`` (or a wrapper of one)
Namespace = Any

#: name -> schedule class; drives the spec parser, to_dict/from_dict and the docs.
REGISTRY: dict[str, type[Schedule]] = {}

#: services installed by the layers above (see the module docstring):
#: ``"mul"``/``"add"``/``"sub"``/``"div"``/``"neg"`` build the arithmetic combinators,
#: ``"as_schedule"`` reads specs.
HOOKS: dict[str, Callable[..., Schedule]] = {}


@dataclass(frozen=True)
class BindContext:
    total_steps: int | None
    steps_per_epoch: int | None


# ---------------------------------------------------------------- markers
class Marker:
    """How one kind of field is normalized, bound, checked, printed and read back.

    ``kind`` is the historical name of the kind (``"value"``, ``"duration"``,
    ...); docs and older callers read it.
    """

    kind: ClassVar[str] = ""
    #: ``Sub``/``Subs`` fields print first and without ``name=``
    positional: ClassVar[bool] = False

    def normalize(self, owner: str, name: str, value: object) -> object:
        return value

    def bind(
        self, owner: str, name: str, value: object, ctx: BindContext, remaining: int | None
    ) -> object:
        return value

    def unbound(self, owner: str, name: str, value: object) -> str | None:
        return None

    def children(self, value: object) -> tuple[Schedule, ...]:
        return ()

    def read(self, path: str, value: object, sub: Callable[[object, str], Schedule]) -> object:
        """Turn the plain (JSON) form of the field back into constructor input."""
        return value


class _Real(Marker):
    kind = "value"

    def normalize(self, owner: str, name: str, value: object) -> float:
        return check_number(owner, name, value)


class _OptReal(Marker):
    kind = "opt_value"

    def normalize(self, owner: str, name: str, value: object) -> float | None:
        return None if value is None else check_number(owner, name, value)


class _Flag(Marker):
    kind = "bool"

    def normalize(self, owner: str, name: str, value: object) -> bool:
        return check_bool(owner, name, value)


@dataclass(frozen=True)
class Choice(Marker):
    """One of a fixed set of strings."""

    choices: tuple[str, ...]
    kind = "choice"

    def __init__(self, *choices: str) -> None:
        object.__setattr__(self, "choices", choices)

    def normalize(self, owner: str, name: str, value: object) -> str:
        return check_choice(owner, name, value, self.choices)


@dataclass(frozen=True)
class Count(Marker):
    """A whole number >= ``low`` (a count, a seed); ``optional``: None is allowed too."""

    low: int = 1
    optional: bool = False
    kind = "count"

    def normalize(self, owner: str, name: str, value: object) -> int | None:
        if value is None and self.optional:
            return None
        return check_int(owner, name, value, low=self.low)


class OpenEnd(str):
    """The reason a schedule is unbound when a ``steps`` left out waits for the rest of the
    run: only the run's remaining length (``bind``'s ``remaining``) resolves it, so a
    middle phase of ``sequence`` (which never gets it) with this reason never can be."""


def _relative_msg(owner: str, name: str, value: str) -> str:
    what = "total_steps=N" if value.endswith("%") else "steps_per_epoch=K"
    return f"{owner}: {name}={value!r} is relative to the run; call .bind({what}) before evaluating"


def resolve(
    owner: str, name: str, value: int | str, ctx: BindContext, *, allow_zero: bool = True
) -> int | str:
    """A duration resolved for the run; a relative one rounding to 0 steps is an error."""
    n = resolve_duration(owner, name, value, ctx.total_steps, ctx.steps_per_epoch)
    if n == 0 and not allow_zero and isinstance(value, str):
        run = (
            f"a {ctx.total_steps}-step run"
            if value.endswith("%")
            else f"{ctx.steps_per_epoch}-step epochs"
        )
        raise ConfigError(
            f"{owner}: {name}={value!r} rounds to 0 steps of {run}; it must be at least 1 step "
            "(give more steps or a larger fraction)"
        )
    return n


_resolve = resolve


@dataclass(frozen=True)
class Duration(Marker):
    """A number of steps, ``"N%"`` of the run or ``"Nep"`` epochs.

    ``to_end``: ``None`` means "to the end of the bound run" (``steps`` left
    out); ``optional``: ``None`` means "not given"; ``allow_zero``: 0 steps allowed.
    """

    to_end: bool = False
    optional: bool = False
    allow_zero: bool = False
    kind = "duration"

    def normalize(self, owner: str, name: str, value: object) -> int | str | None:
        if value is None:
            if self.to_end or self.optional:
                return None
            raise ConfigError(f"{owner}: {name} must be given (a duration), got None")
        return parse_duration(owner, name, value, allow_zero=self.allow_zero)

    def bind(
        self, owner: str, name: str, value: object, ctx: BindContext, remaining: int | None
    ) -> object:
        if value is None:
            return remaining if self.to_end and remaining is not None else None
        assert isinstance(value, (int, str))
        return resolve(owner, name, value, ctx, allow_zero=self.allow_zero)

    def unbound(self, owner: str, name: str, value: object) -> str | None:
        if value is None and self.to_end:
            return OpenEnd(
                f"{owner}: {name} is not given, so it runs to the end of the run; "
                "call .bind(total_steps=N) first (or give steps)"
            )
        return _relative_msg(owner, name, value) if isinstance(value, str) else None


class _Durations(Marker):
    kind = "durations"

    def normalize(self, owner: str, name: str, value: object) -> tuple[int | str, ...]:
        items = check_list(owner, name, value)
        return tuple(
            parse_duration(owner, f"{name}[{i}]", v, allow_zero=True) for i, v in enumerate(items)
        )

    def bind(
        self, owner: str, name: str, value: object, ctx: BindContext, remaining: int | None
    ) -> object:
        assert isinstance(value, tuple)
        return tuple(_resolve(owner, name, x, ctx) for x in value)

    def unbound(self, owner: str, name: str, value: object) -> str | None:
        assert isinstance(value, tuple)
        rel = [x for x in value if isinstance(x, str)]
        return _relative_msg(owner, name, rel[0]) if rel else None

    def read(self, path: str, value: object, sub: Callable[[object, str], Schedule]) -> object:
        return list(check_list("from_dict", path, value))


class _Reals(Marker):
    kind = "values"

    def normalize(self, owner: str, name: str, value: object) -> tuple[float, ...]:
        items = check_list(owner, name, value)
        return tuple(check_number(owner, f"{name}[{i}]", v) for i, v in enumerate(items))

    def read(self, path: str, value: object, sub: Callable[[object, str], Schedule]) -> object:
        return list(check_list("from_dict", path, value))


Point = tuple[int | str, float]


class _Points(Marker):
    kind = "points"

    def normalize(
        self, owner: str, name: str, value: object
    ) -> tuple[tuple[int | str, float], ...]:
        out = []
        for i, pt in enumerate(check_list(owner, name, value)):
            s, v = check_pair(owner, f"{name}[{i}]", pt, "(step, value) pair")
            out.append(
                (
                    parse_duration(owner, f"{name}[{i}] step", s, allow_zero=True),
                    check_number(owner, f"{name}[{i}] value", v),
                )
            )
        return tuple(out)

    def bind(
        self, owner: str, name: str, value: object, ctx: BindContext, remaining: int | None
    ) -> object:
        assert isinstance(value, tuple)
        return tuple((_resolve(owner, name, s, ctx), y) for s, y in value)

    def unbound(self, owner: str, name: str, value: object) -> str | None:
        assert isinstance(value, tuple)
        rel = [s for s, _ in value if isinstance(s, str)]
        return _relative_msg(owner, name, rel[0]) if rel else None

    def read(self, path: str, value: object, sub: Callable[[object, str], Schedule]) -> object:
        items = check_list("from_dict", path, value)
        return [tuple(check_pair("from_dict", f"{path}[{i}]", x)) for i, x in enumerate(items)]


@dataclass(frozen=True)
class Sub(Marker):
    """A schedule inside a schedule (``numbers``: a plain number is accepted too)."""

    numbers: bool = False
    kind = "schedule"
    positional = True

    def normalize(self, owner: str, name: str, value: object) -> Schedule | float:
        if isinstance(value, Schedule):
            return value
        if not self.numbers:
            raise ConfigTypeError(f"{owner}: {name} must be a schedule, got {value!r}")
        if is_number(value):
            return check_number(owner, name, value)
        raise ConfigTypeError(f"{owner}: {name} must be a schedule or a number, got {value!r}")

    def bind(
        self, owner: str, name: str, value: object, ctx: BindContext, remaining: int | None
    ) -> object:
        return value._bind(ctx, remaining) if isinstance(value, Schedule) else value

    def children(self, value: object) -> tuple[Schedule, ...]:
        return (value,) if isinstance(value, Schedule) else ()

    def read(self, path: str, value: object, sub: Callable[[object, str], Schedule]) -> object:
        if self.numbers and is_number(value):
            return value
        return sub(value, path)


class _Subs(Marker):
    """Variadic schedules: ``sequence(a, b, c)``."""

    kind = "schedules"
    positional = True

    def normalize(self, owner: str, name: str, value: object) -> tuple[Schedule, ...]:
        items = check_list(owner, name, value)
        for i, v in enumerate(items):
            if not isinstance(v, Schedule):
                raise ConfigTypeError(f"{owner}: {name}[{i}] must be a schedule, got {v!r}")
        if not items:
            raise ConfigError(f"{owner}: needs at least one schedule, got none")
        return tuple(items)

    def bind(
        self, owner: str, name: str, value: object, ctx: BindContext, remaining: int | None
    ) -> object:
        assert isinstance(value, tuple)
        return tuple(x._bind(ctx, remaining) for x in value)

    def children(self, value: object) -> tuple[Schedule, ...]:
        assert isinstance(value, tuple)
        return value

    def read(self, path: str, value: object, sub: Callable[[object, str], Schedule]) -> object:
        items = check_list("from_dict", path, value)
        return [sub(x, f"{path}[{i}]") for i, x in enumerate(items)]


REAL = _Real()
OPT_REAL = _OptReal()
FLAG = _Flag()
DURATIONS = _Durations()
REALS = _Reals()
POINTS = _Points()
SUBS = _Subs()

#: field types, for the schedule classes
Real = Annotated[float, REAL]
OptReal = Annotated[float | None, OPT_REAL]
Flag = Annotated[bool, FLAG]
Steps = Annotated[int | str | None, Duration(to_end=True)]
# list-like inputs are stored as tuples
Durations = Annotated[Sequence[int | str], DURATIONS]
Reals = Annotated[Sequence[float], REALS]
Points = Annotated[Sequence[tuple[int | str, float]], POINTS]
Subs = Annotated["tuple[Schedule, ...]", SUBS]


@dataclass(frozen=True)
class Param:
    """One constructor parameter as the registry sees it: name, marker, default."""

    name: str
    marker: Marker
    default: object = MISSING

    @property
    def required(self) -> bool:
        return self.default is MISSING

    @property
    def kind(self) -> str:
        return self.marker.kind

    @property
    def choices(self) -> tuple[str, ...]:
        return self.marker.choices if isinstance(self.marker, Choice) else ()


# ---------------------------------------------------------------- registry
S = TypeVar("S", bound="type[Schedule]")


def register(cls: S) -> S:
    """Add a schedule dataclass to the registry (reads its fields' markers)."""
    hints = get_type_hints(cls, include_extras=True)
    params = []
    for f in fields(cls):
        if not f.init:
            continue
        marks = [m for m in getattr(hints[f.name], "__metadata__", ()) if isinstance(m, Marker)]
        if len(marks) != 1:
            raise TypeError(f"{cls.__name__}.{f.name}: annotate the field with one marker")
        params.append(Param(f.name, marks[0], f.default))
    cls.params = tuple(params)
    positional = tuple(f.name for f in fields(cls) if f.init and not f.kw_only)
    init = cls.__init__

    @functools.wraps(init)
    def checked_init(self: Schedule, *args: object, **kwargs: object) -> None:
        _check_arguments(cls.name, cls.params, positional, args, kwargs)
        init(self, *args, **kwargs)

    # installed with setattr: mypy (rightly) refuses assignments to methods
    setattr(cls, "__init__", checked_init)  # noqa: B010
    # the dataclass's frozen __setattr__, with lrkit's message
    setattr(cls, "__setattr__", _immutable_setattr)  # noqa: B010
    setattr(cls, "__delattr__", _immutable_delattr)  # noqa: B010
    REGISTRY[cls.name] = cls
    return cls


def _immutable_setattr(self: Schedule, key: str, value: object) -> None:
    raise FrozenInstanceError(f"{self.name} schedules are immutable; use .replace(...)")


def _immutable_delattr(self: Schedule, key: str) -> None:
    raise FrozenInstanceError(f"{self.name} schedules are immutable")


def _check_arguments(
    owner: str,
    params: tuple[Param, ...],
    positional: tuple[str, ...],
    args: tuple[object, ...],
    kwargs: dict[str, object],
) -> None:
    """The constructor's argument errors, in lrkit's words (before the dataclass's own)."""
    if params and isinstance(params[0].marker, _Subs):
        return  # variadic: the class's own __init__ checks
    names = [p.name for p in params]
    if len(args) > len(positional):
        raise ConfigTypeError(
            f"{owner}: takes at most {len(positional)} positional arguments "
            f"({', '.join(positional)}), got {len(args)}"
        )
    given = set(positional[: len(args)])
    for k in kwargs:
        if k not in names:
            hint = peer_hint(owner, k, names)
            raise ConfigTypeError(
                f"{owner}: unexpected argument {k!r}{hint} (allowed: {', '.join(names)})"
            )
        if k in given:
            raise ConfigTypeError(f"{owner}: argument {k!r} given twice")
    for p in params:
        if p.required and p.name not in given and p.name not in kwargs:
            raise ConfigTypeError(f"{owner}: missing required argument {p.name!r}")


# ---------------------------------------------------------------- the base class
@dataclass(frozen=True, eq=False, repr=False)
class Schedule:
    """Base class of every schedule value.

    A subclass is a frozen dataclass decorated with :func:`register`; it sets
    ``name`` (the spec name), declares its fields with markers and implements
    ``_eval(t, xp)``; it may override ``_check`` (cross-parameter rules),
    ``_length`` and ``_bind``.
    """

    name: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    #: why the value cannot be evaluated yet (None when it can); computed once at
    #: construction from the fields (and the children's own reasons)
    _unbound_reason: str | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        for p in self.params:
            value = p.marker.normalize(self.name, p.name, getattr(self, p.name))
            object.__setattr__(self, p.name, value)
        self._check()
        object.__setattr__(self, "_unbound_reason", self._unbound())

    def _check(self) -> None:
        """Cross-parameter validation; raise ConfigError naming the parameter."""

    # ------------------------------------------------------------ identity
    def config(self) -> dict[str, Any]:
        """All parameter values, by name (defaults included)."""
        return {p.name: getattr(self, p.name) for p in self.params}

    @classmethod
    def _from_config(cls, cfg: dict[str, Any]) -> Schedule:
        return cls(**cfg)

    def replace(self, **changes: Any) -> Schedule:
        """A copy with some parameters changed (validated again)."""
        return self._from_config({**self.config(), **changes})

    # ------------------------------------------------------------ printing
    def spec(self) -> str:
        """The canonical spec text; ``lrkit.parse(s.spec()) == s``."""
        parts: list[str] = []
        for i, p in enumerate(self.params):
            v = getattr(self, p.name)
            if isinstance(p.marker, _Subs):
                parts.extend(_fmt(x) for x in v)
            elif i == 0 and p.marker.positional:
                parts.append(_fmt(v))
            elif p.required or not _same(v, p.default):
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
            if p.required or isinstance(p.marker, _Subs) or not _same(v, p.default):
                d[p.name] = _to_plain(v)
        return d

    # ------------------------------------------------------------ arithmetic
    def __mul__(self, other: Schedule | float) -> Schedule:
        return HOOKS["mul"](self, other)

    def __rmul__(self, other: Schedule | float) -> Schedule:
        return HOOKS["mul"](other, self)

    def __add__(self, other: Schedule | float) -> Schedule:
        return HOOKS["add"](self, other)

    def __radd__(self, other: Schedule | float) -> Schedule:
        return HOOKS["add"](other, self)

    def __sub__(self, other: Schedule | float) -> Schedule:
        return HOOKS["sub"](self, other)

    def __rsub__(self, other: Schedule | float) -> Schedule:
        return HOOKS["sub"](other, self)

    def __truediv__(self, other: Schedule | float) -> Schedule:
        return HOOKS["div"](self, other)

    def __rtruediv__(self, other: Schedule | float) -> Schedule:
        return HOOKS["div"](other, self)

    def __neg__(self) -> Schedule:
        return HOOKS["neg"](self)

    # ------------------------------------------------------------ structure
    def children(self) -> Iterator[Schedule]:
        for p in self.params:
            yield from p.marker.children(getattr(self, p.name))

    # ------------------------------------------------------------ binding
    def bind(self, total_steps: int | None = None, steps_per_epoch: int | None = None) -> Schedule:
        """Resolve relative durations for a run of ``total_steps`` optimizer steps.

        ``"N%"`` is N percent of ``total_steps``; ``"Nep"`` is N epochs of
        ``steps_per_epoch`` steps (both rounded to the nearest step); a
        ``steps`` left out runs to the end of the run. Absolute durations are
        kept. ``total_steps`` is at most ``2**53`` (the longest duration).
        Returns a new schedule; the original is unchanged.
        """
        ts = None if total_steps is None else check_int("bind", "total_steps", total_steps, low=1)
        if ts is not None and ts > MAX_DURATION:  # a duration's limit: name it here
            raise ConfigError(f"bind: total_steps must be at most 2**53 steps, got {ts}")
        spe = (
            None
            if steps_per_epoch is None
            else check_int("bind", "steps_per_epoch", steps_per_epoch, low=1)
        )
        return self._bind(BindContext(ts, spe), ts)

    def _bind(self, ctx: BindContext, remaining: int | None) -> Schedule:
        changes = {}
        for p in self.params:
            v = getattr(self, p.name)
            new = p.marker.bind(self.name, p.name, v, ctx, remaining)
            if not _same(v, new):
                changes[p.name] = new
        return self.replace(**changes) if changes else self

    def unbound(self) -> str | None:
        """Why this schedule cannot be evaluated yet (None when it can)."""
        return self._unbound_reason

    def _unbound(self) -> str | None:
        for p in self.params:
            msg = p.marker.unbound(self.name, p.name, getattr(self, p.name))
            if msg:
                return msg
        for c in self.children():
            if c._unbound_reason:
                return c._unbound_reason
        return None

    @property
    def is_bound(self) -> bool:
        return self._unbound_reason is None

    @property
    def length(self) -> int | None:
        """Steps until the schedule reaches its final value and holds it.

        ``None`` for schedules that never end (exponential, cyclic, ...).
        """
        if self._unbound_reason:
            raise ConfigError(self._unbound_reason)
        return self._length()

    def _length(self) -> int | None:
        return None

    # ------------------------------------------------------------ display
    def plot(
        self,
        total_steps: int | None = None,
        *,
        steps_per_epoch: int | None = None,
        log: bool = False,
        title: str | None = None,
    ) -> Any:
        """The values over steps ``0 .. n-1`` as a matplotlib Figure (for notebooks).

        ``n`` is ``total_steps`` (the schedule is bound to it); left out, the
        length of a bound schedule that ends, else 1000 steps (an unbound
        schedule is bound to them). ``log``: a log value axis (it needs a value > 0).
        A long run is drawn as :func:`lrkit.plot.schedules` draws it (its envelope).
        Needs matplotlib (``lrkit[plot]``); to
        write a file, use :func:`lrkit.plot.schedules`. In Jupyter a schedule
        displays as this figure (``_repr_png_``).
        """
        from . import _render

        n = total_steps
        if n is None:
            n = (self._length() if self.is_bound else None) or 1000
        n = check_int("plot", "total_steps", n, low=1)
        s = self.bind(total_steps=n, steps_per_epoch=steps_per_epoch)
        t = np.arange(n)
        label = self.spec()
        v = s(t)
        if log and not (v > 0).any():
            raise ConfigError(
                f"plot: log=True, but {label} has no value > 0 over steps 0..{n - 1} "
                "(a log axis shows only positive values); plot it with log=False"
            )
        return _render.lines_figure(
            [(label, *_render.envelope(t, v))],  # at most MAX_POINTS points drawn
            title=label[:90] if title is None else title,
            ylabel="value",
            logy=log,
        )

    def _repr_png_(self) -> bytes | None:
        """The figure of :meth:`plot` as PNG (Jupyter's rich display); None without matplotlib."""
        from . import _render

        return _render.repr_png(self.plot)

    # ------------------------------------------------------------ evaluation
    def __call__(self, step: Any) -> Any:
        """Value at ``step`` (int -> float; integer array -> float64 array)."""
        if self._unbound_reason:
            raise ConfigError(self._unbound_reason)
        scalar, t = _as_steps(step)
        with np.errstate(all="ignore"):
            out = np.asarray(self._eval(t, np), dtype=np.float64)
        if out.shape != t.shape:
            out = np.broadcast_to(out, t.shape).copy()
        if not np.isfinite(out).all():
            bad = t[~np.isfinite(out)].ravel()[0] if out.ndim else t
            raise NonFiniteError(
                f"{self.spec()} is not finite at step {int(bad)}; check its parameters"
            )
        return float(out) if scalar else out

    def _eval(self, t: Array, xp: Namespace) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError


def _fmt(value: object) -> str:
    if isinstance(value, (bool, float, str)) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Schedule):
        return value.spec()
    if isinstance(value, tuple):
        if value and isinstance(value[0], tuple):
            return "[" + ", ".join("(" + ", ".join(_fmt(x) for x in v) + ")" for v in value) + "]"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    raise AssertionError(value)  # pragma: no cover


_as_steps = check_steps


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b) and not (is_number(a) and is_number(b)):
        return False
    return bool(a == b)


def _to_plain(v: object) -> object:
    if isinstance(v, Schedule):
        return v.to_dict()
    if isinstance(v, tuple):
        return [_to_plain(x) for x in v]
    return v


def _rebuild(name: str, cfg: dict[str, Any]) -> Schedule:
    """Unpickle a schedule pickled by lrkit 0.1.0 (its ``__reduce__`` named this)."""
    return REGISTRY[name]._from_config(dict(cfg))


def as_schedule(x: object) -> Schedule:
    """A schedule from a schedule, a number (constant), a spec string or a dict.

    Defined in :mod:`lrkit.spec` (``lrkit.as_schedule``); this name is kept for
    callers of ``lrkit.core.as_schedule`` and forwards to it.
    """
    if isinstance(x, Schedule):
        return x
    return HOOKS["as_schedule"](x)


def steps_of(value: int | str | None) -> int:
    """A bound duration field as an int (evaluation only runs on bound values)."""
    if not isinstance(value, int):  # pragma: no cover - guarded by unbound()
        raise AssertionError(f"duration {value!r} is not bound")
    return value


def frac(t: Array, steps: float, xp: Namespace) -> Array:
    """min(t, steps) / steps: progress through a shape, held at 1 past its end."""
    return xp.minimum(t, float(steps)) / float(steps)


def finite_range(owner: str, name: str, value: float) -> float:
    """``value`` (a quantity a schedule computes from its parameters) if it is finite.

    ``name`` says which parameters (``"start - end"``, ``"gamma"``); the error is
    raised at construction, before any value overflows.
    """
    if not math.isfinite(value):
        raise ConfigError(
            f"{owner}: the parameters overflow float64: {name} gives {value!r} (the values "
            "of the schedule would not be finite); use smaller magnitudes"
        )
    return value
