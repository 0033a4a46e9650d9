"""Does lrkit 0.1's ``auto`` (range test + one_cycle) match a tuned grid at a fraction of the cost?

(``lrkit bench --schedule auto`` is now the plan, measured by
``benchmarks/bench_plan.py``; this benchmark measures the range test +
one_cycle rule, ``lrkit.bench.finder_one_cycle``, as BENCHMARKS.md section 4
reports it, and provides the grid bench_plan shares.)

For each task: a grid {constant, step, cosine, one_cycle} x 4 peak rates, every
cell trained for the same budget on 3 seeds (mean of the final metric), against
``auto`` on the same seeds, its range test counted in its compute (optimizer
updates). Targets (issue 6): auto within 0.5 percentage points (accuracy) or
0.03 bits/char of the best grid cell, at <= 1/8 of the grid's compute.

Second question: does one_cycle reach the best step-decay result in at most
1/3 of the epochs (super-convergence)? one_cycle at each grid peak is trained
for ceil(E/3) epochs and compared with the best step-decay cell at E epochs.

Usage: python benchmarks/bench_auto.py [--tasks digits,mnist1d,charlm] [--jobs 2]
Writes benchmarks/results/auto.md and auto.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))

SETUPS = {
    "digits": {
        "optimizer": "sgd",
        "epochs": 20,
        "peaks": [0.025, 0.05, 0.1, 0.2],
        "overrides": {},
        "finder": {"steps": 300},
    },
    "mnist1d": {
        "optimizer": "adamw",
        "epochs": 20,
        "peaks": [0.003, 0.01, 0.03, 0.1],
        "overrides": {},
        "finder": {"steps": 300},
    },
    "charlm": {
        "optimizer": "adamw",
        "epochs": 6,
        "peaks": [0.001, 0.003, 0.01, 0.03],
        "overrides": {"epoch_steps": 50, "val_windows": 256},
        "finder": {"steps": 150, "start": 1e-5, "end": 1.0},
    },
}

#: a second ``auto`` rule measured beside the default (see lrkit.bench.auto_schedule)
ALT_RULE = "suggest"

SHAPES = {
    "constant": "constant({p})",
    "step": "step({p}, gamma=0.1, every='40%')",
    "cosine": "cosine({p})",
    "one_cycle": "one_cycle({p})",
}


def _job(args: tuple) -> dict:
    task_name, spec, seed, epochs, setup = args
    import torch

    torch.set_num_threads(1)
    from lrkit.bench import finder_one_cycle, train
    from lrkit.tasks import get_task

    task = get_task(task_name, seed=seed, **setup["overrides"])
    finder = dict(setup["finder"])
    if spec == "auto-" + ALT_RULE:  # the alternative rule, for comparison
        spec, finder["rule"] = "auto", ALT_RULE
    info = None
    if spec == "auto":  # the range test on the fresh model (restored), then one_cycle
        model = task.make_model()
        opt = task.make_optimizer(model, setup["optimizer"], lr=task.default_lr)
        sched, info = finder_one_cycle(task, model, opt, **finder)
        r = train(task, sched, setup["optimizer"], epochs, label=spec)
        r.finder, r.overhead_steps = info, info["steps"]
    else:
        r = train(task, spec, setup["optimizer"], epochs, label=spec)
    return {
        "task": task_name,
        "spec": spec,
        "seed": seed,
        "epochs": epochs,
        "final": r.final_metric,
        "diverged": r.diverged,
        "steps": r.steps,
        "overhead": r.overhead_steps,
        "wall": r.wall_time,
        "auto_schedule": r.finder["schedule"] if r.finder else None,
        "auto_info": (
            {k: r.finder[k] for k in ("suggestions", "range", "minimum_lr", "stop_reason", "steps")}
            if r.finder
            else None
        ),
        "history": [h["metric"] for h in r.history],
    }


def _mean(xs: list[float]) -> float:
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return sum(xs) / len(xs) if xs else float("nan")


def run_task(name: str, seeds: int, jobs: int) -> dict:
    setup = SETUPS[name]
    E = setup["epochs"]
    E3 = math.ceil(E / 3)
    work = []
    for tpl in SHAPES.values():
        for p in setup["peaks"]:
            for s in range(seeds):
                work.append((name, tpl.format(p=p), s, E, setup))
    for s in range(seeds):
        work.append((name, "auto", s, E, setup))
        work.append((name, "auto-" + ALT_RULE, s, E, setup))
    for p in setup["peaks"]:
        for s in range(seeds):
            work.append((name, f"one_cycle({p})@{E3}", s, E3, setup))
    t0 = time.perf_counter()
    fixed = [(w[0], w[1].split("@")[0], w[2], w[3], w[4]) for w in work]
    with ProcessPoolExecutor(max_workers=jobs) as ex:
        runs = list(ex.map(_job, fixed))
    for w, r in zip(work, runs):
        r["key"] = w[1]
    wall = time.perf_counter() - t0
    from lrkit.tasks import get_task

    task = get_task(name, **setup["overrides"])
    hib = task.higher_is_better
    cells: dict[str, list[dict]] = {}
    for r in runs:
        cells.setdefault(r["key"], []).append(r)
    summary = {
        k: {
            "mean": _mean([r["final"] for r in v]),
            "diverged": sum(r["diverged"] for r in v),
            "compute": sum(r["steps"] + r["overhead"] for r in v) / len(v),
            "wall": _mean([r["wall"] for r in v]),
        }
        for k, v in cells.items()
    }
    grid_keys = [tpl.format(p=p) for tpl in SHAPES.values() for p in setup["peaks"]]

    def better(a: float, b: float) -> bool:
        if not math.isfinite(a):
            return False
        return not math.isfinite(b) or (a > b if hib else a < b)

    best_key = grid_keys[0]
    for k in grid_keys:
        if better(summary[k]["mean"], summary[best_key]["mean"]):
            best_key = k
    grid_compute = sum(summary[k]["compute"] for k in grid_keys)
    auto = summary["auto"]
    gap = (summary[best_key]["mean"] - auto["mean"]) * (1 if hib else -1)
    tol = 0.005 if hib else 0.03
    step_keys = [SHAPES["step"].format(p=p) for p in setup["peaks"]]
    best_step = step_keys[0]
    for k in step_keys:
        if better(summary[k]["mean"], summary[best_step]["mean"]):
            best_step = k
    sc = {}
    for p in setup["peaks"]:
        k = f"one_cycle({p})@{E3}"
        sc[k] = summary[k]["mean"]
    sc_best = max(sc, key=lambda k: sc[k] if hib else -sc[k])
    reaches = not better(summary[best_step]["mean"], sc[sc_best])
    return {
        "task": name,
        "metric": task.metric_name,
        "optimizer": setup["optimizer"],
        "epochs": E,
        "steps_per_epoch": task.steps_per_epoch,
        "seeds": seeds,
        "overrides": setup["overrides"],
        "finder": setup["finder"],
        "summary": summary,
        "best_cell": best_key,
        "auto_gap": gap,
        "auto_within": gap <= tol,
        "tolerance": tol,
        "compute_ratio": auto["compute"] / grid_compute,
        "auto_schedules": [r["auto_schedule"] for r in cells["auto"]],
        "auto_alt_rule": ALT_RULE,
        "auto_alt": summary["auto-" + ALT_RULE],
        "auto_alt_gap": (summary[best_key]["mean"] - summary["auto-" + ALT_RULE]["mean"])
        * (1 if hib else -1),
        "auto_alt_schedules": [r["auto_schedule"] for r in cells["auto-" + ALT_RULE]],
        "best_step": best_step,
        "one_cycle_third": sc,
        "one_cycle_third_best": sc_best,
        "super_convergence": reaches,
        "wall": wall,
    }


def _fmt(metric: str, v: float) -> str:
    if not math.isfinite(v):
        return "diverged"
    return f"{100 * v:.2f}%" if metric == "accuracy" else f"{v:.4f}"


def markdown(results: list[dict], meta: dict) -> str:
    out = [
        "# `auto` vs a tuned grid, and super-convergence",
        "",
        "Generated by `python benchmarks/bench_auto.py` "
        f"({meta['date']}, {meta['machine']}, {meta['jobs']} worker process(es), "
        "1 torch thread each; the machine was shared with other jobs, so wall times are "
        "indicative only). Compute is counted in optimizer updates; `auto`'s includes its "
        "range test. Metric: mean of the final value over the seeds.",
        "",
    ]
    for r in results:
        m = r["metric"]
        unit = "pp" if m == "accuracy" else "bpc"
        gap = 100 * r["auto_gap"] if m == "accuracy" else r["auto_gap"]
        tol = 0.5 if m == "accuracy" else 0.03
        ok = lambda b: "**yes**" if b else "**no**"  # noqa: E731
        out += [
            f"## {r['task']} ({r['optimizer']}, {r['epochs']} epochs x {r['steps_per_epoch']} "
            f"updates, {r['seeds']} seeds)",
            "",
            f"Task options: `{r['overrides'] or 'defaults'}`; range test: `{r['finder']}`.",
            "",
            "| schedule | " + " | ".join(f"peak {p}" for p in SETUPS[r["task"]]["peaks"]) + " |",
            "| --- |" + " ---: |" * len(SETUPS[r["task"]]["peaks"]),
        ]
        for shape, tpl in SHAPES.items():
            cells = []
            for p in SETUPS[r["task"]]["peaks"]:
                k = tpl.format(p=p)
                v = _fmt(m, r["summary"][k]["mean"])
                cells.append(f"**{v}**" if k == r["best_cell"] else v)
            out.append(f"| {shape} | " + " | ".join(cells) + " |")
        a = r["summary"]["auto"]
        out += [
            "",
            f"- best grid cell: `{r['best_cell']}` = "
            f"{_fmt(m, r['summary'][r['best_cell']]['mean'])}",
            f"- `auto`: {_fmt(m, a['mean'])} (schedules used: "
            + ", ".join(f"`{s}`" for s in r["auto_schedules"])
            + ")",
            f"- gap to the best cell: {gap:+.2f} {unit} (target <= {tol} {unit}): "
            f"{ok(r['auto_within'])}",
            f"- `auto` with `rule='{r['auto_alt_rule']}'` (peak = the finder's default "
            f"suggestion): {_fmt(m, r['auto_alt']['mean'])}, gap "
            f"{(100 if m == 'accuracy' else 1) * r['auto_alt_gap']:+.2f} {unit} (schedules: "
            + ", ".join(f"`{s}`" for s in r["auto_alt_schedules"])
            + ")",
            f"- compute: auto {a['compute']:.0f} updates vs grid "
            f"{a['compute'] / r['compute_ratio']:.0f} = {r['compute_ratio']:.3f} of the grid "
            f"(target <= 0.125): {ok(r['compute_ratio'] <= 0.125)}",
            f"- super-convergence: best step decay `{r['best_step']}` at {r['epochs']} epochs = "
            f"{_fmt(m, r['summary'][r['best_step']]['mean'])}; one_cycle at "
            f"{math.ceil(r['epochs'] / 3)} epochs: "
            + ", ".join(f"{k.split('@')[0]} {_fmt(m, v)}" for k, v in r["one_cycle_third"].items())
            + f" -> reaches it in 1/3 of the epochs: {ok(r['super_convergence'])}",
            f"- wall time of this task's benchmark: {r['wall']:.0f} s",
            "",
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", default="digits,mnist1d,charlm")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args(argv)
    results = []
    for name in args.tasks.split(","):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.append(run_task(name, args.seeds, args.jobs))
        r = results[-1]
        print(
            f"  {name}: best {r['best_cell']} gap {r['auto_gap']:+.4f} ratio "
            f"{r['compute_ratio']:.3f} super-convergence {r['super_convergence']} "
            f"({r['wall']:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU(s), Python "
        f"{platform.python_version()}",
        "jobs": args.jobs,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "auto.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1, default=str)
    with open(os.path.join(args.out, "auto.md"), "w") as f:
        f.write(markdown(results, meta))
    print(f"wrote {os.path.join(args.out, 'auto.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
