"""Per-step overhead of lrkit.torch.Scheduler.step() vs PyTorch's schedulers.

Each scheduler drives its own identical SGD optimizer (one param group, one
10-element parameter, momentum 0.9); only ``scheduler.step()`` is timed (no
optimizer work). For every scheduler: ``repeats`` timings of ``inner``
consecutive steps, reported as the median microseconds per step, and the
ratio lrkit / PyTorch.

Run: ``.venv/bin/python benchmarks/bench_torch_step.py [--quick]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings

import torch
from torch.optim import lr_scheduler as tl

import lrkit
from lrkit.torch import Scheduler

TOTAL = 1_000_000


def _opt() -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(10))], lr=0.1, momentum=0.9)


def _time(make, inner: int, repeats: int) -> tuple[float, float]:
    opt = _opt()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = make(opt)
        step = sched.step
        for _ in range(inner):  # warm up (and fill lrkit's first block)
            step()
        per = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(inner):
                step()
            per.append((time.perf_counter() - t0) / inner * 1e6)
    return statistics.median(per), min(per)


CASES = [
    # (name, PyTorch scheduler factory, equivalent lrkit schedule)
    (
        "StepLR",
        lambda o: tl.StepLR(o, step_size=1000, gamma=0.5),
        lrkit.step(0.1, 0.5, every=1000),
    ),
    (
        "CosineAnnealingLR",
        lambda o: tl.CosineAnnealingLR(o, T_max=TOTAL),
        lrkit.cosine(0.1, 0.0, steps=TOTAL),
    ),
    (
        "OneCycleLR",
        lambda o: tl.OneCycleLR(o, max_lr=0.1, total_steps=TOTAL),
        {
            "lr": lrkit.one_cycle(0.1, steps=TOTAL),
            "momentum": lrkit.opposite(lrkit.one_cycle(0.1, steps=TOTAL), 0.85, 0.95),
        },
    ),
    (
        "LambdaLR",
        lambda o: tl.LambdaLR(o, lambda n: 1.0 / (1.0 + n)),
        lrkit.inverse_time(0.1, 1.0),
    ),
    (
        "SequentialLR(LinearLR, CosineAnnealingLR)",
        lambda o: tl.SequentialLR(
            o,
            [
                tl.LinearLR(o, start_factor=0.01, total_iters=1000),
                tl.CosineAnnealingLR(o, T_max=TOTAL - 1000),
            ],
            milestones=[1000],
        ),
        lrkit.sequence(
            lrkit.linear(0.001, 0.1, steps=1000), lrkit.cosine(0.1, 0.0, steps=TOTAL - 1000)
        ),
    ),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    inner, repeats = (2000, 5) if args.quick else (BLOCK_STEPS, 21)
    print(
        f"python {platform.python_version()}, torch {torch.__version__}, "
        f"{platform.machine()}, {inner} steps x {repeats} repeats (median µs/step)"
    )
    print(f"{'PyTorch scheduler':44s} {'torch µs':>9s} {'lrkit µs':>9s} {'ratio':>7s}")
    rows = []
    for name, make_torch, schedule in CASES:
        t_med, _ = _time(make_torch, inner, repeats)
        l_med, _ = _time(lambda o, s=schedule: Scheduler(o, s), inner, repeats)
        rows.append((name, t_med, l_med))
        print(f"{name:44s} {t_med:9.2f} {l_med:9.2f} {l_med / t_med:7.2f}")
    t_lr, _ = _time(
        lambda o: Scheduler(o, lrkit.cosine(0.1, 0.0, steps=TOTAL), tensor_lr=True), inner, repeats
    )
    print(f"{'lrkit cosine with tensor_lr=True (fill_)':44s} {'':9s} {t_lr:9.2f}")
    cheapest = min(t for _, t, _ in rows)
    worst_lrkit = max(l for _, _, l in rows)
    print(f"lrkit worst {worst_lrkit:.2f} µs vs cheapest PyTorch {cheapest:.2f} µs")
    return 0


BLOCK_STEPS = 4096 * 3  # several lrkit blocks per timing, so block refills are included

if __name__ == "__main__":
    sys.exit(main())
