"""Plan the learning-rate schedule (peak and shape) of a run, at a bounded extra cost.

``lrkit.plan(run, total_steps, budget=0.5)`` needs only ``run(schedule, steps)``
(train from the same start for ``steps`` updates, return the per-step losses)
and returns a :class:`Plan`: the schedule, its peak and shape, the evidence
(range test, probe runs, the law's predictions) and its ``cost`` in extra
optimizer updates, never more than ``budget * total_steps``.

>>> import numpy as np, lrkit
>>> from lrkit.tasks.quadratic import NoisyQuadratic
>>> q = NoisyQuadratic(dim=20, m=0.05, M=1.0, noise=0.5)
>>> def run(schedule, steps):  # exact expected loss before every update
...     return q.expected_loss(schedule, steps)[:-1]
>>> p = lrkit.plan(run, 400, use_laws=False)
>>> p.cost <= 0.5 * 400, p.shape
(True, 'linear')

The module is callable: ``lrkit.plan(...)`` is :func:`plan`. Adapters:
``lrkit.torch.plan`` and ``lrkit.keras.plan`` snapshot and restore the model.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from ._core import check_budget, plan
from ._shapes import ALL_SHAPES, SHAPES, shape_schedule
from ._types import Plan, Prediction, Probe, Trial, as_trial

__all__ = [
    "plan",
    "check_budget",
    "Plan",
    "Probe",
    "Prediction",
    "Trial",
    "as_trial",
    "SHAPES",
    "ALL_SHAPES",
    "shape_schedule",
]


class _CallableModule(types.ModuleType):
    """``lrkit.plan`` is both this package and, called, the function :func:`plan`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Plan:
        return plan(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
