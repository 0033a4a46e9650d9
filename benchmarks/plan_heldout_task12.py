"""A thirteenth task the planner was never developed on, written (2026-11-30, 09:25 UTC) after
the tenth pass's change (docs/plan.md rule 1: with no evidence, the blind rung's answer is the
highest stable probe that scored alike, not the lowest) was written, and before that change or
any planner or grid ran on it.

A random **tanh teacher** learned by a **deep tanh MLP from a small initialisation**, with
**RAdam**: inputs ``x ~ N(0, I_12)``; targets ``y = W2 tanh(2 W1 x / sqrt(12)) + 0.05 e`` with
fixed random ``W1`` (8 x 12, ``N(0, 1)``) and ``W2`` (3 x 8, ``N(0, 1/8)``). The student has
three hidden tanh layers (12 -> 48 -> 48 -> 48 -> 3, zero biases), every weight drawn from
``N(0, 0.2^2 / fan_in)``, so its output starts ~1e-3 times the targets' size: near the origin a
tanh net is a deep linear net, which starts on a saddle (a slow start whose length falls with
the rate). Mean squared error, batch 32, 2048 training examples, 6 epochs of 64 updates (384
updates), scored by the MSE on 2048 held-out examples. **Not void** (decided here, before any
run): the task checks something only if its best grid cell's held-out MSE is below 0.9 times
the MSE of predicting the training targets' mean on the held-out set.

Different from every other task the planner was run on: RAdam (its rectified start is a
warm-up of its own; the others: SGD with and without momentum or Nesterov, Adam, AdamW,
RMSprop, Adagrad, NAdam, Adadelta, Adamax), a deep tanh MLP from a small (not vanishing)
init on a regression.

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade, wide, around RAdam's default 0.001): 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1.
"""

from __future__ import annotations

import math

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


class SmallInitTanh:
    name = "small-init-tanh-radam"
    default_lr = 1e-3
    default_optimizer = "adam"  # a label only: make_optimizer builds RAdam
    default_epochs = 6
    metric_name = "val_mse"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, batch_size: int = 32):
        g = torch.Generator().manual_seed(12120 + seed)
        w1 = torch.randn(8, 12, generator=g)
        w2 = torch.randn(3, 8, generator=g) / math.sqrt(8.0)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            x = torch.randn(m, 12, generator=g)
            y = torch.tanh(2.0 * x @ w1.T / math.sqrt(12.0)) @ w2.T
            return x, y + 0.05 * torch.randn(m, 3, generator=g)

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            dims = (12, 48, 48, 48, 3)
            layers: list[torch.nn.Module] = []
            for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
                lin = torch.nn.Linear(a, b)
                torch.nn.init.normal_(lin.weight, 0.0, 0.2 / math.sqrt(a))
                torch.nn.init.zeros_(lin.bias)
                layers.append(lin)
                if i < len(dims) - 2:
                    layers.append(torch.nn.Tanh())
            return torch.nn.Sequential(*layers)

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.RAdam(model.parameters(), lr=lr)

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


def make_task(seed: int = 0) -> SmallInitTanh:
    return SmallInitTanh(seed)
