"""Keras callbacks: reduce-on-plateau on top of a schedule, a rate logger, the resume fix.

Early stopping: use Keras' own ``keras.callbacks.EarlyStopping``; it works
unchanged next to these callbacks and an :class:`lrkit.keras.Schedule`.
"""

from __future__ import annotations

import warnings
from typing import Any

import keras
import numpy as np

from .._validate import check_int
from ..control import Plateau, PlateauConfig, plateau_config
from ..errors import ConfigError, ConfigTypeError
from ._schedule import Schedule

__all__ = ["ReduceLROnPlateau", "LearningRateLogger", "ResumeIterations", "current_lr"]


def _base(optimizer: Any) -> Any:
    """The optimizer that holds the rate and the step counter: under mixed precision
    (``mixed_float16``) ``compile`` wraps it in a ``LossScaleOptimizer``."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.inner_optimizer
    return optimizer


def _iterations(optimizer: Any) -> int:
    return int(keras.ops.convert_to_numpy(_base(optimizer).iterations))


def _accumulation(optimizer: Any) -> int:
    return getattr(_base(optimizer), "gradient_accumulation_steps", None) or 1


def _counter(optimizer: Any) -> int:
    """The step Keras passes to the schedule: ``iterations``, or with
    ``gradient_accumulation_steps=n`` its batch counter (``n`` per update)."""
    if _accumulation(optimizer) > 1:
        return int(keras.ops.convert_to_numpy(_base(optimizer)._iterations))
    return _iterations(optimizer)


def _next_update(optimizer: Any, counter: int) -> int:
    """The counter at which the first update from ``counter`` on gets its rate
    (with accumulation, update ``k`` is made at batch ``(k + 1) n - 1``)."""
    n = _accumulation(optimizer)
    return counter + (n - 1 - counter % n)


def _lr_at(optimizer: Any, step: int) -> float:
    """The rate the optimizer applies when Keras' step counter is ``step``."""
    lr = _base(optimizer)._learning_rate
    if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
        return float(keras.ops.convert_to_numpy(lr(np.int64(step))))
    if isinstance(lr, keras.Variable):
        return float(keras.ops.convert_to_numpy(lr.value))
    if callable(lr):
        return float(keras.ops.convert_to_numpy(lr()))
    return float(lr)


def current_lr(optimizer: Any) -> float:
    """The rate of the optimizer's next update, as a Python float."""
    return _lr_at(optimizer, _next_update(optimizer, _counter(optimizer)))


