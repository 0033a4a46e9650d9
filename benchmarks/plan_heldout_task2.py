"""A third task the planner was never developed on, written after the first held-back
check (spirals, tiny-regression) had been run and before any run on this one: the
check of the rule that check motivated (docs/plan.md, "progress").

Teacher-student regression: a fixed random tanh network (20 -> 32 -> 1) labels
Gaussian inputs, with noise; a wider ReLU student (20 -> 64 -> 64 -> 1) learns it
with AdamW (weight decay 0.01), batch 32, 16 epochs of 25 updates (400 updates),
scored by the mean squared error on 2000 held-out points.
"""

from __future__ import annotations

import torch


class TeacherStudent:
    name = "teacher-student"
    default_lr = 1e-3
    default_optimizer = "adamw"
    default_epochs = 16
    metric_name = "val_mse"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 800, batch_size: int = 32) -> None:
        g = torch.Generator().manual_seed(4242 + seed)
        w1, w2 = torch.randn(20, 32, generator=g) / 20**0.5, torch.randn(32, 1, generator=g)

        def label(x: torch.Tensor) -> torch.Tensor:
            return torch.tanh(x @ w1) @ w2 / 32**0.5

        self.seed = seed
        self.x = torch.randn(n, 20, generator=g)
        self.y = label(self.x) + 0.05 * torch.randn(n, 1, generator=g)
        self.xv = torch.randn(2000, 20, generator=g)
        self.yv = label(self.xv)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Sequential(
                torch.nn.Linear(20, 64),
                torch.nn.ReLU(),
                torch.nn.Linear(64, 64),
                torch.nn.ReLU(),
                torch.nn.Linear(64, 1),
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


def make_task(seed: int = 0) -> TeacherStudent:
    return TeacherStudent(seed)
