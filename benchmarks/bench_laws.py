"""Loss-curve laws on the public curves (paper protocol) and on lrkit's own tasks.

1. Paper protocol (Luo et al., ICLR 2025): for each model size (25M, 100M,
   400M) fit a law on ``cosine_24000``, ``constant_24000`` and ``wsdcon_9``
   and predict the six other curves at every logged point; report the mean
   relative error as the paper does (each curve's mean, averaged over the six
   curves: its released fits give its published figures this way, tested in
   ``tests/test_laws.py``) and over all points pooled, the average over the six
   curves of the worst point's relative error, R², MAE and RMSE, the predicted
   cosine-vs-WSD final-loss gap, and the fit time, next to the published
   figures.
2. Speed: ``predict`` of ``cosine_72000`` at its 546 logged points and at all
   72,000 steps; one fit. ``--fit-cpu N``: only the fit's CPU time per law and size
   (N repeats, scipy imported beforehand), to compare checkouts run in turn.
3. ``law.optimize(24000, 3e-4, warmup=2160)``: predicted final loss of the
   optimized WSD and free (interpolate) schedules vs the public WSD and cosine.
4. Validation (``--validate``), on the three fitted curves only — what fit
   settings and forms are chosen by (the six held-out curves are never used
   to choose): V1, fit each fitted curve's points up to step 12,000 and
   predict its later points (extrapolation in length); V2, leave one of the
   three curves out, fit the other two and predict it (extrapolation in
   shape); V3, fit each fitted curve's points with area S(t) <= 2.4 (8,000 steps at
   the peak) and predict its later points (extrapolation in area). Mean relative
   error of each, and their averages over the sizes.
5. Own tasks (``--own``): per-step training losses of ``charlm`` and
   ``mnist1d`` under constant / cosine / two-stage step (fit) and WSD /
   linear-to-zero / one_cycle (predicted), one seed.

The public curves are read from ``../shared/data/loss_curves`` beside the
repository (MIT licence, see its LICENSE) or ``--data DIR``.

    python benchmarks/bench_laws.py [--laws multi_power,momentum,mean_pqs] [--own] [--json FILE]
        [--validate] [--weight step|none] [--delta 1e-3] [--fit-cpu N]
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

import lrkit
from lrkit.laws import Run, fit
from lrkit.laws.public import FIT_NAMES, SIZES, TEST_NAMES, find_root, load_public

ROOT = Path(__file__).resolve().parents[1]
DATA = find_root(ROOT)  # ../shared beside the clone (CI), or ../../shared

#: published (R², MAE, RMSE, mean rel. %, avg worst rel. %) of the MPL; momentum: mean rel. %
PUBLISHED = {
    "multi_power": {
        "25": (0.9988, 0.00376, 0.00465, 0.110, 0.409),
        "100": (0.9983, 0.00435, 0.00592, 0.142, 0.583),
        "400": (0.9978, 0.00484, 0.00730, 0.168, 0.995),
    },
    "momentum": {"25": 0.152, "100": 0.140, "400": 0.182},
}


#: keyword arguments of every ``fit`` of the public curves (``--weight``, ``--delta``)
FIT_KW: dict = {}


def paper_protocol(data: Path, law: str, size: str) -> dict:
    runs = load_public(data, size)
    t0 = time.perf_counter()
    fitted = fit([runs[n] for n in FIT_NAMES], law, **FIT_KW)
    fit_s = time.perf_counter() - t0
    err = fitted.errors([runs[n] for n in TEST_NAMES])
    per_curve = {n: fitted.errors(runs[n])["mean_rel"] for n in TEST_NAMES}
    cos, wsd = runs["cosine_24000"], runs["wsd_20000_24000"]
    # the last logged point of each (step 23920 and 23904)
    p_cos = float(fitted.predict(cos.eta, cos.steps[-1:])[0])
    p_wsd = float(fitted.predict(wsd.eta, wsd.steps[-1:])[0])
    pred_gap = p_cos - p_wsd
    true_gap = float(cos.losses[-1] - wsd.losses[-1])
    wsd_end = p_wsd / float(wsd.losses[-1]) - 1
    return {
        "law": law,
        "size": size,
        "fit_s": fit_s,
        **err,
        "per_curve_mean_rel": per_curve,
        "gap_pred": pred_gap,
        "gap_true": true_gap,
        "wsd_end_rel": wsd_end,
        "params": fitted.params,
    }


#: V3's area cut: the area of 8,000 steps at the public runs' peak 3e-4
AREA_CUT = 2.4


def _split(runs: dict, keep: dict) -> tuple[list[Run], list[Run]]:
    """Each run's points where ``keep[name]`` holds, and the others."""
    head = [Run(r.eta, r.steps[keep[n]], r.losses[keep[n]], name=n) for n, r in runs.items()]
    tail = [Run(r.eta, r.steps[~keep[n]], r.losses[~keep[n]], name=n) for n, r in runs.items()]
    return head, tail


