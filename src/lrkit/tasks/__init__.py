"""Built-in training tasks: small, real problems that run on a laptop CPU, never download.

>>> from lrkit.tasks import TASKS
>>> sorted(TASKS)
['charlm', 'digits', 'mnist1d', 'quadratic']

``get_task(name, seed=0, **overrides)`` imports the task's module (and torch)
only when asked. Every task offers ``name``, ``metric_name`` (``"accuracy"``,
``"bpc"``, or ``"loss"`` for ``quadratic``), ``higher_is_better``, ``make_model()``,
``train_loader(epoch)``, ``loss_fn(output, y)``, ``evaluate(model) -> {"loss", "metric"}``,
``steps_per_epoch``, ``batch_size``, ``default_lr``, ``default_optimizer``,
``default_epochs`` and ``make_optimizer(model, name, lr, momentum, weight_decay)``.
Keyword ``overrides`` change a task's documented options (e.g. ``batch_size``,
``hidden``); unknown ones raise ``ValueError``.

A task module ``lrkit.tasks.<name>`` provides ``make_task(seed=0, **overrides)``
(or, failing that, a ``<Name>Task`` class taking the same arguments).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from ..errors import ConfigError

__all__ = ["TASKS", "get_task", "forever", "Epochs"]

#: name -> one-line description (data, model, metric). Modules load lazily.
TASKS: dict[str, str] = {
    "digits": "scikit-learn 8x8 digits, MLP, test accuracy",
    "mnist1d": "MNIST-1D generated locally (4,000/1,000), 1-D CNN, test accuracy",
    "charlm": "char-level 2-layer Transformer on CPython's pydoc text, validation bits/char",
    "quadratic": "noisy quadratic model (chosen spectrum, gradient noise) for the theory labs",
}


def get_task(name: str, seed: int = 0, **overrides: Any) -> Any:
    """Build the task ``name`` for ``seed`` (see :data:`TASKS` for the names).

    Raises ``ValueError`` for an unknown name, a bad seed or an unknown option.
    """
    if not isinstance(name, str) or name not in TASKS:
        raise ConfigError(f"task must be one of {', '.join(sorted(TASKS))}, got {name!r}")
    mod = importlib.import_module(f"{__name__}.{name}")
    factory = getattr(mod, "make_task", None)
    if factory is None:
        factory = getattr(mod, f"{name.capitalize()}Task", None)
    if factory is None:  # pragma: no cover - a malformed task module
        raise ImportError(f"lrkit.tasks.{name} defines no make_task(seed, **overrides)")
    return factory(seed=seed, **overrides)


def forever(task: Any, first_epoch: int = 0) -> Iterator[Any]:
    """The task's training batches epoch after epoch, without end.

    Epoch ``first_epoch`` first, then the next one (each epoch in its own
    shuffled order, see ``train_loader``): a
    :class:`~lrkit.finder.cycle.Cycle` over the task's epochs.
    """
    from ..finder.cycle import Cycle

    return Cycle(task.train_loader, "train_loader", "task", first=first_epoch)


class Epochs:
    """The task's training batches epoch after epoch, from epoch 0 again at every ``iter()``.

    A re-iterable (unlike :func:`forever`'s iterator): what ``lrkit.torch.plan``
    needs, since every probe starts from the same state *and* the same data
    order as the real run (epoch 0, 1, ...).
    """

    def __init__(self, task: Any) -> None:
        self.task = task

    def __iter__(self) -> Iterator[Any]:
        return forever(self.task)
