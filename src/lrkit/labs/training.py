"""The labs that train the built-in tasks (torch, imported when a lab runs)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import lrkit

from ._common import fig_path, mean_se, panels, r, tick, verdict_of


def _torch() -> Any:
    import torch

    torch.set_num_threads(1)
    return torch


def _loop(
    task: Any,
    lr: Any,
    optimizer: str,
    epochs: int,
    *,
    momentum: float = 0.9,
    weight_decay: Any = 0.0,
) -> dict[str, Any]:
    """Training (``lrkit.bench.fit``) for labs that record more than ``bench.train``.

    Sets every param group's ``lr`` (and ``weight_decay`` when it is a
    schedule) from the bound lrkit schedules before each update; records the
    training loss per step, and per epoch the validation loss/metric and the
    global L2 norm of the weights. Stops when the validation loss is not finite.
    """
    from ..bench import fit

    torch = _torch()
    spe = task.steps_per_epoch
    total = epochs * spe
    lr_b = lrkit.as_schedule(lr).bind(total_steps=total, steps_per_epoch=spe)
    wd_b = (
        None
        if isinstance(weight_decay, (int, float))
        else lrkit.as_schedule(weight_decay).bind(total_steps=total, steps_per_epoch=spe)
    )
    wd0 = float(weight_decay) if wd_b is None else float(wd_b(0))
    model = task.make_model()
    opt = task.make_optimizer(
        model, optimizer, lr=float(lr_b(0)), momentum=momentum, weight_decay=wd0
    )
    wds: list[float] = []

    def set_rates(t: int) -> None:
        eta = float(lr_b(t))
        wd = wd0 if wd_b is None else float(wd_b(t))
        for g in opt.param_groups:
            g["lr"] = eta
            g["weight_decay"] = wd
        wds.append(wd)

    def on_epoch(record: dict[str, float], model: Any) -> bool:
        with torch.no_grad():
            norm = float(torch.sqrt(sum((p.detach() ** 2).sum() for p in model.parameters())))
        record["weight_norm"] = norm
        return not math.isfinite(record["val_loss"])

    trace = fit(task, model, opt, epochs, before_update=set_rates, on_epoch=on_epoch)
    return {
        "step_loss": trace["step_losses"],
        "lr": trace["lr"],
        "wd": wds,
        "epochs": trace["history"],
        "diverged": trace["diverged"],
    }


def _train(task: Any, schedule: Any, epochs: int, **kw: Any) -> Any:
    from ..bench import train

    _torch()
    res = train(task, schedule, epochs=epochs, progress=False, **kw)
    tick(str(schedule))  # the lab's progress bar (lrkit lab on a terminal), if any
    return res


# ----------------------------------------------------------------- 4 decay-speed
def _early_stop(history: list[dict[str, float]], patience: int) -> int | None:
    """The epoch at which ``EarlyStopping(mode="min", patience)`` on the validation loss fires."""
    from ..control import EarlyStopping

    es = EarlyStopping(mode="min", patience=patience)
    for h in history:
        es.update(h["val_loss"])
        if es.should_stop:
            return int(h["epoch"])
    return None


def decay_speed(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    from ..tasks import get_task

    ci = budget == "ci"
    task = get_task("digits", seed, test_fraction=0.5)
    spe = task.steps_per_epoch
    E = 25 if ci else 120
    peak = 0.05
    scheds = {
        "too fast: exponential, half-life 1/3 epoch": lrkit.exponential(
            peak, half_life=max(1, spe // 3)
        ),
        "too slow: constant": lrkit.constant(peak),
        "cosine over the run": lrkit.cosine(peak, 0.0),
    }
    patience = 10
    runs = {name: _train(task, s, E, optimizer="sgd", momentum=0.9) for name, s in scheds.items()}
    stops = {name: _early_stop(res.history, patience) for name, res in runs.items()}
    fast, slow, cos = list(scheds)

    def hist(name: str, key: str) -> np.ndarray:
        return np.array([h[key] for h in runs[name].history])

    tr = {k: hist(k, "train_loss") for k in scheds}
    va = {k: hist(k, "val_loss") for k in scheds}
    # underfitting: the fast decay stalls with training AND validation loss high
    under = tr[fast][-1] > 5 * tr[cos][-1] and va[fast][-1] > va[cos][-1]
    # overfitting: validation loss rises after its minimum while training loss keeps falling
    k_min = int(np.argmin(va[slow]))
    rise = va[slow][-1] / va[slow][k_min] - 1.0
    over = rise > 0.05 and tr[slow][-1] < tr[slow][k_min] and k_min < len(va[slow]) - 1
    fires = stops[slow] is not None
    ok = [under, over, fires]
    verdict = verdict_of(all(ok), any(ok))
    ep = np.arange(1, E + 1)
    figure = panels(
        fig_path(out_dir, "decay-speed"),
        [
            {
                "series": [(k, ep[: len(tr[k])], tr[k]) for k in scheds],
                "title": "training loss",
                "xlabel": "epoch",
                "ylabel": "loss",
                "logy": True,
            },
            {
                "series": [(k, ep[: len(va[k])], va[k]) for k in scheds],
                "vlines": [
                    (f"early stop: {k.split(':')[0]}", v) for k, v in stops.items() if v is not None
                ],
                "title": f"validation loss (early stopping, patience {patience})",
                "xlabel": "epoch",
                "ylabel": "loss",
                "logy": True,
            },
        ],
        title="decay-speed: too fast underfits, too slow overfits (digits, SGD+momentum)",
    )
    numbers = {
        "epochs": E,
        "final_train_loss": {k: r(v[-1]) for k, v in tr.items()},
        "final_val_loss": {k: r(v[-1]) for k, v in va.items()},
        "min_val_loss": {k: r(v.min()) for k, v in va.items()},
        "final_accuracy": {k: r(v.final_metric) for k, v in runs.items()},
        "slow_val_loss_rise_after_min": r(rise),
        "slow_val_min_epoch": k_min + 1,
        "early_stop_epoch": stops,
        "underfits": bool(under),
        "overfits": bool(over),
    }
    summary = (
        f"fast decay stalls at train loss {tr[fast][-1]:.3g} / val {va[fast][-1]:.3g} "
        f"(cosine: {tr[cos][-1]:.2g} / {va[cos][-1]:.3g}); constant rate: val loss bottoms at "
        f"epoch {k_min + 1} and rises {rise:.0%} by the end while train loss falls to "
        f"{tr[slow][-1]:.2g}; early stopping fires at epoch "
        + ", ".join(f"{stops[k]} ({k.split(':')[0]})" for k in scheds)
        + "."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}


# ----------------------------------------------------------------- 6 warmup
def warmup(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    from ..tasks import get_task

    ci = budget == "ci"
    over = {"epoch_steps": 25, "val_windows": 64} if ci else {}
    task = get_task("charlm", seed, **over)
    E = 2 if ci else 4
    peak = 3e-2
    base = lrkit.cosine(peak, peak / 100)
    scheds = {
        "no warmup": base,
        "warmup 10%": lrkit.warmup(base, steps="10%"),
    }
    runs = {
        k: _loop(task, s, "adamw", E, momentum=0.9, weight_decay=0.01) for k, s in scheds.items()
    }
    a, b = list(scheds)
    bpc = {k: (v["epochs"][-1]["metric"] if v["epochs"] else float("nan")) for k, v in runs.items()}
    nw = np.array(runs[a]["step_loss"])
    ww = np.array(runs[b]["step_loss"])

    # instability: the largest rise of the training loss above its running minimum
    def spike(x: np.ndarray) -> float:
        if x.size == 0 or not np.all(np.isfinite(x)):
            return float("inf")
        run_min = np.minimum.accumulate(x)
        return float(np.max(x - run_min))

    spikes = {a: spike(nw), b: spike(ww)}
    diverged = {k: v["diverged"] for k, v in runs.items()}
    worse = diverged[a] or (not diverged[b] and bpc[a] - bpc[b] > 0.05)
    unstable = diverged[a] or spikes[a] > 2 * spikes[b] + 0.05
    verdict = verdict_of(worse and unstable, worse or unstable)
    steps = np.arange(len(nw))

    def smooth(x: np.ndarray, k: int = 10) -> np.ndarray:
        if x.size < k:
            return x
        return np.convolve(x, np.ones(k) / k, mode="valid")

    figure = panels(
        fig_path(out_dir, "warmup"),
        [
            {
                "series": [(k, np.arange(len(v["lr"])), v["lr"]) for k, v in runs.items()],
                "title": f"learning rate (AdamW, peak {peak:g})",
                "xlabel": "step",
                "ylabel": "learning rate",
            },
            {
                "series": [
                    (a, steps[: len(smooth(nw))], smooth(nw)),
                    (b, np.arange(len(smooth(ww))), smooth(ww)),
                ],
                "title": "training loss (moving average of 10 steps)",
                "xlabel": "step",
                "ylabel": "cross-entropy (nats)",
            },
        ],
        title="warmup: char-level post-LN Transformer at a high rate",
    )
    numbers = {
        "peak_lr": peak,
        "steps": E * task.steps_per_epoch,
        "final_val_bpc": {k: r(v) for k, v in bpc.items()},
        "largest_loss_spike": {k: r(v) for k, v in spikes.items()},
        "diverged": diverged,
    }
    summary = (
        f"peak {peak:g}: final validation bpc {bpc[a]:.3f} without warmup vs {bpc[b]:.3f} "
        f"with; largest training-loss spike {spikes[a]:.3g} vs {spikes[b]:.3g}"
        + ("; the run without warmup diverged" if diverged[a] else "")
        + "."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}


# ----------------------------------------------------------------- 8 weight-decay
def weight_decay(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    from ..tasks import get_task

    ci = budget == "ci"
    task = get_task("digits", seed)
    E = 6 if ci else 40
    peak, lam = 3e-3, 0.1
    lr = lrkit.cosine(peak, peak / 100)
    wds = {
        "constant λ": lam,
        "coupled_wd (λ·η_peak/η_t, cap 10λ)": lrkit.coupled_wd(lr, lam),
    }
    runs = {k: _loop(task, lr, "adamw", E, momentum=0.9, weight_decay=w) for k, w in wds.items()}
    a, b = list(wds)
    eff = {k: np.array(v["lr"]) * np.array(v["wd"]) for k, v in runs.items()}
    norms = {k: np.array([e["weight_norm"] for e in v["epochs"]]) for k, v in runs.items()}
    acc = {k: v["epochs"][-1]["metric"] for k, v in runs.items()}
    n = len(eff[a])
    mid = n // 2
    falls = eff[a][-1] / eff[a][0]
    held_mid = eff[b][mid] / eff[b][0]
    held_end = eff[b][-1] / eff[b][0]
    norm_lower = norms[b][-1] < norms[a][-1]
    const_ok = abs(held_mid - 1.0) < 1e-6
    verdict = verdict_of(falls < 0.05 and const_ok and norm_lower, const_ok or norm_lower)
    ep = np.arange(1, E + 1)
    figure = panels(
        fig_path(out_dir, "weight-decay"),
        [
            {
                "series": [(k, np.arange(n), v) for k, v in eff.items()],
                "title": "effective regularization η_t·λ_t per step",
                "xlabel": "step",
                "ylabel": "η·λ",
                "logy": True,
            },
            {
                "series": [(k, ep[: len(v)], v) for k, v in norms.items()],
                "title": "weight norm ‖w‖₂",
                "xlabel": "epoch",
                "ylabel": "norm",
            },
            {
                "series": [
                    (k, ep[: len(v["epochs"])], [e["metric"] for e in v["epochs"]])
                    for k, v in runs.items()
                ],
                "title": "test accuracy",
                "xlabel": "epoch",
                "ylabel": "accuracy",
            },
        ],
        title=f"weight-decay: AdamW, cosine rate from {peak:g}, λ = {lam:g} (digits)",
    )
    numbers = {
        "epochs": E,
        "effective_reg_end_over_start": {a: r(falls), b: r(held_end)},
        "effective_reg_mid_over_start_coupled": r(held_mid),
        "final_weight_norm": {k: r(v[-1]) for k, v in norms.items()},
        "final_accuracy": {k: r(v) for k, v in acc.items()},
    }
    summary = (
        f"with constant λ the effective decay η_t·λ ends at {falls:.2g}x its start; coupled it "
        f"stays constant (x{held_mid:.3g} at mid-run, x{held_end:.2g} at the end where the "
        f"10λ cap binds); weight norm {norms[a][-1]:.1f} → {norms[b][-1]:.1f}; accuracy "
        f"{acc[a]:.4f} → {acc[b]:.4f}."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}


# ----------------------------------------------------------------- 9 batch-scaling
def batch_scaling(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    from ..tasks import get_task

    ci = budget == "ci"
    E = 4 if ci else 20
    seeds = [seed] if ci else [seed, seed + 1, seed + 2]
    small, large, eta = 16, 128, 0.01
    scaled = lrkit.scale_lr(eta, large, base_batch=small)
    configs = {
        f"batch {small}, lr {eta:g}": (small, lrkit.cosine(eta, 0.0)),
        f"batch {large}, lr {eta:g} (no scaling)": (large, lrkit.cosine(eta, 0.0)),
        f"batch {large}, lr {scaled:g} (linear rule + warmup)": (
            large,
            lrkit.warmup(lrkit.cosine(scaled, 0.0), steps="2ep" if not ci else "1ep"),
        ),
    }
    acc: dict[str, list[float]] = {k: [] for k in configs}
    curves: dict[str, list[Any]] = {k: [] for k in configs}
    for k, (bs, s) in configs.items():
        for sd in seeds:
            task = get_task("digits", sd, batch_size=bs)
            res = _train(task, s, E, optimizer="sgd", momentum=0.9)
            acc[k].append(res.final_metric)
            curves[k].append([h["metric"] for h in res.history])
    a, b, c = list(configs)
    ma = {k: mean_se(v) for k, v in acc.items()}
    gap_none = ma[a][0] - ma[b][0]
    gap_scaled = ma[a][0] - ma[c][0]
    closer = abs(gap_scaled) < gap_none
    close = abs(gap_scaled) <= 0.01
    behind = gap_none > 0.01
    verdict = verdict_of(closer and close and behind, closer)
    ep = np.arange(1, E + 1)
    figure = panels(
        fig_path(out_dir, "batch-scaling"),
        [
            {
                "series": [(k, ep, np.mean(np.array(v), axis=0)) for k, v in curves.items()],
                "title": f"test accuracy, mean of {len(seeds)} seed(s), same {E} epochs",
                "xlabel": "epoch",
                "ylabel": "accuracy",
            }
        ],
        title="batch-scaling: linear scaling rule with warmup (digits, SGD+momentum)",
    )
    numbers = {
        "epochs": E,
        "seeds": len(seeds),
        "scaled_lr": r(scaled),
        "final_accuracy_mean": {k: r(v[0]) for k, v in ma.items()},
        "final_accuracy_se": {k: r(v[1]) for k, v in ma.items()},
        "gap_no_scaling_pp": r(100 * gap_none),
        "gap_linear_rule_pp": r(100 * gap_scaled),
    }
    summary = (
        f"batch {small}: {ma[a][0]:.4f}; batch {large} without scaling: {ma[b][0]:.4f} "
        f"({100 * gap_none:+.2f} pp behind); with lr {scaled:g} and warmup: {ma[c][0]:.4f} "
        f"({100 * gap_scaled:+.2f} pp behind)."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}


# ----------------------------------------------------------------- 10 range-test
def _cosine_accuracy(task: Any, lr: float, epochs: int) -> float:
    """Final accuracy of plain SGD under ``cosine(lr, 0)`` for ``epochs`` epochs."""
    return float(_train(task, lrkit.cosine(lr, 0.0), epochs, optimizer="sgd").final_metric)


def _sweep(task: Any) -> Any:
    """The range test (``lrkit.find``, 1e-4 to 10, 100 rates) on a fresh model, SGD+momentum."""
    from ..bench import train_step
    from ..finder import find
    from ..tasks import forever

    torch = _torch()
    model = task.make_model()
    opt = task.make_optimizer(model, "sgd", lr=1e-4, momentum=0.9)
    it = forever(task)

    def step_fn(lr: float) -> float:
        for g in opt.param_groups:
            g["lr"] = lr
        return train_step(model, opt, task.loss_fn, *next(it))

    with torch.random.fork_rng(devices=[]):
        return find(step_fn, start=1e-4, end=10.0, steps=100, progress=False)


def range_test(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    from ..finder.figure import finder_figure
    from ..tasks import get_task

    ci = budget == "ci"
    task = get_task("digits", seed)
    res = _sweep(task)
    sug = res.suggestion("auto")
    suggestions = {k: v for k, v in res.suggestions().items() if v is not None}
    rng = res.suggest_range()
    E = 3 if ci else 10
    grid = [0.003, 0.03, 0.3] if ci else [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
    accs = {lr: _cosine_accuracy(task, lr, E) for lr in grid}
    best_lr = max(accs, key=lambda k: accs[k])
    acc_sug = float("nan") if sug.lr is None else _cosine_accuracy(task, sug.lr, E)
    gap = accs[best_lr] - acc_sug if sug.lr is not None else float("inf")
    # the finder's picture, then accuracy against the rate with the suggestion marked
    f1 = res.plot(fig_path(out_dir, "range-test-curve"), title="LR range test on digits")
    series = [(f"final accuracy (cosine, {E} epochs)", grid, [accs[x] for x in grid], "o-")]
    if sug.lr is not None:
        series.append((f"suggested {sug.lr:.3g} ({sug.method})", [sug.lr], [acc_sug], "s"))
    f2 = panels(
        fig_path(out_dir, "range-test"),
        [
            {
                # the suggestions are read from the lag-free curve: marked where they were read
                "series": [("loss", res.lrs, res.losses), ("lag-free curve", res.lrs, res.curve)]
                + [(label, [x], [y], "o") for _, label, x, y in finder_figure(res).markers],
                "vlines": [] if rng is None else [("base", rng[0]), ("max", rng[1])],
                "title": "range test (SGD+momentum, exponential sweep)",
                "xlabel": "learning rate",
                "ylabel": "training loss",
                "logx": True,
            },
            {
                "series": series,
                "title": "does the suggestion train well?",
                "xlabel": "learning rate",
                "ylabel": "test accuracy",
                "logx": True,
            },
        ],
        title="range-test: the finder on digits, suggestions marked",
    )
    verdict = verdict_of(sug.lr is not None and gap <= 0.01, sug.lr is not None and gap <= 0.03)
    numbers = {
        "suggested_lr": None if sug.lr is None else r(sug.lr),
        "suggestion_method": sug.method,
        "suggestions": {k: r(v) for k, v in suggestions.items()},
        "suggested_range": None if rng is None else [r(rng[0]), r(rng[1])],
        "stop_reason": res.stop_reason,
        "accuracy_at_suggestion": r(acc_sug),
        "grid_accuracy": {str(k): r(v) for k, v in accs.items()},
        "best_grid_lr": best_lr,
        "gap_to_best_grid_pp": r(100 * gap),
    }
    summary = (
        f"suggested lr {sug.lr if sug.lr is None else f'{sug.lr:.3g}'} ({sug.method}); "
        f"{E}-epoch cosine run there reaches {acc_sug:.4f} vs the grid's best {accs[best_lr]:.4f} "
        f"at lr {best_lr:g} ({100 * gap:.2f} pp)."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [f2, f1], "summary": summary}


# ----------------------------------------------------------------- 11 super-convergence
def super_convergence(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    from ..tasks import get_task

    ci = budget == "ci"
    E = 6 if ci else 36
    seeds = [seed] if ci else [seed, seed + 1, seed + 2]
    peak = 0.05
    step = lrkit.multistep(peak, 0.1, milestones=["50%", "75%"])
    fractions = [1 / 3] if ci else [1 / 4, 1 / 3, 1 / 2]
    task0 = get_task("digits", seeds[0])
    tol = 1.0 / len(task0.y_test)  # one test example
    step_acc, step_curve = [], []
    for sd in seeds:
        res = _train(get_task("digits", sd), step, E, optimizer="sgd", momentum=0.9)
        step_acc.append(res.final_metric)
        step_curve.append([h["metric"] for h in res.history])
    oc_acc: dict[float, list[float]] = {f: [] for f in fractions}
    oc_curve: dict[float, list[Any]] = {f: [] for f in fractions}
    for f in fractions:
        e = max(1, round(E * f))
        oc = lrkit.one_cycle(peak, steps="100%")
        for sd in seeds:
            res = _train(
                get_task("digits", sd),
                oc,
                e,
                optimizer="sgd",
                momentum=0.9,
                extra={"momentum": lrkit.opposite(oc)},
            )
            oc_acc[f].append(res.final_metric)
            oc_curve[f].append([h["metric"] for h in res.history])
    m_step = mean_se(step_acc)
    m_oc = {f: mean_se(v) for f, v in oc_acc.items()}
    reached = [f for f in fractions if m_oc[f][0] >= m_step[0] - tol]
    verdict = verdict_of(any(f <= 1 / 3 + 1e-9 for f in reached), reached)
    series = [(f"multistep, {E} epochs", np.arange(1, E + 1), np.mean(step_curve, axis=0))]
    for f in fractions:
        e = len(oc_curve[f][0])
        series.append((f"one_cycle, {e} epochs", np.arange(1, e + 1), np.mean(oc_curve[f], axis=0)))
    figure = panels(
        fig_path(out_dir, "super-convergence"),
        [
            {
                "series": series,
                "hlines": [("multistep final", m_step[0])],
                "title": f"test accuracy, mean of {len(seeds)} seed(s)",
                "xlabel": "epoch",
                "ylabel": "accuracy",
                "ylim": (max(0.0, m_step[0] - 0.1), min(1.0, m_step[0] + 0.03)),
            }
        ],
        title="super-convergence: one_cycle with a fraction of the epochs (digits)",
    )
    numbers = {
        "epochs_full": E,
        "seeds": len(seeds),
        "step_schedule": str(step),
        "one_cycle_peak": peak,
        "step_final_accuracy": [r(m_step[0]), r(m_step[1])],
        "one_cycle_final_accuracy": {
            f"{f:.3g} of the epochs": [r(v[0]), r(v[1])] for f, v in m_oc.items()
        },
        "tolerance": r(tol),
        "fractions_reaching_step": [r(f) for f in reached],
    }
    summary = (
        f"multistep over {E} epochs: {m_step[0]:.4f}; one_cycle: "
        + ", ".join(f"{round(E * f)} epochs {m_oc[f][0]:.4f}" for f in fractions)
        + (
            f"; the smallest fraction reaching it (within one test example) is {min(reached):.2g}."
            if reached
            else "; none reaches it."
        )
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}
