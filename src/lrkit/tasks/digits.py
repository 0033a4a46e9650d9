"""``digits``: scikit-learn's bundled 8x8 handwritten digits with a small MLP.

Data: the 1,797 images of :func:`sklearn.datasets.load_digits` (shipped with
scikit-learn, nothing downloaded), split 80/20
(1,438 train / 359 test), stratified by class, the split fixed by the task seed; every pixel
standardised with the training split's mean and standard deviation.
Model: MLP 64-128-128-10 with ReLU. Metric: test accuracy. Budget: 20 epochs
of 45 steps (batch 32) by default; an epoch takes well under a second on a CPU.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validate import check_int, check_number
from ..errors import ConfigError
from ._base import TensorTask

__all__ = ["DigitsTask", "make_task"]


@lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)


def _split(y: np.ndarray, seed: int, test_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split: the same ``test_fraction`` of every class goes to the test set."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        k = int(round(len(idx) * test_fraction))
        test.append(idx[:k])
        train.append(idx[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


class DigitsTask(TensorTask):
    name = "digits"
    metric_name = "accuracy"
    higher_is_better = True
    batch_size = 32
    default_lr = 0.05
    default_optimizer = "sgd"
    default_epochs = 20
    hidden = 128
    test_fraction = 0.2

    def __init__(self, seed: int = 0, **overrides: Any) -> None:
        super().__init__(seed, **overrides)
        self.hidden = check_int("digits", "hidden", self.hidden, low=1, rule="a positive int")
        self.test_fraction = check_number(
            "digits", "test_fraction", self.test_fraction, low=0.0, high=1.0, low_open=True,
            high_open=True,
        )  # fmt: skip
        x, y = _load()
        tr, te = _split(y, self.seed, self.test_fraction)
        if len(tr) == 0 or len(te) == 0:
            raise ConfigError(
                f"digits: test_fraction {self.test_fraction:g} leaves no "
                f"{'test' if len(te) == 0 else 'training'} example (the split is per class, "
                "about 180 images each)"
            )
        # standardise every pixel with the training split's mean and std (constant pixels: 0)
        mu, sd = x[tr].mean(0), x[tr].std(0)
        sd = np.where(sd > 0, sd, 1.0).astype(np.float32)
        xs = ((x - mu) / sd).astype(np.float32)
        self.x_train, self.y_train = torch.from_numpy(xs[tr]), torch.from_numpy(y[tr])
        self.x_test, self.y_test = torch.from_numpy(xs[te]), torch.from_numpy(y[te])
        h = self.hidden
        self.description = (  # the split and the model these options built
            f"scikit-learn 8x8 digits ({len(tr):,} train / {len(te):,} test, split by seed), "
            f"MLP 64-{h}-{h}-10, test accuracy"
        )

    def _overridable(self) -> set[str]:
        return super()._overridable() | {"hidden", "test_fraction"}

    def _build_model(self) -> nn.Module:
        h = int(self.hidden)
        return nn.Sequential(
            nn.Linear(64, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 10)
        )


def make_task(seed: int = 0, **overrides: Any) -> DigitsTask:
    return DigitsTask(seed, **overrides)
