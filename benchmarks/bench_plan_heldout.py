"""The plan on two tasks it was never developed on (issue 12's held-back check).

- ``tests/plan_user_task.py``: a noisy 5-input regression, a small tanh MLP,
  SGD with momentum, 200 updates, scored by the mean training MSE (it has no
  held-out data);
- ``benchmarks/plan_heldout_task.py``: three spirals, a ReLU MLP, Adam, 320
  updates, scored by the held-out cross-entropy;
- ``benchmarks/plan_heldout_task2.py``: teacher-student regression, a ReLU
  MLP, AdamW, 400 updates, scored by the held-out MSE (written after the
  first two were run, to check the progress rule they motivated);
- ``benchmarks/plan_heldout_task3.py``: softmax regression on overlapping
  Gaussian blobs, a linear model, plain SGD (no momentum), 320 updates,
  scored by the held-out cross-entropy (written and committed before any
  run on it; ``--tasks softmax-blobs --out plan_heldout_blobs``);
- ``benchmarks/plan_heldout_task4.py``: the adding problem, a GRU, RMSprop, 384
  updates, scored by the held-out MSE (written and committed before any run on
  it; ``--tasks adding-gru --out plan_heldout_adding``);
- ``benchmarks/plan_heldout_task5.py``: bump areas in noisy 1-D signals, a 1-D conv
  net with batch-norm, Adagrad, 320 updates, scored by the held-out MSE (written and
  committed before any run on it; ``--tasks bumps-conv-adagrad --out plan_heldout_bumps``);
- ``benchmarks/plan_heldout_task6.py``: sparse parity (3 of 12 signs), a ReLU MLP, NAdam, 512
  updates, scored by the held-out binary cross-entropy (written and committed after the sixth
  pass's rule and before any run on it; ``--tasks parity-mlp-nadam``).
- ``benchmarks/plan_heldout_task7.py``: concentric rings, a deep narrow tanh MLP with a
  vanishing-signal init, SGD with Nesterov momentum, 320 updates, scored by the held-out
  cross-entropy (written and committed after the seventh pass's rule and before any run on it;
  ``--tasks rings-deep-tanh-nesterov``).
- ``benchmarks/plan_heldout_task8.py``: a deep linear network from a small init (saddle-to-saddle
  plateaus), Adadelta, 384 updates, scored by the held-out MSE (written and committed after task 7
  learned nothing at any cell, before any run on it; ``--tasks deep-linear-adadelta``).
- ``benchmarks/plan_heldout_task9.py``: a 2-D wave fitted by a deep sigmoid MLP with plain SGD
  (saturating activations, no momentum), 384 updates, scored by the held-out MSE (written and
  committed after the eighth pass's change, before any run on it; ``--tasks sigmoid-wave-sgd``).
- ``benchmarks/plan_heldout_task10.py``: a random-teacher 4-class problem seen through inputs
  scaled by 0.05, a softplus MLP, plain SGD, 384 updates, scored by the held-out cross-entropy
  (written and committed after task 9 learned nothing beyond the mean, before any run on it;
  ``--tasks tiny-inputs-sgd``).
- ``benchmarks/plan_heldout_task11.py``: a leaky integrator learned by a vanilla tanh RNN from
  one badly scaled input channel, Adamax, 384 updates, scored by the held-out MSE (written and
  committed after the ninth pass's change, before any run on it; ``--tasks leaky-rnn-adamax``).
- ``benchmarks/plan_heldout_task12.py``: a random tanh teacher learned by a deep tanh MLP from a
  small init, RAdam, 384 updates, scored by the held-out MSE (written and committed after the
  tenth pass's change, before any run on it; ``--tasks small-init-tanh-radam``).
- ``benchmarks/plan_heldout_task13.py`` (a ReLU MLP classifier, SGD with momentum, 320 updates,
  held-out CE), ``plan_heldout_task14.py`` (a GELU MLP with LayerNorm, AdamW, a Fourier-feature
  regression, 384 updates, held-out MSE) and ``plan_heldout_task15.py`` (a bag-of-embeddings
  text classifier, Adam, 384 updates, held-out CE): written and committed together as the
  eleventh pass's clean check, before any run on them
  (``--tasks mlp-classifier-momentum,fourier-ln-adamw,bag-embeddings-adam``).
- ``benchmarks/plan_heldout_task16.py`` (a 1-D conv net classifying noisy frequency bands, Adam,
  320 updates, held-out CE), ``plan_heldout_task17.py`` (a SiLU MLP regression, SGD with Nesterov
  momentum and weight decay, 384 updates, held-out MSE) and ``plan_heldout_task18.py`` (a GRU
  sequence classifier, AdamW, 384 updates, held-out CE): written and committed together as the
  twelfth pass's clean check, before any run on them
  (``--tasks conv1d-bands-adam,silu-regression-nesterov,gru-majority-adamw``).

Against a grid a new user would try: {constant, cosine, one_cycle} x 6 rates
(chosen before any run, two per decade around the task's default rate), 3
seeds. The plan is ``lrkit.torch.plan(..., budget=0.5)`` then the real run
under its schedule. Nothing in the planner was tuned on these tasks.

Usage: python benchmarks/bench_plan_heldout.py [--seeds 3] [--tasks a,b] [--out STEM]
[--grid-from plan_heldout_blobs.json,...] (reuse the grid cells of earlier runs: they do not
depend on the planner) [--recipe] (also the new user's recipe the issue measured: ``find_lr``
with its defaults, then ``res.schedule("one_cycle", total)``)
Writes benchmarks/results/plan_heldout.md and plan_heldout.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

# the task's epochs, one after the other; the grid tuned on one seed
from bench_plan import TUNED_NOTE, _Epochs, tuned_grid  # noqa: E402

TASKS = {
    "tiny-regression": (
        os.path.join(ROOT, "tests", "plan_user_task.py") + ":make_task",
        [0.005, 0.01, 0.02, 0.05, 0.1, 0.2],
    ),
    "spirals": (
        os.path.join(HERE, "plan_heldout_task.py") + ":make_task",
        [0.001, 0.003, 0.01, 0.03, 0.1, 0.3],
    ),
    # written after the first two had been run, to check the rule they motivated
    "teacher-student": (
        os.path.join(HERE, "plan_heldout_task2.py") + ":make_task",
        [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    ),
    # written before the noise rule for rung 2 (docs/plan_research.md) was run on it or on
    # anything but tiny-regression; its rates chosen with it, before any run
    "softmax-blobs": (
        os.path.join(HERE, "plan_heldout_task3.py") + ":make_task",
        [0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
    ),
    # written and committed before the fourth pass's planner was run on any held-out
    # task; its rates fixed in the file with it (GRID_RATES), before any run
    "adding-gru": (
        os.path.join(HERE, "plan_heldout_task4.py") + ":make_task",
        [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    ),
    # written and committed after the fifth pass's rule (a rung whose probes score alike,
    # docs/plan_research.md "Tried and rejected") and before it ran on any task; rates in the file
    "bumps-conv-adagrad": (
        os.path.join(HERE, "plan_heldout_task5.py") + ":make_task",
        [0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
    ),
    # written and committed after the sixth pass's rule (docs/plan.md rule 6, the long rung)
    # was committed and before any planner ran on it; rates in the file (GRID_RATES)
    "parity-mlp-nadam": (
        os.path.join(HERE, "plan_heldout_task6.py") + ":make_task",
        [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    ),
    # written and committed after the seventh pass's rule (docs/plan.md rule 1, the blind
    # rung) was committed and before any planner ran on it; rates in the file (GRID_RATES)
    "rings-deep-tanh-nesterov": (
        os.path.join(HERE, "plan_heldout_task7.py") + ":make_task",
        [0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
    ),
    # written and committed after task 7 learned nothing at any cell and before any run on it
    "deep-linear-adadelta": (
        os.path.join(HERE, "plan_heldout_task8.py") + ":make_task",
        [0.1, 0.3, 1.0, 3.0, 10.0, 30.0],
    ),
    # written and committed after the eighth pass's change and before any run on it
    "sigmoid-wave-sgd": (
        os.path.join(HERE, "plan_heldout_task9.py") + ":make_task",
        [0.1, 0.3, 1.0, 3.0, 10.0, 30.0],
    ),
    # written and committed after task 9 learned nothing beyond the mean, before any run on it
    "tiny-inputs-sgd": (
        os.path.join(HERE, "plan_heldout_task10.py") + ":make_task",
        [0.3, 1.0, 3.0, 10.0, 30.0, 100.0],
    ),
    # written and committed after the ninth pass's change (docs/plan.md rules 1 and 2) was
    # committed and before any planner or grid ran on it; rates in the file (GRID_RATES)
    "leaky-rnn-adamax": (
        os.path.join(HERE, "plan_heldout_task11.py") + ":make_task",
        [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    ),
    # written and committed after the tenth pass's change (docs/plan.md rule 1: no evidence ->
    # the highest stable probe that scored alike) and before any planner or grid ran on it
    "small-init-tanh-radam": (
        os.path.join(HERE, "plan_heldout_task12.py") + ":make_task",
        [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    ),
    # tasks 13-15: written and committed together as the eleventh pass's clean check, before
    # any planner, recipe or grid ran on them; rates in the files (GRID_RATES)
    "mlp-classifier-momentum": (
        os.path.join(HERE, "plan_heldout_task13.py") + ":make_task",
        [0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
    ),
    "fourier-ln-adamw": (
        os.path.join(HERE, "plan_heldout_task14.py") + ":make_task",
        [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    ),
    "bag-embeddings-adam": (
        os.path.join(HERE, "plan_heldout_task15.py") + ":make_task",
        [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    ),
    # tasks 16-18: written and committed together as the twelfth pass's clean check, before
    # any planner, recipe or grid ran on them; rates in the files (GRID_RATES)
    "conv1d-bands-adam": (
        os.path.join(HERE, "plan_heldout_task16.py") + ":make_task",
        [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    ),
    "silu-regression-nesterov": (
        os.path.join(HERE, "plan_heldout_task17.py") + ":make_task",
        [0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
    ),
    "gru-majority-adamw": (
        os.path.join(HERE, "plan_heldout_task18.py") + ":make_task",
        [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    ),
}
SHAPES = ("constant({p})", "cosine({p})", "one_cycle({p})")


def _final(r) -> float:
    return math.inf if r.diverged else float(r.final_metric)


def _stored_grids(paths: list[str]) -> dict[str, dict]:
    """Grid results of earlier runs (``--grid-from``): task -> its row (cells, best per seed).

    The grid does not depend on the planner, and its cells are deterministic (same
    seeds, one torch thread): every pass so far reproduced them exactly."""
    out: dict[str, dict] = {}
    for p in paths:
        with open(
            p if os.path.isabs(p) else os.path.join(HERE, "results", p), encoding="utf-8"
        ) as f:
            for row in json.load(f):
                out.setdefault(row["task"], row)
    return out


def _recipe(lt, task, opt: str, total: int):
    """The new user's recipe the issue measured: ``find_lr`` with its defaults (100 updates
    from 1e-7 to 10), then ``res.schedule("one_cycle", total)``; ``(schedule, note)``. When
    the range test gives no suggestion, ``one_cycle`` at the task's default rate."""
    from lrkit.schedules import one_cycle

    model = task.make_model()
    o = task.make_optimizer(model, opt, lr=task.default_lr)
    res = lt.find_lr(model, o, task.loss_fn, _Epochs(task), progress=False)
    try:
        return res.schedule("one_cycle", total), f"{len(res.lrs)} updates"
    except Exception as e:  # noqa: BLE001  (a benchmark row, not a library path)
        return one_cycle(float(task.default_lr), total), f"no suggestion ({e}): default rate"


