"""The common shape of a built-in task (imports torch; loaded only through ``get_task``)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from .._validate import check_choice, check_int, check_number
from ..errors import ConfigError
from ._info import OPTIMIZERS, TaskInfo, check_seed

__all__ = ["Task", "TensorTask", "Batches", "epoch_generator", "OPTIMIZERS"]


def epoch_generator(seed: int, epoch: int, salt: int = 0) -> torch.Generator:
    """A torch generator seeded from (seed, epoch, salt) only: the same order every time."""
    g = torch.Generator()
    g.manual_seed((int(seed) * 1_000_003 + int(epoch) * 7_919 + int(salt)) % (2**63 - 1))
    return g


class Batches:
    """One epoch of (x, y) batches; ``len()`` is the number of steps, iterable more than once."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, order: torch.Tensor):
        self.x, self.y, self.batch_size, self.order = x, y, batch_size, order

    def __len__(self) -> int:
        return math.ceil(len(self.order) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        bs = self.batch_size
        for i in range(0, len(self.order), bs):
            idx = self.order[i : i + bs]
            yield self.x[idx], self.y[idx]


class Task(TaskInfo):
    """A small, real training problem: data, a model, a loss, a metric and a budget.

    Attributes every task has: ``name``, ``seed``, ``metric_name`` (``"accuracy"``
    or ``"bpc"``), ``higher_is_better``, ``batch_size``, ``steps_per_epoch``,
    ``default_lr`` (a good peak rate for ``default_optimizer``),
    ``default_optimizer``, ``default_epochs`` (the budget used by ``lrkit bench``
    when none is given) and ``description``.

    Everything random is drawn from generators seeded by the task seed (model
    initialisation) and by (seed, epoch) (the order of the batches), so two
    runs with the same seed are identical and the global torch RNG is left
    untouched.
    """

    batch_size = 32

    def __init__(self, seed: int = 0, **overrides: Any) -> None:
        self.seed = check_seed(seed)
        self.overrides = dict(overrides)
        allowed = self._overridable()
        for key, value in overrides.items():
            if key not in allowed:
                raise ConfigError(
                    f"get_task({self.name!r}): unknown option {key!r}; "
                    f"allowed: {', '.join(sorted(allowed))}"
                )
            setattr(self, key, value)
        self.batch_size = check_int(
            self.name, "batch_size", self.batch_size, low=1, rule="a positive int"
        )
        self.default_lr = check_number(self.name, "default_lr", self.default_lr, positive=True)
        self.default_epochs = check_int(
            self.name, "default_epochs", self.default_epochs, low=1, rule="a positive int"
        )
        self.default_optimizer = check_choice(
            self.name, "default_optimizer", self.default_optimizer, OPTIMIZERS
        )

    def _overridable(self) -> set[str]:
        return {"batch_size", "default_lr", "default_optimizer", "default_epochs"}

    # -- to implement (and ``steps_per_epoch``, see TaskInfo) --------------------------------
    def _build_model(self) -> nn.Module:  # pragma: no cover - abstract
        raise NotImplementedError

    def train_loader(self, epoch: int = 0) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def loss_fn(self, output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of logits ``output`` against integer labels ``y``."""
        return nn.functional.cross_entropy(output.reshape(-1, output.shape[-1]), y.reshape(-1))

    def evaluate(self, model: nn.Module) -> dict[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------------------
    def make_model(self) -> nn.Module:
        """A fresh model initialised from the task seed (the global RNG is not touched)."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return self._build_model()


class TensorTask(Task):
    """A classification task whose whole data set fits in four tensors."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.y_train) / self.batch_size)

    def train_loader(self, epoch: int = 0) -> Batches:
        """The training set in batches, shuffled by (seed, epoch): the same order every time."""
        epoch = check_int("train_loader", "epoch", epoch, low=0, rule="a non-negative int")
        order = torch.randperm(len(self.y_train), generator=epoch_generator(self.seed, epoch))
        return Batches(self.x_train, self.y_train, self.batch_size, order)

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        """Mean loss and accuracy on the held-out split (model put back in its mode)."""
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                out = model(self.x_test)
                loss = float(self.loss_fn(out, self.y_test))
                acc = float((out.argmax(-1) == self.y_test).float().mean())
        finally:
            model.train(was_training)
        return {"loss": loss, "metric": acc}
