"""``lrkit bench --task NAME|module:function --schedule SPEC ...``: compare schedules on a task."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from . import _args, _sweep

HELP = "train a task under several schedules (same budget and seeds) and compare them"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--task",
        required=True,
        help="a built-in task (digits, mnist1d, charlm, quadratic) or module:function "
        "returning your own task (see docs/plan.md)",
    )
    p.add_argument(
        "--schedule",
        action="append",
        default=None,
        metavar="SPEC",
        help="a schedule spec, or 'auto': the plan (lrkit.plan: a range test and short probe "
        "runs, at most --plan-budget x one run of extra updates, counted), then its schedule; "
        "repeat to compare (not needed with --space or --backend optuna)",
    )
    p.add_argument(
        "--plan-budget",
        type=float,
        default=0.5,
        help="extra updates 'auto' may spend planning, as a fraction of one run (default 0.5)",
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
        help="target metric for 'time to target' (accuracy as a fraction in [0,1], or bpc)",
    )
    p.add_argument("--out", default=None, help="output folder (default ./lrkit-bench-TASK)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--no-png", action="store_true", help="skip the PNG figures")
    _sweep.add_arguments(p)


def _check(args: argparse.Namespace) -> None:
    """Every option and the output folder checked before any training."""
    from .._files import check_report_libraries
    from ..bench import check_outputs

    _args.number("--plan-budget", args.plan_budget, positive=True)
    if args.epochs is not None:
        _args.positive_int("--epochs", args.epochs, high=_args.MAX_EPOCHS)
    _args.positive_int("--seeds", args.seeds, high=_args.MAX_SEEDS)
    _args.positive_int("--threads", args.threads, high=_args.MAX_THREADS)
    m = _args.number("--momentum", args.momentum, low=0.0)
    if not m < 1.0:
        raise _args.ConfigError(f"--momentum must be in [0, 1), got {args.momentum}")
    _args.number("--weight-decay", args.weight_decay, low=0.0, rate=True)
    if args.target is not None:
        _args.number("--target", args.target)
    check_outputs(args.out, "--out", png=not args.no_png)
    check_report_libraries(png=not args.no_png)
    args.space_value = _sweep.check(args)


def run(args: argparse.Namespace) -> int:
    from ..bench import _repeated, aggregate, run_grid, table
    from ..tasks._load import load_task

    args.out = args.out if args.out is not None else f"lrkit-bench-{_slug(args.task)}"
    _check(args)
    if args.schedule is not None:
        _args.schedules(args.schedule, auto=True)  # every spec before loading the task
        twice = _repeated(args.schedule)
        if twice is not None:  # one row per label: the two would be merged
            raise _args.ConfigError(
                f"--schedule {twice!r} is given twice; each schedule is one row of the comparison"
            )
    import torch

    torch.set_num_threads(args.threads)
    task = load_task(args.task, seed=0)
    if args.schedule is None and args.backend != "optuna":
        n = (args.epochs or task.default_epochs) * task.steps_per_epoch
        args.schedule = _sweep.sampled_grid(args.space_value, args.trials, n)
        want = _sweep.DEFAULT_TRIALS if args.trials is None else args.trials
        if len(args.schedule) < want:  # a narrow space: say why fewer rows than asked
            print(
                f"note: --space gave {len(args.schedule)} distinct schedule(s) in "
                f"{100 * want} samples, fewer than --trials {want}",
                file=sys.stderr,
            )
    schedules = _args.schedules(args.schedule or [], auto=True)  # every spec before training
    if args.target is not None and task.metric_name == "accuracy" and not 0 <= args.target <= 1:
        raise _args.ConfigError(
            f"--target is an accuracy for {args.task}: a fraction in [0, 1] "
            f"(0.97 for 97%), got {args.target:g}"
        )
    epochs = args.epochs or task.default_epochs
    opt = args.optimizer or task.default_optimizer
    if args.backend == "optuna":
        return _optuna(args, task, opt, epochs)
    _check_values(args.schedule, schedules, epochs * task.steps_per_epoch, task.steps_per_epoch)
    if any(isinstance(s, str) for s in schedules):  # "auto": its budget checked before training
        from ..plan import check_budget

        with _args.user_text("--plan-budget", str(args.plan_budget)):
            try:
                check_budget(epochs * task.steps_per_epoch, args.plan_budget)
            except _args.ConfigError as e:
                raise _args.ConfigError(f"--plan-budget {args.plan_budget:g}: {e}") from None
    # a model or optimizer the task cannot build is one error line, before the header
    task.make_optimizer(task.make_model(), opt, lr=task.default_lr)
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
        finder_options={"budget": args.plan_budget},
        backend=args.backend,
        address=args.address,
    )
    print(table(aggregate(results)))
    for r in results:
        if r.finder:  # one line per seed: the table's "+N" is the largest of these
            f = r.finder
            print(
                f"auto (seed {r.seed}): plan of {f['steps']} extra updates "
                f"({f['wall_time']:.1f} s) -> {f['schedule']}"
            )
    _write(args, task, opt, epochs, results, f"lrkit bench: {args.task}")
    return 0


def _write(
    args: argparse.Namespace, task: Any, opt: str, epochs: int, results: Any, title: str
) -> None:
    """The report and results.json of ``results`` in ``--out``, and what was written."""
    from ..bench import write_outputs

    paths = write_outputs(
        results,
        task,
        args.out,
        title=title,
        subtitle=f"{task.description}; {opt}, {epochs} epochs, {args.seeds} seed(s)",
        png=not args.no_png,
    )
    print(written(paths, args.out))


def _slug(spec: str) -> str:
    """A folder-name part for ``--task``: ``digits``, or ``mytask-make_task`` for a file spec."""
    import re

    base = os.path.basename(spec.strip().replace(".py:", ":"))
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", base).strip("-.") or "task"


def _optuna(args: argparse.Namespace, task: Any, opt: str, epochs: int) -> int:
    """``--backend optuna``: the study's trials here, then the same report over them."""
    from ..bench import aggregate, table

    results = _sweep.run_optuna(args, args.space_value, task, opt, epochs)
    if not results:  # say so: a report already in --out is not this run's
        print(
            "note: no trial here ran to its end (pruned, or --trials 0): no report written "
            f"in {args.out}",
            file=sys.stderr,
        )
        return 0
    print(table(aggregate(results)))
    _write(args, task, opt, epochs, results, f"lrkit bench: {args.task} (optuna)")
    return 0


