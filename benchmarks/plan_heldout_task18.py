"""A nineteenth task the planner was never developed on, written (2026-11-30, 13:57-14:00 UTC)
with tasks 16 and 17 as the clean check of issue 12's twelfth pass (docs/plan_research.md, "The
twelfth pass"), committed before any planner, recipe or grid ran on it.

A **GRU sequence classifier with AdamW (weight decay 0.01)** (PyTorch's default init and
betas): sequences of 20 tokens from a vocabulary of 12; the class (3 classes) is which of
tokens 0, 1, 2 occurs most often in the sequence (ties to the lowest), with the tokens drawn so
the three are a third of each sequence on average. The model embeds tokens in 16 dimensions,
runs a one-layer GRU with 32 hidden units and classifies its last hidden state with a linear
layer; cross-entropy, batch 32, 1536 training sequences, 8 epochs of 48 updates (384 updates),
scored by the cross-entropy on 1024 held-out sequences. **Not void** (decided here, before any
run): the best grid cell's held-out cross-entropy is below 0.9x the class-prior entropy of the
held-out labels.

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per decade,
wide, around AdamW's usual 1e-3): 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1.
"""

from __future__ import annotations

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


class GruCounter(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = torch.nn.Embedding(12, 16)
        self.gru = torch.nn.GRU(16, 32, batch_first=True)
        self.out = torch.nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, h = self.gru(self.emb(x))
        return self.out(h[-1])


class MajorityToken:
    name = "gru-majority-adamw"
    default_lr = 0.001
    default_optimizer = "adamw"
    default_epochs = 8
    metric_name = "val_ce"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 1536, batch_size: int = 32) -> None:
        g = torch.Generator().manual_seed(18180 + seed)
        probs = torch.tensor([1 / 9] * 3 + [2 / 27] * 9)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            x = torch.multinomial(probs, m * 20, replacement=True, generator=g).view(m, 20)
            counts = torch.stack([(x == k).sum(1) for k in range(3)], 1)
            return x, counts.argmax(1)

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(1024)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return GruCounter()

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)

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


def make_task(seed: int = 0) -> MajorityToken:
    return MajorityToken(seed)
