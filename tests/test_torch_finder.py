"""``find_lr`` on real tiny torch models: exact restoration, accumulation, groups, validation."""

from __future__ import annotations

import os
import random
import sys
import tempfile

import numpy as np
import pytest
import torch
from torch import nn

from lrkit.torch.finder import find_lr

torch.set_num_threads(1)


def data(n=192, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    w = torch.randn(8, 3, generator=g)
    y = (x @ w).argmax(1)
    return torch.utils.data.TensorDataset(x, y)


def make(seed=0, bn=True, dropout=True):
    torch.manual_seed(seed)
    layers = [nn.Linear(8, 16)]
    if bn:
        layers.append(nn.BatchNorm1d(16))
    layers.append(nn.ReLU())
    if dropout:
        layers.append(nn.Dropout(0.2))
    layers.append(nn.Linear(16, 3))
    return nn.Sequential(*layers)


def train(model, opt, loader, epochs=1):
    model.train()
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()


def state(model, opt):
    return (
        [t.detach().clone() for t in model.state_dict().values()],
        {k: v for k, v in opt.state_dict().items() if k != "state"},
        opt.state_dict()["state"],
    )


def assert_same(a, b):
    for x, y in zip(a[0], b[0]):
        assert torch.equal(x, y)
    assert a[1] == b[1]
    assert a[2].keys() == b[2].keys()
    for k in a[2]:
        for name in a[2][k]:
            assert torch.equal(torch.as_tensor(a[2][k][name]), torch.as_tensor(b[2][k][name]))


@pytest.mark.parametrize("opt_name", ["sgd", "adamw"])
def test_training_after_the_finder_is_bit_identical(opt_name):
    def setup():
        model = make()
        if opt_name == "sgd":
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
        else:
            opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
        # shuffled loader: draws from the global torch RNG on every pass
        loader = torch.utils.data.DataLoader(data(), batch_size=32, shuffle=True)
        torch.manual_seed(1)
        train(model, opt, loader)  # momentum / moments and BN statistics exist now
        return model, opt, loader

    m1, o1, l1 = setup()
    random.seed(5)
    np.random.seed(5)
    before = (torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())
    res = find_lr(m1, o1, nn.functional.cross_entropy, l1, steps=60, progress=False)
    assert len(res) > 10 and res.suggest() is not None
    assert torch.equal(torch.get_rng_state(), before[0])
    assert np.array_equal(np.random.get_state()[1], before[1]) and random.getstate() == before[2]
    assert all(p.grad is not None for p in m1.parameters())  # grads as they were
    train(m1, o1, l1, epochs=2)

    m2, o2, l2 = setup()
    train(m2, o2, l2, epochs=2)
    assert_same(state(m1, o1), state(m2, o2))


def test_restored_when_the_sweep_raises_and_fresh_optimizer_state_removed():
    model = make()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.eval()  # a mode that must come back too
    snap = [t.clone() for t in model.state_dict().values()]
    rng = torch.get_rng_state()
    calls = []

    def loss_fn(out, y):
        calls.append(1)
        if len(calls) == 7:
            raise RuntimeError("boom in step 7")
        return nn.functional.cross_entropy(out, y)

    loader = torch.utils.data.DataLoader(data(), batch_size=16, shuffle=True)
    with pytest.raises(RuntimeError, match="boom in step 7"):
        find_lr(model, opt, loss_fn, loader, progress=False)
    assert len(calls) == 7
    for a, b in zip(model.state_dict().values(), snap):
        assert torch.equal(a, b)
    assert len(opt.state) == 0 and opt.param_groups[0]["lr"] == 0.1
    assert not model.training and not any(m.training for m in model.modules())
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(p.grad is None for p in model.parameters())


def test_nan_loss_stops_without_stepping_and_restores():
    model = make(bn=False, dropout=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    snap = [p.detach().clone() for p in model.parameters()]
    n = []

    def loss_fn(out, y):
        n.append(1)
        loss = nn.functional.cross_entropy(out, y)
        return loss * float("nan") if len(n) == 30 else loss

    res = find_lr(model, opt, loss_fn, [data()[:32]], smooth=0.5, progress=False)
    assert res.stop_reason == "nonfinite" and len(res) == 29 and res.meta["optimizer_steps"] == 29
    assert all(torch.equal(p, s) for p, s in zip(model.parameters(), snap))


def test_gradient_accumulation_matches_a_big_batch():
    ds = data(256)
    big = [ds[i : i + 32] for i in range(0, 256, 32)]
    small = [ds[i : i + 16] for i in range(0, 256, 16)]

    def run(loader, acc):
        model = make(bn=False, dropout=False)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        return find_lr(
            model,
            opt,
            nn.functional.cross_entropy,
            loader,
            accumulate=acc,
            steps=40,
            progress=False,
        )

    a, b = run(big, 1), run(small, 2)
    assert b.meta["batches"] == 2 * b.meta["optimizer_steps"]
    assert len(a) == len(b)
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-5, atol=1e-6)


def test_loader_is_cycled_and_device_argument():
    ds = data(48)
    loader = [ds[0:16], ds[16:32], ds[32:48]]
    model = make(bn=False, dropout=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    res = find_lr(
        model,
        opt,
        nn.functional.cross_entropy,
        loader,
        steps=20,
        diverge=None,
        device="cpu",
        progress=False,
    )
    assert res.meta["batches"] == 20 and res.meta["loader_passes"] == 7
    with pytest.raises(ValueError, match="yielded no batch"):
        find_lr(model, opt, nn.functional.cross_entropy, [], progress=False)


def test_param_groups_swept_proportionally_and_restored():
    model = make(bn=False, dropout=False)
    opt = torch.optim.SGD(
        [
            {"params": model[0].parameters(), "lr": 0.1},
            {"params": model[2].parameters(), "lr": 0.01, "momentum": 0.5},
        ],
        lr=0.1,
    )
    seen = []
    ds = data(64)

    def step_fn(m, o, batch):
        seen.append([g["lr"] for g in o.param_groups])
        o.zero_grad()
        loss = nn.functional.cross_entropy(m(batch[0]), batch[1])
        loss.backward()
        o.step()
        return loss

    res = find_lr(model, opt, loader=[ds[:32], ds[32:]], step_fn=step_fn, steps=30, progress=False)
    for (a, b), lr in zip(seen, res.lrs):
        assert a == lr and b == pytest.approx(lr / 10, rel=1e-12)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[1]["momentum"] == 0.5
    assert res.meta["param_group_ratios"] == pytest.approx([1.0, 0.1])


def test_validation_loss_mode():
    ds = data(128)
    train_l = [ds[i : i + 32] for i in range(0, 96, 32)]
    val_l = [ds[96:112], ds[112:128]]
    model = make(bn=False, dropout=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    res = find_lr(
        model,
        opt,
        nn.functional.cross_entropy,
        train_l,
        val_loader=val_l,
        val_every=2,
        val_batches=1,
        steps=25,
        diverge=None,
        progress=False,
    )
    assert res.meta["validation"] and res.meta["optimizer_steps"] == 50
    # the first recorded loss: the held-out batch after 2 steps at lr=1e-7 = its initial loss
    fresh = make(bn=False, dropout=False)
    with torch.no_grad():
        first = float(nn.functional.cross_entropy(fresh(val_l[0][0]), val_l[0][1]))
    assert res.losses[0] == pytest.approx(first, rel=1e-5)


def test_bad_arguments():
    model = make()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ce = nn.functional.cross_entropy
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        find_lr("model", opt, ce, [])
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        find_lr(model, "sgd", ce, [])
    with pytest.raises(ValueError, match="accumulate must be a positive int, got 0"):
        find_lr(model, opt, ce, [data()[:8]], accumulate=0)
    with pytest.raises(TypeError, match="give loss_fn"):
        find_lr(model, opt, None, [data()[:8]])
    with pytest.raises(TypeError, match="batches must be"):
        find_lr(model, opt, ce, [torch.zeros(4, 8)], progress=False)


def test_on_a_builtin_task():
    from lrkit.tasks import get_task

    task = get_task("digits", seed=0)
    model = task.make_model()
    opt = task.make_optimizer(model, "sgd", lr=0.1)
    res = find_lr(model, opt, task.loss_fn, task.train_loader(0), steps=100, progress=False)
    assert res.stop_reason == "diverged" and len(res) <= 100
    lr = res.suggest()
    assert 1e-3 < lr < 1.0
    base, top = res.suggest_range()
    assert base < top < res.stop_lr


_DIST_WORKER = r"""
import os, sys, json, torch
import torch.distributed as dist
from torch import nn
from lrkit.torch.finder import find_lr
rank, world, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(1)
dist.init_process_group("gloo", init_method="file://" + path + ".store", rank=rank,
                        world_size=world)
torch.manual_seed(0)
model = nn.Linear(8, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
g = torch.Generator().manual_seed(100 + rank)   # different data on every rank
x = torch.randn(64, 8, generator=g); y = torch.randint(0, 3, (64,), generator=g)
res = find_lr(model, opt, nn.functional.cross_entropy, [(x[:32], y[:32]), (x[32:], y[32:])],
              steps=40, progress=False)
with open(path + f".{rank}.json", "w") as f:
    json.dump(res.to_dict(), f)
dist.destroy_process_group()
"""


def test_distributed_ranks_sweep_identically():
    import json
    import subprocess

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "run")
        script = os.path.join(d, "worker.py")
        with open(script, "w") as f:
            f.write(_DIST_WORKER)
        procs = [subprocess.Popen([sys.executable, script, str(r), "2", path]) for r in range(2)]
        assert [p.wait(timeout=120) for p in procs] == [0, 0]
        r0, r1 = (json.load(open(f"{path}.{r}.json")) for r in range(2))
    assert r0["losses"] == r1["losses"] and r0["stop_reason"] == r1["stop_reason"]
    assert r0["meta"]["world_size"] == 2


_DDP_WORKER = r"""
import os, sys, json, torch
import torch.distributed as dist
from torch import nn
from lrkit.torch.finder import find_lr
rank, world, path, accumulate = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
torch.set_num_threads(1)
dist.init_process_group("gloo", init_method="file://" + path + ".store", rank=rank,
                        world_size=world)
torch.manual_seed(0)
model = nn.parallel.DistributedDataParallel(nn.Linear(8, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
before = [p.detach().clone() for p in model.parameters()]
g = torch.Generator().manual_seed(100 + rank)
x = torch.randn(64, 8, generator=g); y = torch.randint(0, 3, (64,), generator=g)

def loss_fn(out, target):  # rank 1's loss overflows first (its data differ)
    loss = nn.functional.cross_entropy(out, target)
    return loss * float("inf") if rank == 1 and opt.param_groups[0]["lr"] > 0.05 else loss

res = find_lr(model, opt, loss_fn, [(x[:32], y[:32]), (x[32:], y[32:])], steps=40,
              accumulate=accumulate, progress=False)
same = all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
with open(path + f".{rank}.json", "w") as f:
    json.dump({"res": res.to_dict(), "restored": same}, f)
del model  # a DDP module outliving its process group aborts the process at exit
dist.destroy_process_group()
"""


@pytest.mark.parametrize("accumulate", [1, 2])
def test_ddp_a_loss_not_finite_on_one_rank_only_stops_every_rank(accumulate):
    """Under DDP a rank whose loss is not finite skips backward; every rank must skip it
    too (was: the other ranks' backward waited for its gradients: a gloo collective
    mismatch, one rank aborted and the other failed or hung)."""
    import json

    from conftest import ranks_exit_codes

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "run")
        script = os.path.join(d, "worker.py")
        with open(script, "w") as f:
            f.write(_DDP_WORKER)
        argv = [[sys.executable, script, str(r), "2", path, str(accumulate)] for r in range(2)]
        codes = ranks_exit_codes(argv)
        assert codes == [0, 0]
        r0, r1 = (json.load(open(f"{path}.{r}.json")) for r in range(2))
    assert r0["res"]["losses"] == r1["res"]["losses"]
    assert r0["res"]["stop_reason"] == r1["res"]["stop_reason"] == "nonfinite"
    # stopped at the first rate where rank 1 overflowed, the mean loss there is inf
    assert r0["res"]["lrs"][-1] <= 0.05 < r0["res"]["stop_lr"] == r1["res"]["stop_lr"]
    assert r0["res"]["stop_loss"] == r1["res"]["stop_loss"] == "inf"
    assert r0["restored"] and r1["restored"]


# ---------------------------------------------------------------- issue 10 (items 14, 15)
def test_a_one_shot_generator_keeps_the_points_and_says_why_it_stopped():
    ds = data(48)
    model = make(bn=False, dropout=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    before = state(model, opt)
    gen = (ds[i : i + 4] for i in range(0, 48, 4))  # 12 batches, once
    res = find_lr(model, opt, nn.functional.cross_entropy, gen, steps=30, progress=False)
    assert res.stop_reason == "exhausted" and len(res) == 12 and res.calls == 12
    assert "ran out after 12 batches" in res.stop_detail and "one-shot" in res.stop_detail
    assert res.meta["optimizer_steps"] == 12 and res.meta["batches"] == 12
    assert any(w.startswith("stopped early: the loader ran out") for w in res.warnings)
    assert_same(state(model, opt), before)  # restored as after any sweep
    # a one-shot validation loader: the sweep also ends, keeping its first point
    val = (ds[i : i + 8] for i in range(0, 16, 8))
    res = find_lr(
        model, opt, nn.functional.cross_entropy, [ds[:16]], val_loader=val, steps=10, progress=False
    )
    assert res.stop_reason == "exhausted" and len(res) == 1 and "val_loader" in res.stop_detail


@pytest.mark.parametrize(
    "returned, match",
    [
        (None, r"find_lr: step_fn must return the loss as one number, got None \(NoneType\)"),
        (torch.tensor([1.0, 2.0]), r"step_fn must return .* got a Tensor of shape \(2,\)"),
        ("loss", r"step_fn must return the loss as one number, got 'loss' \(str\)"),
    ],
)
def test_step_fn_returning_something_else_than_one_number(returned, match):
    from lrkit.errors import ConfigTypeError

    model = make(bn=False, dropout=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = state(model, opt)

    def step_fn(m, o, batch):
        o.zero_grad()
        nn.functional.cross_entropy(m(batch[0]), batch[1]).backward()
        o.step()
        return returned

    with pytest.raises(ConfigTypeError, match=match):
        find_lr(model, opt, loader=[data(8)[:8]], step_fn=step_fn, progress=False)
    assert_same(state(model, opt), before)
    ok = find_lr(
        model,
        opt,
        loader=[data(8)[:8]],
        step_fn=lambda m, o, b: torch.tensor([[0.5]]),
        steps=5,
        progress=False,
    )
    assert ok.losses.tolist() == [0.5] * 5


def test_sweep_options_value_and_keywords_agree():
    from lrkit.finder import SweepOptions

    runs = []
    for kw in ({"options": SweepOptions(steps=15, smooth=0.5)}, {"steps": 15, "smooth": 0.5}):
        model = make(bn=False, dropout=False)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        runs.append(
            find_lr(model, opt, nn.functional.cross_entropy, [data(32)[:32]], progress=False, **kw)
        )
    assert runs[0] == runs[1].replace(meta=runs[0].meta) and runs[0].config["steps"] == 15
