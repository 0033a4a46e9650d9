r"""JAX / optax adapter: lrkit schedules as optax schedules, plateau control as pure jnp.

``schedule(s)`` turns any bound lrkit schedule into a callable ``count -> value``
that optax accepts wherever it takes a schedule (``optax.sgd(learning_rate=...)``,
``optax.adamw(...)``, ``optax.inject_hyperparams`` for momentum or weight decay).
It is jit-traceable: the schedule's closed form is evaluated with ``jax.numpy``
element-wise operations, with no Python branching on the traced step, so it also
works under ``jax.vmap`` (a whole array of steps at once).

Precision: the step is converted to jax's default float type (float32, or
float64 when ``jax_enable_x64`` is on) and the formula is evaluated in it. In
float64 the values equal lrkit's numpy values to about 1e-15. In float32 they
agree to about 1e-6 of the schedule's value (measured: at most ~2e-7 of the
schedule's peak, absolute); very small values near the end of a decay to 0
(``cosine(..., end=0)``) carry float32's absolute error, so their *relative*
error is larger. Steps are exact in float32 up to :math:`2^{24}` (16.7 M); use
float64 for longer runs. Powers of a constant (``gamma ** t`` in exponential,
step, cyclic ``exp_range``, SGDR's ``decay``) are computed as
:math:`\exp(t \log\gamma)` with :math:`\log\gamma` taken in float64, which keeps
their relative error at ~1e-7 per unit of the exponent instead of growing with
``t``.

``plateau_init`` / ``plateau_update`` / ``plateau_apply`` are a jittable version
of :mod:`lrkit.control`'s reduce-on-plateau (same decisions, tested against it):
pure state in, state out, so the controller can live inside a jitted epoch
function or be carried through ``jax.lax.scan``.

>>> import lrkit, optax
>>> lr = lrkit.jax.schedule(lrkit.warmup(lrkit.cosine(0.1, 1e-5), steps="5%"), total_steps=1000)
>>> opt = optax.adamw(learning_rate=lr, weight_decay=1e-4)
>>> round(float(lr(50)), 6)
0.1
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ._xp import Float32Safe, bound_schedule, first_nonfinite
from .control import PlateauConfig, PlateauState, plateau_rule
from .control import plateau_apply as _apply
from .core import Schedule
from .errors import ConfigError, ConfigTypeError

__all__ = [
    "schedule",
    "OptaxSchedule",
    "PlateauState",
    "plateau_init",
    "plateau_update",
    "plateau_apply",
]


class OptaxSchedule:
    """An optax-compatible schedule: ``self(count)`` is the value at step ``count``.

    Build it with :func:`schedule`. ``count`` is an integer (Python int, numpy
    or jax array of any shape, traced or not); a float or bool dtype raises
    ``TypeError``. A negative jax array is clamped to 0 (a Python or numpy
    count below 0 raises). The result has jax's default float dtype and the
    shape of ``count``.

    Attributes:
        schedule: the bound lrkit schedule it evaluates.
    """

    __slots__ = ("schedule", "__weakref__")
    schedule: Schedule

    def __init__(self, schedule: Schedule) -> None:
        object.__setattr__(self, "schedule", schedule)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("OptaxSchedule is immutable")

    def __call__(self, count: Any) -> Any:
        import jax
        import jax.numpy as jnp

        if isinstance(count, bool):
            raise TypeError(f"lrkit.jax.schedule: count must be an integer, got {count!r}")
        if isinstance(count, numbers.Integral) and count < 0:
            raise ValueError(f"lrkit.jax.schedule: count must be >= 0, got {count}")
        c = jnp.asarray(count)
        if not jnp.issubdtype(c.dtype, jnp.integer):  # static: also known while tracing
            got = f"{count!r}" if c.ndim == 0 and not isinstance(count, jax.Array) else ""
            raise ConfigTypeError(
                "lrkit.jax.schedule: count must be an integer or an integer array (steps "
                f"are counted, not measured), got {got or 'dtype ' + str(c.dtype)}"
            )
        if not isinstance(count, (jax.Array, numbers.Integral)) and np.size(count):
            low = int(np.min(count))  # a host value (numpy, list): checked without a device sync
            if low < 0:
                raise ValueError(f"lrkit.jax.schedule: count must be >= 0, got {low}")
        dtype = jnp.result_type(float)  # float32, or float64 with jax_enable_x64
        t = jnp.maximum(c.astype(dtype), 0.0)
        v = self.schedule._eval(t, jnp if dtype == jnp.float64 else Float32Safe(jnp))
        return jnp.broadcast_to(jnp.asarray(v, dtype=dtype), t.shape)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OptaxSchedule) and other.schedule == self.schedule

    def __hash__(self) -> int:
        return hash(("OptaxSchedule", self.schedule))

    def __reduce__(self) -> tuple[Any, ...]:
        return (OptaxSchedule, (self.schedule,))

    def __repr__(self) -> str:
        return f"lrkit.jax.schedule({self.schedule.spec()})"


def schedule(
    s: Any, *, total_steps: int | None = None, steps_per_epoch: int | None = None
) -> OptaxSchedule:
    """An optax schedule (``count -> value``) from an lrkit schedule.

    Args:
        s: a schedule, a spec string, a dict (``to_dict`` form) or a number.
        total_steps, steps_per_epoch: if given, the schedule is bound first
            (``s.bind(total_steps=..., steps_per_epoch=...)``).

    Returns:
        An :class:`OptaxSchedule`, usable as ``learning_rate=`` (or any
        hyperparameter of ``optax.inject_hyperparams``) and under ``jax.jit``.

    Raises:
        ValueError: the schedule has relative durations or open ends and no
            run length was given (the same message as evaluating it in numpy).

    >>> import lrkit
    >>> f = lrkit.jax.schedule("cosine(1.0, 0.0, steps=100)")
    >>> round(float(f(50)), 6)  # float32
    0.5
    """
    out = OptaxSchedule(bound_schedule("lrkit.jax.schedule", s, total_steps, steps_per_epoch))
    _check_float32(out, total_steps)
    return out


def _check_float32(f: OptaxSchedule, total_steps: int | None) -> None:
    """Refuse a schedule that float32 cannot represent over the run (when x64 is off).

    The values are computed as they will be (jax, float32) at the steps of
    :func:`lrkit._xp.sample_steps` (without a run length nor a schedule
    length: the first 4096 steps); a NaN or an infinity raises ``ConfigError``
    naming the step and the float64 value. float32 holds magnitudes up to 3.4e38, and XLA
    flushes those below 1.2e-38 to 0 (a ``log`` of such a start is ``-inf``).
    """
    import jax.numpy as jnp

    if jnp.result_type(float) != jnp.float32:
        return
    found = first_nonfinite(f.schedule, total_steps, lambda steps: f(jnp.asarray(steps)))
    if found is not None:
        t, value = found
        raise ConfigError(
            f"lrkit.jax.schedule: {f.schedule.spec()} is {value} at step {t} in float32 "
            f"(float64 value {_f64(f.schedule, t)}); float32 holds magnitudes from about "
            "1.2e-38 to 3.4e38. Change the parameters, or turn on float64 with "
            "jax.config.update('jax_enable_x64', True)"
        )


def _f64(sched: Schedule, t: int) -> str:
    """The float64 value at ``t``, said in words for the float32 error."""
    try:
        v = float(sched(t))
    except (ValueError, FloatingPointError, OverflowError):
        return "not finite either"
    if 1.2e-38 <= abs(v) <= 3.4e38:
        return f"{v!r}: an intermediate result of the formula leaves float32's range"
    return repr(v)


# =============================================================================
# reduce on plateau, jittable: lrkit.control's rule evaluated with jax.numpy
# =============================================================================


def _config(config: PlateauConfig | None, settings: dict[str, Any]) -> PlateauConfig:
    if config is None:
        return PlateauConfig(**settings)
    if settings:
        raise ConfigTypeError("lrkit.jax plateau: give either config or keyword settings, not both")
    return _checked(config)


def _checked(config: Any) -> PlateauConfig:
    if not isinstance(config, PlateauConfig):
        raise ConfigTypeError(f"lrkit.jax plateau: config must be a PlateauConfig, got {config!r}")
    return config


def plateau_init(config: PlateauConfig | None = None, **settings: Any) -> PlateauState:
    """The state before any metric (``best`` = +inf in ``min`` mode, -inf in ``max``; scale 1).

    A :class:`lrkit.control.PlateauState` holding jax scalars (a pytree).
    """
    import jax.numpy as jnp

    cfg = _config(config, settings)
    ft = jnp.result_type(float)
    inf = math.inf if cfg.mode == "min" else -math.inf
    i0 = jnp.asarray(0, dtype=jnp.int32)
    return PlateauState(
        best=jnp.asarray(inf, dtype=ft),
        num_bad=i0,
        cooldown_left=i0,
        scale=jnp.asarray(1.0, dtype=ft),
        num_reductions=i0,
        num_updates=i0,
        last_reduced=jnp.asarray(False),
    )


def plateau_apply(config: PlateauConfig, scale: Any, value: Any) -> Any:
    """``max(value * scale, min(value, min_value))``, element-wise (see :mod:`lrkit.control`)."""
    import jax.numpy as jnp

    return _apply(_checked(config), scale, value, jnp)


def plateau_update(
    config: PlateauConfig, state: PlateauState, metric: Any, value: Any = 1.0
) -> PlateauState:
    """One metric in, the new state out: :func:`lrkit.control.plateau_rule` in jnp.

    Jittable (``config`` is a static Python object; close over it). Same
    decisions as the reference, from the same code. NaN metrics: with
    ``nan="skip"`` the state is returned unchanged (apart from
    ``last_reduced=False``); with ``nan="raise"`` a concrete NaN raises
    ``ValueError``, but inside ``jit`` nothing can raise, so a traced NaN is
    *also* skipped (never counted as a bad epoch) — check
    ``jnp.isnan(metric)`` yourself if you need to stop.
    ``start_step`` is not applied here (call it only when you want it to count).

    Args:
        config: a :class:`lrkit.control.PlateauConfig`.
        state: the current :class:`PlateauState`.
        metric: a scalar (float or 0-d array, traced or not).
        value: the base schedule's current value (for ``eps`` / ``min_value``).
    """
    import jax
    import jax.numpy as jnp

    config = _checked(config)
    if config.nan == "raise" and not isinstance(metric, jax.core.Tracer):
        if bool(jnp.isnan(jnp.asarray(metric))):
            raise ConfigError(
                "lrkit.jax.plateau_update: metric is NaN; a NaN is never counted as a bad "
                "epoch (pass nan='skip' to ignore NaN metrics)"
            )
    ft = state.scale.dtype
    m = jnp.asarray(metric, dtype=ft)
    out = plateau_rule(config, state, m, jnp.asarray(value, dtype=ft), jnp)
    out = out._replace(
        num_bad=out.num_bad.astype(jnp.int32),
        cooldown_left=out.cooldown_left.astype(jnp.int32),
        num_reductions=out.num_reductions.astype(jnp.int32),
    )
    # a NaN metric (traced, or concrete with nan="skip") leaves the state unchanged
    skip = jnp.isnan(m)
    kept = [jnp.where(skip, old, new) for old, new in zip(state[:-1], out[:-1])]
    return PlateauState._make([*kept, jnp.where(skip, False, out.last_reduced)])
