r"""Reactive control as small framework-free state machines: plateau and early stopping.

Each controller is three things:

- a frozen ``...Config`` dataclass (validated at construction),
- a frozen ``...State`` dataclass (plain floats and ints, so it pickles, goes
  through ``json`` and ``torch.load(weights_only=True)``),
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
  for ``best >= 0`` the arithmetic is PyTorch's, bit for bit.
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
from dataclasses import dataclass
from typing import Any

from ._validate import check_choice, check_int, check_number

__all__ = [
    "PlateauConfig",
    "PlateauState",
    "plateau_init",
    "plateau_update",
    "plateau_apply",
    "is_better",
    "Plateau",
    "EarlyStoppingConfig",
    "EarlyStoppingState",
    "early_stopping_init",
    "early_stopping_update",
    "EarlyStopping",
]


def _metric(owner: str, metric: Any) -> float:
    if isinstance(metric, bool):
        raise TypeError(f"{owner}: metric must be a number, got {metric!r}")
    try:
        return float(metric)
    except (TypeError, ValueError):
        raise TypeError(
            f"{owner}: metric must be a number (or a 0-d array/tensor), got {metric!r}"
        ) from None


def _opt_step(owner: str, step: Any) -> int | None:
    if step is None:
        return None
    return check_int(owner, "step", step, low=0)


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


@dataclass(frozen=True)
class PlateauState:
    """State of reduce-on-plateau.

    Attributes:
        best: best metric so far (``inf`` in min mode / ``-inf`` in max mode at the start).
        num_bad: consecutive bad epochs counted so far.
        cooldown_left: epochs of cooldown still to run.
        scale: the multiplier applied to the base schedule (1.0 at the start).
        num_reductions: reductions that changed the scale.
        num_updates: metrics taken into account (skipped ones excluded).
        last_reduced: whether the last update reduced the scale.
    """

    best: float
    num_bad: int = 0
    cooldown_left: int = 0
    scale: float = 1.0
    num_reductions: int = 0
    num_updates: int = 0
    last_reduced: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlateauState:
        names = {f.name for f in dataclasses.fields(cls)}
        missing = sorted(n for n in names if n not in d)
        if missing:
            raise ValueError(f"PlateauState: state is missing {missing}, got keys {sorted(d)}")
        return cls(**{n: d[n] for n in names})


def plateau_init(config: PlateauConfig) -> PlateauState:
    """The state before any metric: ``best`` is the worst possible value, scale 1."""
    return PlateauState(best=math.inf if config.mode == "min" else -math.inf)


def is_better(a: float, best: float, mode: str, threshold: float, threshold_mode: str) -> bool:
    """Whether metric ``a`` improves on ``best`` by more than the threshold.

    ``rel``/``min``: ``a < best - threshold*|best|``; ``rel``/``max``:
    ``a > best + threshold*|best|``; ``abs``: ``a < best - threshold`` /
    ``a > best + threshold``. For ``best >= 0`` the ``rel`` forms are computed
    as PyTorch does (``best * (1 -/+ threshold)``) so decisions match bit for bit.

    >>> is_better(-0.9, -1.0, "min", 1e-4, "rel")  # worse negative loss: not better
    False
    """
    if mode == "min":
        if threshold_mode == "rel":
            ref = best * (1.0 - threshold) if best >= 0 else best * (1.0 + threshold)
        else:
            ref = best - threshold
        return a < ref
    if threshold_mode == "rel":
        ref = best * (threshold + 1.0) if best >= 0 else best * (1.0 - threshold)
    else:
        ref = best + threshold
    return a > ref


def plateau_apply(config: PlateauConfig, scale: float, value: float) -> float:
    """The applied value for base value ``value`` and plateau ``scale``.

    ``max(value * scale, min(value, min_value))``: the plateau never takes the
    value below ``min_value``; a base value already below it is kept.
    """
    return max(value * scale, min(value, config.min_value))


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
    unchanged = dataclasses.replace(state, last_reduced=False)
    if step is not None and step < config.start_step:
        return unchanged
    if math.isnan(current):
        if config.nan == "skip":
            return unchanged
        where = "" if step is None else f" at step {step}"
        raise ValueError(
            f"Plateau: metric is NaN{where}; a NaN is never counted as a bad epoch "
            "(pass nan='skip' to ignore NaN metrics)"
        )
    best, num_bad, cooldown_left = state.best, state.num_bad, state.cooldown_left
    if is_better(current, best, config.mode, config.threshold, config.threshold_mode):
        best = current
        num_bad = 0
    else:
        num_bad += 1
    if cooldown_left > 0:
        cooldown_left -= 1
        num_bad = 0
    scale = state.scale
    reductions = state.num_reductions
    reduced = False
    if num_bad > config.patience:
        new_scale = scale * config.factor
        old_v = plateau_apply(config, scale, value)
        new_v = plateau_apply(config, new_scale, value)
        if old_v - new_v > config.eps:
            scale = new_scale
            reductions += 1
            reduced = True
        cooldown_left = config.cooldown
        num_bad = 0
    return PlateauState(
        best=best,
        num_bad=num_bad,
        cooldown_left=cooldown_left,
        scale=scale,
        num_reductions=reductions,
        num_updates=state.num_updates + 1,
        last_reduced=reduced,
    )


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
        if config is not None and settings:
            raise TypeError("Plateau: give either config or keyword settings, not both")
        if config is not None and not isinstance(config, PlateauConfig):
            raise TypeError(f"Plateau: config must be a PlateauConfig, got {config!r}")
        self.config = config if config is not None else PlateauConfig(**settings)
        self.state = plateau_init(self.config)

    def update(self, metric: Any, step: int | None = None, value: float = 1.0) -> bool:
        """Take a metric into account; True when the scale was reduced."""
        self.state = plateau_update(self.config, self.state, metric, step, value)
        return self.state.last_reduced

    @property
    def scale(self) -> float:
        return self.state.scale

    def apply(self, value: float) -> float:
        """The applied value for a base value (see :func:`plateau_apply`)."""
        return plateau_apply(self.config, self.state.scale, value)

    def reset(self) -> None:
        self.state = plateau_init(self.config)

    def state_dict(self) -> dict[str, Any]:
        return {"config": self.config.to_dict(), "state": self.state.to_dict()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state (the constructed config is kept; a different one warns)."""
        if not isinstance(state_dict, dict) or "state" not in state_dict:
            raise ValueError(
                f"Plateau: state_dict must be a dict with a 'state' entry, got {state_dict!r}"
            )
        saved = state_dict.get("config")
        if saved is not None and dict(saved) != self.config.to_dict():
            import warnings

            warnings.warn(
                f"Plateau: the saved config {saved} differs from the constructed one "
                f"{self.config.to_dict()}; keeping the constructed config",
                stacklevel=2,
            )
        self.state = PlateauState.from_dict(dict(state_dict["state"]))

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
    def from_dict(cls, d: dict[str, Any]) -> EarlyStoppingState:
        names = {f.name for f in dataclasses.fields(cls)}
        missing = sorted(n for n in names if n not in d)
        if missing:
            raise ValueError(
                f"EarlyStoppingState: state is missing {missing}, got keys {sorted(d)}"
            )
        return cls(**{n: d[n] for n in names})


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
        raise ValueError(
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


class EarlyStopping:
    """Mutable wrapper around :func:`early_stopping_update`.

    >>> es = EarlyStopping(patience=2)
    >>> [es.update(m) for m in (3.0, 2.0, 2.5, 2.1)]
    [False, False, False, True]
    >>> es.state.best, es.state.best_index
    (2.0, 1)
    """

    def __init__(self, config: EarlyStoppingConfig | None = None, **settings: Any) -> None:
        if config is not None and settings:
            raise TypeError("EarlyStopping: give either config or keyword settings, not both")
        if config is not None and not isinstance(config, EarlyStoppingConfig):
            raise TypeError(f"EarlyStopping: config must be an EarlyStoppingConfig, got {config!r}")
        self.config = config if config is not None else EarlyStoppingConfig(**settings)
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

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not isinstance(state_dict, dict) or "state" not in state_dict:
            raise ValueError(
                f"EarlyStopping: state_dict must be a dict with a 'state' entry, got {state_dict!r}"
            )
        self.state = EarlyStoppingState.from_dict(dict(state_dict["state"]))

    def __repr__(self) -> str:
        return f"EarlyStopping({self.config}, {self.state})"
