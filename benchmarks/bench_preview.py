"""Preview cost: every catalogue schedule on 1,000,000 steps, as a ratio to the physical floor.

The floor is one float64 ``np.cos`` over the same million steps (the least a cosine
schedule must compute), measured in the same run: each repeat times the floor and
then every schedule, so machine load affects both alike. A schedule's time is the
median of ``schedule(np.arange(1_000_000))`` over the repeats (validation and the
finiteness check included; numpy, one thread). Target (issue 10 item 17): every
catalogue schedule within 2x of the floor.

It also times what used to grow with a schedule's length: the first value of
``opposite``/``coupled_wd`` on a 10**8-step schedule, ``half_life`` of a
10**9-step cosine, and a preview of ``multistep``/``piecewise``/``interpolate``
with 20,000 breakpoints.

    python benchmarks/bench_preview.py [--repeat 9] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time

import numpy as np

import lrkit

N = 1_000_000


def catalogue() -> list[tuple[str, lrkit.Schedule]]:
    """One schedule per registered shape (and the usual warmup + cosine)."""
    return [
        ("constant", lrkit.constant(0.1)),
        ("linear", lrkit.linear(0.1, 0.0)),
        ("cosine", lrkit.cosine(0.1, 1e-5)),
        ("polynomial(power=2)", lrkit.polynomial(0.1, 0.0, power=2.0)),
        ("exponential", lrkit.exponential(0.1, gamma=0.999995)),
        ("step", lrkit.step(0.1, 0.5, every=100_000)),
        ("multistep", lrkit.multistep(0.1, 0.1, milestones=["50%", "75%"])),
        ("piecewise", lrkit.piecewise([0.1, 0.01, 0.001], boundaries=["50%", "75%"])),
        ("interpolate", lrkit.interpolate([(0, 0.0), ("30%", 0.1), ("100%", 0.0)])),
        ("inverse_time", lrkit.inverse_time(0.1, 1e-4)),
        ("inverse_sqrt", lrkit.inverse_sqrt(0.1, warmup=10_000)),
        ("sgdr", lrkit.sgdr(0.1, 1e-5, period=10_000)),
        ("sgdr(mult=2)", lrkit.sgdr(0.1, 1e-5, period=10_000, mult=2)),
        ("cyclic", lrkit.cyclic(1e-3, 0.1, half_period=10_000)),
        ("one_cycle", lrkit.one_cycle(0.1)),
        ("wsd", lrkit.wsd(0.1, warmup="5%", decay="20%")),
        ("warmup+cosine", lrkit.warmup(lrkit.cosine(0.1, 1e-5), steps="5%")),
    ]


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def preview(repeat: int) -> tuple[float, list[tuple[str, float]]]:
    x = np.arange(N)
    xf = x.astype(np.float64)
    cases = [(name, s.bind(total_steps=N)) for name, s in catalogue()]
    for _, s in cases:
        s(x)  # warm-up
    floor, times = [], {name: [] for name, _ in cases}
    for _ in range(repeat):
        floor.append(_timed(lambda: np.cos(xf)))
        for name, s in cases:
            times[name].append(_timed(lambda s=s: s(x)))
    return statistics.median(floor), [(n, statistics.median(times[n])) for n, _ in cases]


def length_costs() -> list[tuple[str, float]]:
    rng = np.random.default_rng(0)
    bps = np.unique(rng.integers(1, N, size=20_000)).tolist()
    vals = (rng.random(len(bps) + 1) + 0.1).tolist()
    x = np.arange(N)
    long = lrkit.cosine(0.1, steps=10**8)
    n = len(bps)
    cases = [
        ("opposite(cosine, 10**8 steps): first value", lambda: lrkit.opposite(long)(0)),
        ("coupled_wd(cosine, 10**8 steps): first value", lambda: lrkit.coupled_wd(long, 0.01)(0)),
        ("half_life(cosine(1, steps=10**9))", lambda: lrkit.half_life(lrkit.cosine(1, steps=1e9))),
        (f"multistep, {n} milestones, 1M steps", lambda: lrkit.multistep(1.0, 0.9999, bps)(x)),
        (f"piecewise, {n} boundaries, 1M steps", lambda: lrkit.piecewise(vals, bps)(x)),
        (f"interpolate, {n} points, 1M steps", lambda: lrkit.interpolate(list(zip(bps, vals)))(x)),
    ]
    return [(name, _timed(f)) for name, f in cases]


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
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--out", default=None, help="also write the results as markdown here")
    args = ap.parse_args(argv)
    floor, rows = preview(args.repeat)
    costs = length_costs()
    md = [
        "# Preview benchmark: 1,000,000 steps, as a ratio to one np.cos",
        "",
        f"Date: {datetime.date.today().isoformat()}  ",
        f"Machine: {_machine()}  ",
        f"Command: `python benchmarks/bench_preview.py --repeat {args.repeat}`",
        "",
        f"Floor: one float64 `np.cos` over 1,000,000 steps, {floor * 1e3:.1f} ms (median of "
        f"{args.repeat}, measured between the schedules). Target: every schedule within 2x.",
        "",
        "| schedule | 1M steps | ratio to the floor | within 2x |",
        "| --- | ---: | ---: | :---: |",
    ]
    for name, t in rows:
        ok = "yes" if t <= 2 * floor else "no"
        md.append(f"| {name} | {t * 1e3:.1f} ms | {t / floor:.2f}x | {ok} |")
    md += ["", "| cost that used to grow with the length | time |", "| --- | ---: |"]
    md += [f"| {name} | {t * 1e3:.2f} ms |" for name, t in costs]
    text = "\n".join(md) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
