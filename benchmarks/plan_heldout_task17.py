"""An eighteenth task the planner was never developed on, written (2026-11-30, 13:57-14:00 UTC)
with tasks 16 and 18 as the clean check of issue 12's twelfth pass (docs/plan_research.md, "The
twelfth pass"), committed before any planner, recipe or grid ran on it.

A **SiLU MLP regression with SGD, Nesterov momentum 0.9 and weight decay 5e-4** (PyTorch's
default init): inputs ``x ~ N(0, I)`` in 8 dimensions, target
``y = sum_j sin(w_j . x + b_j) / sqrt(12)`` over 12 random directions ``w_j ~ N(0, I/8)`` and
phases ``b_j`` in ``[0, 2 pi)``, plus ``N(0, 0.1^2)`` noise. The model is 8 -> 64 -> 64 -> 1
with SiLU, squared error, batch 64, 3072 training points, 8 epochs of 48 updates (384
updates), scored by the mean squared error on 2048 held-out points. **Not void** (decided
here, before any run): the best grid cell's held-out MSE is below half the held-out targets'
variance.

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per decade,
wide, around SGD's usual 0.01-0.1): 0.003, 0.01, 0.03, 0.1, 0.3, 1.0.
"""

from __future__ import annotations

import math

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


class SiluRegression:
    name = "silu-regression-nesterov"
    default_lr = 0.03
    default_optimizer = "sgd"
    default_epochs = 8
    metric_name = "val_mse"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 3072, batch_size: int = 64) -> None:
        g = torch.Generator().manual_seed(17170 + seed)
        w = torch.randn(8, 12, generator=g) / math.sqrt(8)
        b = 2 * math.pi * torch.rand(12, generator=g)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            x = torch.randn(m, 8, generator=g)
            y = torch.sin(x @ w + b).sum(1, keepdim=True) / math.sqrt(12)
            return x, y + 0.1 * torch.randn(m, 1, generator=g)

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Sequential(
                torch.nn.Linear(8, 64),
                torch.nn.SiLU(),
                torch.nn.Linear(64, 64),
                torch.nn.SiLU(),
                torch.nn.Linear(64, 1),
            )

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.SGD(
            model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4
        )

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


def make_task(seed: int = 0) -> SiluRegression:
    return SiluRegression(seed)
