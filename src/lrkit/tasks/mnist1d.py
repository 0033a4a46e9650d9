"""``mnist1d``: the MNIST-1D benchmark (Greydanus 2020), generated locally.

Data: :func:`mnist1d.data.make_dataset` builds the 40-sample 1-D signals from
ten templates on the spot (its ``get_dataset`` may download; we never call it).
With the package defaults (5,000 samples, 80/20 split) that is 4,000 train /
1,000 test. The data is generated with ``data_seed`` (default 42, the seed of
the published data set) so every task seed sees the same benchmark; the task
seed drives the model initialisation and the batch order.
Model: the small 1-D CNN of the MNIST-1D paper (three conv layers of 25
channels, kernel 5/3/3, stride 2, ReLU, linear head). Metric: test accuracy
(the paper reports about 94% for its CNN after a long run; see docs/tasks.md
for what our budgets reach). Budget: 20 epochs of 40 steps (batch 100).
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validate import check_int
from ..errors import ConfigError
from ._base import TensorTask

__all__ = ["Mnist1dTask", "make_task"]


@lru_cache(maxsize=4)
def _generate(data_seed: int, num_samples: int) -> tuple[np.ndarray, ...]:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed = int(data_seed)
    args.num_samples = int(num_samples)
    # make_dataset reseeds the global numpy / random generators: keep the caller's.
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        d = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return (
        d["x"].astype(np.float32),
        d["y"].astype(np.int64),
        d["x_test"].astype(np.float32),
        d["y_test"].astype(np.int64),
    )


class _ConvNet(nn.Module):
    def __init__(self, channels: int = 25) -> None:
        super().__init__()
        c = channels
        self.conv1 = nn.Conv1d(1, c, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(c, c, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(c, c, 3, stride=2, padding=1)
        self.linear = nn.Linear(c * 5, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.unsqueeze(1)
        h = torch.relu(self.conv1(h))
        h = torch.relu(self.conv2(h))
        h = torch.relu(self.conv3(h))
        return self.linear(h.flatten(1))


class Mnist1dTask(TensorTask):
    name = "mnist1d"
    metric_name = "accuracy"
    higher_is_better = True
    batch_size = 100
    default_lr = 0.01
    default_optimizer = "adamw"
    default_epochs = 20
    data_seed = 42
    num_samples = 5000
    channels = 25

    def __init__(self, seed: int = 0, **overrides: Any) -> None:
        super().__init__(seed, **overrides)
        self.channels = check_int(
            "mnist1d", "channels", self.channels, low=1, rule="a positive int"
        )
        self.num_samples = check_int(
            "mnist1d", "num_samples", self.num_samples, low=10, rule="an int >= 10 (one per class)"
        )
        self.data_seed = check_int(
            "mnist1d", "data_seed", self.data_seed, low=0, rule="an int in [0, 2**32)"
        )
        if self.data_seed >= 2**32:  # numpy's legacy seeding, which mnist1d uses
            raise ConfigError(
                f"mnist1d: data_seed must be an int in [0, 2**32), got {self.data_seed}"
            )
        xtr, ytr, xte, yte = _generate(self.data_seed, self.num_samples)
        self.x_train, self.y_train = torch.from_numpy(xtr), torch.from_numpy(ytr)
        self.x_test, self.y_test = torch.from_numpy(xte), torch.from_numpy(yte)
        self.description = (  # the split and the model these options built
            f"MNIST-1D generated locally ({len(ytr):,} train / {len(yte):,} test), "
            f"3-layer 1-D CNN ({self.channels} channels), test accuracy"
        )

    def _overridable(self) -> set[str]:
        return super()._overridable() | {"data_seed", "num_samples", "channels"}

    def _build_model(self) -> nn.Module:
        return _ConvNet(int(self.channels))


def make_task(seed: int = 0, **overrides: Any) -> Mnist1dTask:
    return Mnist1dTask(seed, **overrides)
