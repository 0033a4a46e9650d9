"""``lrkit find --task NAME``: the LR range test on a built-in task, with a plot."""

from __future__ import annotations

import argparse

HELP = "run the learning-rate range test on a built-in task: suggestions, range and a plot"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", required=True, help="built-in task name (e.g. digits, mnist1d)")
    p.add_argument(
        "--optimizer",
        choices=("sgd", "adamw", "adam"),
        default=None,
        help="optimizer (default: the task's own)",
    )
    p.add_argument("--start", type=float, default=1e-7, help="first learning rate (default 1e-7)")
    p.add_argument("--end", type=float, default=10.0, help="last learning rate (default 10)")
    p.add_argument("--steps", type=int, default=100, help="number of rates swept (default 100)")
    p.add_argument("--mode", choices=("exp", "linear"), default="exp", help="spacing of the rates")
    p.add_argument("--smooth", type=float, default=0.98, help="EWMA smoothing (default 0.98)")
    p.add_argument(
        "--diverge", type=float, default=4.0, help="stop at smoothed loss > DIVERGE x best"
    )
    p.add_argument("--seed", type=int, default=0, help="task seed (model, data order)")
    p.add_argument("--out", default=None, help="write the curve to FILE.png or FILE.html")
    p.add_argument("--json", default=None, help="save the result (to_dict) to FILE.json")
    p.add_argument("--progress", action="store_true", help="show a progress bar")


def run(args: argparse.Namespace) -> int:
    import json
    import os

    if args.out is not None:
        ext = os.path.splitext(args.out)[1].lower()
        if ext not in (".png", ".html", ".htm", ".svg", ".pdf"):
            raise ValueError(f"--out must end in .png, .svg, .pdf or .html, got {args.out!r}")
    if args.steps < 2:
        raise ValueError(f"--steps must be an integer >= 2, got {args.steps}")
    if args.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {args.seed}")
    try:
        from ..tasks import get_task
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ValueError(
            f"--task needs the task extras ({e}); install them with: pip install 'lrkit[tasks]'"
        ) from None
    import torch

    from ..torch.finder import find_lr

    task = get_task(args.task, seed=args.seed)
    opt_name = args.optimizer or task.default_optimizer
    model = task.make_model()
    optimizer = task.make_optimizer(model, opt_name, lr=task.default_lr)
    loader = _Epochs(task)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the built-in tasks are tiny: one thread is fastest
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(args.seed)
            res = find_lr(
                model,
                optimizer,
                task.loss_fn,
                loader,
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
        print(f"suggested learning rate: {lr:.3g}")
    if args.out:
        path = res.plot(args.out, title=f"LR range test: {task.name}, {opt_name}")
        print(f"chart written to {path}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(res.to_dict(), f)
        print(f"result written to {args.json}")
    return 0


class _Epochs:
    """The task's batches epoch after epoch (a new shuffled order each epoch)."""

    def __init__(self, task: object) -> None:
        self.task = task
        self.epoch = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        loader = self.task.train_loader(self.epoch)  # type: ignore[attr-defined]
        self.epoch += 1
        return iter(loader)