KEYS = ("v1", "v2_mean", "v3")


def validation(data: Path, law: str, size: str, cut: int = 12000) -> dict:
    """Errors on the three fitted curves only (never the six held-out ones): V1, fit
    each curve's points up to ``cut`` and predict the rest; V2, fit two curves and
    predict the third (each in turn); V3, fit each curve's points with area
    :math:`S(t) \\le` ``AREA_CUT`` and predict the rest."""
    runs = load_public(data, size, FIT_NAMES)
    head, tail = _split(runs, {n: r.steps <= cut for n, r in runs.items()})
    v1 = fit(head, law, **FIT_KW).errors(tail)["mean_rel"]
    area = {n: np.cumsum(r.eta)[r.steps] <= AREA_CUT for n, r in runs.items()}
    head, tail = _split(runs, area)
    v3 = fit(head, law, **FIT_KW).errors(tail)["mean_rel"]
    v2 = {}
    for n in FIT_NAMES:
        other = [runs[m] for m in FIT_NAMES if m != n]
        v2[n] = fit(other, law, **FIT_KW).errors(runs[n])["mean_rel"]
    return {
        "law": law,
        "size": size,
        "v1": v1,
        "v2": v2,
        "v2_mean": float(np.mean(list(v2.values()))),
        "v3": v3,
    }


def figure(data: Path, out: str) -> str:
    """The 400M MPL fit with its predictions of the six held-out curves."""
    runs = load_public(data, "400")
    fitted = fit([runs[n] for n in FIT_NAMES], "multi_power", **FIT_KW)
    return fitted.plot(
        out,
        runs=[runs[n] for n in TEST_NAMES],
        title="Multi-Power Law, 400M: fitted on 3 curves, predicting 6 (dashed)",
    )


def speed(data: Path, law: str) -> dict:
    """CPU time (``time.process_time``, min of repeats) of ``predict`` on cosine_72000:
    at its logged points, and at all 72,000 steps; for the MPL also the direct
    evaluations at every step it replaces (the exact O(T^2) sum, timed at 240
    evenly spaced steps and scaled to 72,000; the fixed-block sum of lrkit 0.2's
    first version, chunked) and the dense result's largest relative error vs the
    exact sum at those 240 steps."""
    from lrkit.laws import _forms as F
    from lrkit.laws.public import public_rates

    runs = load_public(data, "400")
    fitted = fit([runs[n] for n in FIT_NAMES], law, **FIT_KW)
    r = runs["cosine_72000"]

    def best(f, n=5):
        ts = []
        for _ in range(n):
            t0 = time.process_time()
            f()
            ts.append(time.process_time() - t0)
        return min(ts)

    logged = best(lambda: fitted.predict(r.eta, r.steps))
    eta = public_rates("cosine_72000", 72000)
    every_steps = np.arange(1, 72000)
    every = best(lambda: fitted.predict(eta, every_steps))
    out = {"law": law, "predict_logged_ms": 1e3 * logged, "predict_every_step_s": every}
    if law != "multi_power":
        return out
    p = fitted.params
    sub = np.linspace(1, 71999, 240).round().astype(np.int64)
    t0 = time.process_time()
    exact = np.concatenate(
        [F.mpl_curve(F.geometry(eta, sub[i : i + 20], exact=True), p) for i in range(0, 240, 20)]
    )
    exact_s = (time.process_time() - t0) * every_steps.size / sub.size
    dense = fitted.predict(eta, every_steps)
    prep = F.prepare(eta)
    t0 = time.process_time()
    for i in range(0, every_steps.size, 2048):
        F.mpl_curve(F.geometry(eta, every_steps[i : i + 2048], prep=prep), p)
    blocked_s = time.process_time() - t0
    out.update(
        exact_every_step_s_extrapolated=exact_s,
        blocked_every_step_s=blocked_s,
        ratio_vs_exact=exact_s / every,
        ratio_vs_blocked=blocked_s / every,
        dense_max_rel_err_vs_exact=float(np.max(np.abs(dense[sub - 1] - exact) / exact)),
    )
    return out


