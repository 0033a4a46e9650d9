"""Train built-in tasks under schedules and compare them honestly (same budget, same seeds).

>>> from lrkit.bench import parse_schedules
>>> parse_schedules(["auto", "constant(0.1)"])
['auto', constant(value=0.1)]

:func:`train` runs one (task, schedule, seed) and returns a :class:`RunResult`;
:func:`run_grid` runs several schedules x seeds; :func:`aggregate` turns the
runs into one row per schedule (mean ± std of the final metric, best epoch,
time to a target, wall time, compute) and :func:`table` prints them.

The schedule is evaluated per optimizer update: the value at step ``t``
(``t = 0`` for the first update) is the rate used by the ``t``-th update, and
the rate actually applied is read back from the optimizer before every update.
A schedule may be ``"auto"``: the plan (``lrkit.torch.plan``, the same planner
as ``lrkit plan``: a range test and short probe runs) runs first on the
freshly initialised model (which it restores), and training uses the planned
schedule; the planner's extra updates (at most half a run by default) are
counted in ``overhead_steps`` / ``compute_steps`` and its time in ``wall_time``.

torch is imported only when training starts.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ._files import json_safe
from ._validate import check_int, check_number
from .core import Schedule, as_schedule
from .errors import ConfigError, ConfigTypeError

__all__ = [
    "RunResult",
    "train",
    "train_step",
    "fit",
    "run_grid",
    "write_outputs",
    "aggregate",
    "table",
    "parse_schedules",
    "auto_schedule",
    "finder_one_cycle",
    "AUTO",
]

AUTO = "auto"

#: the largest rate a float32 model's optimizer can apply (``torch.finfo(torch.float32).max``)
MAX_RATE = 3.4028234663852886e38


@dataclass
class RunResult:
    """One training run.

    ``history``: one dict per epoch ``{epoch, train_loss, val_loss, metric, lr}``
    (``epoch`` counts from 1, ``lr`` is the last applied rate of that epoch).
    ``lr``: the rate applied at every update, read back from the optimizer.
    ``step_losses``: the training loss of every update (same length as ``lr``
    up to a divergence), the data the loss-curve laws are fitted on.
    ``final_metric`` is the metric after the last epoch trained, ``best_metric``
    / ``best_epoch`` the best one seen. ``time_to_target``: the first epoch
    (counted from 1) whose metric reached ``target`` (``>=`` for accuracy,
    ``<=`` for bpc), or ``None``. ``steps``: training updates;
    ``overhead_steps``: updates spent before training (the planner's range
    test and probes for ``auto``); ``compute_steps`` = both. ``diverged``: a non-finite training
    loss was met and the run stopped there (its metrics then cover the epochs
    completed, NaN if none). ``finder``: for ``auto``, the plan used
    (:func:`auto_schedule`'s dict).
    """

    task: str
    schedule: str
    label: str
    seed: int
    optimizer: str
    epochs: int
    steps_per_epoch: int
    metric_name: str
    higher_is_better: bool
    history: list[dict[str, float]] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    step_losses: list[float] = field(default_factory=list)
    final_metric: float = float("nan")
    best_metric: float = float("nan")
    best_epoch: int | None = None
    time_to_target: int | None = None
    target: float | None = None
    wall_time: float = 0.0
    steps: int = 0
    overhead_steps: int = 0
    diverged: bool = False
    finder: dict[str, Any] | None = None

    @property
    def compute_steps(self) -> int:
        return self.steps + self.overhead_steps

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["compute_steps"] = self.compute_steps
        return json_safe(d)


def parse_schedules(specs: Iterable[Any]) -> list[Any]:
    """Parse every spec first (so a typo fails before any training); ``"auto"`` stays a string."""
    out: list[Any] = []
    for s in specs:
        if isinstance(s, str) and s.strip() == AUTO:
            out.append(AUTO)
        else:
            out.append(as_schedule(s))
    return out


def _check_rates(owner: str, sched: Schedule, label: str, total: int, spe: int) -> None:
    """Every rate of the run (``total`` updates) finite, >= 0 and at most :data:`MAX_RATE`,
    checked before any training (the optimizer would refuse it mid-run)."""
    import numpy as np

    v = np.asarray(sched.bind(total_steps=total, steps_per_epoch=spe)(np.arange(total)), float)
    bad = ~np.isfinite(v) | (v < 0) | (v > MAX_RATE)
    if bad.any():
        k = int(np.argmax(bad))
        raise ConfigError(
            f"{owner}: schedule {label!r} gives {float(v[k]):g} at step {k}; a learning rate "
            f"must be finite, >= 0 and at most {MAX_RATE:.4g} (the largest float32)"
        )


def _resolve_task(task: Any, seed: int | None) -> Any:
    from .tasks import get_task

    if isinstance(task, str):
        return get_task(task, seed=0 if seed is None else seed)
    if seed is not None and seed != task.seed:
        return task.with_seed(seed)
    return task


def _scheduler(
    optimizer: Any, lr: Schedule, extra: dict[str, Schedule], total: int, spe: int
) -> Any:
    """``lrkit.torch.Scheduler`` driving ``lr`` and the ``extra`` param-group keys.

    ``momentum`` means SGD's momentum or Adam's beta1 (as the Scheduler does).
    """
    from .torch import Scheduler

    return Scheduler(optimizer, {"lr": lr, **extra}, total_steps=total, steps_per_epoch=spe)


def _scheduler_module(auto: bool) -> None:
    """Import what a run uses (``lrkit.torch``, its planner for "auto") before its
    clock starts: the first import in a process (every Ray worker) took
    longer than a short run and was counted in that run's ``wall_time``."""
    from . import torch  # noqa: F401

    if auto:
        from .torch import plan  # noqa: F401


def _find_lr() -> Any:
    from .torch import find_lr

    return find_lr


def auto_schedule(
    task: Any,
    model: Any,
    optimizer: Any,
    *,
    total_steps: int,
    budget: float = 0.5,
    **options: Any,
) -> tuple[Schedule, dict[str, Any]]:
    """``"auto"``: :func:`lrkit.torch.plan` on ``model`` (restored afterwards), its schedule.

    The same planner as ``lrkit plan`` and ``lrkit.plan``: a range test and
    short probe runs through the task's own batches (epoch 0, 1, ... as the
    real run sees them), at most ``budget * total_steps`` extra optimizer
    updates (default half a run), counted in ``overhead_steps`` /
    ``compute_steps``. ``options`` go to :func:`lrkit.plan` (``shapes``,
    ``peaks``, ``lr``, ``lr_range``, ``use_laws``, ...).

    Returns the planned schedule (bound to ``total_steps``) and a JSON-safe
    dict: ``plan`` (``Plan.to_dict()``: read it back with
    ``lrkit.plan.Plan.from_dict``), ``schedule`` (its spec), ``peak``,
    ``shape``, ``steps`` (= ``plan.cost``, the extra updates), ``wall_time``
    (the planner's seconds), ``notes`` (why the answer is what it is),
    ``fallback`` (None), and from the planner's range test (``None`` when
    ``lr`` was given): ``result`` (``FinderResult.to_dict()``),
    ``suggestion`` (``suggest()``, the constant rate), ``minimum_lr`` (where
    the probes started: ``suggest("minimum")``), ``range`` and ``stop_reason``.
    """
    from .tasks import Epochs
    from .torch import plan

    p = plan(model, optimizer, task.loss_fn, Epochs(task), total_steps, budget=budget, **options)
    res = p.finder
    rng = None if res is None else res.suggest_range()
    info: dict[str, Any] = {
        "plan": p.to_dict(),
        "schedule": str(p.schedule),
        "peak": p.peak,
        "shape": p.shape,
        "steps": int(p.cost),
        "wall_time": float(p.seconds),
        "notes": list(p.notes),
        "fallback": None,
        "result": None if res is None else res.to_dict(),
        "suggestion": None if res is None else res.suggest(),
        "minimum_lr": None if res is None else res.suggest("minimum"),
        "range": None if rng is None else [float(rng[0]), float(rng[1])],
        "stop_reason": None if res is None else res.stop_reason,
    }
    return p.schedule, json_safe(info)


def finder_one_cycle(
    task: Any,
    model: Any,
    optimizer: Any,
    *,
    steps: int = 300,
    start: float = 1e-5,
    end: float = 10.0,
    rule: str = "minimum",
) -> tuple[Schedule, dict[str, Any]]:
    """lrkit 0.1's ``auto``: the range test on ``model`` (restored), then a one_cycle.

    Kept for ``benchmarks/bench_auto.py``, which measured it (BENCHMARKS.md
    section 4); ``"auto"`` is now the plan (:func:`auto_schedule`). The sweep
    (``steps`` updates from ``start`` to ``end``, exponential) uses training
    batches in an order of its own (epochs 10000+). Rules, all read from the
    finder's lag-free curve: ``"minimum"`` (default):
    ``one_cycle(peak=suggest("minimum"))``, the peak of every decaying
    schedule (docs/finder.md); ``"suggest"``: ``one_cycle(peak=suggest())``;
    ``"range"``: ``result.schedule("one_cycle")`` (``div=max/base``). Peaks
    are rounded to 3 significant digits. Returns the schedule and a dict
    with the keys of :func:`auto_schedule` that a range test gives
    (``result``, ``rule``, ``schedule``, ``peak``, ``fallback``,
    ``suggestion``, ``suggestions``, ``range``, ``minimum_lr``, ``steps``,
    ``wall_time``, ``stop_reason``).
    """
    from .schedules import one_cycle

    if rule not in ("minimum", "suggest", "range"):
        raise ConfigError(f"auto: rule must be 'minimum', 'suggest' or 'range', got {rule!r}")
    res = _find_lr()(
        model, optimizer, task.loss_fn, _Cycle(task), start=start, end=end, steps=steps,
        progress=False,
    )  # fmt: skip
    rng = res.suggest_range()
    low = res.suggest("minimum")
    peak = {"minimum": low, "suggest": res.suggest(), "range": rng and rng[1]}[rule]
    fallback = None
    if rule == "range" and rng is not None:
        sched = res.schedule("one_cycle")
    elif peak is not None:
        peak = float(f"{peak:.3g}")
        sched = one_cycle(peak)
    else:
        sched = one_cycle(float(task.default_lr))
        fallback = "the range test gave no suggestion: " + "; ".join(res.warnings)
    return sched, {
        "result": res.to_dict(),
        "rule": rule,
        "schedule": str(sched),
        "peak": peak,
        "fallback": fallback,
        "suggestion": res.suggest(),
        "suggestions": res.suggestions(),
        "range": None if rng is None else [float(rng[0]), float(rng[1])],
        "minimum_lr": low,
        "steps": int(res.meta.get("optimizer_steps", res.calls)),
        "wall_time": float(res.meta.get("seconds_total", res.seconds)),
        "stop_reason": res.stop_reason,
    }


def _Cycle(task: Any) -> Any:
    """The task's batches epoch after epoch, in an order training never uses (epochs 10000+)."""
    from .tasks import forever

    return forever(task, first_epoch=10_000)


def train_step(model: Any, optimizer: Any, loss_fn: Any, x: Any, y: Any) -> float:
    """One update on batch ``(x, y)``; returns the loss before the update.

    Zeroes the gradients, computes ``loss_fn(model(x), y)``, and, when that
    loss is finite, back-propagates it and steps ``optimizer``. A non-finite
    loss is returned without touching the weights (the caller stops there).
    Every training loop of lrkit (this module, the labs, the range tests of
    the labs) updates through this function.
    """
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    lv = float(loss.detach())
    if math.isfinite(lv):
        loss.backward()
        optimizer.step()
    return lv


def _count_error(epoch: int, count: str, but: str = "") -> None:
    """A train_loader that disagrees with its task's steps_per_epoch."""
    raise ConfigError(
        f"task: train_loader({epoch}) yielded {count} batches{but}: every schedule is sized "
        "by steps_per_epoch (epochs x steps_per_epoch updates); make the two agree"
    )


def fit(
    task: Any,
    model: Any,
    optimizer: Any,
    epochs: int,
    *,
    before_update: Callable[[int], None] | None = None,
    after_update: Callable[[int], None] | None = None,
    on_epoch: Callable[[dict[str, float], Any], bool] | None = None,
    on_loss: Callable[[int, float], None] | None = None,
    bar: Any = None,
) -> dict[str, Any]:
    """The training loop: ``epochs`` passes over ``task.train_loader(epoch)``, :func:`train_step`.

    Hooks: ``before_update(t)`` before update ``t`` (0-based; e.g. set the
    rates), ``after_update(t + 1)`` after it (e.g. step a scheduler),
    ``on_epoch(record, model)`` after each epoch's evaluation (may add keys
    to ``record``; returning ``True`` marks the run diverged and stops it),
    ``on_loss(t + 1, loss)`` after each finite update with its loss (e.g.
    report it to a sweep's pruner; an exception raised there ends the run).
    Returns ``{"lr": [...], "step_losses": [...], "history": [...],
    "diverged": bool, "steps": int}``: ``lr`` is read back from the first
    param group before every update, ``step_losses`` holds the loss of every
    update tried (a non-finite last one ends the run: ``diverged``), and each
    ``history`` record is ``{epoch (from 1), train_loss (mean over the
    epoch's updates), val_loss, metric}`` plus what ``on_epoch`` added.
    An epoch of more or fewer batches than ``task.steps_per_epoch`` (the unit
    every schedule is sized by) is a ``ConfigError``.
    """
    out: dict[str, Any] = {"lr": [], "step_losses": [], "history": [], "diverged": False}
    t = 0
    spe = task.steps_per_epoch
    model.train()
    for epoch in range(epochs):
        losses: list[float] = []
        for x, y in task.train_loader(epoch):
            if len(losses) == spe:  # the run would train past every schedule's end
                _count_error(epoch, f"more than steps_per_epoch = {spe}")
            if before_update is not None:
                before_update(t)
            out["lr"].append(float(optimizer.param_groups[0]["lr"]))
            lv = train_step(model, optimizer, task.loss_fn, x, y)
            out["step_losses"].append(lv)
            if not math.isfinite(lv):
                out["diverged"] = True
                break
            t += 1
            losses.append(lv)
            if after_update is not None:
                after_update(t)
            if on_loss is not None:
                on_loss(t, lv)
            if bar is not None:
                bar.update(1)
        if out["diverged"]:
            break
        if not losses:
            raise ConfigError(f"task: the train_loader yielded no batch in epoch {epoch}")
        if len(losses) < spe:  # every schedule would stop short of its end
            _count_error(epoch, f"{len(losses)}", f", but steps_per_epoch is {spe}")
        ev = task.evaluate(model)
        record = {
            "epoch": epoch + 1,
            "train_loss": sum(losses) / max(len(losses), 1),
            "val_loss": float(ev["loss"]),
            "metric": float(ev["metric"]),
        }
        stop = bool(on_epoch(record, model)) if on_epoch is not None else False
        out["history"].append(record)
        if stop:
            out["diverged"] = True
            break
    out["steps"] = t
    return out


def train(
    task: Any,
    schedule: Any,
    optimizer: str | None = None,
    epochs: int | None = None,
    seed: int | None = None,
    *,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    extra: dict[str, Any] | None = None,
    target: float | None = None,
    progress: bool = False,
    label: str | None = None,
    finder_options: dict[str, Any] | None = None,
    on_loss: Callable[[int, float], None] | None = None,
) -> RunResult:
    """Train ``task`` (a name or a task) for ``epochs`` epochs under ``schedule``.

    ``schedule``: a Schedule, a spec string, a dict, a number or ``"auto"``.
    ``optimizer``: ``"sgd"``, ``"adam"`` or ``"adamw"`` (default: the task's).
    ``extra``: other hyperparameters to schedule, e.g. ``{"momentum": spec}``.
    ``momentum``: SGD's momentum or Adam's beta1, in [0, 1).
    ``seed``: the task seed (model initialisation, split, batch order);
    ``None`` keeps the task's. Deterministic for a seed. ``target``: for an
    accuracy task a fraction in [0, 1] (``0.97`` for 97%).
    ``finder_options``: keywords for :func:`auto_schedule`, i.e. :func:`lrkit.plan`'s
    (``budget``, ``shapes``, ``peaks``, ``lr``, ``lr_range``, ``use_laws``...).
    ``on_loss(t, loss)``: called after update ``t`` (from 1) with its training
    loss (:func:`fit`); an exception it raises (a pruned sweep trial) propagates.
    """
    task = _resolve_task(task, seed)
    epochs = check_int("train", "epochs", task.default_epochs if epochs is None else epochs, low=1)
    optimizer = optimizer or task.default_optimizer
    is_auto = isinstance(schedule, str) and schedule.strip() == AUTO
    sched = None if is_auto else as_schedule(schedule)
    if extra is not None and "lr" in extra:  # it would replace the schedule, unreported
        raise ConfigError(
            "train: extra schedules 'lr'; the rate is `schedule` (extra is for the other "
            "param-group keys, e.g. momentum)"
        )
    extra_s = {k: as_schedule(v) for k, v in (extra or {}).items()}
    target = _check_target(task, target)
    check_number("train", "momentum", momentum, low=0.0, high=1.0, high_open=True)
    if label is not None and not isinstance(label, str):
        raise ConfigTypeError(
            f"train: label must be a string, got {label!r} ({type(label).__name__})"
        )
    check_number("train", "weight_decay", weight_decay, nonneg=True)
    if sched is not None:
        spe = task.steps_per_epoch
        _check_rates("train", sched, label or str(sched), epochs * spe, spe)

    _scheduler_module(is_auto)  # its first import (~1.5 s) is not the run's time
    t_start = time.perf_counter()
    model = task.make_model()
    opt = task.make_optimizer(
        model, optimizer, lr=task.default_lr, momentum=momentum, weight_decay=weight_decay
    )
    finder = None
    if is_auto:
        total = epochs * task.steps_per_epoch
        sched, finder = auto_schedule(task, model, opt, total_steps=total, **(finder_options or {}))
    assert sched is not None
    result = RunResult(
        task=task.name,
        schedule=AUTO if is_auto else str(sched),
        label=label or (AUTO if is_auto else str(sched)),
        seed=task.seed,
        optimizer=optimizer,
        epochs=epochs,
        steps_per_epoch=task.steps_per_epoch,
        metric_name=task.metric_name,
        higher_is_better=task.higher_is_better,
        target=target,
        finder=finder,
        overhead_steps=finder["steps"] if finder else 0,
    )
    _run(result, task, model, opt, sched, extra_s, progress, on_loss)
    result.wall_time = time.perf_counter() - t_start
    return result


def _check_target(task: Any, target: Any) -> float | None:
    if target is None:
        return None
    t = check_number("train", "target", target)
    if task.metric_name == "accuracy" and not 0.0 <= t <= 1.0:
        raise ConfigError(
            f"train: target is an accuracy, a fraction in [0, 1] (0.97 for 97%), got {target!r}"
        )
    return t


def _run(
    result: RunResult,
    task: Any,
    model: Any,
    opt: Any,
    sched: Schedule,
    extra: dict[str, Schedule],
    progress: bool,
    on_loss: Callable[[int, float], None] | None = None,
) -> None:
    """Train under ``sched`` with :func:`fit` and fill ``result`` in."""
    spe = task.steps_per_epoch
    total = result.epochs * spe
    scheduler = _scheduler(opt, sched, extra, total, spe)
    lrs: list[float] = []

    def after_update(t: int) -> None:
        if t < total:
            scheduler.step()

    def on_epoch(record: dict[str, float], model: Any) -> bool:
        record["lr"] = lrs[-1]
        return not math.isfinite(record["metric"])

    bar = _bar(progress, total, f"{task.name} {result.label}"[:40])
    try:
        trace = fit(
            task,
            model,
            opt,
            result.epochs,
            before_update=lambda t: lrs.append(float(opt.param_groups[0]["lr"])),
            after_update=after_update,
            on_epoch=on_epoch,
            on_loss=on_loss,
            bar=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    result.lr, result.history, result.steps = trace["lr"], trace["history"], trace["steps"]
    result.step_losses = trace["step_losses"][: trace["steps"]]
    result.diverged = trace["diverged"]
    _score(result, task.higher_is_better)


def _score(result: RunResult, higher_is_better: bool) -> None:
    """Best epoch, time to target and final metric from ``result.history``."""
    for h in result.history:
        m = h["metric"]
        if not math.isfinite(m):  # the epoch that ended a run: never its best
            continue
        if result.best_epoch is None or (
            m > result.best_metric if higher_is_better else m < result.best_metric
        ):
            result.best_metric, result.best_epoch = m, int(h["epoch"])
        t = result.target
        if t is not None and result.time_to_target is None:
            if m >= t if higher_is_better else m <= t:
                result.time_to_target = int(h["epoch"])
    if result.history:
        result.final_metric = result.history[-1]["metric"]
    if result.diverged:
        result.final_metric = float("nan")


def _bar(progress: bool, total: int, desc: str) -> Any:
    if not progress or not sys.stderr.isatty():
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc=desc, leave=False, file=sys.stderr)


def _repeated(xs: Sequence[Any]) -> Any:
    """The first item of ``xs`` that an earlier one equals, or ``None``."""
    for i, x in enumerate(xs):
        if x in xs[:i]:
            return x
    return None


def _grid_seeds(seeds: Any) -> list[int]:
    """:func:`run_grid`'s ``seeds`` (a count or distinct seeds) as a list, checked."""
    if isinstance(seeds, (int, float)):
        n = check_int("run_grid", "seeds", seeds, low=1, rule="a positive count")
        return list(range(n))
    seed_list = [check_int("run_grid", "seed", s, low=0) for s in seeds]
    if not seed_list:
        raise ConfigError("run_grid: seeds is empty; give a count or at least one seed")
    twice = _repeated(seed_list)
    if twice is not None:  # aggregate() would count the same run twice
        raise ConfigError(f"run_grid: seed {twice} is given twice; seeds must be distinct")
    return seed_list


def _grid_schedules(schedules: Any, labels: Any) -> tuple[list[Any], list[str]]:
    """:func:`run_grid`'s schedules (parsed) and their labels (one each, distinct text)."""
    if isinstance(schedules, (str, dict, Schedule)):  # one schedule, not a list of them
        raise ConfigTypeError(
            f"run_grid: schedules must be a list of schedules, got {str(schedules)!r}; "
            f"write [{str(schedules)!r}]"
        )
    if isinstance(labels, str):
        raise ConfigTypeError(f"run_grid: labels must be a list of strings, got {labels!r}")
    parsed = parse_schedules(schedules)
    if not parsed:
        raise ConfigError("run_grid: schedules is empty; give at least one schedule")
    if labels is not None and len(labels) != len(parsed):
        raise ConfigError(
            f"run_grid: need one label per schedule, got {len(labels)} for {len(parsed)}"
        )
    labs = (
        list(labels)
        if labels is not None
        else [s if isinstance(s, str) else str(s) for s in parsed]
    )
    for lab in labs:
        if not isinstance(lab, str):  # table() and the report need text
            raise ConfigTypeError(
                f"run_grid: labels must be strings, got {lab!r} ({type(lab).__name__})"
            )
    twice = _repeated(labs)
    if twice is not None:  # aggregate() would merge the two into one row
        raise ConfigError(
            f"run_grid: label {twice!r} is given twice; each schedule needs a label of its "
            "own (one row of the comparison)"
        )
    return parsed, labs


def seeded(task: Any, seed: int) -> Any:
    """``task`` built for ``seed`` (``task`` itself when it has that seed), or
    ``ConfigError`` when the task built says another seed: its runs would all be one
    run, reported as several seeds."""
    t = task.with_seed(seed) if seed != task.seed else task
    if t.seed != seed:
        raise ConfigError(
            f"run_grid: the task built for seed {seed} says its seed is {t.seed!r}: every "
            "seed would be the same run; its seed must follow the one it is built for"
        )
    return t


def run_grid(
    task: Any,
    schedules: Sequence[Any],
    seeds: int | Sequence[int] = 3,
    optimizer: str | None = None,
    epochs: int | None = None,
    *,
    labels: Sequence[str] | None = None,
    progress: bool = False,
    on_result: Callable[[RunResult], None] | None = None,
    backend: str = "serial",
    address: str | None = None,
    **kwargs: Any,
) -> list[RunResult]:
    """Train every schedule for every seed under the same budget; results in that order.

    ``seeds``: a count ``n`` (seeds ``0..n-1``) or explicit, distinct seeds.
    ``labels``: one per schedule (default: the spec, ``"auto"``), all
    distinct: a label is one row of :func:`aggregate`.
    ``on_result(run)`` is called after each run (e.g. to print progress).
    ``backend``: ``"serial"`` (this process) or ``"ray"``: every cell
    (schedule x seed) is a Ray task with one CPU and one torch thread
    (:func:`lrkit.tune.map_cells`; a local Ray, or the cluster at
    ``address``); the results are the same, cell for cell, and come back in
    the same order (``on_result`` is then called in finishing order).
    Other keywords go to :func:`train`.
    """
    if backend not in ("serial", "ray"):
        raise ConfigError(f"run_grid: backend must be 'serial' or 'ray', got {backend!r}")
    seed_list = _grid_seeds(seeds)
    parsed, labs = _grid_schedules(schedules, labels)
    base = _resolve_task(task, None)
    ep = check_int("run_grid", "epochs", base.default_epochs if epochs is None else epochs, low=1)
    for s, lab in zip(parsed, labs):
        if not isinstance(s, str):  # "auto": its schedule comes from the plan
            _check_rates("run_grid", s, lab, ep * base.steps_per_epoch, base.steps_per_epoch)
    cells = []
    for seed in seed_list:
        t = seeded(base, seed)
        for s, lab in zip(parsed, labs):
            cells.append(((t, s, optimizer, epochs), {"label": lab, **kwargs}))
    if backend == "ray":
        return _run_cells_on_ray(cells, address, progress, on_result)
    results = []
    for args, kw in cells:
        r = train(*args, progress=progress, **kw)
        results.append(r)
        if on_result is not None:
            on_result(r)
    return results


def _run_cells_on_ray(
    cells: list[Any], address: str | None, progress: bool, on_result: Any
) -> list[RunResult]:
    """The cells as Ray tasks (:func:`lrkit.tune.map_cells`), a progress bar over cells."""
    from .tune import map_cells

    bar = _bar(progress, len(cells), "cells")

    def done(i: int, r: RunResult) -> None:
        if bar is not None:
            bar.update(1)
        if on_result is not None:
            on_result(r)

    try:
        return map_cells(train, cells, address=address, on_result=done)
    finally:
        if bar is not None:
            bar.close()


def _mean_std(xs: list[float]) -> tuple[float, float]:
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    if not xs:
        return float("nan"), float("nan")
    m = sum(xs) / len(xs)
    v = sum((x - m) ** 2 for x in xs) / (len(xs) - 1) if len(xs) > 1 else 0.0
    return m, math.sqrt(v)


def aggregate(results: Sequence[RunResult]) -> list[dict[str, Any]]:
    """One row per schedule label (in first-seen order), over its seeds.

    ``final_mean``/``final_std`` (sample std, 0 for one seed) ignore diverged
    runs, which are counted in ``diverged``. ``time_to_target``: mean over the
    runs that reached it (``reached`` of ``runs``). ``steps``: the most
    updates a run made (the budget, unless every run diverged).
    """
    rows: dict[str, list[RunResult]] = {}
    for r in results:
        rows.setdefault(r.label, []).append(r)
    out = []
    for label, rs in rows.items():
        fm, fs = _mean_std([r.final_metric for r in rs])
        bm, _ = _mean_std([r.best_metric for r in rs])
        be, _ = _mean_std([float(r.best_epoch) for r in rs if r.best_epoch is not None])
        reached = [r.time_to_target for r in rs if r.time_to_target is not None]
        tt = sum(reached) / len(reached) if reached else None
        wm, _ = _mean_std([r.wall_time for r in rs])
        out.append(
            {
                "label": label,
                "schedule": rs[0].schedule,
                "metric_name": rs[0].metric_name,
                "higher_is_better": rs[0].higher_is_better,
                "runs": len(rs),
                "seeds": [r.seed for r in rs],
                "final_mean": fm,
                "final_std": fs,
                "best_mean": bm,
                "best_epoch": be,
                "time_to_target": tt,
                "reached": len(reached),
                "target": rs[0].target,
                "wall_time": wm,
                "steps": max(r.steps for r in rs),
                "overhead_steps": max(r.overhead_steps for r in rs),
                "compute_steps": max(r.compute_steps for r in rs),
                "diverged": sum(r.diverged for r in rs),
            }
        )
    return out


def table(rows: Sequence[dict[str, Any]], width: int = 48) -> str:
    """The comparison as aligned text (one line per schedule); labels longer than ``width``
    are cut, unless two would then read the same."""
    from .report import comparison_cells, comparison_header, text_table

    if not rows:
        return "(no runs)"
    spread = any(r["runs"] > 1 for r in rows)
    header = comparison_header(rows[0]["metric_name"], spread=spread)
    labels = [r["label"] for r in rows]
    if len({lab[: width - 1] if len(lab) > width else lab for lab in labels}) < len(labels):
        width = max(len(lab) for lab in labels)  # cut, two labels would read the same
    return text_table(header, [[r["label"], *comparison_cells(r)] for r in rows], width)


#: the files :func:`write_outputs` may write into a report folder
OUTPUT_FILES = ("results.json", "report.html", "lr.png", "metric.png", "loss.png", "finder.png")


def check_outputs(out: str, option: str, png: bool = True) -> str:
    """Before any work: ``out`` can be a report folder, and each file of
    :data:`OUTPUT_FILES` it would get (no PNG when ``png`` is false) can be
    written there (not an existing folder, ...); ``OutputError`` naming
    ``option`` otherwise."""
    from ._files import check_dir, check_file

    check_dir(out, option)
    for name in OUTPUT_FILES:
        if png or not name.endswith(".png"):
            check_file(os.path.join(out, name), option)
    return out


def write_outputs(
    results: Sequence[RunResult],
    task: Any,
    out: str,
    *,
    title: str,
    subtitle: str,
    intro: str = "",
    png: bool = True,
) -> dict[str, Any]:
    """Write ``results.json``, ``report.html`` and the PNGs of a benchmark into folder ``out``.

    ``results.json`` is written first; if the folder cannot take it, the
    results go to a file in the temporary folder and :class:`OutputError`
    says where. Files of :data:`OUTPUT_FILES` left there by an earlier run
    and not written by this one (a ``finder.png`` of a run with ``auto``,
    PNGs when ``png=False``) are removed, so the folder never mixes two
    runs. Returns ``{"results": path, "report": path, "<name>_png": path,
    ..., "overwritten": [names], "removed": [names]}``.
    """
    from ._files import check_dir, save_elsewhere
    from .errors import OutputError
    from .report import bench_report

    if not results:
        raise ConfigError("write_outputs: results is empty; there is no run to report")
    check_dir(out, "out")  # the files: checked before the training (check_outputs)
    before = [n for n in OUTPUT_FILES if os.path.isfile(os.path.join(out, n))]
    rows = aggregate(results)
    r0 = results[0]
    data = {
        "task": json_safe(task.describe()),  # a user task's may hold numpy numbers
        "optimizer": r0.optimizer,
        "epochs": r0.epochs,
        "seeds": sorted({r.seed for r in results}),
        "summary": [json_safe(r) for r in rows],
        "runs": [r.to_dict() for r in results],
    }
    text = json.dumps(data, indent=1, default=str)  # never lose the runs to a describe()
    path = os.path.join(out, "results.json")
    try:
        os.makedirs(out, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as e:
        saved = save_elsewhere(text, "results.json")
        raise OutputError(f"could not write {path}: {e}; the results were saved to {saved}") from e
    try:
        paths: dict[str, Any] = bench_report(
            results, out, rows=rows, title=title, subtitle=subtitle, intro=intro, png=png
        )
    except OSError as e:
        raise OutputError(f"could not write the report in {out}: {e}; results: {path}") from e
    paths["results"] = path
    written = {os.path.basename(p) for k, p in paths.items()}
    paths["overwritten"] = [n for n in before if n in written]
    paths["removed"] = [n for n in before if n not in written]
    for n in paths["removed"]:
        os.remove(os.path.join(out, n))
    return paths
