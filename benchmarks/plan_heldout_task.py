"""A second task the planner was never developed on (issue 12, held back): written before
any plan was run on it, used only for the final check in ``benchmarks/bench_plan_heldout.py``.

Three interleaved spirals in 2-D (a classic non-linear classification toy), a
two-hidden-layer ReLU MLP, Adam, batch 64, 20 epochs of 16 updates (320
updates); scored by the cross-entropy on 1024 held-out points. Different from
every task the planner was tuned on: a different data distribution, model
and optimizer (digits: SGD conv-net; mnist1d: AdamW MLP; charlm: AdamW
transformer), and a held-out loss rather than an accuracy.
"""

from __future__ import annotations

import math

import torch


def _spirals(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    k = torch.randint(0, 3, (n,), generator=g)
    r = torch.rand(n, generator=g)
    theta = 3.0 * math.pi * r + 2.0 * math.pi * k / 3.0
    x = torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)
    return x + 0.04 * torch.randn(n, 2, generator=g), k


class Spirals:
    name = "spirals"
    default_lr = 1e-3
    default_optimizer = "adam"
    default_epochs = 20
    metric_name = "val_loss"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 1024, batch_size: int = 64) -> None:
        g = torch.Generator().manual_seed(777 + seed)
        self.seed = seed
        self.x, self.y = _spirals(n, g)
        self.xv, self.yv = _spirals(1024, g)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Sequential(
                torch.nn.Linear(2, 64),
                torch.nn.ReLU(),
                torch.nn.Linear(64, 64),
                torch.nn.ReLU(),
                torch.nn.Linear(64, 3),
            )

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


def make_task(seed: int = 0) -> Spirals:
    return Spirals(seed)
