"""Sweeps: the law rule vs ASHA and median pruning on recorded curves; Ray vs serial bench.

1. Early stopping replayed on recorded loss curves. Sources: the public curves
   of Luo et al. (ICLR 2025; ``../shared/data/loss_curves``, MIT licence, see
   its LICENSE; read at run time, not copied) — for each model size the seven
   24,000-step runs (constant, cosine, two WSD, three two-stage) — and curves
   recorded here on lrkit's ``charlm`` task (eight schedules, one seed;
   cached in ``benchmarks/results/tune_curves.json``). A *sweep* is a random
   subset of a source's trials in a random order; it is repeated.

   a. Same compute by construction (synchronous successive halving, factor 2,
      rungs at 1/4 and 1/2 of the run: keep the better half at each rung, run
      the rest to the end; compute 0.5 of the full runs): ranked by the loss at
      the rung (ASHA's rule) vs by the law's predicted final loss.
   b. The real Optuna pruners, trials one after another, consulted at
      1/4, 3/8, 1/2, 5/8 and 3/4 of the run: ``MedianPruner``,
      ``SuccessiveHalvingPruner`` (ASHA), and :func:`lrkit.tune.law_pruner`.

   Reported per rule: how often the trial that ends best (lowest mean of its
   last logged losses) is kept to the end, and the compute used (fraction of
   the full runs' steps).
2. ``lrkit bench`` grid on Ray vs serial: 16 cells (8 schedules x 2 seeds) of
   ``digits``; identical results; wall time once Ray is up, Ray's start-up
   apart.

    python benchmarks/bench_tune.py [--repeats 12] [--seq-repeats 4] [--skip-ray] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from lrkit.laws.public import find_root

ROOT = Path(__file__).resolve().parents[1]
DATA = find_root(ROOT)  # ../shared beside the clone (CI), or ../../shared
CACHE = ROOT / "benchmarks" / "results" / "tune_curves.json"
PUBLIC = ("constant_24000", "cosine_24000", "wsd_20000_24000", "wsdld_20000_24000",
          "wsdcon_3", "wsdcon_9", "wsdcon_18")  # fmt: skip
CHARLM = {
    "cosine": "cosine({p})",
    "cosine_2x": "cosine({q})",
    "wsd_20": "wsd({p}, warmup='5%', decay='20%')",
    "wsd_2x_20": "wsd({q}, warmup='5%', decay='20%')",
    "linear": "linear({p}, 0.0)",
    "one_cycle": "one_cycle({q})",
    "step": "step({p}, 0.1, every='40%')",
    "constant": "constant({p})",
}


# ------------------------------------------------------------------ sources
def public_sources(data: Path) -> dict[str, dict]:
    """{source: {"T": steps, "trials": {name: (rates, steps, losses)}}}."""
    from lrkit.laws.public import load_public, public_rates

    out = {}
    for size in ("25", "100", "400"):
        runs = load_public(data, size, PUBLIC)
        out[f"public {size}M"] = {
            "T": 24000,
            "trials": {n: (public_rates(n, 24000), r.steps, r.losses) for n, r in runs.items()},
        }
    return out


def charlm_source(smooth: int = 15, every: int = 5) -> dict:
    """Record (or read the cache of) eight charlm runs; report a trailing mean every 5 steps."""
    if CACHE.is_file():
        raw = json.loads(CACHE.read_text())
    else:
        import torch

        from lrkit.bench import train
        from lrkit.tasks import get_task

        torch.set_num_threads(1)
        task = get_task("charlm", 0, epoch_steps=50, val_windows=64)
        epochs, p = 6, task.default_lr
        raw = {"task": "charlm", "epochs": epochs, "steps": epochs * task.steps_per_epoch,
               "runs": {}}  # fmt: skip
        for name, spec in CHARLM.items():
            s = spec.format(p=p, q=2 * p)
            r = train(task, s, epochs=epochs)
            raw["runs"][name] = {"schedule": s, "losses": r.step_losses}
            print(f"  recorded charlm {name}: {s}, final loss {np.mean(r.step_losses[-15:]):.4f}")
        CACHE.write_text(json.dumps(raw))
    T = raw["steps"]
    trials = {}
    for name, run in raw["runs"].items():
        y = np.asarray(run["losses"], dtype=np.float64)
        c = np.cumsum(np.insert(y, 0, 0.0))
        idx = np.arange(every - 1, y.size, every)
        lo = np.maximum(idx + 1 - smooth, 0)
        trials[name] = (run["schedule"], idx, (c[idx + 1] - c[lo]) / (idx + 1 - lo))
    return {"charlm": {"T": T, "trials": trials}}


def _final(curve: tuple) -> float:
    return float(np.mean(curve[2][-3:]))


def _upto(curve: tuple, step: float) -> tuple:
    keep = np.asarray(curve[1]) <= step
    return curve[0], np.asarray(curve[1])[keep], np.asarray(curve[2])[keep]


def _at(curve: tuple, step: float) -> float:
    st = np.asarray(curve[1])
    i = int(np.searchsorted(st, step, side="right")) - 1
    return float(np.asarray(curve[2])[max(i, 0)])


# ------------------------------------------------------------------ a. same compute
def sync_sha(trials: dict, T: int, by: str) -> tuple[set, float, int]:
    """Synchronous successive halving (factor 2, rungs T/4 and T/2).

    Returns (kept, compute, rungs where the law was trusted). An untrusted law
    (its fit error above 1 %, see ``predicted_finals``) falls back to the loss."""
    from lrkit.tune import predicted_finals

    alive = list(trials)
    used = {n: T for n in trials}
    trusted = 0
    for rung in (T / 4, T / 2):
        if by == "loss":
            score = {n: _at(trials[n], rung) for n in alive}
        else:  # the law on every curve seen so far
            seen = {n: _upto(trials[n], min(used[n], rung)) for n in trials}
            pred = predicted_finals(seen, T)
            trusted += pred is not None
            pred = pred or {n: _at(trials[n], rung) for n in trials}
            score = {n: pred[n] for n in alive}
        keep = sorted(alive, key=score.get)[: max(1, (len(alive) + 1) // 2)]
        for n in alive:
            if n not in keep:
                used[n] = int(rung)
        alive = keep
    return set(alive), sum(used.values()) / (len(trials) * T), trusted


# ------------------------------------------------------------------ b. real optuna pruners
def optuna_sequential(trials: dict, order: list, T: int, pruner) -> tuple[set, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(pruner=pruner)
    checks = [T * k / 8 for k in (2, 3, 4, 5, 6)]
    kept, used = set(), 0
    for n in order:
        sched, steps, losses = trials[n]
        tr = study.ask()
        tr.set_user_attr("name", n)
        pruned, nxt = None, 0
        for s, v in zip(steps, losses):
            tr.report(float(v), int(s))
            if nxt < len(checks) and s >= checks[nxt]:
                nxt += 1
                if tr.should_prune():
                    pruned = int(s)
                    break
        if pruned is None:
            kept.add(n)
            used += T
            study.tell(tr, float(losses[-1]))
        else:
            used += pruned
            study.tell(tr, state=optuna.trial.TrialState.PRUNED)
    return kept, used / (len(order) * T)


def early_stopping(sources: dict, repeats: int, seq_repeats: int, size: int, seed: int) -> dict:
    import optuna

    from lrkit.tune import law_pruner

    rng = np.random.default_rng(seed)
    res: dict = {}
    for src, d in sources.items():
        T, trials = d["T"], d["trials"]
        k = min(size, len(trials))
        rows = {r: {"kept": 0, "compute": 0.0, "n": 0, "trusted": 0} for r in
                ("sha_by_loss", "sha_by_law", "median", "asha", "law_pruner")}  # fmt: skip
        for rep in range(repeats):
            names = list(rng.permutation(list(trials))[:k])
            sub = {n: trials[n] for n in names}
            best = min(sub, key=lambda n: _final(sub[n]))
            for by in ("loss", "law"):
                kept, comp, trusted = sync_sha(sub, T, by)
                r = rows[f"sha_by_{by}"]
                r["trusted"] += trusted
                r["kept"] += best in kept
                r["compute"] += comp
                r["n"] += 1
            if rep >= seq_repeats:
                continue
            pruners = {
                "median": optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=T // 4),
                "asha": optuna.pruners.SuccessiveHalvingPruner(
                    min_resource=T // 4, reduction_factor=2
                ),  # fmt: skip
                "law_pruner": law_pruner(  # schedules: specs, or the public runs' rates
                    T,
                    margin=0.01,
                    grace=0.25,
                    schedule_of=lambda t, tr=trials: tr[t.user_attrs["name"]][0],
                ),  # fmt: skip
            }
            for name, pr in pruners.items():
                kept, comp = optuna_sequential(sub, names, T, pr)
                r = rows[name]
                r["kept"] += best in kept
                r["compute"] += comp
                r["n"] += 1
            print(f"  {src} sweep {rep + 1}/{repeats} done", flush=True)
        res[src] = {
            r: {
                "kept_best": v["kept"] / v["n"],
                "compute": v["compute"] / v["n"],
                "sweeps": v["n"],
                "law_trusted": v["trusted"] / (2 * v["n"]),
            }
            for r, v in rows.items()
            if v["n"]
        }
    return res


# ------------------------------------------------------------------ 2. Ray vs serial
def ray_vs_serial(epochs: int = 3) -> dict:
    import torch

    from lrkit.bench import run_grid
    from lrkit.tasks import get_task

    torch.set_num_threads(1)
    task = get_task("digits", seed=0)
    sched = [f"cosine({p})" for p in (0.02, 0.05, 0.1, 0.2)] + [
        f"wsd({p}, warmup='5%', decay='20%')" for p in (0.02, 0.05, 0.1, 0.2)
    ]
    run_grid(task, sched[:2], seeds=1, epochs=1)  # this process warmed up, as Ray's workers are
    t = time.perf_counter()
    serial = run_grid(task, sched, seeds=2, epochs=epochs)
    t_serial = time.perf_counter() - t
    import ray

    t = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    t_init = time.perf_counter() - t
    t = time.perf_counter()
    run_grid(task, sched[:2], seeds=1, epochs=1, backend="ray")  # workers up, torch imported
    t_warm = time.perf_counter() - t
    t = time.perf_counter()
    on_ray = run_grid(task, sched, seeds=2, epochs=epochs, backend="ray")
    t_ray = time.perf_counter() - t
    ray.shutdown()
    same = all(
        {**a.to_dict(), "wall_time": 0} == {**b.to_dict(), "wall_time": 0}
        for a, b in zip(serial, on_ray)
    )
    return {"cells": len(serial), "identical": same, "serial_s": t_serial, "ray_s": t_ray,
            "ratio": t_ray / t_serial, "ray_init_s": t_init, "ray_warmup_s": t_warm,
            "steps_per_cell": serial[0].steps}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--repeats", type=int, default=12, help="sweeps per source (same-compute)")
    ap.add_argument("--seq-repeats", type=int, default=4, help="of those, with Optuna pruners")
    ap.add_argument("--size", type=int, default=5, help="trials per sweep")
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--ray-epochs", default="3,20", help="digits budgets timed (epochs)")
    ap.add_argument("--skip-stop", action="store_true")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "tune.json"))
    a = ap.parse_args()
    out: dict = {"meta": {"date": datetime.date.today().isoformat(),
                          "machine": f"{platform.machine()}, {os.cpu_count()} CPU(s), "
                                     f"Python {platform.python_version()}"}}  # fmt: skip
    if not a.skip_stop:
        sources = {**public_sources(Path(a.data)), **charlm_source()}
        out["stopping"] = early_stopping(sources, a.repeats, a.seq_repeats, a.size, seed=0)
        print("| source | rule | kept best-final trial | compute |")
        print("| --- | --- | ---: | ---: |")
        for src, rows in out["stopping"].items():
            for r, v in rows.items():
                trust = (
                    f" (law trusted at {100 * v['law_trusted']:.0f} % of rungs)"
                    if r == "sha_by_law"
                    else ""
                )
                print(f"| {src} | {r}{trust} | {100 * v['kept_best']:.0f} % ({v['sweeps']} sweeps) "
                      f"| {v['compute']:.2f} |")  # fmt: skip
    for e in [] if a.skip_ray else [int(x) for x in a.ray_epochs.split(",")]:
        out[f"ray_{e}ep"] = r = ray_vs_serial(e)
        print(f"ray vs serial, {e} epochs, {r['cells']} cells: identical={r['identical']}, serial "
              f"{r['serial_s']:.1f} s, ray {r['ray_s']:.1f} s ({r['ratio']:.2f}x); ray.init "
              f"{r['ray_init_s']:.1f} s, first tasks {r['ray_warmup_s']:.1f} s")  # fmt: skip
    if a.json:
        old = json.loads(Path(a.json).read_text()) if Path(a.json).is_file() else {}
        old.update(out)
        Path(a.json).write_text(json.dumps(old, indent=1))


if __name__ == "__main__":
    main()
