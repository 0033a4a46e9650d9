"""lrkit.torch.plan: a real plan on a real model, restored bit for bit (also on exception)."""

import copy

import pytest
import torch  # noqa: E402

import lrkit  # noqa: E402
from lrkit.plan import Plan  # noqa: E402
from lrkit.torch import Scheduler  # noqa: E402
from lrkit.torch import plan as torch_plan  # noqa: E402


def _setup(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(512, 8, generator=g)
    y = (x @ torch.randn(8, 1, generator=g)).squeeze(1).gt(0).long()
    ds = torch.utils.data.TensorDataset(x, y)
    loader = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True)  # global RNG order
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 32),
        torch.nn.BatchNorm1d(32),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(32, 2),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    return model, opt, loader, x, y


def _train(model, opt, loader, schedule, steps):
    # the first 60 updates of the planned 200-step run: the Scheduler says the run ends early
    with pytest.warns(UserWarning, match=f"runs for 200 steps, but total_steps={steps}"):
        sched = Scheduler(opt, schedule, total_steps=steps)
    model.train()
    done = 0
    while done < steps:
        for xb, yb in loader:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
            done += 1
            if done < steps:
                sched.step()
            if done == steps:
                break
    return [p.detach().clone() for p in model.parameters()] + [
        b.detach().clone() for b in model.buffers()
    ]


def _warm_start(model, opt, loader):
    """A few updates first, so optimizer state (momentum buffers) exists before planning."""
    for i, (xb, yb) in enumerate(loader):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
        if i == 3:
            break


def test_training_after_plan_is_bit_identical_to_training_without_it():
    model, opt, loader, _, _ = _setup()
    _warm_start(model, opt, loader)
    model2, opt2 = copy.deepcopy(model), None
    opt2 = torch.optim.SGD(model2.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    opt2.load_state_dict(opt.state_dict())
    rng = torch.get_rng_state()

    p = torch_plan(model, opt, torch.nn.functional.cross_entropy, loader, 200, budget=0.5)
    assert isinstance(p, Plan)
    assert 0 < p.cost <= 100
    assert opt.param_groups[0]["lr"] == 0.05
    after_plan = _train(model, opt, loader, p.schedule, 60)

    torch.set_rng_state(rng)
    without = _train(model2, opt2, loader, p.schedule, 60)
    assert all(torch.equal(a, b) for a, b in zip(after_plan, without))


def test_restored_exactly_when_a_probe_raises():
    model, opt, loader, _, _ = _setup(1)
    _warm_start(model, opt, loader)
    before = copy.deepcopy(model.state_dict())
    state_before = copy.deepcopy(opt.state_dict())
    rng = torch.get_rng_state()
    calls = {"n": 0}

    def bad_loss(out, y):
        calls["n"] += 1
        if calls["n"] == 70:  # inside the first probes
            raise RuntimeError("boom")
        return torch.nn.functional.cross_entropy(out, y)

    with pytest.raises(RuntimeError, match="boom"):
        torch_plan(model, opt, bad_loss, loader, 300)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    st = opt.state_dict()
    assert st["param_groups"] == state_before["param_groups"]
    for k, v in state_before["state"].items():
        assert torch.equal(v["momentum_buffer"], st["state"][k]["momentum_buffer"])
    assert torch.equal(torch.get_rng_state(), rng)
    assert model.training


def test_validation_loss_ranks_the_probes_and_the_schedule_drives_a_scheduler():
    model, opt, loader, x, y = _setup(2)
    val = [(x[:128], y[:128])]
    p = torch_plan(
        model, opt, torch.nn.functional.cross_entropy, loader, 300, val_loader=val, budget=0.4
    )
    probes = [q for q in p.probes if q.stage != "range"]
    assert all(q.val_loss is not None for q in probes if not q.diverged)
    assert all(q.score == q.val_loss for q in probes if not q.diverged)
    assert p.cost <= 0.4 * 300
    # the cost is what the probes ran, range test included
    assert p.cost == sum(q.updates for q in p.probes)
    sched = Scheduler(opt, p.schedule, total_steps=300)
    assert opt.param_groups[0]["lr"] == pytest.approx(float(p.schedule(0)))
    assert sched.total_steps == 300
    assert lrkit.plan.Plan.from_dict(p.to_dict()) == p


def test_bad_arguments_raise_lrkit_errors():
    model, opt, loader, _, _ = _setup()
    with pytest.raises(lrkit.errors.ConfigTypeError, match="model"):
        torch_plan("model", opt, torch.nn.functional.cross_entropy, loader, 100)
    with pytest.raises(lrkit.errors.ConfigTypeError, match="loss_fn"):
        torch_plan(model, opt, None, loader, 100)
    with pytest.raises(lrkit.errors.ConfigError, match="budget too small"):
        torch_plan(model, opt, torch.nn.functional.cross_entropy, loader, 100, budget=0.05)


_DDP_PLAN_WORKER = r"""
import json, sys, torch
import torch.distributed as dist
from torch import nn
from lrkit.torch import plan
rank, path, val = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "val"
torch.set_num_threads(1)
dist.init_process_group("gloo", init_method="file://" + path + ".store", rank=rank, world_size=2)
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
model = nn.parallel.DistributedDataParallel(net)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
before = [p.detach().clone() for p in model.parameters()]
g = torch.Generator().manual_seed(rank + 1)  # each rank its own shard, on its own scale
data = [(torch.randn(16, 4, generator=g) * (1 + 3 * rank),
         torch.randn(16, 1, generator=g) * (1 + 5 * rank)) for _ in range(8)]

def loss_fn(out, target):  # rank 1's loss overflows first
    loss = nn.functional.mse_loss(out, target)
    return loss * float("inf") if rank == 1 and opt.param_groups[0]["lr"] > 0.03 else loss

p = plan(model, opt, loss_fn, data, total_steps=300, budget=0.5,
         val_loader=data[:2] if val else None)
same = all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
with open(path + f".{rank}.json", "w") as f:
    json.dump({"schedule": repr(p.schedule), "restored": same}, f)
del model  # a DDP module outliving its process group aborts the process at exit
dist.destroy_process_group()
"""


@pytest.mark.parametrize("val", ["train", "val"])
def test_ddp_ranks_plan_identically(tmp_path, val):
    """Under DDP each rank sees its own shard: the probes' losses are averaged across
    ranks (before backward), so every rank plans the same schedule (was: each planned
    on its own losses, and a loss not finite on one rank only left the others' DDP
    backward waiting for it: a hang)."""
    import json
    import sys

    from conftest import ranks_exit_codes

    path = str(tmp_path / "run")
    script = tmp_path / "worker.py"
    script.write_text(_DDP_PLAN_WORKER)
    codes = ranks_exit_codes([[sys.executable, str(script), str(r), path, val] for r in range(2)])
    assert codes == [0, 0]
    r0, r1 = (json.loads((tmp_path / f"run.{r}.json").read_text()) for r in range(2))
    assert r0["schedule"] == r1["schedule"]
    assert r0["restored"] and r1["restored"]
