"""The backend options of ``lrkit bench``: ``--backend serial|ray|optuna`` and friends.

``serial`` and ``ray`` run the grid (schedule x seed; on Ray every cell is a
Ray task, results identical to serial); ``optuna`` searches a space of
schedules in a study shared through ``--storage`` (an RDB URL or a journal
file), ``--trials`` trials per process.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
from collections.abc import Iterator
from typing import Any

from . import _args

#: the default ``--trials``: points sampled from ``--space`` for a grid, trials per process
DEFAULT_TRIALS = 8
#: the choices of ``--prune``
PRUNERS = ("none", "law", "median")
#: fraction of the run before which no pruner stops a trial (the law rule's default grace)
GRACE = 0.2
#: reports per trial to the pruner (each the mean training loss since the last one)
REPORTS = 40


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        choices=("serial", "ray", "optuna"),
        default="serial",
        help="serial (default), ray (every cell a Ray task), optuna (search --space)",
    )
    p.add_argument("--address", default=None, help="Ray: join this cluster (default: local Ray)")
    p.add_argument(
        "--storage",
        default=None,
        help="optuna: an RDB URL (sqlite:///study.db) or a journal file path, shared by processes",
    )
    p.add_argument(
        "--trials",
        type=int,
        default=None,
        help=f"optuna: trials this process runs; with --space and no --schedule: points "
        f"sampled for the grid (default {DEFAULT_TRIALS})",
    )
    p.add_argument(
        "--space",
        default=None,
        metavar="SPACE",
        help="a space of schedules, e.g. 'shapes=wsd,cosine; peak=1e-3..1e-1; warmup=0..0.1; "
        "cooldown=0.1..0.3' (default: lrkit.tune's)",
    )
    p.add_argument(
        "--study",
        default=None,
        help="optuna: study name (default: derived from the task, optimizer, budget, seeds, "
        "momentum, weight decay and space)",
    )
    p.add_argument(
        "--prune",
        choices=PRUNERS,
        default="none",
        help="optuna: stop poor trials early: law (by their predicted final loss, "
        "lrkit.tune.law_pruner), median (Optuna's MedianPruner) or none (default)",
    )


def check(args: argparse.Namespace) -> Any:
    """Check the backend options before any work; return the parsed space (or None)."""
    from ..tune import parse_space, space

    if args.trials is not None:
        _args.positive_int("--trials", args.trials, low=0, high=_args.MAX_SWEEP)
    if args.backend != "optuna":
        prune = None if args.prune == "none" else args.prune
        for opt, val in (("--storage", args.storage), ("--study", args.study), ("--prune", prune)):
            if val is not None:
                raise _args.ConfigError(
                    f"{opt} needs --backend optuna, got --backend {args.backend}"
                )
        if args.trials is not None and args.schedule is not None:
            raise _args.ConfigError(
                "--trials needs --space (without --schedule) or --backend optuna"
            )
        if args.trials is not None:  # the points of a sampled grid: 0 would run nothing
            _args.positive_int("--trials", args.trials, high=_args.MAX_SWEEP)
        if args.schedule is None and args.space is None:
            raise _args.ConfigError(
                "the following arguments are required: --schedule (or --space, or --backend optuna)"
            )
    else:
        if args.storage is None:
            raise _args.ConfigError("--backend optuna needs --storage (sqlite:///x.db or a file)")
        if args.schedule is not None:
            raise _args.ConfigError("--backend optuna searches --space; drop --schedule")
        if args.study is not None and not args.study.strip():
            raise _args.ConfigError(f"--study must be a name, got {args.study!r}")
        from ..tune import open_storage

        open_storage(args.storage)
    if args.address is not None and args.backend != "ray":
        raise _args.ConfigError(f"--address needs --backend ray, got --backend {args.backend}")
    if args.address is not None:
        from ..tune._ray import check_address

        check_address(args.address)  # before the task is loaded
    if args.space is None:
        return space() if args.backend == "optuna" or args.schedule is None else None
    sp = parse_space(args.space)
    if sp.peak[1] > _args.MAX_RATE:
        raise _args.ConfigError(
            f"--space: peak must be at most {_args.MAX_RATE:.4g}, the largest rate a float32 "
            f"optimizer can apply, got {sp.peak[1]:g}"
        )
    return sp


def sampled_grid(sp: Any, n: int | None, total_steps: int | None = None) -> list[str]:
    """``n`` distinct points of ``sp`` (seeded: the same grid every time) for runs of
    ``total_steps`` updates when known."""
    import numpy as np

    rng = np.random.default_rng(0)
    want = DEFAULT_TRIALS if n is None else n
    out: list[str] = []
    for _ in range(100 * max(want, 1)):
        if len(out) >= want:
            break
        s = sp.sample(rng, total_steps)
        if s not in out:
            out.append(s)
    return out


def study_name(args: argparse.Namespace, sp: Any, opt: str, epochs: int) -> str:
    """``--study``, or one derived from the task, optimizer, budget, seeds and space."""
    if args.study:
        return str(args.study)
    key = f"{args.task}|{opt}|{epochs}|{args.seeds}|{args.momentum}|{args.weight_decay}|"
    key += sp.describe()
    return f"lrkit-bench-{args.task}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


#: the study's user attribute holding what its objective is (:func:`claim_study`)
RUN_ATTR = "lrkit:bench"


def claim_study(
    args: argparse.Namespace, name: str, direction: str, sp: Any, opt: str, epochs: int
) -> None:
    """Record in study ``name`` what its trials are (task, optimizer, budget, seeds,
    momentum, weight decay, space), or refuse a study whose trials were another run's (or
    not made by ``lrkit bench`` at all: complete trials without a schedule): a
    ``--study`` given again with another budget would mix incomparable trials, and with
    another space Optuna raised mid-trial ("CategoricalDistribution does not support
    dynamic value space")."""
    from ..tune import open_storage
    from ..tune._optuna import join_study

    what = {"task": args.task, "optimizer": opt, "epochs": epochs, "seeds": args.seeds,
            "momentum": args.momentum, "weight decay": args.weight_decay,
            "space": repr(sp.describe())}  # fmt: skip
    # a study of the other direction is refused here, before it is claimed
    study = join_study(open_storage(args.storage), name, direction)
    got = study.user_attrs.get(RUN_ATTR)
    if got is None:  # a new study, or one of trials made before studies recorded their run
        import optuna

        done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        foreign = [t for t in done if "schedule" not in t.user_attrs]
        if foreign:  # its best could be one of them
            raise _args.ConfigError(
                f"--study {name!r} holds {len(foreign)} complete trial(s) that lrkit bench "
                "did not make (no schedule); give another --study"
            )
        study.set_user_attr(RUN_ATTR, what)
        return
    diff = [k for k in what if got.get(k) != what[k]]
    if diff:
        was = ", ".join(f"{k} {got.get(k)}" for k in diff)
        now = ", ".join(f"{k} {what[k]}" for k in diff)
        raise _args.ConfigError(
            f"--study {name!r} holds the trials of another run ({was}), this run has {now}; "
            "give another --study or the same options"
        )


def make_pruner(kind: str, total: int) -> Any:
    """The Optuna pruner of ``--prune`` for runs of ``total`` updates (``None`` for none).

    Both wait :data:`GRACE` of the run. ``median`` is Optuna's
    ``MedianPruner`` after 2 complete trials: it compares trials at equal
    steps, so it stops a WSD or one_cycle trial that is still above a cosine
    one before its cooldown. ``law`` compares their predicted final losses
    (:func:`lrkit.tune.law_pruner`, default margin).
    """
    if kind == "none":
        return None
    if kind == "median":
        import optuna

        median = optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=int(GRACE * total))
        return _on_losses(median)
    from ..tune import law_pruner

    return law_pruner(total, grace=GRACE)