def _check_values(texts: list[str], schedules: list[Any], total: int, spe: int) -> None:
    """Every schedule evaluated over the run's updates before any training (finite, bound)."""
    import numpy as np

    for text, s in zip(texts, schedules):
        if isinstance(s, str):  # "auto": built after its range test
            continue
        with _args.user_text("spec", text):
            v = s.bind(total_steps=total, steps_per_epoch=spe)(np.arange(total))
        if float(np.max(np.abs(v))) > _args.MAX_RATE:
            raise _args.ConfigError(
                f"--schedule {text!r} goes above {_args.MAX_RATE:.4g}, the largest rate "
                "a float32 optimizer can apply"
            )
        if v.size and float(np.min(v)) < 0:  # the optimizer would refuse it mid-run
            k = int(np.argmax(v < 0))
            raise _args.ConfigError(
                f"--schedule {text!r} gives {float(v[k]):g} at step {k}; a learning rate "
                "must be >= 0"
            )


def written(paths: dict[str, Any], out: str) -> str:
    """What :func:`lrkit.bench.write_outputs` wrote, replaced and removed, in one or more lines."""
    names = [os.path.basename(p) for k, p in paths.items() if k in ("report", "results")]
    names += sorted(os.path.basename(p) for k, p in paths.items() if k.endswith("_png"))
    lines = [f"results written to {os.path.abspath(out)}{os.sep} ({', '.join(names)})"]
    if paths.get("overwritten"):
        lines.append(f"  replaced the earlier {', '.join(paths['overwritten'])}")
    if paths.get("removed"):
        lines.append(
            f"  removed the earlier run's {', '.join(paths['removed'])} (not made by this run)"
        )
    return "\n".join(lines)
