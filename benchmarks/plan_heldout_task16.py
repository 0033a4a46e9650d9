"""A seventeenth task the planner was never developed on, written (2026-11-30, 13:57-14:00 UTC)
with tasks 17 and 18 as the clean check of issue 12's twelfth pass (docs/plan_research.md, "The
twelfth pass"), committed before any planner, recipe or grid ran on it.

A small **1-D convolutional classifier with Adam** (PyTorch's default init and betas): each
example is 64 samples of a noisy signal, the sum of two sinusoids whose frequencies come from one
of 5 bands (the class), random phases and amplitudes in [0.5, 1.5], plus ``N(0, 0.8^2)`` noise.
The model is Conv1d(1, 16, 7) -> ReLU -> MaxPool(2) -> Conv1d(16, 32, 5) -> ReLU -> global average
pool -> Linear(32, 5), cross-entropy, batch 32, 1280 training examples, 8 epochs of 40 updates
(320 updates), scored by the cross-entropy on 1024 held-out examples. **Not void** (decided
here, before any run): the best grid cell's held-out cross-entropy is below 0.9x the class-prior
entropy (``ln 5``).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per decade,
wide, around Adam's usual 1e-3): 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1.
"""

from __future__ import annotations

import math

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


class ConvBands:
    name = "conv1d-bands-adam"
    default_lr = 0.001
    default_optimizer = "adam"
    default_epochs = 8
    metric_name = "val_ce"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 1280, batch_size: int = 32) -> None:
        g = torch.Generator().manual_seed(16160 + seed)
        t = torch.arange(64, dtype=torch.float32)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            k = torch.randint(0, 5, (m,), generator=g)
            x = torch.zeros(m, 64)
            for _ in range(2):
                f = (0.03 + 0.07 * k.float() + 0.05 * torch.rand(m, generator=g)).unsqueeze(1)
                amp = 0.5 + torch.rand(m, 1, generator=g)
                phase = 2 * math.pi * torch.rand(m, 1, generator=g)
                x += amp * torch.sin(2 * math.pi * f * t + phase)
            x += 0.8 * torch.randn(m, 64, generator=g)
            return x.unsqueeze(1), k

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(1024)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Sequential(
                torch.nn.Conv1d(1, 16, 7),
                torch.nn.ReLU(),
                torch.nn.MaxPool1d(2),
                torch.nn.Conv1d(16, 32, 5),
                torch.nn.ReLU(),
                torch.nn.AdaptiveAvgPool1d(1),
                torch.nn.Flatten(),
                torch.nn.Linear(32, 5),
            )

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.Adam(model.parameters(), lr=lr)

    def train_loader(self, epoch: int):
        g = torch.Generator().manual_seed(self.seed * 1000 + epoch)
        order = torch.randperm(len(self.x), generator=g)
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            yield self.x[idx], self.y[idx]

    @staticmethod
    def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.cross_entropy(out, y)

    def evaluate(self, model: torch.nn.Module) -> dict[str, float]:
        model.eval()
        with torch.no_grad():
            loss = float(self.loss_fn(model(self.xv), self.yv))
        model.train()
        return {"loss": loss, "metric": loss}


def make_task(seed: int = 0) -> ConvBands:
    return ConvBands(seed)
