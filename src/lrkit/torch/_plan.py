"""``lrkit.torch.plan``: plan a schedule for a PyTorch model, leaving it exactly as it was.

It builds the ``run(schedule, steps)`` that :func:`lrkit.plan` needs: every
probe starts from the state the model, the optimizer and the random number
generators had when ``plan`` was called (restored with the snapshot
:func:`lrkit.torch.find_lr` uses), trains ``steps`` updates on batches from
``train_loader`` (cycled, from its start every time) with every param group's
``lr`` set to ``schedule(t) * base_g / base_0`` (groups keep their
proportions), and returns the per-update training losses and, with
``val_loader``, the mean validation loss after the last update. Afterwards,
also when a probe raises, the snapshot is restored: training after ``plan``
is bit-identical to training without it (the probes' updates are not counted
by a ``Scheduler(follow_optimizer=True)`` nor recorded by an
``LRMonitor(auto=True)`` on the optimizer).

Under an initialised ``torch.distributed`` process group (call it on every rank,
each with its own shard) every update's loss and the validation loss are
averaged across ranks, the training loss before ``backward()``: every rank
plans on the same numbers, stops a probe at the same update and returns the
same plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError, ConfigTypeError
from ..finder import as_loss
from ..finder.cycle import Cycle
from ..plan import SHAPES, Plan, Trial
from ..plan import plan as _plan
from .finder import (
    _dist,
    _group_ratios,
    _loss_value,
    _mean_across_ranks,
    _model_device,
    _Snapshot,
    _split,
    _to,
)
from .scheduler import bookkeeping_paused

__all__ = ["plan"]


def plan(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor] | None,
    train_loader: Iterable[Any],
    total_steps: int,
    val_loader: Iterable[Any] | None = None,
    *,
    budget: float = 0.5,
    shapes: Any = SHAPES,
    val_batches: int | None = None,
    step_fn: Callable[[torch.nn.Module, torch.optim.Optimizer, Any], Any] | None = None,
    device: str | torch.device | None = None,
    **options: Any,
) -> Plan:
    """Plan the schedule of a ``total_steps``-update run of ``model`` (see :func:`lrkit.plan`).

    Args:
        model, optimizer: what the real run will train (the optimizer's own
            settings, momentum and weight decay included, are what is probed).
        loss_fn: ``loss_fn(model(x), y)``; not needed with ``step_fn``.
        train_loader: an iterable of ``(x, y)`` batches (a DataLoader, a list);
            every probe iterates it from the start, cycling if it runs out.
        total_steps: optimizer updates of the real run.
        val_loader: optional ``(x, y)`` batches; probes are then ranked by the
            mean validation loss (over ``val_batches`` batches, all if ``None``).
        budget, shapes, options: as :func:`lrkit.plan` (``lr``, ``peaks``,
            ``warmup``, ``cooldown``, ``use_laws``, ``callback``...).
        step_fn: ``step_fn(model, optimizer, batch) -> loss``, one complete
            update of your own (AMP, clipping, dict batches).
        device: where batches go (default: the device of the model's first parameter).

    Returns:
        The :class:`lrkit.plan.Plan`; ``plan.schedule`` goes to
        :class:`lrkit.torch.Scheduler` for the real run.
    """
    _check(model, optimizer, loss_fn, step_fn, val_loader, val_batches)
    snap = _Snapshot(model, optimizer, train_loader)
    run = _make_run(
        model, optimizer, loss_fn, train_loader, val_loader, val_batches, step_fn, device, snap
    )
    try:
        with bookkeeping_paused(optimizer):
            return _plan(run, total_steps, budget, shapes, **options)
    finally:
        snap.restore()


def _check(
    model: Any, optimizer: Any, loss_fn: Any, step_fn: Any, val_loader: Any, val_batches: Any
) -> None:
    if not isinstance(model, torch.nn.Module):
        raise ConfigTypeError(f"plan: model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ConfigTypeError(
            f"plan: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if step_fn is None and loss_fn is None:
        raise ConfigTypeError(
            "plan: give loss_fn(output, target) or step_fn(model, optimizer, batch)"
        )
    if val_loader is not None and loss_fn is None:
        raise ConfigTypeError("plan: val_loader needs loss_fn(output, target) to score batches")
    if val_batches is not None and (
        isinstance(val_batches, bool) or not isinstance(val_batches, int) or val_batches < 1
    ):
        raise ConfigError(f"plan: val_batches must be a positive int or None, got {val_batches!r}")
    if val_batches is not None and val_loader is None:
        raise ConfigError(f"plan: val_batches={val_batches!r} needs val_loader (none given)")


def _make_run(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Any,
    train_loader: Iterable[Any],
    val_loader: Iterable[Any] | None,
    val_batches: int | None,
    step_fn: Any,
    device: Any,
    snap: _Snapshot,
) -> Callable[[Any, int], Trial]:
    """The ``run(schedule, steps)`` of :func:`plan`: restore, train, return the losses."""
    ratios = _group_ratios(optimizer, "plan")
    dev = torch.device(device) if device is not None else _model_device(model)
    dist = _dist()

    def mean(value: float) -> float:
        """``value`` averaged across ranks (itself outside ``torch.distributed``)."""
        return _mean_across_ranks(value, dist)

    def one_update(batch: Any, lr: float) -> float:
        if step_fn is not None:
            return mean(as_loss(step_fn(model, optimizer, batch), "plan", lr))
        optimizer.zero_grad(set_to_none=True)
        x, y = _split(batch)
        loss = loss_fn(model(x), y)  # type: ignore[misc]
        # averaged before backward: every rank stops on a loss not finite on one of them
        value = mean(_loss_value("plan", loss, lr))
        if math.isfinite(value):
            loss.backward()
            optimizer.step()
        return value

    def val_loss() -> float:
        model.eval()
        total, n = 0.0, 0
        with torch.no_grad():
            for i, batch in enumerate(val_loader or ()):
                if val_batches is not None and i >= val_batches:
                    break
                x, y = _split(_to(batch, dev))
                total += float(loss_fn(model(x), y))  # type: ignore[misc]
                n += 1
        if n == 0:
            raise ConfigError("plan: val_loader yielded no batch")
        return mean(total / n)

    def run(schedule: Any, steps: int) -> Trial:
        snap.restore()
        rates = np.asarray(schedule(np.arange(steps)), dtype=np.float64)
        batches = Cycle.over(train_loader, "train_loader", "plan")
        model.train()
        losses: list[float] = []
        for t in range(steps):
            for g, r in zip(optimizer.param_groups, ratios):
                g["lr"] = float(rates[t]) * r
            value = one_update(_to(next(batches), dev), float(rates[t]))
            losses.append(value)
            if not math.isfinite(value):
                break
        val = None
        if val_loader is not None and len(losses) == steps and math.isfinite(losses[-1]):
            val = val_loss()
        return Trial(tuple(losses), val)

    return run
