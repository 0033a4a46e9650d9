"""``lrkit plan --task NAME|module:function``: plan the schedule (peak and shape) of a run."""

from __future__ import annotations

import argparse
import math
import os
from typing import Any

HELP = "plan the learning-rate schedule (peak and shape) of a task's run at a bounded extra cost"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--task",
        required=True,
        help="a built-in task (digits, mnist1d, charlm, quadratic) or module:function "
        "returning your own task (see docs/plan.md)",
    )
    p.add_argument(
        "--total",
        type=int,
        default=None,
        help="optimizer updates of the run (default: the task's default epochs)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=0.5,
        help="extra updates allowed, as a fraction of the run (default 0.5)",
    )
    p.add_argument(
        "--optimizer",
        choices=("sgd", "adamw", "adam"),
        default=None,
        help="optimizer (default: the task's own)",
    )
    p.add_argument(
        "--shapes",
        default=None,
        help="comma-separated shapes to choose from, the first is the default "
        "(default: linear,wsd,cosine,one_cycle)",
    )
    p.add_argument("--lr", type=float, default=None, help="a known good rate: skip the range test")
    p.add_argument("--seed", type=int, default=0, help="task seed (model, data order)")
    p.add_argument(
        "--out",
        action="append",
        default=[],
        help="write the plan: FILE.json (Plan.to_dict) or a figure FILE.png/.svg/.pdf/.html "
        "(repeatable)",
    )


def _check_outputs(outs: list[str]) -> None:
    """Every ``--out`` writable, and a figure's library installed, before any work."""
    from .._files import FIGURE_EXTENSIONS, check_file
    from ..errors import ConfigError

    for out in outs:
        ext = os.path.splitext(out)[1].lower()
        if ext != ".json" and ext not in FIGURE_EXTENSIONS:
            raise ConfigError(f"--out must end in .json, .png, .svg, .pdf or .html, got {out!r}")
        check_file(out, "--out", (".json",) if ext == ".json" else FIGURE_EXTENSIONS)


def _check_args(args: argparse.Namespace) -> list[str] | None:
    from ..errors import ConfigError
    from ..plan import ALL_SHAPES

    if args.total is not None and args.total < 20:
        raise ConfigError(f"--total must be an integer >= 20, got {args.total}")
    if not (args.budget > 0 and math.isfinite(args.budget)):
        raise ConfigError(f"--budget must be > 0 (a finite number), got {args.budget}")
    if args.seed < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.lr is not None and not (args.lr > 0 and math.isfinite(args.lr)):
        raise ConfigError(f"--lr must be > 0 (a finite number), got {args.lr}")
    if args.shapes is None:
        return None
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    bad = [s for s in shapes if s not in ALL_SHAPES]
    if not shapes or bad:
        raise ConfigError(
            f"--shapes must list some of {', '.join(ALL_SHAPES)}, got {args.shapes!r}"
        )
    return shapes


class _Epochs:
    """The task's batches epoch after epoch, from epoch 0 at every ``iter()``."""

    def __init__(self, task: Any) -> None:
        self.task = task

    def __iter__(self) -> Any:
        from ..tasks import forever

        return forever(self.task)


def run(args: argparse.Namespace) -> int:
    import json

    from ..errors import ConfigError

    shapes = _check_args(args)
    _check_outputs(args.out)
    from ..tasks._load import load_task

    task = load_task(args.task, seed=args.seed)
    import torch

    from ..plan import SHAPES
    from ..torch._plan import plan

    total = args.total if args.total is not None else task.default_epochs * task.steps_per_epoch
    opt_name = args.optimizer or task.default_optimizer
    model = task.make_model()
    optimizer = task.make_optimizer(model, opt_name, lr=task.default_lr)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ConfigError(
            f"--task {args.task!r}: make_optimizer returned {type(optimizer).__name__}"
        )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small models: one thread is fastest
    try:
        result = plan(
            model,
            optimizer,
            task.loss_fn,
            _Epochs(task),
            total,
            budget=args.budget,
            shapes=shapes or SHAPES,
            lr=args.lr,
        )
    finally:
        torch.set_num_threads(threads)
    print(f"task {task.name} (seed {args.seed}), optimizer {opt_name}, {total} updates")
    print(result.report())
    print(f"schedule: {result.schedule}")
    for out in args.out:
        if out.lower().endswith(".json"):
            os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
            with open(out, "w", encoding="utf-8") as f:
                json.dump(result.to_dict(), f)
        else:
            result.plot(out)
        print(f"written: {out}")
    return 0