def fit_cpu(data: Path, laws: list[str], sizes: list[str], repeats: int) -> list[dict]:
    """CPU time (``time.process_time``) of ``fit`` on the three paper-protocol curves,
    for each law and size, scipy imported beforehand (as fitting in a session that has
    fitted before): every repeat of each, and their min and median. To compare two
    checkouts, run it with each one's ``src`` on ``PYTHONPATH`` in turn."""
    import scipy.optimize  # noqa: F401  (imported beforehand: not part of the fit's time)
    import scipy.signal  # noqa: F401
    import scipy.sparse  # noqa: F401

    out = []
    for size in sizes:
        runs = load_public(data, size)
        fitted_on = [runs[n] for n in FIT_NAMES]
        for law in laws:
            secs = []
            for _ in range(repeats):
                t0 = time.process_time()
                fit(fitted_on, law, **FIT_KW)
                secs.append(time.process_time() - t0)
            out.append(
                {
                    "law": law,
                    "size": size,
                    "cpu_s": secs,
                    "min_s": min(secs),
                    "median_s": float(np.median(secs)),
                }
            )
    return out


def optimize_section(data: Path, law: str, size: str) -> dict:
    from lrkit.laws.public import public_rates

    runs = load_public(data, size, FIT_NAMES)
    fitted = fit(list(runs.values()), law, **FIT_KW)
    T = 24000
    t0 = time.perf_counter()
    s_wsd = fitted.optimize(T, 3e-4, warmup=2160, family="wsd")
    s_free = fitted.optimize(T, 3e-4, warmup=2160, family="interpolate")
    secs = time.perf_counter() - t0
    return {
        "law": law,
        "size": size,
        "optimized_wsd": str(s_wsd),
        "optimized_free": str(s_free),
        "final_optimized_wsd": fitted.final(s_wsd, T),
        "final_optimized_free": fitted.final(s_free, T),
        "final_public_wsd": fitted.final(public_rates("wsd_20000_24000", T)),
        "final_public_cosine": fitted.final(public_rates("cosine_24000", T)),
        "seconds": secs,
    }


OWN_FIT = {
    "constant": "warmup(constant({p}), steps='5%')",
    "cosine": "warmup(cosine({p}, 0.0), steps='5%')",
    "two-stage": "warmup(piecewise([{p}, {q}], boundaries=['60%']), steps='5%')",
}
OWN_TEST = {
    "wsd": "wsd({p}, warmup='5%', decay='20%')",
    "linear-to-zero": "warmup(linear({p}, 0.0), steps='5%')",
    "one_cycle": "one_cycle({p})",
}


