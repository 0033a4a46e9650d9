"""``lrkit find --task NAME|module:function``: the LR range test on a task, with a plot."""

from __future__ import annotations

import argparse
import json
import math
import os
from typing import Any

from . import _args

HELP = "run the learning-rate range test on a task: suggestions, range and a plot"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--task",
        required=True,
        help="a built-in task (digits, mnist1d, charlm, quadratic) or module:function "
        "returning your own task (see docs/plan.md)",
    )
    p.add_argument(
        "--optimizer",
        choices=("sgd", "adamw", "adam"),
        default=None,
        help="optimizer (default: the task's own)",
    )
    p.add_argument(
        "--start",
        type=float,
        default=1e-7,
        help="first learning rate (default 1e-7; > 0, or >= 0 with --mode linear)",
    )
    p.add_argument("--end", type=float, default=10.0, help="last learning rate (default 10)")
    p.add_argument(
        "--steps", type=int, default=100, help="number of rates swept (default 100, at least 14)"
    )
    p.add_argument("--mode", choices=("exp", "linear"), default="exp", help="spacing of the rates")
    p.add_argument("--smooth", type=float, default=0.98, help="EWMA smoothing (default 0.98)")
    p.add_argument(
        "--diverge", type=float, default=4.0, help="stop at smoothed loss > DIVERGE x best"
    )
    p.add_argument("--seed", type=int, default=0, help="task seed (model, data order)")
    p.add_argument("--out", default=None, help="write the curve to FILE.png or FILE.html")
    p.add_argument("--json", default=None, help="save the result (to_dict) to FILE.json")
    p.add_argument("--progress", action="store_true", help="show a progress bar")


def _check(args: argparse.Namespace) -> None:
    """Every option and output path checked before the range test starts."""
    from .._files import FIGURE_EXTENSIONS, check_file
    from ..finder import MIN_POINTS

    if args.out is not None:
        check_file(args.out, "--out", FIGURE_EXTENSIONS)
    if args.json is not None:
        check_file(args.json, "--json")
        if args.out is not None and os.path.abspath(args.out) == os.path.abspath(args.json):
            raise _args.ConfigError(f"--out and --json name the same file {args.out!r}")
    if args.mode == "linear":  # a linear sweep may start at 0 (SweepOptions)
        _args.number("--start", args.start, low=0.0, rate=True)
    else:
        _args.number("--start", args.start, positive=True, rate=True)
    _args.number("--end", args.end, positive=True, rate=True)
    if not args.end > args.start:
        raise _args.ConfigError(f"--end must be above --start, got {args.start:g} and {args.end:g}")
    _args.positive_int("--steps", args.steps, high=_args.MAX_SWEEP)
    # the suggestions read MIN_POINTS points after the default skips (1 at the start, 3 at the end)
    if args.steps < MIN_POINTS + 4:
        raise _args.ConfigError(
            f"--steps must be at least {MIN_POINTS + 4} (a suggestion needs {MIN_POINTS} points "
            f"after skipping 1 at the start and 3 at the end), got {args.steps}"
        )
    if not 0.0 <= args.smooth < 1.0:
        raise _args.ConfigError(f"--smooth must be in [0, 1), got {args.smooth}")
    if not (math.isfinite(args.diverge) and args.diverge > 1.0):
        raise _args.ConfigError(f"--diverge must be a finite number > 1, got {args.diverge}")
    _args.seed("--seed", args.seed)


def run(args: argparse.Namespace) -> int:
    _check(args)
    try:
        from ..tasks._load import load_task
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise _args.ConfigError(
            f"--task needs the task extras ({e}); install them with: pip install 'lrkit[tasks]'"
        ) from None
    task = load_task(args.task, seed=args.seed)
    opt_name = args.optimizer or task.default_optimizer
    res = _sweep(args, task, opt_name)
    res = res.replace(
        meta={
            **res.meta,
            "task": task.name,
            "seed": args.seed,
            "steps_per_epoch": task.steps_per_epoch,
        }
    )
    print(f"task {task.name} (seed {args.seed}), optimizer {opt_name}")
    print(res.report())
    epochs = res.meta["optimizer_steps"] / task.steps_per_epoch
    print(f"  cost: {res.meta['optimizer_steps']} optimizer steps ({epochs:.2f} epochs)")
    rng = res.suggest_range()
    if rng is not None:
        print(f"chosen range: base {rng[0]:.3g}, max {rng[1]:.3g}")
        print(f"  one_cycle: {res.schedule('one_cycle')}")
    lr = res.suggest()
    if lr is not None:
        print(f"suggested learning rate: {lr:.3g}  (the default, suggest(): a constant rate)")
    peak = res.suggest("minimum")
    if peak is not None:
        print(
            f"peak of a decaying schedule: {peak:.3g}  (suggest('minimum'): the point `lrkit "
            "plan` and `bench --schedule auto` read from their own shorter range test, then "
            "probe peaks 2x to 1/4x of it)"
        )
    _write(args, res, task.name, opt_name)
    return 0


def _sweep(args: argparse.Namespace, task: Any, opt_name: str) -> Any:
    """``find_lr`` on a fresh model of ``task``, one CPU thread, seeded by ``--seed``."""
    import torch

    from ..tasks import forever
    from ..torch.finder import find_lr

    model = task.make_model()
    optimizer = task.make_optimizer(model, opt_name, lr=task.default_lr)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the built-in tasks are tiny: one thread is fastest
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(args.seed)
            return find_lr(
                model,
                optimizer,
                task.loss_fn,
                forever(task),
                start=args.start,
                end=args.end,
                steps=args.steps,
                mode=args.mode,
                smooth=args.smooth,
                diverge=args.diverge,
                progress=True if args.progress else False,
            )
    finally:
        torch.set_num_threads(threads)


def _write(args: argparse.Namespace, res: Any, task: str, opt_name: str) -> None:
    """The JSON first (the result itself), then the chart; a failed write says where it went."""
    from .._files import save_elsewhere
    from ..errors import OutputError

    if args.json:
        text = json.dumps(res.to_dict())
        replaced = _args.replaces(args.json)
        try:
            with open(args.json, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            saved = save_elsewhere(text, "finder.json")
            raise OutputError(
                f"could not write {args.json}: {e}; the result was saved to {saved}"
            ) from e
        print(f"result written to {args.json}{replaced}")
    if args.out:
        replaced = _args.replaces(args.out)
        path = res.plot(args.out, title=f"LR range test: {task}, {opt_name}")
        print(f"chart written to {path}{replaced}")
