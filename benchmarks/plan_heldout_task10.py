"""An eleventh task the planner was never developed on, written (2026-11-30, 02:22 UTC) after
task 9 (``plan_heldout_task9.py``) turned out to learn nothing beyond the target's mean at
any grid cell (every stable cell ends at the target's variance, so it checks nothing), and
after the eighth pass's change (docs/plan_research.md, rule 1) was committed; committed before any
planner or grid ran on it.

Badly scaled inputs, **plain SGD**: a 4-class problem whose labels come from a fixed random
teacher (``argmax`` of a random tanh layer of width 32 on ``z ~ N(0, I_16)``), but the model
sees ``x = 0.05 z`` (measurements in the wrong units, never standardised). The model is
16 -> 64 -> 4 with a softplus between (PyTorch's default init), trained by SGD without
momentum, batch 64, 2048 training examples, 12 epochs of 32 updates (384 updates), scored by
the cross-entropy on 2048 held-out examples. The small inputs shrink the first layer's
gradients by 20x and its curvature by 400x, so the rates that train are unusually large
for SGD and a short range test may see little fall. Different from every other task the
planner was run on: unstandardised inputs, a softplus MLP, a random-teacher classification,
plain SGD (the others: standardised or unit-scale inputs; ReLU, tanh, sigmoid, GELU, conv,
GRU and linear models; SGD with momentum or Nesterov, Adam, AdamW, RMSprop, Adagrad, NAdam,
Adadelta).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade, wide and high for plain SGD): 0.3, 1.0, 3.0, 10.0, 30.0, 100.0.
"""

from __future__ import annotations

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


class TinyInputs:
    name = "tiny-inputs-sgd"
    default_lr = 0.1
    default_optimizer = "sgd"
    default_epochs = 12
    metric_name = "val_ce"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, batch_size: int = 64):
        g = torch.Generator().manual_seed(10200 + seed)
        w1 = torch.randn(16, 32, generator=g)
        w2 = torch.randn(32, 4, generator=g)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            z = torch.randn(m, 16, generator=g)
            y = (torch.tanh(z @ w1 / 4.0) @ w2).argmax(dim=1)
            return 0.05 * z, y

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Sequential(
                torch.nn.Linear(16, 64), torch.nn.Softplus(), torch.nn.Linear(64, 4)
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
        return torch.nn.functional.cross_entropy(out, y)

    def evaluate(self, model: torch.nn.Module) -> dict[str, float]:
        model.eval()
        with torch.no_grad():
            loss = float(self.loss_fn(model(self.xv), self.yv))
        model.train()
        return {"loss": loss, "metric": loss}


def make_task(seed: int = 0) -> TinyInputs:
    return TinyInputs(seed)
