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
A schedule may be ``"auto"``: the LR range test (``lrkit.torch.find_lr``) runs
first on the freshly initialised model (which it restores), and training uses
``one_cycle`` over the suggested (base, max) range; the finder's updates are
counted in ``overhead_steps`` / ``compute_steps`` and its time in ``wall_time``.

torch is imported only when training starts.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .core import Schedule, as_schedule

__all__ = [
    "RunResult",
    "train",
    "run_grid",
    "aggregate",
    "table",
    "parse_schedules",
    "auto_schedule",
    "AUTO",
]

AUTO = "auto"


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
    ``overhead_steps``: updates spent before training (the finder for
    ``auto``); ``compute_steps`` = both. ``diverged``: a non-finite training
    loss was met and the run stopped there (its metrics then cover the epochs
    completed, NaN if none). ``finder``: for ``auto``, the suggestion used.
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
        return _json_safe(d)


def _json_safe(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x


def parse_schedules(specs: Iterable[Any]) -> list[Any]:
    """Parse every spec first (so a typo fails before any training); ``"auto"`` stays a string."""
    out: list[Any] = []
    for s in specs:
        if isinstance(s, str) and s.strip() == AUTO:
            out.append(AUTO)
        else:
            out.append(as_schedule(s))
    return out


def _resolve_task(task: Any, seed: int | None) -> Any:
    from .tasks import get_task

    if isinstance(task, str):
        return get_task(task, seed=0 if seed is None else seed)
    if seed is not None and seed != task.seed:
        return task.with_seed(seed)
    return task


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"train: {name} must be an int >= {low}, got {value!r}")
    return value


def _scheduler(
    optimizer: Any, lr: Schedule, extra: dict[str, Schedule], total: int, spe: int
) -> Any:
    """``lrkit.torch.Scheduler`` driving ``lr`` and the ``extra`` param-group keys.

    ``momentum`` means SGD's momentum or Adam's beta1 (as the Scheduler does).
    """
    from .torch import Scheduler

    return Scheduler(optimizer, {"lr": lr, **extra}, total_steps=total, steps_per_epoch=spe)


def _find_lr() -> Any:
    from .torch import find_lr

    return find_lr


