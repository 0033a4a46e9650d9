"""A ninth task the planner was never developed on, written (2026-11-30, 01:55 UTC) after the
seventh pass's rule (docs/plan.md rule 1, the blind rung) was committed and after task 7
(``plan_heldout_task7.py``) turned out to learn nothing at any grid cell (every cell ends at
the class-prior loss, so it checks nothing); committed before any planner or grid ran on it.

A deep linear network from a small initialisation: inputs ``x ~ N(0, I_16)``, targets
``y = A x + 0.1 e`` with a fixed random ``A`` (8 x 16) whose singular values fall off as
``1 / k``; the model is four linear layers without nonlinearity (16 -> 32 -> 32 -> 32 -> 8,
no biases), every weight drawn from ``N(0, 0.25^2 / fan_in)``, so the map starts ~4e-3 times
its trained size. Gradient descent on a deep linear network from a small init sits on a
saddle, then learns the target's singular modes one after another (Saxe et al. 2014), each
after a plateau whose length falls with the rate. Mean squared error, **Adadelta** (its step
starts tiny and grows with its own accumulator: a slow start of its own), batch 32, 2048
training examples, 6 epochs of 64 updates (384 updates), scored by the MSE on 2048 held-out
examples. Different from every other task the planner was run on: a deep *linear* model,
saddle-to-saddle dynamics, Adadelta (the others: SGD with and without momentum or Nesterov,
Adam, AdamW, RMSprop, Adagrad, NAdam).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade around Adadelta's default 1.0): 0.1, 0.3, 1.0, 3.0, 10.0, 30.0.
"""

from __future__ import annotations

import math

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


class DeepLinear:
    name = "deep-linear-adadelta"
    default_lr = 1.0
    default_optimizer = "sgd"  # a label only: make_optimizer builds Adadelta
    default_epochs = 6
    metric_name = "val_mse"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, batch_size: int = 32):
        g = torch.Generator().manual_seed(8180 + seed)
        u, _, v = torch.linalg.svd(torch.randn(8, 16, generator=g), full_matrices=False)
        self.A = u @ torch.diag(1.0 / torch.arange(1, 9, dtype=torch.float32)) @ v * 3.0

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            x = torch.randn(m, 16, generator=g)
            return x, x @ self.A.T + 0.1 * torch.randn(m, 8, generator=g)

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            dims = (16, 32, 32, 32, 8)
            model = torch.nn.Sequential(
                *(torch.nn.Linear(a, b, bias=False) for a, b in zip(dims[:-1], dims[1:]))
            )
            for m in model:
                torch.nn.init.normal_(m.weight, 0.0, 0.25 / math.sqrt(m.in_features))
            return model

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.Adadelta(model.parameters(), lr=lr)

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


def make_task(seed: int = 0) -> DeepLinear:
    return DeepLinear(seed)
