"""``lrkit demo``: the guided tour — find a rate, compare four schedules, write one report."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from . import _args

HELP = "guided tour on built-in data: range test, four schedules compared, one HTML report"

#: the schedules compared (label, spec); {lr} is the task's default peak rate
SCHEDULES = (
    ("constant", "constant({lr})"),
    ("step decay", "step({lr}, gamma=0.1, every='40%')"),
    ("warmup + cosine", "warmup(cosine({lr}), steps='10%')"),
    ("auto (range test + one_cycle)", "auto"),
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="lrkit-demo", help="output folder (default ./lrkit-demo)")
    p.add_argument("--epochs", type=int, default=20, help="epochs per run (default 20)")
    p.add_argument("--seeds", type=int, default=3, help="seeds per schedule (default 3)")
    p.add_argument("--lr", type=float, default=None, help="peak rate of the hand-made schedules")
    p.add_argument("--finder-steps", type=int, default=300, help="range-test updates (default 300)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--no-png", action="store_true", help="skip the PNG figures")


def _check(args: argparse.Namespace) -> None:
    """Every option and the output folder checked before any training."""
    from .._files import check_dir

    _args.positive_int("--epochs", args.epochs, high=_args.MAX_EPOCHS)
    _args.positive_int("--seeds", args.seeds, high=_args.MAX_SEEDS)
    _args.positive_int("--threads", args.threads, high=_args.MAX_THREADS)
    _args.positive_int("--finder-steps", args.finder_steps, low=20, high=_args.MAX_SWEEP)
    if args.lr is not None:
        _args.number("--lr", args.lr, positive=True, rate=True)
    check_dir(args.out, "--out")


def run(args: argparse.Namespace) -> int:
    _check(args)
    t0 = time.perf_counter()
    import torch

    torch.set_num_threads(args.threads)
    from ..bench import aggregate, run_grid, table, write_outputs
    from ..tasks import get_task
    from .bench import written

    task = get_task("digits", seed=0)
    lr = args.lr or task.default_lr
    opt = task.default_optimizer
    target = 0.97
    print(f"lrkit demo: {task.description}")
    print(
        f"  {opt} (momentum 0.9), {args.epochs} epochs x {task.steps_per_epoch} updates, "
        f"{args.seeds} seed(s), target accuracy {target:.0%}\n"
    )
    labels = [lab for lab, _ in SCHEDULES]
    results = run_grid(
        task,
        [spec.format(lr=lr) for _, spec in SCHEDULES],
        seeds=args.seeds,
        optimizer=opt,
        epochs=args.epochs,
        labels=labels,
        target=target,
        progress=True,
        finder_options={"steps": args.finder_steps},
        on_result=lambda r: _say_progress(r, labels, args.seeds),
    )
    rows = aggregate(results)
    print("")
    print(table(rows))
    best = max(rows, key=lambda r: r["final_mean"])
    print(f"\nbest final accuracy: {best['label']} ({100 * best['final_mean']:.2f}%)")
    paths = write_outputs(
        results,
        task,
        args.out,
        title="lrkit demo: which learning-rate schedule?",
        subtitle=f"{task.description}; {opt}, {args.epochs} epochs, {args.seeds} seed(s)",
        intro=_intro(opt, lr, args),
        png=not args.no_png,
    )
    out = os.path.abspath(args.out)
    print(f"\nreport: {os.path.join(out, 'report.html')}  (open it in a browser; works offline)")
    print(written(paths, args.out))
    print(f"done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


def _say_progress(r: Any, labels: list[str], seeds: int) -> None:
    """After each run of seed 0: the range test's result, then what is being trained."""
    if r.seed != 0:
        return
    if r.finder:
        f = r.finder
        sug = "none" if f["suggestion"] is None else f"{f['suggestion']:.3g}"
        rng = "none" if f["range"] is None else f"({f['range'][0]:.3g}, {f['range'][1]:.3g})"
        print(
            f"1. range test (seed 0): {f['steps']} updates in {f['wall_time']:.1f} s "
            f"({f['stop_reason']}); suggested constant rate {sug}, range {rng}"
        )
        peak = f.get("minimum_lr")
        where = "" if peak is None else f" (peak {peak:.3g}: where the loss stops falling)"
        print(f"   auto schedule: {f['schedule']}{where}\n")
    if r.label == labels[-1]:
        print("2. training " + ", ".join(labels) + f" for seeds 0..{seeds - 1} ...")


def _intro(opt: str, lr: float, args: argparse.Namespace) -> str:
    return (
        f"lrkit demo on the digits task: the LR range test picks a rate, then four schedules "
        f"train the same model ({opt}, momentum 0.9) for the same {args.epochs} epochs on "
        f"{args.seeds} seed(s). Hand-made schedules peak at {lr:g}; 'auto' runs the range test "
        f"on each seed (at most {args.finder_steps} updates, counted separately) and trains "
        "one_cycle peaking where its lag-free loss curve stops falling."
    )
