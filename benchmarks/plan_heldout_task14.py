"""A fifteenth task the planner was never developed on, written (2026-11-30, 09:25 UTC) with
tasks 13 and 15 as the clean check of issue 12's eleventh pass (docs/plan_research.md, "The eleventh
pass"), committed before any planner, recipe or grid ran on it.

A **GELU MLP with LayerNorm, AdamW** (weight decay 0.01) on a smooth regression: inputs
``x ~ U[-1, 1]^8``; the target ``y = sum_j a_j sin(w_j . x + b_j) + 0.1 e`` with 16 random
Fourier features (``w_j ~ N(0, 2^2 I)``, ``a_j ~ N(0, 1/16)``, ``b_j ~ U[0, 2 pi]``). The model
is 8 -> 128 -> LayerNorm -> GELU -> 128 -> LayerNorm -> GELU -> 1 (PyTorch's default init),
mean squared error, batch 32, 2048 training points, 6 epochs of 64 updates (384 updates),
scored by the MSE on 2048 held-out points. **Not void** (decided here, before any run): the
best grid cell's held-out MSE is below 0.9x that of predicting the training targets' mean.

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade, wide, around AdamW's usual 1e-3): 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1.
"""

from __future__ import annotations

import math

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


class FourierLN:
    name = "fourier-ln-adamw"
    default_lr = 1e-3
    default_optimizer = "adamw"
    default_epochs = 6
    metric_name = "val_mse"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, batch_size: int = 32) -> None:
        g = torch.Generator().manual_seed(14140 + seed)
        w = 2.0 * torch.randn(16, 8, generator=g)
        a = torch.randn(16, generator=g) / 4.0
        b = 2 * math.pi * torch.rand(16, generator=g)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            x = 2 * torch.rand(m, 8, generator=g) - 1
            y = torch.sin(x @ w.T + b) @ a
            return x, (y + 0.1 * torch.randn(m, generator=g)).unsqueeze(1)

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Sequential(
                torch.nn.Linear(8, 128),
                torch.nn.LayerNorm(128),
                torch.nn.GELU(),
                torch.nn.Linear(128, 128),
                torch.nn.LayerNorm(128),
                torch.nn.GELU(),
                torch.nn.Linear(128, 1),
            )

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)

    def train_loader(self, epoch: int):
        g = torch.Generator().manual_seed(self.seed * 1000 + epoch)
        order = torch.randperm(len(self.x), generator=g)
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            yield self.x[idx], self.y[idx]

    @staticmethod
    def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.mse_loss(out, y)

    def mean_predictor_mse(self) -> float:
        """The held-out MSE of predicting the training targets' mean (the not-void bar)."""
        return float(self.loss_fn(self.y.mean(0).expand_as(self.yv), self.yv))

    def evaluate(self, model: torch.nn.Module) -> dict[str, float]:
        model.eval()
        with torch.no_grad():
            loss = float(self.loss_fn(model(self.xv), self.yv))
        model.train()
        return {"loss": loss, "metric": loss}


def make_task(seed: int = 0) -> FourierLN:
    return FourierLN(seed)
