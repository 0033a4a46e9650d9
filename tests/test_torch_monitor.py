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


_DDP_MONITOR_WORKER = r"""
import sys, torch
import torch.distributed as dist
import lrkit
from lrkit.torch import LRMonitor, Scheduler
rank, path, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
torch.set_num_threads(1)
dist.init_process_group("gloo", init_method="file://" + path + ".store", rank=rank, world_size=2)
model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
sched = Scheduler(opt, lrkit.cosine(0.1, 0.0, steps=50))
class W:
    def add_scalar(self, tag, value, step):
        with open(path + f".tb{rank}", "a") as f:
            f.write(f"{tag},{step}\n")
if mode == "one":
    mon = LRMonitor(opt, csv_path=path + ".csv", writer=W(), auto=True)
else:
    mon = LRMonitor(opt, csv_path=path + f".{rank}.csv", writer=W(), auto=True, all_ranks=True)
for _ in range(50):
    opt.zero_grad()
    model(torch.ones(4, 2)).sum().backward()
    opt.step()
    sched.step()
assert len(mon.history) == 50
del model  # a DDP module outliving its process group aborts the process at exit
dist.destroy_process_group()
"""


@pytest.mark.parametrize("mode", ["one", "all"])
def test_ddp_ranks_write_one_csv_file_from_rank_0(tmp_path, mode):
    """Under DDP both ranks record the same values: by default only rank 0 writes the
    CSV file and the writer (two ranks writing one file interleaved their rows, 100
    rows and repeated headers for 50 updates); ``all_ranks=True`` writes on every rank,
    each to its own file."""
    import sys

    from conftest import ranks_exit_codes

    path = str(tmp_path / "run")
    script = tmp_path / "worker.py"
    script.write_text(_DDP_MONITOR_WORKER)
    codes = ranks_exit_codes([[sys.executable, str(script), str(r), path, mode] for r in range(2)])
    assert codes == [0, 0]
    want = [["step", "lr/0"]] + [
        [str(i), repr(float(lrkit.cosine(0.1, 0.0, steps=50)(i)))] for i in range(50)
    ]
    files = ["run.csv"] if mode == "one" else ["run.0.csv", "run.1.csv"]
    for name in files:
        rows = list(csv.reader(open(tmp_path / name, newline="")))
        assert rows == want
    tb = sorted(p.name for p in tmp_path.glob("run.tb*"))
    assert tb == (["run.tb0"] if mode == "one" else ["run.tb0", "run.tb1"])
    assert len((tmp_path / "run.tb0").read_text().splitlines()) == 50
