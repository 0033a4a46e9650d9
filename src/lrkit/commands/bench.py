"""``lrkit bench --task NAME --schedule SPEC ...``: compare schedules on a built-in task."""

from __future__ import annotations

import argparse
import json
import os
import sys

HELP = "train a built-in task under several schedules (same budget and seeds) and compare them"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", required=True, help="built-in task: digits, mnist1d, charlm")
    p.add_argument(
        "--schedule",
        action="append",
        required=True,
        metavar="SPEC",
        help="a schedule spec, or 'auto' (range test, then one_cycle); repeat to compare",
    )
    p.add_argument(
        "--optimizer",
        choices=("sgd", "adam", "adamw"),
        default=None,
        help="optimizer (default: the task's)",
    )
    p.add_argument("--epochs", type=int, default=None, help="epochs (default: the task's budget)")
    p.add_argument("--seeds", type=int, default=1, help="number of seeds (0..S-1), default 1")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum / Adam beta1")
    p.add_argument("--weight-decay", type=float, default=0.0, help="weight decay")
    p.add_argument(
        "--target",
        type=float,
        default=None,
        help="target metric for 'time to target' (accuracy in [0,1] or bpc)",
    )
    p.add_argument("--out", default=None, help="output folder (default ./lrkit-bench-TASK)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--no-png", action="store_true", help="skip the PNG figures")


def _check(args: argparse.Namespace) -> None:
    from ..tasks import TASKS

    if args.task not in TASKS or args.task == "quadratic":
        names = ", ".join(n for n in sorted(TASKS) if n != "quadratic")
        raise ValueError(f"--task must be one of {names}, got {args.task!r}")
    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"--epochs must be a positive int, got {args.epochs}")
    if args.seeds < 1:
        raise ValueError(f"--seeds must be a positive int, got {args.seeds}")
    if args.threads < 1:
        raise ValueError(f"--threads must be a positive int, got {args.threads}")


def run(args: argparse.Namespace) -> int:
    from ..bench import aggregate, parse_schedules, run_grid, table

    _check(args)
    schedules = parse_schedules(args.schedule)  # every spec parsed before any training
    import torch

    torch.set_num_threads(args.threads)
    from ..tasks import get_task

    task = get_task(args.task, seed=0)
    epochs = args.epochs or task.default_epochs
    opt = args.optimizer or task.default_optimizer
    out = args.out or f"lrkit-bench-{args.task}"
    print(
        f"lrkit bench: {args.task} ({task.metric_name}), {opt}, {epochs} epochs x "
        f"{task.steps_per_epoch} steps, {args.seeds} seed(s), {len(schedules)} schedule(s)",
        file=sys.stderr,
    )
    results = run_grid(
        task,
        schedules,
        seeds=args.seeds,
        optimizer=opt,
        epochs=epochs,
        labels=args.schedule,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        target=args.target,
        progress=True,
    )
    rows = aggregate(results)
    print(table(rows))
    for r in results:
        if r.finder and r.seed == results[0].seed:
            f = r.finder
            sug = "none" if f["suggestion"] is None else f"{f['suggestion']:.3g}"
            print(
                f"auto: range test {f['steps']} updates ({f['wall_time']:.1f} s), "
                f"suggestion {sug} -> {f['schedule']}"
                + (f" [fallback: {f['fallback']}]" if f.get("fallback") else "")
            )
    write_outputs(
        results,
        task,
        out,
        title=f"lrkit bench: {args.task}",
        subtitle=f"{task.description}; {opt}, {epochs} epochs, {args.seeds} seed(s)",
        png=not args.no_png,
    )
    print(f"results written to {os.path.abspath(out)}{os.sep} (report.html, results.json, PNGs)")
    return 0


def write_outputs(
    results: list,
    task: object,
    out: str,
    *,
    title: str,
    subtitle: str,
    intro: str = "",
    png: bool = True,
) -> dict:
    """``results.json``, ``report.html`` and the PNGs of a benchmark into ``out``."""
    from ..bench import aggregate
    from ..report import bench_report

    os.makedirs(out, exist_ok=True)
    r0 = results[0]
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(
            {
                "task": task.describe(),  # type: ignore[attr-defined]
                "optimizer": r0.optimizer,
                "epochs": r0.epochs,
                "seeds": sorted({r.seed for r in results}),
                "summary": [_safe(r) for r in aggregate(results)],
                "runs": [r.to_dict() for r in results],
            },
            fh,
            indent=1,
        )
    paths = bench_report(results, out, title=title, subtitle=subtitle, intro=intro, png=png)
    paths["results"] = os.path.join(out, "results.json")
    return paths


def _safe(row: dict) -> dict:
    from ..bench import _json_safe

    return _json_safe(row)
