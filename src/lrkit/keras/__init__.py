"""Keras 3 adapter: schedules, plateau on top of a schedule, a rate logger, the finder.

- :class:`Schedule`: an lrkit schedule as a ``keras.optimizers.schedules.LearningRateSchedule``
  built on ``keras.ops`` (every backend), saved and reloaded through its spec text.
- :class:`ReduceLROnPlateau`: works *with* a schedule (Keras' own refuses one).
- :class:`LearningRateLogger`: the rate applied at every update.
- :class:`ResumeIterations`: makes ``fit(initial_epoch=...)`` resume the schedule.
- :func:`find_lr`: the LR range test, restoring weights and optimizer state.
- :func:`plan`: the schedule planner (:func:`lrkit.plan`), restoring the same way.
- Early stopping: Keras' own ``keras.callbacks.EarlyStopping``.

Importing this module imports ``keras`` (set ``KERAS_BACKEND`` before).
"""

from __future__ import annotations

from ._finder import find_lr
from ._plan import plan
from ._schedule import Schedule
from .callbacks import LearningRateLogger, ReduceLROnPlateau, ResumeIterations, current_lr

__all__ = [
    "Schedule",
    "ReduceLROnPlateau",
    "LearningRateLogger",
    "ResumeIterations",
    "current_lr",
    "find_lr",
    "plan",
]