def _smooth(y: np.ndarray, w: int) -> np.ndarray:
    """Centered moving average (window ``w``, shrinking at the ends)."""
    c = np.cumsum(np.concatenate([[0.0], y]))
    i = np.arange(y.size)
    lo, hi = np.maximum(0, i - w // 2), np.minimum(y.size, i + w // 2 + 1)
    return (c[hi] - c[lo]) / (hi - lo)


#: reduced budgets (the machine is shared): task -> (overrides, epochs)
OWN_BUDGET = {"charlm": ({"epoch_steps": 50, "val_windows": 64}, 6), "mnist1d": ({}, 8)}


def own_task(task_name: str, law: str, seed: int = 0, smooth: int = 15, every: int = 5) -> dict:
    import torch

    from lrkit.bench import train
    from lrkit.tasks import get_task

    torch.set_num_threads(1)
    over, epochs = OWN_BUDGET[task_name]
    task = get_task(task_name, seed, **over)
    peak = task.default_lr
    total = epochs * task.steps_per_epoch
    runs, raw = {}, {}
    for name, spec in {**OWN_FIT, **OWN_TEST}.items():
        s = lrkit.parse(spec.format(p=peak, q=peak / 10)).bind(
            total_steps=total, steps_per_epoch=task.steps_per_epoch
        )
        res = train(task, s, epochs=epochs)
        y = np.asarray(res.step_losses, dtype=np.float64)
        steps = np.arange(y.size)[::every]
        raw[name] = float(y[-max(1, y.size // 20) :].mean())
        runs[name] = Run(s, steps[steps > 0], _smooth(y, smooth)[::every][steps > 0], name=name)
    fitted = fit([runs[n] for n in OWN_FIT], law)
    out = {"task": task_name, "law": law, "steps": total, "peak": peak, "curves": {}}
    for n in OWN_TEST:
        e = fitted.errors(runs[n])
        r = runs[n]
        end = float(fitted.predict(r.schedule, [r.steps[-1]])[0] / r.losses[-1] - 1)
        out["curves"][n] = {"mean_rel": e["mean_rel"], "worst_rel": e["worst_rel"], "end_rel": end}
    out["fit_mean_rel"] = fitted.info["fit_mean_rel"]
    out["rank_pred"] = sorted(OWN_TEST, key=lambda n: fitted.final(runs[n].schedule, total))
    out["rank_true"] = sorted(OWN_TEST, key=lambda n: raw[n])
    return out


def _se(a: list) -> float:
    return float(np.std(a, ddof=1) / np.sqrt(len(a))) if len(a) > 1 else 0.0


def optimize_charlm(seeds: int = 3) -> dict:
    """``law.optimize`` checked by training (issue 11): an MPL fitted on charlm's
    constant / cosine / two-stage runs (seed 0, smoothed per-step training losses, as
    ``own_task``) proposes the WSD minimizing the predicted final loss; it is trained
    on ``seeds`` seeds against WSD (20 % linear cooldown) and cosine to 0 at the same
    peak and warmup (5 %). Reported: mean final validation bits/char and the mean of
    the last 5 % of per-step training losses, with standard errors over seeds."""
    import torch

    from lrkit.bench import train
    from lrkit.tasks import get_task

    torch.set_num_threads(1)
    over, epochs = OWN_BUDGET["charlm"]
    task = get_task("charlm", 0, **over)
    peak, total, smooth, every = task.default_lr, epochs * task.steps_per_epoch, 15, 5
    runs = []
    for name, spec in OWN_FIT.items():
        sch = lrkit.parse(spec.format(p=peak, q=peak / 10)).bind(total_steps=total)
        y = np.asarray(train(task, sch, epochs=epochs).step_losses, dtype=np.float64)
        steps = np.arange(y.size)[::every]
        runs.append(Run(sch, steps[steps > 0], _smooth(y, smooth)[::every][steps > 0], name=name))
    law = fit(runs, "multi_power")  # the MPL, as documented (not fit()'s default)
    warm = round(0.05 * total)
    opt = law.optimize(total, peak, warmup=warm, family="wsd")
    cands = {
        "optimized": opt,
        "wsd 20 %": lrkit.wsd(peak, warmup="5%", decay="20%").bind(total_steps=total),
        "cosine": lrkit.warmup(lrkit.cosine(peak, 0.0), steps="5%").bind(total_steps=total),
    }
    out: dict = {"steps": total, "peak": peak, "optimized_spec": str(opt), "law": law.params}
    for name, sch in cands.items():
        bpc, tail = [], []
        for sd in range(seeds):
            res = train(get_task("charlm", sd, **over), sch, epochs=epochs)
            y = np.asarray(res.step_losses, dtype=np.float64)
            bpc.append(res.final_metric)
            tail.append(float(y[-max(1, y.size // 20) :].mean()))
        se = _se
        out[name] = {
            "predicted_final": float(law.final(sch, total)),
            "val_bpc": float(np.mean(bpc)),
            "val_bpc_se": se(bpc),
            "train_tail": float(np.mean(tail)),
            "train_tail_se": se(tail),
            "bpc_per_seed": bpc,
        }
        print(name, json.dumps(out[name]), flush=True)
    return out


def _table(rows: list[dict]) -> str:
    lines = [
        "| law | size | mean rel. % per curve (published) | pooled % | avg worst % | R² | MAE "
        "| RMSE | cos−WSD gap pred / true | WSD end | fit s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        pub = PUBLISHED.get(r["law"], {}).get(r["size"])
        pm = pub[3] if isinstance(pub, tuple) else pub
        pms = f"{pm:.3f}" if pm is not None else "—"
        lines.append(
            f"| {r['law']} | {r['size']}M | {100 * r['mean_rel_runs']:.3f} ({pms}) "
            f"| {100 * r['mean_rel']:.3f} | {100 * r['worst_rel']:.3f} | {r['r2']:.4f} "
            f"| {r['mae']:.5f} | {r['rmse']:.5f} "
            f"| {r['gap_pred']:.4f} / {r['gap_true']:.4f} ({r['gap_pred'] / r['gap_true']:.1f}x) "
            f"| {100 * r['wsd_end_rel']:+.2f} % | {r['fit_s']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--laws", default="multi_power,momentum")
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--own", action="store_true", help="also run the own-task section")
    ap.add_argument("--only-own", action="store_true", help="run only the own-task section")
    ap.add_argument("--only-speed", action="store_true", help="run only the speed section")
    ap.add_argument(
        "--fit-cpu",
        type=int,
        default=0,
        metavar="N",
        help="only: the fit's CPU time per law and size, N repeats (scipy imported first)",
    )
    ap.add_argument(
        "--optimize-charlm", action="store_true", help="only: train law.optimize's WSD on charlm"
    )
    ap.add_argument("--figure", default=None, help="also draw the 400M figure to this PNG")
    ap.add_argument(
        "--validate", action="store_true", help="only: the validation splits of the fitted curves"
    )
    ap.add_argument("--weight", default="step", help="fit's point weighting (step or none)")
    ap.add_argument("--delta", type=float, default=None, help="fit's Huber delta")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "laws.json"))
    a = ap.parse_args()
    data = Path(a.data)
    laws = a.laws.split(",")
    FIT_KW["weight"] = a.weight
    if a.delta is not None:
        FIT_KW["delta"] = a.delta
    meta = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}",
    }
    if a.only_own:
        own = [own_task(task, laws[0]) for task in ("charlm", "mnist1d")]
        for o in own:
            print(json.dumps(o))
        with open(a.json.replace(".json", "_own.json"), "w") as f:
            json.dump({"meta": meta, "own": own}, f, indent=1)
        return
    if a.optimize_charlm:
        res = optimize_charlm()
        with open(a.json.replace(".json", "_optimize_charlm.json"), "w") as f:
            json.dump({"meta": meta, "optimize_charlm": res}, f, indent=1)
        return
    if a.validate:
        val = [validation(data, law, s) for law in laws for s in a.sizes.split(",")]
        for v in val:
            print(
                f"{v['law']} {v['size']}M {FIT_KW}: V1 {100 * v['v1']:.3f} %, V2 "
                + " / ".join(f"{100 * e:.3f}" for e in v["v2"].values())
                + f" % (mean {100 * v['v2_mean']:.3f} %), V3 {100 * v['v3']:.3f} %"
            )
        for law in laws:
            avg = [float(np.mean([v[k] for v in val if v["law"] == law])) for k in KEYS]
            print(
                f"{law} average over sizes: V1 {100 * avg[0]:.4f} %, V2 {100 * avg[1]:.4f} %, "
                f"V3 {100 * avg[2]:.4f} %; V1+V2 {100 * (avg[0] + avg[1]):.4f} %, "
                f"V1+V2+V3 {100 * sum(avg):.4f} %"
            )
        tag = "_".join([*(f"{k}{v}" for k, v in FIT_KW.items()), "+".join(laws)])
        with open(a.json.replace(".json", f"_validation_{tag}.json"), "w") as f:
            json.dump({"meta": meta, "fit": FIT_KW, "validation": val}, f, indent=1)
        return
    if a.fit_cpu:
        for r in fit_cpu(data, laws, a.sizes.split(","), a.fit_cpu):
            times = " ".join(f"{t:.2f}" for t in r["cpu_s"])
            print(
                f"fit {r['law']} {r['size']}M: CPU {times} s "
                f"(min {r['min_s']:.2f}, median {r['median_s']:.2f}) [{lrkit.__file__}]",
                flush=True,
            )
        return
    if a.only_speed:
        for law in laws:
            print(json.dumps(speed(data, law)))
        return
    if a.figure:
        print("figure written to", figure(data, a.figure))
    rows = [paper_protocol(data, law, s) for law in laws for s in a.sizes.split(",")]
    print(_table(rows))
    sp = [speed(data, law) for law in laws]
    for s in sp:
        print(
            f"{s['law']}: predict cosine_72000 at its logged points "
            f"{s['predict_logged_ms']:.1f} ms, "
            f"at every step {1e3 * s['predict_every_step_s']:.1f} ms"
        )
        if "ratio_vs_exact" in s:
            print(
                f"  exact O(T^2) at every step ~{s['exact_every_step_s_extrapolated']:.0f} s "
                f"({s['ratio_vs_exact']:.0f}x slower), fixed blocks "
                f"{s['blocked_every_step_s']:.2f} s ({s['ratio_vs_blocked']:.0f}x); "
                f"dense max rel. error vs exact {s['dense_max_rel_err_vs_exact']:.1e}"
            )
    opt = [optimize_section(data, law, s) for law in laws[:1] for s in a.sizes.split(",")]
    for o in opt:
        print(
            f"optimize {o['law']} {o['size']}M: wsd {o['final_optimized_wsd']:.4f} "
            f"free {o['final_optimized_free']:.4f} | public wsd {o['final_public_wsd']:.4f} "
            f"cosine {o['final_public_cosine']:.4f} | {o['optimized_wsd']}"
        )
    own = []
    if a.own:
        for task in ("charlm", "mnist1d"):
            o = own_task(task, laws[0])
            own.append(o)
            print(json.dumps(o))
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(
            {"meta": meta, "fit": FIT_KW, "paper": rows, "speed": sp, "optimize": opt, "own": own},
            f,
            indent=1,
        )


if __name__ == "__main__":
    main()
