"""A tenth task the planner was never developed on, written (2026-11-30, 02:25 UTC) after the
eighth pass's change (docs/plan_research.md, rule 1: the blind rung's top is the highest rate the
sweep ran stably) was committed, and committed before any planner or grid ran on it.

A smooth 2-D function fitted by a deep *sigmoid* network with **plain SGD** (no momentum, no
adaptive scaling): inputs ``x ~ U(-1, 1)^2``, targets ``y = sin(2 pi x_1) cos(pi x_2) + 0.05 e``;
the model is 2 -> 32 -> 32 -> 32 -> 1 with logistic sigmoids between the layers (PyTorch's
default init). Sigmoids saturate and their derivative is at most 1/4, so the gradient that
reaches the first layers shrinks with depth, and the fit starts on a plateau (the output near
a constant, the MSE near the target's variance) that plain SGD leaves only slowly: its good
rates are unusually large for SGD, and a short range test may see no fall. Mean squared error,
batch 64, 2048 training examples, 12 epochs of 32 updates (384 updates), scored by the MSE on
2048 held-out examples. Different from every other task the planner was run on: sigmoid
activations, plain SGD without momentum, a 2-D oscillating target (the others: ReLU, tanh,
GELU, conv, GRU and linear models; SGD with momentum or Nesterov, Adam, AdamW, RMSprop,
Adagrad, NAdam, Adadelta).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade from 0.1, wide for plain SGD): 0.1, 0.3, 1.0, 3.0, 10.0, 30.0.
"""

from __future__ import annotations

import math

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


class SigmoidWave:
    name = "sigmoid-wave-sgd"
    default_lr = 0.1
    default_optimizer = "sgd"
    default_epochs = 12
    metric_name = "val_mse"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, batch_size: int = 64):
        g = torch.Generator().manual_seed(9190 + seed)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            x = 2.0 * torch.rand(m, 2, generator=g) - 1.0
            y = torch.sin(2 * math.pi * x[:, :1]) * torch.cos(math.pi * x[:, 1:])
            return x, y + 0.05 * torch.randn(m, 1, generator=g)

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Sequential(
                torch.nn.Linear(2, 32),
                torch.nn.Sigmoid(),
                torch.nn.Linear(32, 32),
                torch.nn.Sigmoid(),
                torch.nn.Linear(32, 32),
                torch.nn.Sigmoid(),
                torch.nn.Linear(32, 1),
            )

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.SGD(model.parameters(), lr=lr)

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


def make_task(seed: int = 0) -> SigmoidWave:
    return SigmoidWave(seed)
