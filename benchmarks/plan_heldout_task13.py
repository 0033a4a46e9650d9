"""A fourteenth task the planner was never developed on, written (2026-11-30, 09:25 UTC) with
tasks 14 and 15 as the clean check of issue 12's eleventh pass (docs/plan_research.md, "The eleventh
pass"), committed before any planner, recipe or grid ran on it.

The most common setup a new user brings: a **ReLU MLP classifier with SGD and momentum 0.9**
(PyTorch's default init). Inputs in 20 dimensions, 6 classes: class means drawn from
``N(0, 0.5^2 I)``, points ``mean + N(0, I)``, then a fixed random rotation and a per-feature
scale drawn from ``[0.5, 2]`` (features in mildly different units). The model is
20 -> 64 -> 64 -> 6 with ReLU, cross-entropy, batch 64, 2048 training points, 10 epochs of 32
updates (320 updates), scored by the cross-entropy on 2048 held-out points. **Not void**
(decided here, before any run): the best grid cell's held-out cross-entropy is below 0.9x the
class-prior entropy (``ln 6``).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade, wide, around SGD's usual 0.01-0.1): 0.003, 0.01, 0.03, 0.1, 0.3, 1.0.
"""

from __future__ import annotations

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


class MomentumMLP:
    name = "mlp-classifier-momentum"
    default_lr = 0.05
    default_optimizer = "sgd"
    default_epochs = 10
    metric_name = "val_ce"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, batch_size: int = 64) -> None:
        g = torch.Generator().manual_seed(13130 + seed)
        means = 0.5 * torch.randn(6, 20, generator=g)
        rot, _ = torch.linalg.qr(torch.randn(20, 20, generator=g))
        scale = 0.5 + 1.5 * torch.rand(20, generator=g)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            k = torch.randint(0, 6, (m,), generator=g)
            return ((means[k] + torch.randn(m, 20, generator=g)) @ rot) * scale, k

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
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
                torch.nn.Linear(64, 6),
            )

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

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


def make_task(seed: int = 0) -> MomentumMLP:
    return MomentumMLP(seed)