def run(
    seeds: int,
    only: list[str] | None = None,
    grids: dict | None = None,
    recipe: bool = False,
    budget: float = 0.5,
) -> list[dict]:
    import torch

    torch.set_num_threads(1)
    import lrkit.torch as lt
    from lrkit.bench import train
    from lrkit.tasks._load import load_task

    rows = []
    for name, (spec, rates) in TASKS.items():
        if only and name not in only:
            continue
        cells: dict[str, list[float]] = {}
        plans, finals, costs, overheads = [], [], [], []
        rec_finals, rec_scheds = [], []
        stored = (grids or {}).get(name)
        if stored is not None and stored["seeds"] != seeds:
            raise SystemExit(f"--grid-from: {name}'s grid has {stored['seeds']} seeds, not {seeds}")
        for s in range(seeds):
            task = load_task(spec, seed=s)
            E, opt = task.default_epochs, task.default_optimizer
            total = E * task.steps_per_epoch
            for tpl in SHAPES if stored is None else ():
                for p in rates:
                    sp = tpl.format(p=p)
                    cells.setdefault(sp, []).append(_final(train(task, sp, opt, E, label=sp)))
            model = task.make_model()
            o = task.make_optimizer(model, opt, lr=task.default_lr)
            pl = lt.plan(model, o, task.loss_fn, _Epochs(task), total, budget=budget)
            finals.append(_final(train(task, pl.schedule, opt, E, label="plan")))
            plans.append(str(pl.schedule))
            costs.append(pl.cost / total)
            overheads.append(pl.overhead_seconds / max(pl.run_seconds, 1e-9))
            print(f"{name} seed {s}: plan {finals[-1]:.4g} {plans[-1]}", file=sys.stderr)
            if recipe:
                sch, note = _recipe(lt, task, opt, total)
                rec_finals.append(_final(train(task, sch, opt, E, label="recipe")))
                rec_scheds.append(f"{sch} ({note})")
                print(f"{name} seed {s}: recipe {rec_finals[-1]:.4g} {sch}", file=sys.stderr)
        means = {k: statistics.fmean(v) for k, v in cells.items()}
        per_seed = dict(cells)
        if stored is not None:
            means = dict(stored["cells"])
            per_seed = dict(stored.get("cells_per_seed", {}))
            cells = {stored["best_cell"]: list(stored["best_per_seed"])}
        best = min(means, key=means.get)
        tuned = tuned_grid(per_seed) if per_seed and seeds > 1 else None
        rows.append(
            {
                "task": name,
                "total_steps": total,
                "seeds": seeds,
                "best_cell": best,
                "best": means[best],
                "best_per_seed": cells[best],
                "plan": statistics.fmean(finals),
                "plan_per_seed": finals,
                "plan_std": statistics.stdev(finals) if seeds > 1 else 0.0,
                "ratio": statistics.fmean(finals) / means[best],
                "cells": means,
                "schedules": plans,
                "extra_ratio": max(costs),
                "overhead_ratio": max(overheads),
                "grid_reused": stored is not None,
                "budget": budget,
                "cells_per_seed": per_seed,
                "tuned": tuned,
                "tuned_ratio": None if tuned is None else statistics.fmean(finals) / tuned,
            }
        )
        if recipe:
            rows[-1].update(
                recipe=statistics.fmean(rec_finals),
                recipe_per_seed=rec_finals,
                recipe_ratio=statistics.fmean(rec_finals) / means[best],
                recipe_tuned_ratio=(
                    None if tuned is None else statistics.fmean(rec_finals) / tuned
                ),
                recipe_schedules=rec_scheds,
            )
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "# `lrkit.plan` on held-back tasks",
        "",
        f"Generated by `python benchmarks/bench_plan_heldout.py` ({time.strftime('%Y-%m-%d')}). "
        "Lower is better (training MSE for tiny-regression, held-out cross-entropy for "
        "spirals and softmax-blobs, held-out MSE for teacher-student, adding-gru, "
        "bumps-conv-adagrad, deep-linear-adadelta, sigmoid-wave-sgd, leaky-rnn-adamax, "
        "small-init-tanh-radam, fourier-ln-adamw and silu-regression-nesterov, "
        "held-out binary "
        "cross-entropy for parity-mlp-nadam, held-out cross-entropy for "
        "rings-deep-tanh-nesterov, tiny-inputs-sgd, mlp-classifier-momentum, "
        "bag-embeddings-adam, conv1d-bands-adam and gru-majority-adamw); "
        "grid = {constant, cosine, one_cycle} x 6 rates, mean over seeds; the planner's "
        f"budget {rows[0].get('budget', 0.5) if rows else 0.5} (extra updates / one run).",
        "",
        "| task | best grid cell | plan (per seed) | plan / best | extra updates / run |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for r in rows:
        per = " / ".join(f"{v:.4g}" for v in r["plan_per_seed"])
        lines.append(
            f"| {r['task']} ({r['total_steps']} updates, {r['seeds']} seeds) | "
            f"`{r['best_cell']}` {r['best']:.4g} | {r['plan']:.4g} ({per}) | "
            f"{r['ratio']:.2f}x | {r['extra_ratio']:.2f} |"
        )
    with_recipe = [r for r in rows if "recipe" in r]
    if with_recipe:
        lines += [
            "",
            "The new user's recipe (`find_lr` with its defaults, then "
            '`res.schedule("one_cycle", total)`; up to 100 extra updates), same seeds:',
            "",
            "| task | recipe (per seed) | recipe / best | plan / best |",
            "| --- | --- | ---: | ---: |",
        ]
        for r in with_recipe:
            per = " / ".join(f"{v:.4g}" for v in r["recipe_per_seed"])
            lines.append(
                f"| {r['task']} | {r['recipe']:.4g} ({per}) | {r['recipe_ratio']:.2f}x | "
                f"{r['ratio']:.2f}x |"
            )
    with_tuned = [r for r in rows if r.get("tuned") is not None]
    if with_tuned:
        lines += [
            "",
            TUNED_NOTE,
            "",
            "| task | best cell (hindsight) | grid tuned on one seed | plan / tuned | "
            "recipe / tuned |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for r in with_tuned:
            rec = r.get("recipe_tuned_ratio")
            lines.append(
                f"| {r['task']} | {r['best']:.4g} | {r['tuned']:.4g} | "
                f"{r['tuned_ratio']:.2f}x | {'' if rec is None else f'{rec:.2f}x'} |"
            )
    for r in rows:
        lines += ["", f"## {r['task']}", "", "Planned schedules (seed 0, 1, ...):", ""]
        lines += [f"- `{s}`" for s in r["schedules"]]
        if "recipe_schedules" in r:
            lines += ["", "Recipe schedules (seed 0, 1, ...):", ""]
            lines += [f"- `{s}`" for s in r["recipe_schedules"]]
        reused = " (reused from an earlier run: `--grid-from`)" if r.get("grid_reused") else ""
        lines += ["", f"Grid (mean over seeds){reused}:", ""]
        lines += [f"- `{k}`: {v:.4g}" for k, v in r["cells"].items()]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--tasks", default="", help="comma-separated names (default: all)")
    ap.add_argument("--out", default="plan_heldout", help="results file stem")
    ap.add_argument(
        "--grid-from",
        default="",
        help="comma-separated result files (in benchmarks/results) whose grids are reused",
    )
    ap.add_argument(
        "--budget",
        type=float,
        default=0.5,
        help="the planner's budget (extra updates / one run; default 0.5, the issue's)",
    )
    ap.add_argument(
        "--recipe",
        action="store_true",
        help="also run the new user's recipe (find_lr defaults, then one_cycle) per seed",
    )
    args = ap.parse_args()
    grids = _stored_grids([p for p in args.grid_from.split(",") if p])
    only = [t for t in args.tasks.split(",") if t]
    rows = run(args.seeds, only, grids, args.recipe, args.budget)
    out = os.path.join(HERE, "results")
    with open(os.path.join(out, f"{args.out}.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1)
    md = markdown(rows)
    with open(os.path.join(out, f"{args.out}.md"), "w", encoding="utf-8") as f:
        f.write(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
