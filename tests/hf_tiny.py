"""A tiny model and dataset for the HuggingFace ``Trainer`` tests (shared by two files)."""

import torch
from torch import nn


class TinyModel(nn.Module):
    """A linear classifier of 4 features that returns what ``Trainer`` expects."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2)

    def forward(self, x=None, labels=None):
        logits = self.lin(x)
        return {"loss": nn.functional.cross_entropy(logits, labels), "logits": logits}


class TinyData(torch.utils.data.Dataset):
    """``n`` seeded examples, the label the sign of the first feature."""

    def __init__(self, n=64):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 4, generator=g)
        self.y = (self.x[:, 0] > 0).long()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "labels": self.y[i]}
