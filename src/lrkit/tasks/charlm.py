"""``charlm``: a character-level Transformer language model on text that ships with CPython.

Data: the pydoc topics (``pydoc_data.topics.topics``, the text of the Python
reference manual used by ``help()``), joined in key order: about 465,000
characters, 103 distinct. The first 90% is the training text, the last 10%
the validation text (a fixed split). An "epoch" is ``steps_per_epoch`` batches
of random windows (``context`` + 1 characters), drawn from (seed, epoch), so an
epoch takes a few seconds; validation uses every non-overlapping window of the
validation text (capped at ``val_windows``).
Model: a 2-layer causal Transformer (d_model 64, 4 heads, feed-forward 256, no
dropout, learned positions). ``norm_first=False`` (post-LN, the original
Transformer) by default: the variant where learning-rate warmup matters.
Metric: validation bits per character (lower is better) = cross-entropy / ln 2.
Optimizer: AdamW; budget: 10 epochs of 100 steps of 32 windows.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import torch
from torch import nn

from .._validate import check_bool, check_int, check_number
from ..errors import ConfigError
from ._base import Task, epoch_generator

__all__ = ["CharLMTask", "corpus", "make_task"]


@lru_cache(maxsize=1)
def corpus() -> str:
    """The pydoc topics text joined in sorted key order (deterministic, ~465k chars)."""
    from pydoc_data.topics import topics

    return "\n".join(topics[k] for k in sorted(topics))


class _CharTransformer(nn.Module):
    mask: torch.Tensor  # a (non-persistent) buffer

    def __init__(
        self, vocab: int, context: int, d_model: int, heads: int, layers: int, norm_first: bool
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.pos = nn.Parameter(torch.zeros(context, d_model))
        nn.init.normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(
            d_model,
            heads,
            dim_feedforward=4 * d_model,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
            norm_first=norm_first,
        )
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.head = nn.Linear(d_model, vocab)
        mask = torch.triu(torch.full((context, context), float("-inf")), diagonal=1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[1]
        h = self.embed(x) + self.pos[:n]
        h = self.blocks(h, mask=self.mask[:n, :n], is_causal=True)
        return self.head(self.norm(h))


class _Windows:
    """One epoch of random (input, target) windows; ``len()`` is the number of steps."""

    def __init__(self, data: torch.Tensor, context: int, batch: int, steps: int, g: Any) -> None:
        self.data, self.context, self.batch, self.steps = data, context, batch, steps
        self.starts = torch.randint(0, len(data) - context - 1, (steps, batch), generator=g)

    def __len__(self) -> int:
        return self.steps

    def __iter__(self):  # type: ignore[no-untyped-def]
        offs = torch.arange(self.context + 1)
        for s in self.starts:
            w = self.data[s[:, None] + offs]
            yield w[:, :-1], w[:, 1:]


class CharLMTask(Task):
    name = "charlm"
    metric_name = "bpc"
    higher_is_better = False
    batch_size = 32
    default_lr = 3e-3
    default_optimizer = "adamw"
    default_epochs = 10
    context = 64
    d_model = 64
    heads = 4
    layers = 2
    norm_first = False
    epoch_steps = 100
    val_fraction = 0.1
    val_windows = 512

    def __init__(self, seed: int = 0, **overrides: Any) -> None:
        super().__init__(seed, **overrides)
        for key in ("context", "d_model", "heads", "layers", "epoch_steps", "val_windows"):
            v = getattr(self, key)
            setattr(self, key, check_int("charlm", key, v, low=1, rule="a positive int"))
        if self.d_model % self.heads:
            raise ConfigError(
                f"charlm: d_model ({self.d_model}) must be a multiple of heads, "
                f"got heads={self.heads}"
            )
        self.norm_first = check_bool("charlm", "norm_first", self.norm_first)
        self.val_fraction = check_number(
            "charlm", "val_fraction", self.val_fraction, low=0.0, high=1.0, low_open=True,
            high_open=True,
        )  # fmt: skip
        text = corpus()
        self.vocab = sorted(set(text))
        index = {c: i for i, c in enumerate(self.vocab)}
        ids = torch.tensor([index[c] for c in text], dtype=torch.long)
        cut = int(len(ids) * (1.0 - float(self.val_fraction)))
        self.train_ids, self.val_ids = ids[:cut], ids[cut:]
        if min(len(self.train_ids), len(self.val_ids)) < self.context + 2:
            raise ConfigError(
                f"charlm: context {self.context} is too long for val_fraction "
                f"{self.val_fraction:g}: a window takes context + 1 characters, the split leaves "
                f"{len(self.train_ids)} training and {len(self.val_ids)} validation characters"
            )
        n = min((len(self.val_ids) - 1) // self.context, self.val_windows)
        starts = torch.arange(n) * self.context
        offs = torch.arange(self.context + 1)
        w = self.val_ids[starts[:, None] + offs]
        self.x_val, self.y_val = w[:, :-1], w[:, 1:]
        self.description = (  # the split and the model these options built
            f"character LM on CPython's pydoc topics text (~465k chars, last "
            f"{self.val_fraction * 100:g}% validation), {self.layers}-layer "
            f"{'pre' if self.norm_first else 'post'}-LN Transformer (d={self.d_model}), "
            "validation bits per char"
        )

    def _overridable(self) -> set[str]:
        return super()._overridable() | {
            "context",
            "d_model",
            "heads",
            "layers",
            "norm_first",
            "epoch_steps",
            "val_fraction",
            "val_windows",
        }

    @property
    def steps_per_epoch(self) -> int:
        return int(self.epoch_steps)

    def _build_model(self) -> nn.Module:
        return _CharTransformer(
            len(self.vocab), self.context, self.d_model, self.heads, self.layers, self.norm_first
        )

    def train_loader(self, epoch: int = 0) -> _Windows:
        """``steps_per_epoch`` batches of random training windows drawn from (seed, epoch)."""
        epoch = check_int("train_loader", "epoch", epoch, low=0, rule="a non-negative int")
        g = epoch_generator(self.seed, epoch, salt=17)
        return _Windows(self.train_ids, self.context, self.batch_size, self.steps_per_epoch, g)

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        """Validation cross-entropy (nats per char) and bits per char = loss / ln 2."""
        was_training = model.training
        model.eval()
        total = 0.0
        try:
            with torch.no_grad():
                for i in range(0, len(self.x_val), 128):
                    out = model(self.x_val[i : i + 128])
                    y = self.y_val[i : i + 128]
                    total += float(self.loss_fn(out, y)) * y.numel()
        finally:
            model.train(was_training)
        loss = total / self.y_val.numel()
        return {"loss": loss, "metric": loss / math.log(2.0)}


def make_task(seed: int = 0, **overrides: Any) -> CharLMTask:
    return CharLMTask(seed, **overrides)
