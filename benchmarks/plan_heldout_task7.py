"""An eighth task the planner was never developed on, written (2026-11-30, 01:50 UTC) after
the seventh pass's rule (docs/plan.md rule 1, the blind rung for a range test that saw no
fall) was written down and committed, and committed itself before that rule or the planner
before it ran on it: its clean check.

Concentric rings: points uniform in the square [-1, 1]^2, three classes by their radius
(r < 0.45, 0.45 <= r < 0.8, r >= 0.8; about a sixth, a third and a half of the points), so
no linear function of the input carries the label. A **deep, narrow tanh MLP** (2 -> 24 x 8
hidden layers -> 3) with a **poor initialisation**: every weight drawn from N(0, 0.3^2 /
fan_in) and biases zero, so the signal shrinks by ~0.3 per layer and the output starts
almost constant (a slow start on the loss of the class frequencies, until the layers grow).
Cross-entropy, **SGD with Nesterov momentum** (0.9), batch 32, 2048 training examples, 5
epochs of 64 updates (320 updates), scored by the cross-entropy on 2048 held-out examples.
Different from every other task the planner was run on: a deep narrow tanh stack with a
vanishing-signal init, a radial 3-class label, and Nesterov SGD (the others: SGD with and
without momentum, Adam, AdamW, RMSprop, Adagrad, NAdam).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade around the default 0.03): 0.003, 0.01, 0.03, 0.1, 0.3, 1.0.
"""

from __future__ import annotations

import math

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
#: the radii that separate the three classes
RADII = (0.45, 0.8)


class DeepRings:
    name = "rings-deep-tanh-nesterov"
    default_lr = 0.03
    default_optimizer = "sgd"  # a label only: make_optimizer builds Nesterov SGD
    default_epochs = 5
    metric_name = "val_ce"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, batch_size: int = 32):
        g = torch.Generator().manual_seed(7170 + seed)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            x = torch.rand(m, 2, generator=g) * 2.0 - 1.0
            r = x.norm(dim=1)
            y = (r >= RADII[0]).long() + (r >= RADII[1]).long()
            return x, y

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            layers: list[torch.nn.Module] = []
            width = 2
            for _ in range(8):
                layers += [torch.nn.Linear(width, 24), torch.nn.Tanh()]
                width = 24
            layers.append(torch.nn.Linear(width, 3))
            model = torch.nn.Sequential(*layers)
            for m in model:
                if isinstance(m, torch.nn.Linear):
                    torch.nn.init.normal_(m.weight, 0.0, 0.3 / math.sqrt(m.in_features))
                    torch.nn.init.zeros_(m.bias)
            return model

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True)

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


def make_task(seed: int = 0) -> DeepRings:
    return DeepRings(seed)
