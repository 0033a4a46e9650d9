"""``lrkit.keras.plan``: plan a schedule for a compiled Keras model, leaving it as it was."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ConfigTypeError
from ..plan import SHAPES, Plan, Trial
from ..plan import plan as _plan
from ._finder import _batches, _compiled_optimizer, _fresh_like, _restore, _snapshot

__all__ = ["plan"]


def plan(
    model: Any,
    x: Any,
    y: Any = None,
    *,
    total_steps: int,
    batch_size: int = 32,
    validation_data: Any = None,
    seed: int = 0,
    budget: float = 0.5,
    shapes: Any = SHAPES,
    **options: Any,
) -> Plan:
    """Plan the schedule of a ``total_steps``-update run of a compiled Keras model.

    Every probe starts from the model's variables at the call (all of
    ``get_weights()``, non-trainable ones included, and the seed generators'
    states: the same dropout masks in every probe) and trains with its own
    optimizer built from the model's optimizer config (slots and
    ``iterations`` from zero), one ``train_on_batch`` per update at the
    schedule's rate, on batches of ``batch_size`` drawn in a seeded order
    (``seed``; the same order in every probe) or from ``x`` an iterable of
    ``(x, y)`` batches. The model's own optimizer is never stepped; its
    variables are put back afterwards, also when a probe raises.

    Args:
        model: a compiled ``keras.Model``.
        x, y: training arrays, or ``x`` an iterable of ``(x, y)`` batches and ``y=None``.
        total_steps: optimizer updates of the real run.
        validation_data: optional ``(x_val, y_val)``; probes are then ranked by
            ``model.evaluate`` loss on it.
        budget, shapes, options: as :func:`lrkit.plan`.

    Returns:
        The :class:`lrkit.plan.Plan`; use ``lrkit.keras.Schedule(plan.schedule)``
        as the optimizer's ``learning_rate``.
    """
    opt = _check(model, batch_size, seed, validation_data)
    batch_size, seed = int(batch_size), int(seed)
    if not model.built:
        xb, _ = next(_batches(x, y, batch_size, seed, "plan"))
        model(xb)
    saved = _snapshot(model)
    probe_opt = _fresh_like(opt, 1e-3)
    probe_opt.build(model.trainable_variables)
    fresh = [np.array(v.numpy()) for v in probe_opt.variables]

    def run(schedule: Any, steps: int) -> Trial:
        _restore(saved)
        for v, init in zip(probe_opt.variables, fresh):
            v.assign(init)
        rates = np.asarray(schedule(np.arange(steps)), dtype=np.float64)
        data = _batches(x, y, batch_size, seed, "plan")
        losses: list[float] = []
        for t in range(steps):
            probe_opt.learning_rate = float(rates[t])
            xb, yb = next(data)
            value = float(model.train_on_batch(xb, yb, return_dict=True)["loss"])
            losses.append(value)
            if not math.isfinite(value):
                break
        val = None
        if validation_data is not None and len(losses) == steps and math.isfinite(losses[-1]):
            vx, vy = validation_data
            out = model.evaluate(vx, vy, batch_size=batch_size, verbose=0, return_dict=True)
            val = float(out["loss"])
        return Trial(tuple(losses), val)

    model.optimizer = probe_opt
    model.make_train_function(force=True)
    try:
        return _plan(run, total_steps, budget, shapes, **options)
    finally:
        model.optimizer = opt
        model.make_train_function(force=True)
        _restore(saved)


def _check(model: Any, batch_size: Any, seed: Any, validation_data: Any) -> Any:
    """The compiled optimizer of ``model``, after checking the arguments."""
    opt = _compiled_optimizer("plan", model, batch_size, seed)
    if validation_data is not None and (
        not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2
    ):
        raise ConfigTypeError("plan: validation_data must be a pair (x_val, y_val)")
    return opt
