"""A seventh task the planner was never developed on, written (2026-11-30, 01:20 UTC) after
the sixth pass's rule (docs/plan.md rule 6: a first rung that cannot tell its peaks apart
hands its budget to fewer, longer probes) was written down and committed, and committed
itself before that rule or the planner before it ran on it: its clean check.

Sparse parity: each input is 12 random signs (+-1); the label is 1 when the product of
three fixed coordinates (0, 5 and 9) is +1, else 0 — the XOR of three bits hidden among
nine distractors. No single coordinate, and no pair, carries any information about the
label, so a network sits at the chance loss (ln 2 ~ 0.693) until it finds the three
coordinates together (a plateau, then a sudden fall: Barak et al. 2022, "Hidden progress
in deep learning"). A two-layer ReLU MLP (12 -> 128 -> 1), binary cross-entropy on one
logit, **NAdam** (Nesterov-accelerated Adam), batch 32, 2048 training examples, 8 epochs
of 64 updates (512 updates), scored by the cross-entropy on 2048 held-out examples.
Different from every other task the planner was run on: a Boolean input, a
parity (no low-order signal, so a plateau at chance), a binary cross-entropy and NAdam
(the others: SGD with and without momentum, Adam, AdamW, RMSprop, Adagrad).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade around the default 3e-3): 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1.
"""

from __future__ import annotations

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
#: the coordinates whose product is the label
SECRET = (0, 5, 9)


class Parity:
    name = "parity-mlp-nadam"
    default_lr = 3e-3
    default_optimizer = "adam"  # a label only: make_optimizer builds NAdam
    default_epochs = 8
    metric_name = "val_bce"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, bits: int = 12, batch_size: int = 32):
        g = torch.Generator().manual_seed(6160 + seed)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            x = torch.randint(0, 2, (m, bits), generator=g).float() * 2.0 - 1.0
            sign = x[:, list(SECRET)].prod(dim=1)
            return x, (sign > 0).float()

        self.seed = seed
        self.bits = bits
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Sequential(
                torch.nn.Linear(self.bits, 128), torch.nn.ReLU(), torch.nn.Linear(128, 1)
            )

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.NAdam(model.parameters(), lr=lr)

    def train_loader(self, epoch: int):
        g = torch.Generator().manual_seed(self.seed * 1000 + epoch)
        order = torch.randperm(len(self.x), generator=g)
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            yield self.x[idx], self.y[idx]

    @staticmethod
    def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.binary_cross_entropy_with_logits(out.squeeze(-1), y)

    def evaluate(self, model: torch.nn.Module) -> dict[str, float]:
        model.eval()
        with torch.no_grad():
            loss = float(self.loss_fn(model(self.xv), self.yv))
        model.train()
        return {"loss": loss, "metric": loss}


def make_task(seed: int = 0) -> Parity:
    return Parity(seed)
