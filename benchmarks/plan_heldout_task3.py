"""A fourth task the planner was never developed on, written (2026-11-29, 20:09 UTC) before
any run on it and before the noise rule for rung 2 (docs/plan_research.md) was tested on
anything else: the clean check of that rule.

Gaussian blobs, softmax regression: 8 classes in 16 dimensions, class means drawn from
N(0, 0.6^2 I) and points N(mean, I) (heavily overlapping classes: a noisy, convex
problem), a *linear* softmax classifier (no hidden layer), plain SGD without momentum,
batch 32, 10 epochs of 32 updates (320 updates), scored by the cross-entropy on 2048
held-out points. Different from every other task the planner was run on: a convex
model (the others are MLPs, a CNN and a transformer), SGD without momentum (the others:
SGD with momentum, Adam, AdamW), and a data set of overlapping Gaussian classes.
"""

from __future__ import annotations

import torch


class Blobs:
    name = "softmax-blobs"
    default_lr = 0.1
    default_optimizer = "sgd"
    default_epochs = 10
    metric_name = "val_ce"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 1024, batch_size: int = 32) -> None:
        g = torch.Generator().manual_seed(777 + seed)
        means = 0.6 * torch.randn(8, 16, generator=g)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            k = torch.randint(0, 8, (m,), generator=g)
            return means[k] + torch.randn(m, 16, generator=g), k

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Linear(16, 8)

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.0)

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


def make_task(seed: int = 0) -> Blobs:
    return Blobs(seed)
