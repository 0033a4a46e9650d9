"""The torch-free part every built-in task shares (torch is imported only to build an optimizer).

:class:`lrkit.tasks._base.Task` (the torch tasks) and
:class:`lrkit.tasks.quadratic.QuadraticTask` (numpy only) both build on
:class:`TaskInfo`: the seed check, ``with_seed``, ``make_optimizer``,
``describe`` and ``repr``.
"""

from __future__ import annotations

from typing import Any

from .._validate import check_int, check_number
from ..errors import ConfigError

__all__ = ["TaskInfo", "check_seed", "OPTIMIZERS"]

OPTIMIZERS = ("sgd", "adamw", "adam")

#: seeds are below this (what a torch generator takes)
MAX_SEED = 2**63


def check_seed(seed: Any) -> int:
    """``seed`` if it is an int in ``[0, 2**63)`` (bool refused), else ``ValueError``."""
    seed = check_int("get_task", "seed", seed, low=0, rule="a non-negative int")
    if seed >= MAX_SEED:
        raise ConfigError(f"get_task: seed must be below 2**63, got {seed!r}")
    return seed


class TaskInfo:
    """Name, metric and budget of a task, and what follows from them alone.

    A subclass sets ``seed`` and ``overrides`` (the keyword options it was
    built with, replayed by :meth:`with_seed`) and provides ``batch_size`` and
    ``steps_per_epoch``.
    """

    name = "task"
    metric_name = "accuracy"
    higher_is_better = True
    default_lr = 0.1
    default_optimizer = "sgd"
    default_epochs = 10
    description = ""

    seed: int
    overrides: dict[str, Any]
    batch_size: int

    @property
    def steps_per_epoch(self) -> int:  # pragma: no cover - abstract
        """Optimizer steps in one epoch (each task provides it)."""
        raise NotImplementedError

    def with_seed(self, seed: int) -> Any:
        """The same task (same options) for another seed."""
        cls: Any = type(self)  # every task class takes (seed, **options)
        return cls(seed, **self.overrides)

    def make_optimizer(
        self,
        model: Any,
        name: str = "sgd",
        lr: float | None = None,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
    ) -> Any:
        """A plain torch optimizer: ``sgd`` (heavy-ball ``momentum``), ``adam`` or ``adamw``.

        For Adam/AdamW ``momentum`` is ``beta1`` (beta2 = 0.999), in [0, 1). ``lr``
        defaults to ``default_lr``.
        """
        import torch

        lr = self.default_lr if lr is None else lr
        lr = check_number("make_optimizer", "lr", lr, nonneg=True, rule="a number >= 0")
        momentum = check_number(
            "make_optimizer", "momentum", momentum, low=0.0, high=1.0, high_open=True
        )
        weight_decay = check_number("make_optimizer", "weight_decay", weight_decay, nonneg=True)
        params = list(model.parameters())
        if not any(p.requires_grad for p in params):
            raise ConfigError(
                f"make_optimizer: the model ({type(model).__name__}) has no trainable "
                "parameters; the task's make_model must return a model with some"
            )
        if name == "sgd":
            return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
        if name in ("adam", "adamw"):
            cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
            return cls(params, lr=lr, betas=(momentum, 0.999), weight_decay=weight_decay)
        raise ConfigError(
            f"make_optimizer: name must be one of {', '.join(OPTIMIZERS)}, got {name!r}"
        )

    def describe(self) -> dict[str, Any]:
        """Data, model, metric and budget in a few words (used by the docs and reports)."""
        return {
            "name": self.name,
            "description": self.description,
            "metric": self.metric_name,
            "higher_is_better": self.higher_is_better,
            "batch_size": self.batch_size,
            "steps_per_epoch": self.steps_per_epoch,
            "default_optimizer": self.default_optimizer,
            "default_lr": self.default_lr,
            "default_epochs": self.default_epochs,
        }

    def __repr__(self) -> str:
        return f"<lrkit task {self.name!r} seed={self.seed}>"
