"""Train a small MLP on scikit-learn's digits with lrkit.torch: warmup + 1cycle + cyclical
momentum, a checkpoint mid-run, a resume from it in fresh objects, and a picture of the
learning rate and momentum the optimizer really used against the planned schedule.

Run:  python examples/torch_train.py  [--epochs 20] [--out docs/torch_example.png]

Nothing is downloaded (the digits ship with scikit-learn); it takes a few seconds on a CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np
import torch
from sklearn.datasets import load_digits

import lrkit
from lrkit.torch import LRMonitor, Scheduler, total_steps


def data(seed: int = 0):
    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x / 16.0, dtype=torch.float32)
    y = torch.tensor(y, dtype=torch.long)
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(x), generator=g)
    cut = int(0.8 * len(x))
    return (x[perm[:cut]], y[perm[:cut]]), (x[perm[cut:]], y[perm[cut:]])


def build(total: int, batches: int):
    """Model, optimizer and scheduler, built the same way for the first run and the resume."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    lr = lrkit.warmup(lrkit.one_cycle(peak=0.4, div=10), steps="5%")
    sched = Scheduler(
        opt,
        {"lr": lr, "momentum": lrkit.opposite(lr.bind(total_steps=total), 0.85, 0.95)},
        total_steps=total,
        steps_per_epoch=batches,
    )
    return model, opt, sched


def train(model, opt, sched, train_set, epochs: range, batch: int, log) -> None:
    x, y = train_set
    g = torch.Generator()
    for epoch in epochs:
        g.manual_seed(1000 + epoch)  # the batch order depends only on the epoch: resumable
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            sched.step()
        log(f"epoch {epoch + 1:3d}  loss {loss.item():.4f}  lr {opt.param_groups[0]['lr']:.4f}")


def accuracy(model, test_set) -> float:
    x, y = test_set
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--out", default=os.path.join("docs", "torch_example.png"))
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    log = (lambda *a: None) if args.quiet else print
    torch.set_num_threads(1)

    train_set, test_set = data()
    batches = -(-len(train_set[0]) // args.batch)
    total = total_steps(args.epochs, batches)
    half = args.epochs // 2

    # ---- first part of the run, then a checkpoint
    model, opt, sched = build(total, batches)
    mon1 = LRMonitor(opt, keys=("lr", "momentum"), auto=True)
    train(model, opt, sched, train_set, range(half), args.batch, log)
    mon1.close()
    ckpt = os.path.join(tempfile.mkdtemp(prefix="lrkit-example-"), "ckpt.pt")
    torch.save(
        {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, ckpt
    )
    saved_step = sched.last_epoch
    log(f"checkpoint at step {saved_step} -> {ckpt}")

    # ---- resume in fresh objects (as a new process would)
    model, opt, sched = build(total, batches)
    state = torch.load(ckpt, weights_only=True)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    mon2 = LRMonitor(opt, keys=("lr", "momentum"), auto=True, start_step=sched.last_epoch)
    train(model, opt, sched, train_set, range(half, args.epochs), args.batch, log)
    mon2.close()
    acc = accuracy(model, test_set)
    log(f"test accuracy {acc:.3f} after {sched.last_epoch} optimizer steps")

    # ---- applied (read back from the optimizer) vs planned
    steps = np.array(mon1.steps() + mon2.steps())
    lr_applied = np.array(mon1.series("lr/0") + mon2.series("lr/0"))
    mom_applied = np.array(mon1.series("momentum/0") + mon2.series("momentum/0"))
    plan = np.arange(total)
    lr_plan = sched.values("lr", plan)
    mom_plan = sched.values("momentum", plan)
    assert np.array_equal(steps, plan), "one record per optimizer update"
    assert np.array_equal(lr_applied, lr_plan) and np.array_equal(mom_applied, mom_plan)
    if args.out:
        plot(args.out, plan, lr_plan, mom_plan, steps, lr_applied, mom_applied, saved_step, acc)
        log(f"wrote {args.out}")
    return 0


def plot(out, plan, lr_plan, mom_plan, steps, lr_applied, mom_applied, saved_step, acc) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    every = max(1, len(steps) // 80)
    for ax, planned, applied, name in (
        (a, lr_plan, lr_applied, "lr"),
        (b, mom_plan, mom_applied, "momentum"),
    ):
        ax.plot(plan, planned, color="tab:blue", lw=2, label=f"planned {name}")
        ax.plot(
            steps[::every],
            applied[::every],
            "o",
            ms=3.5,
            color="tab:orange",
            label=f"applied {name} (read from the optimizer)",
        )
        ax.axvline(saved_step, color="gray", ls="--", lw=1, label="checkpoint / resume")
        ax.set_ylabel(name)
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
    b.set_xlabel("optimizer step")
    a.set_title(f"digits MLP, warmup + 1cycle + cyclical momentum (test accuracy {acc:.3f})")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
