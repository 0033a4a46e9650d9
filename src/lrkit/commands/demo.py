"""``lrkit demo``: the guided tour — find a rate, compare four schedules, write one report."""

from __future__ import annotations

import argparse
import os
import sys
import time

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


def run(args: argparse.Namespace) -> int:
    for name in ("epochs", "seeds", "finder_steps", "threads"):
        v = getattr(args, name)
        if v < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be a positive int, got {v}")
    if args.finder_steps < 20:
        raise ValueError(f"--finder-steps must be at least 20, got {args.finder_steps}")
    if args.lr is not None and not args.lr > 0:
        raise ValueError(f"--lr must be a positive number, got {args.lr}")
    t0 = time.perf_counter()
    import torch

    torch.set_num_threads(args.threads)
    from ..bench import aggregate, table, train
    from ..tasks import get_task
    from .bench import write_outputs

    task = get_task("digits", seed=0)
    lr = args.lr or task.default_lr
    opt = task.default_optimizer
    target = 0.97
    say = print
    say(f"lrkit demo: {task.description}")
    say(
        f"  {opt} (momentum 0.9), {args.epochs} epochs x {task.steps_per_epoch} updates, "
        f"{args.seeds} seed(s), target accuracy {target:.0%}\n"
    )
    labels = [lab for lab, _ in SCHEDULES]
    specs = [spec.format(lr=lr) for _, spec in SCHEDULES]
    results = []
    finder_opts = {"steps": args.finder_steps}
    for seed in range(args.seeds):
        t = task.with_seed(seed) if seed else task
        for lab, spec in zip(labels, specs):
            r = train(
                t,
                spec,
                opt,
                args.epochs,
                target=target,
                progress=True,
                label=lab,
                finder_options=finder_opts,
            )
            results.append(r)
            if r.finder and seed == 0:
                f = r.finder
                sug = "none" if f["suggestion"] is None else f"{f['suggestion']:.3g}"
                rng = (
                    "none" if f["range"] is None else f"({f['range'][0]:.3g}, {f['range'][1]:.3g})"
                )
                say(
                    f"1. range test (seed 0): {f['steps']} updates in {f['wall_time']:.1f} s "
                    f"({f['stop_reason']}); suggested constant rate {sug}, range {rng}"
                )
                peak = f.get("minimum_lr")
                where = "" if peak is None else f" (peak {peak:.3g}: where the loss stops falling)"
                say(f"   auto schedule: {f['schedule']}{where}\n")
        if seed == 0:
            say("2. training " + ", ".join(labels) + f" for seeds 0..{args.seeds - 1} ...")
    rows = aggregate(results)
    say("")
    say(table(rows))
    best = max(rows, key=lambda r: r["final_mean"])
    say(f"\nbest final accuracy: {best['label']} ({100 * best['final_mean']:.2f}%)")
    intro = (
        f"lrkit demo on the digits task: the LR range test picks a rate, then four schedules "
        f"train the same model ({opt}, momentum 0.9) for the same {args.epochs} epochs on "
        f"{args.seeds} seed(s). Hand-made schedules peak at {lr:g}; 'auto' runs the range test "
        f"on each seed (at most {args.finder_steps} updates, counted separately) and trains "
        "one_cycle peaking where its lag-free loss curve stops falling."
    )
    paths = write_outputs(
        results,
        task,
        args.out,
        title="lrkit demo: which learning-rate schedule?",
        subtitle=f"{task.description}; {opt}, {args.epochs} epochs, {args.seeds} seed(s)",
        intro=intro,
        png=not args.no_png,
    )
    out = os.path.abspath(args.out)
    say(f"\nreport: {os.path.join(out, 'report.html')}  (open it in a browser; works offline)")
    pngs = sorted(os.path.basename(p) for k, p in paths.items() if k.endswith("_png"))
    if pngs:
        say(f"figures: {', '.join(pngs)} and results.json in {out}{os.sep}")
    print(f"done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0
