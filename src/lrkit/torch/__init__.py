"""PyTorch adapter: schedules, plateau, early stopping and the LR finder for ``torch.optim``.

>>> import torch, lrkit
>>> from lrkit.torch import Scheduler
>>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
>>> sched = Scheduler(opt, lrkit.warmup(lrkit.cosine(0.1), steps="10%"), total_steps=100)
>>> round(opt.param_groups[0]["lr"], 6)  # the value for step 0 is applied at construction
0.009091

Importing this module imports torch; ``import lrkit`` does not.
"""

from __future__ import annotations

from typing import Any

from .monitor import LRMonitor
from .plateau import EarlyStopping, ReduceOnPlateau
from .scheduler import Scheduler, total_steps

__all__ = [
    "Scheduler",
    "ReduceOnPlateau",
    "EarlyStopping",
    "LRMonitor",
    "total_steps",
    "find_lr",
    "plan",
]


def __getattr__(name: str) -> Any:
    if name == "find_lr":
        from .finder import find_lr

        return find_lr
    if name == "plan":
        from ._plan import plan

        return plan
    raise AttributeError(f"module 'lrkit.torch' has no attribute {name!r}")