def auto_schedule(
    task: Any,
    model: Any,
    optimizer: Any,
    *,
    steps: int = 300,
    start: float = 1e-5,
    end: float = 10.0,
    rule: str = "minimum",
) -> tuple[Schedule, dict[str, Any]]:
    """Run the range test on ``model`` (restored afterwards) and build a one_cycle from it.

    The sweep (``steps`` updates from ``start`` to ``end``, exponential) uses
    training batches in an order of its own. Every rule reads the finder's
    lag-free curve (``FinderResult.curve``) and uses the finder's own answers:

    - ``"minimum"`` (default): ``one_cycle(peak=suggest("minimum"))`` with the
      usual ``div=25`` — the peak is the rate where the loss stops falling,
      which is also the range's ``max`` (the same peak as
      ``result.schedule("one_cycle")``). one_cycle spends most of its run
      well below its peak (warm-up from ``peak/25``, cosine decay), so its
      peak can sit at the largest rate that still trains, ``sqrt(10)`` above
      the constant-rate suggestion ``suggest()``;
    - ``"suggest"``: ``one_cycle(peak=suggest())`` (fastai's
      ``fit_one_cycle(lr_max=suggestion)`` practice);
    - ``"range"``: ``result.schedule("one_cycle")``, i.e. ``div=max/base``.

    Peaks are rounded to 3 significant digits (a readable spec). Returns the
    schedule (unbound: it spans the run) and a JSON-safe dict: ``result`` (the
    :class:`~lrkit.FinderResult` as ``to_dict()``: read it back with
    ``FinderResult.from_dict``), ``rule``, ``schedule`` (its spec), ``peak``,
    ``fallback`` (why the task's default rate was used, or None) and, derived
    from ``result`` for tables, ``suggestion``, ``range``, ``minimum_lr``
    (= ``peak`` of the ``"minimum"`` rule), ``steps`` (the finder's optimizer
    updates), ``wall_time`` and ``stop_reason``.
    """
    from .schedules import one_cycle

    if rule not in ("minimum", "suggest", "range"):
        raise ValueError(f"auto: rule must be 'minimum', 'suggest' or 'range', got {rule!r}")
    find_lr = _find_lr()
    res = find_lr(
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
    info: dict[str, Any] = {
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
    return sched, info


class _Cycle:
    """The task's batches epoch after epoch, in an order training never uses."""

    def __init__(self, task: Any) -> None:
        self.task = task

    def __iter__(self) -> Any:
        epoch = 0
        while True:
            yield from self.task.train_loader(10_000 + epoch)
            epoch += 1


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
) -> RunResult:
    """Train ``task`` (a name or a task) for ``epochs`` epochs under ``schedule``.

    ``schedule``: a Schedule, a spec string, a dict, a number or ``"auto"``.
    ``optimizer``: ``"sgd"``, ``"adam"`` or ``"adamw"`` (default: the task's).
    ``extra``: other hyperparameters to schedule, e.g. ``{"momentum": spec}``.
    ``seed``: the task seed (model initialisation, split, batch order);
    ``None`` keeps the task's. Deterministic for a seed.
    ``finder_options``: keywords for :func:`auto_schedule` (``steps``, ``start``, ``end``).
    """

    task = _resolve_task(task, seed)
    epochs = _check_int("epochs", task.default_epochs if epochs is None else epochs, 1)
    optimizer = optimizer or task.default_optimizer
    spe = task.steps_per_epoch
    total = epochs * spe
    is_auto = isinstance(schedule, str) and schedule.strip() == AUTO
    sched = None if is_auto else as_schedule(schedule)
    extra_s = {k: as_schedule(v) for k, v in (extra or {}).items()}
    if target is not None and not isinstance(target, (int, float)):
        raise ValueError(f"train: target must be a number or None, got {target!r}")

    t_start = time.perf_counter()
    model = task.make_model()
    opt = task.make_optimizer(
        model, optimizer, lr=task.default_lr, momentum=momentum, weight_decay=weight_decay
    )
    finder = None
    if is_auto:
        sched, finder = auto_schedule(task, model, opt, **(finder_options or {}))
    assert sched is not None
    result = RunResult(
        task=task.name,
        schedule=AUTO if is_auto else str(sched),
        label=label or (AUTO if is_auto else str(sched)),
        seed=task.seed,
        optimizer=optimizer,
        epochs=epochs,
        steps_per_epoch=spe,
        metric_name=task.metric_name,
        higher_is_better=task.higher_is_better,
        target=target,
        finder=finder,
        overhead_steps=finder["steps"] if finder else 0,
    )
    scheduler = _scheduler(opt, sched, extra_s, total, spe)
    bar = _bar(progress, total, f"{task.name} {result.label}"[:40])
    better = (lambda a, b: a > b) if task.higher_is_better else (lambda a, b: a < b)
    model.train()
    try:
        for epoch in range(epochs):
            losses = []
            for x, y in task.train_loader(epoch):
                result.lr.append(float(opt.param_groups[0]["lr"]))
                opt.zero_grad(set_to_none=True)
                loss = task.loss_fn(model(x), y)
                lv = float(loss.detach())
                if not math.isfinite(lv):
                    result.diverged = True
                    break
                loss.backward()
                opt.step()
                result.steps += 1
                if result.steps < total:
                    scheduler.step()
                losses.append(lv)
                result.step_losses.append(lv)
                if bar is not None:
                    bar.update(1)
            if result.diverged:
                break
            ev = task.evaluate(model)
            m = float(ev["metric"])
            result.history.append(
                {
                    "epoch": epoch + 1,
                    "train_loss": sum(losses) / max(len(losses), 1),
                    "val_loss": float(ev["loss"]),
                    "metric": m,
                    "lr": result.lr[-1],
                }
            )
            if result.best_epoch is None or better(m, result.best_metric):
                result.best_metric, result.best_epoch = m, epoch + 1
            if (
                target is not None
                and result.time_to_target is None
                and (m >= target if task.higher_is_better else m <= target)
            ):
                result.time_to_target = epoch + 1
            if not math.isfinite(m):
                result.diverged = True
                break
    finally:
        if bar is not None:
            bar.close()
    if result.history:
        result.final_metric = result.history[-1]["metric"]
    if result.diverged:
        result.final_metric = float("nan")
    result.wall_time = time.perf_counter() - t_start
    return result


def _bar(progress: bool, total: int, desc: str) -> Any:
    if not progress or not sys.stderr.isatty():
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc=desc, leave=False, file=sys.stderr)