def _on_losses(inner: Any) -> Any:
    """``inner`` judging the reported values as losses (lower is better) in any study.

    The trials report training losses, while the study's own direction
    follows the task's metric (``maximize`` for accuracy); a direction-aware
    pruner such as ``MedianPruner`` must see the study as minimizing.
    """
    import optuna

    class _LossView:
        direction = optuna.study.StudyDirection.MINIMIZE

        def __init__(self, study: Any) -> None:
            self._study = study

        def __getattr__(self, name: str) -> Any:
            return getattr(self._study, name)

    class OnLosses(optuna.pruners.BasePruner):
        def prune(self, study: Any, trial: Any) -> bool:
            return bool(inner.prune(_LossView(study), trial))

    return OnLosses()


def reporter(trial: Any, total: int, pruned: Any) -> Any:
    """An ``on_loss`` hook: every ``total / REPORTS`` updates, report the mean training loss
    since the last report to ``trial``, and raise ``pruned`` when the pruner says stop."""
    every = max(1, total // REPORTS)
    window: list[float] = []

    def on_loss(t: int, loss: float) -> None:
        window.append(loss)
        if t % every and t != total:
            return
        trial.report(sum(window) / len(window), t)
        window.clear()
        if trial.should_prune():
            raise pruned(f"pruned at update {t} of {total}")

    return on_loss


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna's own log lines off (but errors) while the CLI runs its study.

    The CLI prints a line per trial and the summary itself, and reports an
    exception raised in a trial (one line for a user's error, ``interrupted``
    on Ctrl-C); Optuna's lines came on top ("Using an existing study" before a
    refused study's error line, a task error's whole traceback in its
    failed-trial warning).
    """
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


def run_optuna(args: argparse.Namespace, sp: Any, task: Any, opt: str, epochs: int) -> list[Any]:
    """Run the study; print its best trial; return this process's runs (one per trial x seed).

    With ``--prune``, the first seed of each trial reports its training loss
    (:func:`reporter`); a pruned trial stops there and is not in the runs. A
    trial that samples a spec an earlier trial here completed is trained (its
    value goes to the study) but its runs are not returned again: a report row
    is one schedule over ``--seeds`` seeds, not the same runs counted twice.
    """
    import optuna

    from ..bench import seeded, train
    from ..tune import run_study

    for seed in range(1, args.seeds):  # a task that ignores its seed: before any trial
        seeded(task, seed)
    runs: list[Any] = []
    done: dict[str, int] = {}  # spec -> the trial here whose runs are reported
    total = epochs * task.steps_per_epoch

    def objective(trial: Any) -> float:
        spec = sp.suggest(trial, total)
        finals, mine = [], []
        for seed in range(args.seeds):
            hook = (
                reporter(trial, total, optuna.TrialPruned)
                if args.prune != "none" and seed == 0
                else None
            )
            try:
                r = train(task, spec, opt, epochs, seed=seed, momentum=args.momentum,
                          weight_decay=args.weight_decay, target=args.target, label=spec,
                          on_loss=hook)  # fmt: skip
            except optuna.TrialPruned as e:
                print(f"trial {trial.number}: {spec} {e} (--prune {args.prune})", file=sys.stderr)
                raise
            mine.append(r)
            finals.append(r.final_metric)
        value = sum(finals) / len(finals)
        trial.set_user_attr("finals", [None if v != v else v for v in finals])
        note = ""
        if spec in done:
            note = f" (the schedule of trial {done[spec]}: reported once)"
        else:
            done[spec] = trial.number
            runs.extend(mine)
        print(
            f"trial {trial.number}: {spec} -> {task.metric_name} {value:.4g}{note}",
            file=sys.stderr,
        )
        return value

    name = study_name(args, sp, opt, epochs)
    direction = "maximize" if task.higher_is_better else "minimize"
    trials = DEFAULT_TRIALS if args.trials is None else args.trials
    pruner = make_pruner(args.prune, total)
    with quiet_optuna():
        claim_study(args, name, direction, sp, opt, epochs)
        out = run_study(objective, args.storage, name, trials, direction=direction, pruner=pruner)
    b = out["best"]
    best = "none complete" if b is None else (
        f"#{b['number']} {b['user_attrs'].get('schedule')} -> {task.metric_name} {b['value']:.6g}"
    )  # fmt: skip
    failed, nan, gone = "", out["not_finite"], out["abandoned"]
    raised = out["failed"] - nan - gone  # an exception in the trial (Ctrl-C, a task error)
    if out["failed"] == nan and nan:
        failed = f"{nan} failed: a metric that is not finite, "
    elif out["failed"]:
        why = [(nan, "a metric that is not finite"), (gone, "whose process ended mid-trial"),
               (raised, "that raised")]  # fmt: skip
        failed = f"{out['failed']} failed: {', '.join(f'{n} {w}' for n, w in why if n)}, "
    print(
        f"optuna study {name}: {out['trials']} trial{'' if out['trials'] == 1 else 's'} "
        f"finished ({out['complete']} complete, "
        f"{out['pruned']} pruned, {failed}"
        f"{len(out['mine'])} here, {out['running']} still running); best {best}"
    )
    return runs