class ReduceLROnPlateau(keras.callbacks.Callback):
    """Reduce-on-plateau that works with a schedule (and with a float rate).

    Keras' own ``ReduceLROnPlateau`` refuses a schedule ("learning rate is
    not settable"). This one keeps the schedule and multiplies it by a scale
    (``factor`` at each reduction): with an :class:`lrkit.keras.Schedule` the
    scale is stored on the schedule (and in its saved config), so warmup,
    decay and plateau compose: :math:`v(t) = \\max(s(t)\\,\\mathrm{scale},
    \\min(s(t), \\mathrm{min\\_lr}))`. With a float rate the variable is set
    to that value computed from the rate at the start of training.

    Decisions are :mod:`lrkit.control`'s (PyTorch's knobs; a ``rel``
    threshold that is right for negative metrics; a NaN metric raises unless
    ``nan="skip"``). The metric is read at the end of every epoch from
    ``logs[monitor]``; a missing metric warns and is skipped, as in Keras.

    A reduction takes effect from the next step. With the jax (and
    tensorflow) backends the rate is compiled into the train step, so each
    reduction rebuilds the train function (one recompilation per reduction).

    Args:
        monitor: the metric name in the epoch logs (``"val_loss"``, ``"loss"``...).
        config: a :class:`lrkit.control.PlateauConfig`, or its settings as
            keywords (``factor``, ``patience``, ``mode``, ``threshold``,
            ``threshold_mode``, ``cooldown``, ``eps``, ``nan``).
        min_lr: the plateau never takes the rate below it (default
            ``config.min_value``, else 0).
        verbose: 1 prints a line at each reduction.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        config: PlateauConfig | None = None,
        *,
        min_lr: float | None = None,
        verbose: int = 0,
        **settings: Any,
    ) -> None:
        super().__init__()
        o = "ReduceLROnPlateau"
        if not isinstance(monitor, str):
            raise ConfigTypeError(f"{o}: monitor must be a str, got {monitor!r}")
        if "start_step" in settings:
            raise ConfigError(f"{o}: start_step is not supported here (Keras reports per epoch)")
        fixed = {} if min_lr is None else {"min_value": min_lr}
        self.monitor = monitor
        self.verbose = verbose
        self.plateau = Plateau(plateau_config(o, config, settings, **fixed))
        self._base_lr: float | None = None

    def _schedule(self) -> Schedule | None:
        lr = _base(self.model.optimizer)._learning_rate
        if isinstance(lr, Schedule):
            return lr
        if isinstance(lr, keras.Variable):
            return None
        raise TypeError(
            "ReduceLROnPlateau: the optimizer's learning_rate must be a float or an "
            f"lrkit.keras.Schedule, got {lr!r}; wrap the schedule: "
            "learning_rate=lrkit.keras.Schedule(...)"
        )

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        sched = self._schedule()
        if sched is None:
            if self._base_lr is None:
                self._base_lr = float(
                    keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
                )
        else:
            # continue from the schedule's own state (e.g. reloaded from a saved model)
            if self.plateau.state.num_updates == 0 and sched.scale != 1.0:
                self.plateau.state = self.plateau.state._replace(scale=sched.scale)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs if logs is not None else {}
        if self.monitor not in logs:
            warnings.warn(
                f"ReduceLROnPlateau: metric {self.monitor!r} is not in the epoch logs "
                f"(available: {sorted(logs)}); skipping",
                stacklevel=2,
            )
            return
        opt = self.model.optimizer
        sched = self._schedule()
        step = _next_update(opt, _counter(opt))
        if sched is None:
            base = self._base_lr if self._base_lr is not None else 1.0
        else:
            base = float(sched.schedule(step + sched.offset))
        reduced = self.plateau.update(logs[self.monitor], value=base)
        if reduced:
            scale = self.plateau.scale
            if sched is None:
                opt.learning_rate = self.plateau.apply(base)
            else:
                sched.scale = scale
                sched.min_value = self.plateau.config.min_value
                # the rate is compiled into the train step (jax/tf): rebuild it
                self.model.make_train_function(force=True)
            if self.verbose:
                print(
                    f"\nEpoch {epoch + 1}: ReduceLROnPlateau scale -> {scale:.4g} "
                    f"(lr {current_lr(opt):.4g})"
                )
        logs["learning_rate"] = current_lr(opt)


class LearningRateLogger(keras.callbacks.Callback):
    """Record the learning rate applied at every optimizer update.

    After ``fit``: ``steps`` (the 0-based update indices), ``lrs`` (the rate
    used by each of those updates, evaluated with the optimizer's own
    schedule at that step, plateau scale included) and ``epoch_lrs`` (the
    rate of the first update of each epoch). It also writes the rate of the
    last update of the epoch into the epoch logs as ``"lr"`` (so it lands in
    ``History``). Works with ``steps_per_execution > 1`` (every update of a
    batch of executions is recorded).
    """

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[int] = []
        self.lrs: list[float] = []
        self.epoch_lrs: list[float] = []
        self._last: int | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._last = _counter(self.model.optimizer)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        opt = self.model.optimizer
        self._last = _counter(opt)
        self.epoch_lrs.append(_lr_at(opt, _next_update(opt, self._last)))

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        opt = self.model.optimizer
        n = _accumulation(opt)
        now = _counter(opt)
        start = self._last if self._last is not None else now
        for c in range(start, now):
            if (c + 1) % n == 0:  # with gradient accumulation, the batches that update
                self.steps.append(c // n)
                self.lrs.append(_lr_at(opt, c))
        self._last = now

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None and self.lrs:
            logs["lr"] = self.lrs[-1]


class ResumeIterations(keras.callbacks.Callback):
    """Fix ``fit(initial_epoch=...)``: advance ``optimizer.iterations`` to the resumed step.

    Keras does not advance ``optimizer.iterations`` when training resumes with
    ``initial_epoch`` (tf#49208), so every schedule restarts from step 0 in a
    fresh optimizer. At the first epoch of each ``fit`` this callback sets
    ``iterations = initial_epoch * steps_per_epoch`` when the optimizer is
    behind it (an optimizer restored from a checkpoint that is already there,
    or ahead, is left alone).

    Args:
        steps_per_epoch: updates per epoch; ``None`` takes the ``steps`` that
            ``fit`` reports (the batches per epoch).
    """

    def __init__(self, steps_per_epoch: int | None = None) -> None:
        super().__init__()
        if steps_per_epoch is not None:
            steps_per_epoch = check_int(
                "ResumeIterations", "steps_per_epoch", steps_per_epoch, low=1, rule="a positive int"
            )
        self.steps_per_epoch = steps_per_epoch
        self._first = True

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._first = True

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._first:
            return
        self._first = False
        spe = self.steps_per_epoch
        if spe is None:
            spe = (self.params or {}).get("steps")
            if not spe:
                raise ValueError(
                    "ResumeIterations: fit() does not know the number of steps per epoch "
                    "(an unsized dataset); pass steps_per_epoch=..."
                )
        opt = self.model.optimizer
        # the batch counter (fit's steps are batches; steps_per_epoch counts updates)
        per = int(spe) * (_accumulation(opt) if self.steps_per_epoch is not None else 1)
        target = int(epoch) * per
        if _counter(opt) < target:
            _base(opt)._iterations.assign(target)
