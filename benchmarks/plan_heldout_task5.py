"""A sixth task the planner was never developed on, written (2026-11-29, 23:31 UTC) after the
fifth pass's rule ("a rung whose probes score alike ranks nothing"; tried and rejected,
docs/plan_research.md) was written down and committed, and before that rule ran on any task: its
clean check.

Bump areas: each input is a 1-D signal of 64 samples — a Gaussian bump at a random
position (amplitude ~ U(0.5, 2), width ~ U(1, 6) samples) on a sinusoidal background
(random frequency, phase and amplitude up to 1) plus white noise (std 0.3); the target is
the bump's amplitude x width / 4 (its area up to a constant), which the model must read
through the background. A small 1-D convolutional net with batch normalisation (two
conv-BN-ReLU blocks of 16 channels, kernel 5, global average pooling, a linear head),
**Adagrad**, batch 32, 10 epochs of 32 updates (320 updates), scored by the mean squared
error on 1024 held-out signals. Different from every other task the planner was run on:
a convolutional net with batch-norm on a 1-D regression (the others: MLPs, a 2-D CNN
without batch-norm, a linear model, a transformer, a GRU) and Adagrad (the others: SGD
with and without momentum, Adam, AdamW, RMSprop).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade around the default 0.03): 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.
"""

from __future__ import annotations

import math

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


class _BumpNet(torch.nn.Module):
    def __init__(self, ch: int = 16) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv1d(1, ch, 5, padding=2),
            torch.nn.BatchNorm1d(ch),
            torch.nn.ReLU(),
            torch.nn.Conv1d(ch, ch, 5, padding=2),
            torch.nn.BatchNorm1d(ch),
            torch.nn.ReLU(),
        )
        self.head = torch.nn.Linear(ch, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x.unsqueeze(1)).mean(dim=-1)
        return self.head(h).squeeze(-1)


class Bumps:
    name = "bumps-conv-adagrad"
    default_lr = 0.03
    default_optimizer = "sgd"  # a label only: make_optimizer builds Adagrad
    default_epochs = 10
    metric_name = "val_mse"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 1024, length: int = 64, batch_size: int = 32):
        g = torch.Generator().manual_seed(5150 + seed)
        t = torch.arange(length, dtype=torch.float32)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            amp = 0.5 + 1.5 * torch.rand(m, 1, generator=g)
            width = 1.0 + 5.0 * torch.rand(m, 1, generator=g)
            pos = length * (0.1 + 0.8 * torch.rand(m, 1, generator=g))
            bump = amp * torch.exp(-0.5 * ((t - pos) / width) ** 2)
            freq = 2 * math.pi * (0.02 + 0.1 * torch.rand(m, 1, generator=g))
            phase = 2 * math.pi * torch.rand(m, 1, generator=g)
            back = torch.rand(m, 1, generator=g) * torch.sin(freq * t + phase)
            noise = 0.3 * torch.randn(m, length, generator=g)
            return bump + back + noise, (amp * width / 4.0).squeeze(-1)

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(1024)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return _BumpNet()

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.Adagrad(model.parameters(), lr=lr)

    def train_loader(self, epoch: int):
        g = torch.Generator().manual_seed(self.seed * 1000 + epoch)
        order = torch.randperm(len(self.x), generator=g)
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            yield self.x[idx], self.y[idx]

    @staticmethod
    def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.mse_loss(out, y)

    def evaluate(self, model: torch.nn.Module) -> dict[str, float]:
        model.eval()
        with torch.no_grad():
            loss = float(self.loss_fn(model(self.xv), self.yv))
        model.train()
        return {"loss": loss, "metric": loss}


def make_task(seed: int = 0) -> Bumps:
    return Bumps(seed)
