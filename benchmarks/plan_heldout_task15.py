"""A sixteenth task the planner was never developed on, written (2026-11-30, 09:25 UTC) with
tasks 13 and 14 as the clean check of issue 12's eleventh pass (docs/plan_research.md, "The eleventh
pass"), committed before any planner, recipe or grid ran on it.

A **bag-of-embeddings text classifier with Adam**: sequences of 24 tokens from a vocabulary
of 64 (uniform), labelled 1 when tokens of a fixed set ``P`` (8 tokens) outnumber those of a
fixed set ``N`` (8 other tokens), else 0, with 5 % of the labels flipped. The model embeds
each token (``nn.Embedding(64, 32)``), averages the embeddings over the sequence, then
32 -> 32 -> 2 with tanh (PyTorch's default init), cross-entropy, batch 32, 2048 training
sequences, 6 epochs of 64 updates (384 updates), scored by the cross-entropy on 2048
held-out sequences. **Not void** (decided here, before any run): the best grid cell's
held-out cross-entropy is below 0.9x the class-prior entropy of the training labels.

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade, wide, around Adam's default 1e-3): 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1.
"""

from __future__ import annotations

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)

#: tokens per sequence, vocabulary size
LENGTH, VOCAB = 24, 64


class _BagClassifier(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = torch.nn.Embedding(VOCAB, 32)
        self.head = torch.nn.Sequential(
            torch.nn.Linear(32, 32), torch.nn.Tanh(), torch.nn.Linear(32, 2)
        )

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.emb(tokens).mean(dim=1))


class BagOfEmbeddings:
    name = "bag-embeddings-adam"
    default_lr = 1e-3
    default_optimizer = "adam"
    default_epochs = 6
    metric_name = "val_ce"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, batch_size: int = 32) -> None:
        g = torch.Generator().manual_seed(15150 + seed)
        perm = torch.randperm(VOCAB, generator=g)
        pos, neg = perm[:8], perm[8:16]

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            t = torch.randint(0, VOCAB, (m, LENGTH), generator=g)
            npos = torch.isin(t, pos).sum(1)
            nneg = torch.isin(t, neg).sum(1)
            y = (npos > nneg).long()
            flip = torch.rand(m, generator=g) < 0.05
            return t, torch.where(flip, 1 - y, y)

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return _BagClassifier()

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.Adam(model.parameters(), lr=lr)

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


def make_task(seed: int = 0) -> BagOfEmbeddings:
    return BagOfEmbeddings(seed)
