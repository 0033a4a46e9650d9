"""LRMonitor (memory, CSV, a SummaryWriter-like writer) and the lazy find_lr export."""

from __future__ import annotations

import csv

import pytest
import torch

import lrkit
import lrkit.torch as lt
from lrkit.torch import LRMonitor, Scheduler


class _Writer:
    def __init__(self):
        self.calls = []

    def add_scalar(self, tag, value, step):
        self.calls.append((tag, value, step))


def test_auto_records_values_each_update_used(tmp_path):
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    s = lrkit.one_cycle(0.1, steps=6)
    sched = Scheduler(opt, {"lr": s, "beta1": lrkit.opposite(s, 0.85, 0.95)})
    writer = _Writer()
    path = tmp_path / "lr.csv"
    mon = LRMonitor(opt, keys=("lr", "beta1"), csv_path=path, writer=writer, auto=True)
    for _ in range(6):
        model(torch.ones(1, 2)).sum().backward()
        opt.step()
        sched.step()
    mon.close()
    assert mon.series("lr/0") == [s(n) for n in range(6)]
    assert mon.series("beta1/0") == [lrkit.opposite(s, 0.85, 0.95)(n) for n in range(6)]
    assert mon.steps() == list(range(6))
    rows = list(csv.DictReader(path.open()))
    assert [float(r["lr/0"]) for r in rows] == mon.series("lr/0")
    assert list(rows[0]) == ["step", "lr/0", "beta1/0"]
    assert writer.calls[:2] == [("lr/0", s(0), 0), ("beta1/0", 0.95, 0)]
    # the hook is gone after close()
    opt.step()
    assert len(mon.history) == 6


def test_manual_record_tensor_lr_and_errors():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=torch.tensor(0.5), momentum=0.9)
    mon = LRMonitor(opt, keys=["lr", "momentum", "weight_decay"])
    assert mon.record(step=10) == {
        "step": 10,
        "lr/0": 0.5,
        "momentum/0": 0.9,
        "weight_decay/0": 0.0,
    }
    with pytest.raises(TypeError, match="writer must have add_scalar"):
        LRMonitor(opt, writer=object())
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        LRMonitor("opt")


def test_exports():
    assert set(lt.__all__) >= {
        "Scheduler",
        "ReduceOnPlateau",
        "EarlyStopping",
        "LRMonitor",
        "total_steps",
        "find_lr",
    }
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lt.nope  # noqa: B018
