"""A twelfth task the planner was never developed on, written (2026-11-30, 03:59 UTC) after
the ninth pass's change (docs/plan_research.md, rule 2: a probe whose loss ends above its start
counts as diverged; rule 1: the blind rung's top at the highest rate the sweep ran stably) was
written and committed, and before that change or any planner or grid ran on it.

A leaky integrator learned by a **vanilla tanh RNN** from **badly scaled inputs**, with
**Adamax**: sequences of 16 steps of ``u_t ~ N(0, I_2)``, seen by the model as
``x_t = (u_t[0], 10 u_t[1])`` (one channel in the wrong units, never standardised); the target
is ``y = sum_t 0.8^(15 - t) (u_t[0] + 0.5 u_t[1]) + 0.05 e``, an exponentially weighted sum
that the recurrence has to carry through time. The model is ``torch.nn.RNN`` (one layer,
tanh, 32 units, PyTorch's default init) read out linearly from its last state, trained on
the mean squared error, batch 32, 2048 training sequences, 6 epochs of 64 updates (384
updates), scored by the MSE on 2048 held-out sequences. A tanh recurrence keeps its state
bounded, so a rate that is too high tends to make the loss blow up while it stays finite
(exploding gradients through time, a readout that grows), which is what rule 2's new clause
is about; the x10 channel saturates the tanh units unless its input weights shrink, a
badly conditioned start. Different from every other task the planner was run on: a vanilla
(Elman) RNN, a sequence regression, one badly scaled input channel, Adamax (the others:
ReLU, tanh, sigmoid, softplus and GELU MLPs, a conv net, a GRU, a deep linear net; SGD with
and without momentum or Nesterov, Adam, AdamW, RMSprop, Adagrad, NAdam, Adadelta).

Grid rates for ``benchmarks/bench_plan_heldout.py``, fixed here before any run (two per
decade, wide, around Adamax's default 0.002): 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1.
"""

from __future__ import annotations

import torch

#: the grid's rates, chosen with the task before any run
GRID_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)

#: steps per sequence
LENGTH = 16


class _LastState(torch.nn.Module):
    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.rnn = torch.nn.RNN(2, hidden, nonlinearity="tanh", batch_first=True)
        self.out = torch.nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(x)
        return self.out(h[:, -1]).squeeze(-1)


class LeakyRNN:
    name = "leaky-rnn-adamax"
    default_lr = 0.002
    default_optimizer = "adam"  # a label only: make_optimizer builds Adamax
    default_epochs = 6
    metric_name = "val_mse"
    higher_is_better = False

    def __init__(self, seed: int = 0, n: int = 2048, batch_size: int = 32):
        g = torch.Generator().manual_seed(11011 + seed)
        decay = 0.8 ** torch.arange(LENGTH - 1, -1, -1, dtype=torch.float32)

        def sample(m: int) -> tuple[torch.Tensor, torch.Tensor]:
            u = torch.randn(m, LENGTH, 2, generator=g)
            y = (u[..., 0] + 0.5 * u[..., 1]) @ decay + 0.05 * torch.randn(m, generator=g)
            return u * torch.tensor([1.0, 10.0]), y

        self.seed = seed
        self.x, self.y = sample(n)
        self.xv, self.yv = sample(2048)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return _LastState()

    def make_optimizer(self, model: torch.nn.Module, name: str, lr: float, **_: object):
        return torch.optim.Adamax(model.parameters(), lr=lr)

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


def make_task(seed: int = 0) -> LeakyRNN:
    return LeakyRNN(seed)