def run_grid(
    task: Any,
    schedules: Sequence[Any],
    seeds: int | Sequence[int] = 3,
    optimizer: str | None = None,
    epochs: int | None = None,
    *,
    labels: Sequence[str] | None = None,
    progress: bool = False,
    **kwargs: Any,
) -> list[RunResult]:
    """Train every schedule for every seed under the same budget; results in that order.

    ``seeds``: a count ``n`` (seeds ``0..n-1``) or explicit seeds. Other
    keywords go to :func:`train`.
    """
    if isinstance(seeds, bool) or (isinstance(seeds, int) and seeds < 1):
        raise ValueError(
            f"run_grid: seeds must be a positive count or a list of seeds, got {seeds!r}"
        )
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    parsed = parse_schedules(schedules)
    if labels is not None and len(labels) != len(parsed):
        raise ValueError(
            f"run_grid: need one label per schedule, got {len(labels)} for {len(parsed)}"
        )
    base = _resolve_task(task, None)
    results = []
    for seed in seed_list:
        t = base.with_seed(seed) if seed != base.seed else base
        for i, s in enumerate(parsed):
            lab = labels[i] if labels is not None else (s if isinstance(s, str) else str(s))
            results.append(train(t, s, optimizer, epochs, progress=progress, label=lab, **kwargs))
    return results


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
    runs that reached it (``reached`` of ``runs``).
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
                "steps": rs[0].steps,
                "overhead_steps": max(r.overhead_steps for r in rs),
                "compute_steps": max(r.compute_steps for r in rs),
                "diverged": sum(r.diverged for r in rs),
            }
        )
    return out


def _row_cells(r: dict[str, Any], *, wordy: bool = False) -> list[str]:
    """The cells of one :func:`aggregate` row, in :func:`table`'s column order.

    final (mean ± std; accuracy in percent; ``nan`` when not finite), best
    epoch (``-`` when none), epochs to target (``-`` without a target,
    ``never`` when no run reached it), wall seconds, updates (+ the finder's),
    diverged/runs. ``wordy`` gives the HTML report's longer wording
    (``" %"``, ``"(2/3 runs)"``, ``"300 + 40"``) instead of the terminal's
    (``"%"``, ``"ep (2/3)"``, ``"300+40"``).
    """
    fm, fs = r["final_mean"], r["final_std"]
    if not math.isfinite(fm):
        final = "nan"
    elif r["metric_name"] == "accuracy":
        final = f"{100 * fm:.2f} ± {100 * fs:.2f}{' %' if wordy else '%'}"
    else:
        final = f"{fm:.4f} ± {fs:.4f}"
    be = "-" if not math.isfinite(r["best_epoch"]) else f"{r['best_epoch']:.1f}"
    if r["target"] is None:
        tt = "-"
    elif r["time_to_target"] is None:
        tt = "never"
    elif wordy:
        tt = f"{r['time_to_target']:.1f} ({r['reached']}/{r['runs']} runs)"
    else:
        tt = f"{r['time_to_target']:.1f} ep ({r['reached']}/{r['runs']})"
    upd = str(r["steps"])
    if r["overhead_steps"]:
        upd += f"{' + ' if wordy else '+'}{r['overhead_steps']}"
    return [final, be, tt, f"{r['wall_time']:.1f}", upd, f"{r['diverged']}/{r['runs']}"]


def table(rows: Sequence[dict[str, Any]], width: int = 48) -> str:
    """The comparison as aligned text (one line per schedule)."""
    if not rows:
        return "(no runs)"
    name = rows[0]["metric_name"]
    header = (
        "schedule",
        f"final {name} (mean ± std)",
        "best epoch",
        "to target",
        "wall s",
        "updates",
        "diverged",
    )
    lines = [header] + [(r["label"], *_row_cells(r)) for r in rows]
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    widths[0] = min(widths[0], width)

    def fmt(row: tuple[str, ...]) -> str:
        first = row[0] if len(row[0]) <= widths[0] else row[0][: widths[0] - 1] + "…"
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "  ".join([first.ljust(widths[0])] + rest)

    out = [fmt(lines[0]), "  ".join("-" * w for w in widths)] + [fmt(r) for r in lines[1:]]
    return "\n".join(out)
