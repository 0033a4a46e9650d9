"""A fifth task the planner was never developed on, written (2026-11-29, 22:50 UTC) and
committed before any run on it, before the planner's fourth pass (issue 12: the WSD
cooldown / tie-break work on charlm) was run on any held-out task: its clean check.

The adding problem (Hochreiter and Schmidhuber 1997), short: sequences of 16 steps, each
step a pair (value ~ U(0, 1), marker in {0, 1}) with exactly two markers set; the target
is the sum of the two marked values. A one-layer GRU (hidden size 24) reads the sequence
and a linear head on its last state predicts the sum; RMSprop (alpha 0.99, no momentum),
batch 32, 12 epochs of 32 updates (384 updates), scored by the mean squared error on
1024 held-out sequences (predicting the mean scores 1/6 ~ 0.167). Different from every
other task the planner was run on: a recurrent model on a sequence task (the others are
MLPs, a CNN, a linear model and a transformer) and RMSprop (the others: SGD with and
without momentum, Adam, AdamW).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade around the default 3e-3): 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1.
"""

from __future__ import annotations

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


class _AddGRU(torch.nn.Module):
    def __init__(self, hidden: int = 24) -> None:
        super().__init__()
        self.gru = torch.nn.GRU(2, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.gru(x)
        return self.head(out[:, -1]).squeeze(-1)


class Adding:
    name = "adding-gru"
    default_lr = 3e-3
    default_optimizer = "adam"  # a label only: make_optimizer builds RMSprop
    default_epochs = 12
    metric_name = "val_mse"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 1024, length: int = 16, batch_size: int = 32):
        g = torch.Generator().manual_seed(9090 + seed)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            v = torch.rand(m, length, generator=g)
            marks = torch.zeros(m, length)
            first = torch.randint(0, length // 2, (m,), generator=g)
            second = torch.randint(length // 2, length, (m,), generator=g)
            rows = torch.arange(m)
            marks[rows, first] = 1.0
            marks[rows, second] = 1.0
            return torch.stack([v, marks], dim=-1), (v * marks).sum(dim=1)

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(1024)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return _AddGRU()

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.99)

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


def make_task(seed: int = 0) -> Adding:
    return Adding(seed)
