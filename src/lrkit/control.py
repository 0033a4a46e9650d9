r"""Reactive control as small framework-free state machines: plateau and early stopping.

Each controller is three things:

- a frozen ``...Config`` dataclass (validated at construction),
- an immutable ``...State`` (a frozen dataclass; for the plateau a
  ``NamedTuple``, so jax carries it as a pytree) of plain floats and ints, so
  it pickles and its ``to_dict()`` goes through ``json`` and
  ``torch.load(weights_only=True)``,
- a pure update function ``update(config, state, metric, step=None) -> state``,

plus a thin mutable wrapper class (:class:`Plateau`, :class:`EarlyStopping`)
with ``update`` / ``state_dict`` / ``load_state_dict``. The framework adapters
(``lrkit.torch``, ``lrkit.keras``, ``lrkit.jax``) reuse the pure functions;
this module imports nothing but the standard library (and never numpy arrays:
metrics are converted with ``float()``, so a numpy scalar, a 0-d array or a
0-d tensor is accepted).

Reduce-on-plateau
-----------------
The controller does not own a learning rate; it owns a **scale** (1 at the
start, multiplied by ``factor`` at every reduction). The applied value is

.. math::

    v(t) = \max\bigl(s(t)\,\mathrm{scale},\ \min(s(t), m)\bigr)

with :math:`s` the base schedule and :math:`m` = ``min_value``
(:func:`plateau_apply`): the plateau never takes the value below
``min_value`` while the base schedule alone may (a cosine to 0 still reaches
0). For a constant schedule :math:`s \ge m` this is PyTorch's
``max(lr * factor**k, min_lr)``.

Decisions (identical to ``torch.optim.lr_scheduler.ReduceLROnPlateau`` where
PyTorch is right):

- *better* in ``mode="min"``: ``metric < best - threshold*|best|`` (``rel``) or
  ``metric < best - threshold`` (``abs``); ``mode="max"`` mirrors it. PyTorch
  and optax use ``best * (1 - threshold)``, which for a negative ``best`` is a
  *larger* number, so a worsening negative loss counts as an improvement
  (pytorch/pytorch#47513, google-deepmind/optax#1767). lrkit uses ``|best|``;
  for ``best >= 0`` the arithmetic is PyTorch's, bit for bit. While ``best``
  is still infinite (before the first metric) any finite metric on the right
  side of it is better: PyTorch computes ``inf * (1 - threshold)``, which for
  ``threshold >= 1`` is NaN or has the wrong sign, so with ``mode="max"`` it
  keeps the rate, as lrkit does, and with ``mode="min"`` it never counts an
  improvement (lrkit does: a documented difference).
- otherwise the metric is a *bad epoch*; during a cooldown bad epochs are not
  counted; when more than ``patience`` bad epochs accumulate the scale is
  multiplied by ``factor``, the cooldown starts and the count resets.
- a reduction that would change the applied value by ``eps`` or less is
  ignored (the event still resets the count and starts the cooldown, as in
  PyTorch).
- a NaN metric raises ``ValueError`` (``nan="raise"``, default) or is skipped
  without touching the state (``nan="skip"``). It is never a silent bad epoch.
  ``+inf``/``-inf`` are ordinary (bad or good) values.
- metrics reported at a ``step < start_step`` are ignored (e.g. during warmup).

The rule is written once, :func:`plateau_rule`, against an array namespace
(``xp``): plain Python floats here, ``jax.numpy`` in :mod:`lrkit.jax` (so it
runs under ``jit``), with one state type, :class:`PlateauState` (a
``NamedTuple``, hence a jax pytree).

Checkpoints
-----------
Every ``load_state_dict`` in lrkit reads its state through :func:`read_state`:
an allow-list of fields, each checked for type, range and finiteness before
anything changes (a bad field raises :class:`~lrkit.errors.ConfigError` or
:class:`~lrkit.errors.ConfigTypeError` naming it). The one policy for a
checkpoint saved under a different configuration (:func:`check_mismatch`):
``on_mismatch="error"`` (default) raises and shows both; ``"new"`` keeps the
newly constructed configuration and continues from the saved state.

Early stopping
--------------
*Improvement* in ``mode="min"``: ``metric < best - min_delta`` (``max``:
``metric > best + min_delta``), as Keras and Lightning. After ``patience``
consecutive epochs without improvement the controller says stop (Keras'
``wait >= patience``). NaN: ``"raise"`` (default), ``"stop"`` (stop now) or
``"skip"``.

>>> p = Plateau(PlateauConfig(patience=1, factor=0.5))
>>> [p.update(m) for m in (1.0, 1.0, 1.0)]
[False, False, True]
>>> p.scale
0.5
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ._validate import check_choice, check_int, check_number
from .errors import ConfigError, ConfigTypeError

__all__ = [
    "PlateauConfig",
    "PlateauState",
    "plateau_init",
    "plateau_rule",
    "plateau_update",
    "plateau_apply",
    "is_better",
    "Plateau",
    "EarlyStoppingConfig",
    "EarlyStoppingState",
    "early_stopping_init",
    "early_stopping_update",
    "EarlyStopping",
    "StateField",
    "read_state",
    "check_mismatch",
    "plateau_config",
]

#: the largest step or count a checkpoint may hold (exact in float64, fits int64)
MAX_COUNT = 2**53


def _metric(owner: str, metric: Any) -> float:
    if isinstance(metric, bool):
        raise ConfigTypeError(f"{owner}: metric must be a number, got {metric!r}")
    try:
        return float(metric)
    except (TypeError, ValueError):
        raise ConfigTypeError(
            f"{owner}: metric must be a number (or a 0-d array/tensor), got {metric!r}"
        ) from None


def _opt_step(owner: str, step: Any) -> int | None:
    if step is None:
        return None
    return check_int(owner, "step", step, low=0)


# =============================================================================
# checkpoints: one mechanism for every state_dict / load_state_dict
# =============================================================================

_REQUIRED: Any = object()


class StateField(NamedTuple):
    """One allowed field of a checkpoint: its name, its check, its default.

    ``check(owner, where, value)`` returns the value normalized (``int``,
    ``float``...) or raises ``ConfigError``/``ConfigTypeError`` naming ``where``.
    A field without a default is required.
    """

    name: str
    check: Callable[[str, str, Any], Any]
    default: Any = _REQUIRED


def read_state(
    owner: str, state: Any, fields: Sequence[StateField], where: str = "state_dict"
) -> dict[str, Any]:
    """Validate ``state`` against an allow-list of fields; returns the checked values.

    Nothing is changed anywhere: callers validate everything first, then
    commit. A missing required field, an unknown field or a bad value raises
    with a message naming the field, the value and what is allowed.
    """
    if not isinstance(state, Mapping):
        raise ConfigTypeError(
            f"{owner}: {where} must be a dict (from state_dict()), got {type(state).__name__}"
        )
    names = [f.name for f in fields]
    missing = [f.name for f in fields if f.default is _REQUIRED and f.name not in state]
    if missing:
        raise ConfigError(
            f"{owner}: {where} is missing {missing}, got keys {sorted(map(str, state))}"
        )
    unknown = sorted(str(k) for k in state if k not in names)
    if unknown:
        raise ConfigError(f"{owner}: {where} has unknown fields {unknown}; allowed: {names}")
    out = {}
    for f in fields:
        out[f.name] = (
            f.check(owner, f"{where}[{f.name!r}]", state[f.name]) if f.name in state else f.default
        )
    return out


def check_mismatch(
    owner: str,
    what: str,
    saved: Any,
    constructed: Any,
    on_mismatch: str,
    same: bool | None = None,
) -> bool:
    """The one policy for a checkpoint saved under another configuration.

    Returns True when they differ and ``on_mismatch == "new"`` (keep the
    constructed configuration); raises ``ConfigError`` showing both when they
    differ and ``on_mismatch == "error"``; False when they are equal. ``same``
    overrides the comparison (when ``saved``/``constructed`` are for display).
    """
    check_choice(owner, "on_mismatch", on_mismatch, ("error", "new"))
    if same if same is not None else _plain(saved) == _plain(constructed):
        return False
    if on_mismatch == "error":
        raise ConfigError(
            f"{owner}: the checkpoint's {what} differs from the one constructed.\n"
            f"  saved:       {saved}\n"
            f"  constructed: {constructed}\n"
            "To keep the newly constructed one and continue from the saved state, pass "
            "on_mismatch='new'."
        )
    return True


def _plain(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    return x


def f_int(low: int = 0, high: int = MAX_COUNT) -> Callable[[str, str, Any], int]:
    """A field check: an integer in ``[low, high]``."""

    def check(owner: str, where: str, v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise ConfigTypeError(f"{owner}: {where} must be an integer, got {v!r}")
        if not low <= int(v) <= high:
            raise ConfigError(f"{owner}: {where} must be in [{low}, {high}], got {v!r}")
        return int(v)

    return check


def f_float(
    low: float = -math.inf, high: float = math.inf, *, inf: bool = False, low_open: bool = False
) -> Callable[[str, str, Any], float]:
    """A field check: a float in ``[low, high]`` (``(low, high]`` with ``low_open``),
    never NaN; infinite only with ``inf=True``."""

    def check(owner: str, where: str, v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ConfigTypeError(f"{owner}: {where} must be a number, got {v!r}")
        x = float(v)
        if math.isnan(x) or (not inf and not math.isfinite(x)):
            raise ConfigError(f"{owner}: {where} must be a finite number, got {v!r}")
        if x < low or x > high or (low_open and x == low):
            lo = "(" if low_open else "["
            raise ConfigError(f"{owner}: {where} must be in {lo}{low:g}, {high:g}], got {v!r}")
        return x

    return check


def f_bool(owner: str, where: str, v: Any) -> bool:
    """A field check: True or False."""
    if not isinstance(v, bool):
        raise ConfigTypeError(f"{owner}: {where} must be True or False, got {v!r}")
    return v


def f_optional(check: Callable[[str, str, Any], Any]) -> Callable[[str, str, Any], Any]:
    """A field check: None or what ``check`` accepts."""

    def opt(owner: str, where: str, v: Any) -> Any:
        return None if v is None else check(owner, where, v)

    return opt


def f_list(
    check: Callable[[str, str, Any], Any], n: int | None = None
) -> Callable[[str, str, Any], list[Any]]:
    """A field check: a list (or tuple) of ``n`` items, each passing ``check``."""

    def lst(owner: str, where: str, v: Any) -> list[Any]:
        if not isinstance(v, (list, tuple)):
            raise ConfigTypeError(f"{owner}: {where} must be a list, got {v!r}")
        if n is not None and len(v) != n:
            raise ConfigError(f"{owner}: {where} must have {n} items, got {len(v)}: {v!r}")
        return [check(owner, f"{where}[{i}]", x) for i, x in enumerate(v)]

    return lst


def f_config(cls: type) -> Callable[[str, str, Any], Any]:
    """A field check: a dict that builds a valid ``cls`` (a ``...Config``)."""

    def conf(owner: str, where: str, v: Any) -> Any:
        if not isinstance(v, Mapping):
            raise ConfigTypeError(f"{owner}: {where} must be a dict, got {v!r}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(k) for k in v if k not in names)
        if unknown:
            raise ConfigError(f"{owner}: {where} has unknown settings {unknown}")
        try:
            return cls(**v)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{owner}: {where} is not a valid configuration: {e}") from None

    return conf


def _f_any(owner: str, where: str, v: Any) -> Any:
    return v


def _read_config_and_state(
    owner: str, state_dict: Any, config_cls: type, state_fields: Sequence[StateField]
) -> tuple[Any, dict[str, Any]]:
    """The ``{"config": ..., "state": ...}`` checkpoint of the controllers, checked."""
    top = read_state(
        owner,
        state_dict,
        (StateField("config", f_optional(f_config(config_cls)), None), StateField("state", _f_any)),
    )
    return top["config"], read_state(owner, top["state"], state_fields, "state_dict['state']")


# =============================================================================
# reduce on plateau
# =============================================================================


@dataclass(frozen=True)
class PlateauConfig:
    """Settings of reduce-on-plateau (PyTorch's knobs and names, plus lrkit's).

    Args:
        mode: ``"min"`` (a lower metric is better, e.g. a loss) or ``"max"``.
        factor: multiplier of the scale at a reduction, ``0 < factor < 1``.
        patience: number of bad epochs tolerated; the reduction happens at the
            ``patience + 1``-th consecutive one.
        threshold: minimal significant change (see ``threshold_mode``), >= 0.
        threshold_mode: ``"rel"`` (``threshold * |best|``) or ``"abs"``.
        cooldown: epochs after a reduction during which bad epochs are not counted.
        min_value: the plateau never takes the applied value below it (>= 0).
        eps: a reduction changing the applied value by ``eps`` or less is ignored.
        nan: ``"raise"`` (ValueError) or ``"skip"`` (ignore the metric).
        start_step: metrics reported with ``step < start_step`` are ignored.
    """

    mode: str = "min"
    factor: float = 0.1
    patience: int = 10
    threshold: float = 1e-4
    threshold_mode: str = "rel"
    cooldown: int = 0
    min_value: float = 0.0
    eps: float = 1e-8
    nan: str = "raise"
    start_step: int = 0

    def __post_init__(self) -> None:
        o = "Plateau"
        s = object.__setattr__
        s(self, "mode", check_choice(o, "mode", self.mode, ("min", "max")))
        s(
            self,
            "factor",
            check_number(o, "factor", self.factor, low=0, high=1, low_open=True, high_open=True),
        )
        s(self, "patience", check_int(o, "patience", self.patience, low=0))
        s(self, "threshold", check_number(o, "threshold", self.threshold, nonneg=True))
        s(
            self,
            "threshold_mode",
            check_choice(o, "threshold_mode", self.threshold_mode, ("rel", "abs")),
        )
        s(self, "cooldown", check_int(o, "cooldown", self.cooldown, low=0))
        s(self, "min_value", check_number(o, "min_value", self.min_value, nonneg=True))
        s(self, "eps", check_number(o, "eps", self.eps, nonneg=True))
        s(self, "nan", check_choice(o, "nan", self.nan, ("raise", "skip")))
        s(self, "start_step", check_int(o, "start_step", self.start_step, low=0))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class PlateauState(NamedTuple):
    """State of reduce-on-plateau (one type for every adapter; a jax pytree).

    The fields are Python numbers in :mod:`lrkit.control` and the torch and
    Keras adapters, jax scalars in :mod:`lrkit.jax`.

    Attributes:
        best: best metric so far (``inf`` in min mode / ``-inf`` in max mode at the start).
        num_bad: consecutive bad epochs counted so far.
        cooldown_left: epochs of cooldown still to run.
        scale: the multiplier applied to the base schedule (1.0 at the start).
        num_reductions: reductions that changed the scale.
        num_updates: metrics taken into account (skipped ones excluded).
        last_reduced: whether the last update reduced the scale.
    """

    best: Any
    num_bad: Any = 0
    cooldown_left: Any = 0
    scale: Any = 1.0
    num_reductions: Any = 0
    num_updates: Any = 0
    last_reduced: Any = False

    def to_dict(self) -> dict[str, Any]:
        return {k: _py(v) for k, v in zip(self._fields, self)}

    @classmethod
    def from_dict(cls, d: Any, owner: str = "PlateauState") -> PlateauState:
        """Read (and check every field of) what :meth:`to_dict` wrote."""
        return cls(**read_state(owner, d, PLATEAU_FIELDS, "state"))


def _py(v: Any) -> Any:
    """A jax/numpy scalar as the Python number it holds (Python values pass through)."""
    if isinstance(v, (bool, int, float)) or v is None:
        return v
    item = v.item() if hasattr(v, "item") else v
    return item


#: the allow-list of a plateau state in a checkpoint
PLATEAU_FIELDS = (
    StateField("best", f_float(inf=True)),
    StateField("num_bad", f_int()),
    StateField("cooldown_left", f_int()),
    StateField("scale", f_float(0.0, 1.0)),
    StateField("num_reductions", f_int()),
    StateField("num_updates", f_int()),
    StateField("last_reduced", f_bool),
)


def plateau_init(config: PlateauConfig) -> PlateauState:
    """The state before any metric: ``best`` is the worst possible value, scale 1."""
    return PlateauState(best=math.inf if config.mode == "min" else -math.inf)


class _Py:
    """The scalar array namespace of the Python-float path of :func:`plateau_rule`."""

    @staticmethod
    def where(c: Any, a: Any, b: Any) -> Any:
        return a if c else b

    abs = staticmethod(abs)
    isinf = staticmethod(math.isinf)
    maximum = staticmethod(max)
    minimum = staticmethod(min)


def _better(config: PlateauConfig, metric: Any, best: Any, xp: Any) -> Any:
    """``metric`` improves on ``best`` (see :func:`is_better`), in namespace ``xp``."""
    thr = config.threshold
    sign = 1.0 if config.mode == "min" else -1.0
    if config.threshold_mode == "abs":
        ref = best - sign * thr
    else:
        # PyTorch's arithmetic for best >= 0, |best| for best < 0, ``best`` itself
        # while it is infinite (inf * (1 - threshold) would be NaN or flip sign)
        finite = xp.where(xp.isinf(best), 0.0, best)
        ref = xp.where(finite >= 0, finite * (1.0 - sign * thr), finite * (1.0 + sign * thr))
        ref = xp.where(xp.isinf(best), best, ref)
    return metric < ref if config.mode == "min" else metric > ref


def is_better(a: float, best: float, mode: str, threshold: float, threshold_mode: str) -> bool:
    """Whether metric ``a`` improves on ``best`` by more than the threshold.

    ``rel``/``min``: ``a < best - threshold*|best|``; ``rel``/``max``:
    ``a > best + threshold*|best|``; ``abs``: ``a < best - threshold`` /
    ``a > best + threshold``. For ``best >= 0`` the ``rel`` forms are computed
    as PyTorch does (``best * (1 -/+ threshold)``) so decisions match bit for bit.
    An infinite ``best`` (no metric yet) is compared as it is.

    >>> is_better(-0.9, -1.0, "min", 1e-4, "rel")  # worse negative loss: not better
    False
    >>> is_better(0.5, -math.inf, "max", 2.0, "rel")  # the first metric always improves
    True
    """
    cfg = PlateauConfig(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
    return bool(_better(cfg, float(a), float(best), _Py))


def plateau_apply(config: PlateauConfig, scale: Any, value: Any, xp: Any = _Py) -> Any:
    """The applied value for base value ``value`` and plateau ``scale``.

    ``max(value * scale, min(value, min_value))``: the plateau never takes the
    value below ``min_value``; a base value already below it is kept.
    ``xp``: the array namespace (Python floats by default; ``jax.numpy`` works).
    """
    return xp.maximum(value * scale, xp.minimum(value, config.min_value))


def plateau_rule(
    config: PlateauConfig, state: PlateauState, metric: Any, value: Any, xp: Any = _Py
) -> PlateauState:
    """The plateau decision for one (non-NaN) metric, written once for every namespace.

    With ``b`` = ``best``: *better* is :func:`is_better`; then ``best`` and the
    bad-epoch count are updated; a running cooldown ticks down and clears the
    count; when the count exceeds ``patience`` the scale becomes
    ``scale * factor`` if that changes :func:`plateau_apply` by more than
    ``eps`` (at ``min_value`` it does not), the cooldown restarts and the count
    resets. ``xp`` is the namespace of ``where``/``abs``/``isinf``/``maximum``/
    ``minimum``: Python floats (:func:`plateau_update`) or ``jax.numpy``
    (:func:`lrkit.jax.plateau_update`, jittable). NaN and ``start_step`` are
    the callers' business.
    """
    better = _better(config, metric, state.best, xp)
    best = xp.where(better, metric, state.best)
    num_bad = xp.where(better, 0, state.num_bad + 1)
    in_cooldown = state.cooldown_left > 0
    cooldown_left = xp.where(in_cooldown, state.cooldown_left - 1, state.cooldown_left)
    num_bad = xp.where(in_cooldown, 0, num_bad)
    trigger = num_bad > config.patience
    new_scale = state.scale * config.factor
    change = plateau_apply(config, state.scale, value, xp) - plateau_apply(
        config, new_scale, value, xp
    )
    reduce = trigger & (change > config.eps)
    return PlateauState(
        best=best,
        num_bad=xp.where(trigger, 0, num_bad),
        cooldown_left=xp.where(trigger, config.cooldown, cooldown_left),
        scale=xp.where(reduce, new_scale, state.scale),
        num_reductions=state.num_reductions + xp.where(reduce, 1, 0),
        num_updates=state.num_updates + 1,
        last_reduced=reduce,
    )


def plateau_update(
    config: PlateauConfig,
    state: PlateauState,
    metric: Any,
    step: int | None = None,
    value: float = 1.0,
) -> PlateauState:
    """Take one metric into account; returns the new state (``state`` is unchanged).

    Args:
        config: the settings.
        state: the current state.
        metric: the metric (a float, numpy scalar, 0-d array or tensor).
        step: the step the metric belongs to; with ``step < config.start_step``
            the metric is ignored. ``None`` means "always take it".
        value: the base schedule's current value, used for the ``eps`` and
            ``min_value`` rule (a reduction that changes
            :func:`plateau_apply` by ``eps`` or less is ignored). The default
            1.0 treats the scale itself as the value.

    Raises:
        ValueError: NaN metric with ``nan="raise"``.
    """
    o = "Plateau"
    current = _metric(o, metric)
    step = _opt_step(o, step)
    unchanged = state._replace(last_reduced=False)
    if step is not None and step < config.start_step:
        return unchanged
    if math.isnan(current):
        if config.nan == "skip":
            return unchanged
        where = "" if step is None else f" at step {step}"
        raise ConfigError(
            f"Plateau: metric is NaN{where}; a NaN is never counted as a bad epoch "
            "(pass nan='skip' to ignore NaN metrics)"
        )
    return plateau_rule(config, state, current, float(value))


def plateau_config(
    owner: str, config: PlateauConfig | None, settings: dict[str, Any], **fixed: Any
) -> PlateauConfig:
    """The plateau settings of an adapter: ``config`` or keyword ``settings``, with the
    adapter's own ``fixed`` values (``min_value`` from ``min_lr``...) on top.

    The one place where adapters turn their arguments into a :class:`PlateauConfig`.
    """
    base = _settings(owner, PlateauConfig, config, settings)
    return dataclasses.replace(base, **fixed) if fixed else base


def _settings(owner: str, cls: type, config: Any, settings: dict[str, Any]) -> Any:
    if config is not None and settings:
        raise ConfigTypeError(f"{owner}: give either config or keyword settings, not both")
    if config is not None and not isinstance(config, cls):
        raise ConfigTypeError(f"{owner}: config must be a {cls.__name__}, got {config!r}")
    if config is not None:
        return config
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(k for k in settings if k not in names)
    if unknown:
        hints = _PLATEAU_HINTS if cls is PlateauConfig else {}
        hint = "".join(f"; {hints[k]}" for k in unknown if k in hints)
        raise ConfigTypeError(f"{owner}: unknown settings {unknown}; allowed: {names}{hint}")
    return cls(**settings)


#: the peers' plateau settings that lrkit spells differently
_PLATEAU_HINTS = {
    "min_delta": "Keras' `min_delta` is `threshold` with `threshold_mode='abs'` "
    "(Keras' patience and cooldown count one epoch less: see docs/keras.md)",
}


class Plateau:
    """Mutable wrapper around :func:`plateau_update`.

    ``Plateau(config=None, **settings)``: either a :class:`PlateauConfig` or its
    fields as keywords.

    >>> p = Plateau(patience=0, factor=0.5)
    >>> p.update(3.0), p.update(3.0), p.scale
    (False, True, 0.5)
    >>> p.apply(0.1)
    0.05
    """

    def __init__(self, config: PlateauConfig | None = None, **settings: Any) -> None:
        self.config: PlateauConfig = _settings("Plateau", PlateauConfig, config, settings)
        self.state = plateau_init(self.config)

    def update(self, metric: Any, step: int | None = None, value: float = 1.0) -> bool:
        """Take a metric into account; True when the scale was reduced."""
        self.state = plateau_update(self.config, self.state, metric, step, value)
        return bool(self.state.last_reduced)

    @property
    def scale(self) -> float:
        return float(self.state.scale)

    def apply(self, value: float) -> float:
        """The applied value for a base value (see :func:`plateau_apply`)."""
        return float(plateau_apply(self.config, self.state.scale, value))

    def reset(self) -> None:
        self.state = plateau_init(self.config)

    def state_dict(self) -> dict[str, Any]:
        return {"config": self.config.to_dict(), "state": self.state.to_dict()}

    def load_state_dict(self, state_dict: dict[str, Any], *, on_mismatch: str = "error") -> None:
        """Restore the state; every field is checked first (:func:`read_state`).

        A checkpoint saved under another config follows :func:`check_mismatch`:
        it raises (``on_mismatch="error"``) or keeps the constructed config (``"new"``).
        """
        saved, state = _read_config_and_state("Plateau", state_dict, PlateauConfig, PLATEAU_FIELDS)
        if saved is not None:
            check_mismatch("Plateau", "config", saved.to_dict(), self.config.to_dict(), on_mismatch)
        self.state = PlateauState(**state)

    def __repr__(self) -> str:
        return f"Plateau({self.config}, {self.state})"


# =============================================================================
# early stopping
# =============================================================================


@dataclass(frozen=True)
class EarlyStoppingConfig:
    """Settings of early stopping.

    Args:
        mode: ``"min"`` or ``"max"``.
        patience: epochs without improvement before stopping (>= 1 stops at the
            ``patience``-th such epoch; 0 stops at the first non-improving one).
        min_delta: minimal improvement, >= 0 (absolute).
        nan: ``"raise"`` (ValueError), ``"stop"`` (stop now) or ``"skip"``.
        start_step: metrics reported with ``step < start_step`` are ignored.
    """

    mode: str = "min"
    patience: int = 10
    min_delta: float = 0.0
    nan: str = "raise"
    start_step: int = 0

    def __post_init__(self) -> None:
        o = "EarlyStopping"
        s = object.__setattr__
        s(self, "mode", check_choice(o, "mode", self.mode, ("min", "max")))
        s(self, "patience", check_int(o, "patience", self.patience, low=0))
        s(self, "min_delta", check_number(o, "min_delta", self.min_delta, nonneg=True))
        s(self, "nan", check_choice(o, "nan", self.nan, ("raise", "stop", "skip")))
        s(self, "start_step", check_int(o, "start_step", self.start_step, low=0))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class EarlyStoppingState:
    """State of early stopping.

    Attributes:
        best: best metric so far.
        best_index: index (0-based count of metrics taken into account) of the best.
        best_step: the ``step`` given with the best metric (or None).
        num_bad: consecutive epochs without improvement.
        num_updates: metrics taken into account.
        stopped: whether the controller has said stop (it stays stopped).
        improved: whether the last update improved on the best.
    """

    best: float
    best_index: int = -1
    best_step: int | None = None
    num_bad: int = 0
    num_updates: int = 0
    stopped: bool = False
    improved: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Any, owner: str = "EarlyStoppingState") -> EarlyStoppingState:
        """Read (and check every field of) what :meth:`to_dict` wrote."""
        return cls(**read_state(owner, d, EARLY_STOPPING_FIELDS, "state"))


#: the allow-list of an early-stopping state in a checkpoint
EARLY_STOPPING_FIELDS = (
    StateField("best", f_float(inf=True)),
    StateField("best_index", f_int(-1)),
    StateField("best_step", f_optional(f_int())),
    StateField("num_bad", f_int()),
    StateField("num_updates", f_int()),
    StateField("stopped", f_bool),
    StateField("improved", f_bool),
)


def early_stopping_init(config: EarlyStoppingConfig) -> EarlyStoppingState:
    return EarlyStoppingState(best=math.inf if config.mode == "min" else -math.inf)


def early_stopping_update(
    config: EarlyStoppingConfig,
    state: EarlyStoppingState,
    metric: Any,
    step: int | None = None,
) -> EarlyStoppingState:
    """Take one metric into account; returns the new state.

    Improvement: ``metric < best - min_delta`` (min) / ``metric > best + min_delta``
    (max). ``stopped`` becomes True when ``num_bad >= patience`` (and stays
    True). Once stopped, further metrics leave the state unchanged.
    """
    o = "EarlyStopping"
    current = _metric(o, metric)
    step = _opt_step(o, step)
    unchanged = dataclasses.replace(state, improved=False)
    if state.stopped:
        return unchanged
    if step is not None and step < config.start_step:
        return unchanged
    if math.isnan(current):
        if config.nan == "skip":
            return unchanged
        if config.nan == "stop":
            return dataclasses.replace(
                state, stopped=True, improved=False, num_updates=state.num_updates + 1
            )
        where = "" if step is None else f" at step {step}"
        raise ConfigError(
            f"EarlyStopping: metric is NaN{where} (pass nan='stop' to stop on NaN "
            "or nan='skip' to ignore it)"
        )
    if config.mode == "min":
        improved = current < state.best - config.min_delta
    else:
        improved = current > state.best + config.min_delta
    n = state.num_updates
    if improved:
        return EarlyStoppingState(
            best=current,
            best_index=n,
            best_step=step,
            num_bad=0,
            num_updates=n + 1,
            stopped=False,
            improved=True,
        )
    num_bad = state.num_bad + 1
    return dataclasses.replace(
        state,
        num_bad=num_bad,
        num_updates=n + 1,
        stopped=num_bad >= config.patience,
        improved=False,
    )


def read_early_stopping(
    owner: str,
    state_dict: Any,
    config: EarlyStoppingConfig,
    on_mismatch: str,
    extra: Sequence[StateField] = (),
) -> tuple[EarlyStoppingState, dict[str, Any]]:
    """An early-stopping checkpoint checked field by field, and its config against ``config``.

    Returns the state and the values of the ``extra`` fields (adapters' own).
    """
    top = read_state(
        owner,
        state_dict,
        (
            StateField("config", f_optional(f_config(EarlyStoppingConfig)), None),
            StateField("state", _f_any),
            *extra,
        ),
    )
    if top["config"] is not None:
        check_mismatch(owner, "config", top["config"].to_dict(), config.to_dict(), on_mismatch)
    state = EarlyStoppingState(
        **read_state(owner, top["state"], EARLY_STOPPING_FIELDS, "state_dict['state']")
    )
    return state, top


class EarlyStopping:
    """Mutable wrapper around :func:`early_stopping_update`.

    >>> es = EarlyStopping(patience=2)
    >>> [es.update(m) for m in (3.0, 2.0, 2.5, 2.1)]
    [False, False, False, True]
    >>> es.state.best, es.state.best_index
    (2.0, 1)
    """

    def __init__(self, config: EarlyStoppingConfig | None = None, **settings: Any) -> None:
        self.config: EarlyStoppingConfig = _settings(
            "EarlyStopping", EarlyStoppingConfig, config, settings
        )
        self.state = early_stopping_init(self.config)

    def update(self, metric: Any, step: int | None = None) -> bool:
        """Take a metric into account; True when training should stop."""
        self.state = early_stopping_update(self.config, self.state, metric, step)
        return self.state.stopped

    @property
    def should_stop(self) -> bool:
        return self.state.stopped

    @property
    def improved(self) -> bool:
        return self.state.improved

    def reset(self) -> None:
        self.state = early_stopping_init(self.config)

    def state_dict(self) -> dict[str, Any]:
        return {"config": self.config.to_dict(), "state": self.state.to_dict()}

    def load_state_dict(self, state_dict: dict[str, Any], *, on_mismatch: str = "error") -> None:
        """Restore the state, checked field by field; a different config follows
        :func:`check_mismatch` (raise, or keep the constructed one with ``"new"``)."""
        self.state, _ = read_early_stopping("EarlyStopping", state_dict, self.config, on_mismatch)

    def __repr__(self) -> str:
        return f"EarlyStopping({self.config}, {self.state})"
