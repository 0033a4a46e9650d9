"""The numpy-only labs: noisy quadratic and small analytic objectives (no torch)."""

from __future__ import annotations

from typing import Any

import numpy as np

import lrkit

from ..tasks.quadratic import NoisyQuadratic
from ._common import fig_path, mean_se, panels, r, verdict_of


def _nqm(m: float = 0.05) -> NoisyQuadratic:
    return NoisyQuadratic(dim=50, m=m, M=1.0, spectrum="log", noise=0.1)


# ----------------------------------------------------------------- 1 noise-floor
def noise_floor(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    ci = budget == "ci"
    q = _nqm()
    T = 1500 if ci else 4000
    runs = 40 if ci else 200
    every = 10
    rates = [0.05, 0.1, 0.2, 0.4, 0.8]
    peak = rates[-1]
    decays = {
        "step(0.8, 0.5, every=10%)": lrkit.step(peak, 0.5, every="10%"),
        "cosine(0.8, 0)": lrkit.cosine(peak, 0.0),
    }
    tail = slice(-max(1, (T // every) // 5), None)  # the last 20% of the run
    floors, theory = {}, {}
    curves: list[tuple[Any, ...]] = []  # (label, x, y) or (label, x, y, style)
    for k, lr in enumerate(rates):
        s = lrkit.constant(lr)
        loss = q.sgd(s, T, runs=runs, seed=seed * 1000 + k, every=every)
        floors[lr] = float(loss[tail].mean())
        theory[lr] = q.noise_floor(lr)
        curves.append((f"constant {lr}", np.arange(loss.shape[0]) * every, loss.mean(axis=1)))
    finals = {}
    for k, (name, decay) in enumerate(decays.items()):
        loss = q.sgd(decay, T, runs=runs, seed=seed * 1000 + 100 + k, every=every)
        finals[name] = mean_se(loss[-1])
        curves.append((name, np.arange(loss.shape[0]) * every, loss.mean(axis=1), "--"))

    f_meas = np.array([floors[x] for x in rates])
    f_theo = np.array([theory[x] for x in rates])
    rel_err = np.abs(f_meas / f_theo - 1.0)
    increasing = bool(np.all(np.diff(f_meas) > 0))
    matches = bool(np.all(rel_err < (0.15 if ci else 0.08)))
    lowest_const = float(f_meas.min())
    decay_lower = all(v[0] < lowest_const for v in finals.values())
    verdict = verdict_of(increasing and decay_lower and matches, increasing or decay_lower)
    figure = panels(
        fig_path(out_dir, "noise-floor"),
        [
            {
                "series": curves,
                "title": f"mean loss of {runs} noisy SGD runs",
                "xlabel": "step",
                "ylabel": "loss",
                "logy": True,
            },
            {
                "series": [
                    ("measured floor", rates, f_meas, "o"),
                    ("closed form Σ ησ²h/(2(2−ηh))", rates, f_theo, "-"),
                ],
                "hlines": [(f"{n}: final {v[0]:.3g}", v[0]) for n, v in finals.items()],
                "title": "floor against the constant rate",
                "xlabel": "learning rate",
                "ylabel": "loss over the last 20% of steps",
                "logx": True,
                "logy": True,
            },
        ],
        title="noise-floor: constant rates stall, decay goes lower",
    )
    numbers = {
        "floor_measured": {str(k): r(v) for k, v in floors.items()},
        "floor_theory": {str(k): r(v) for k, v in theory.items()},
        "max_rel_error_vs_theory": r(rel_err.max()),
        "floor_ratio_0.8_over_0.05": r(f_meas[-1] / f_meas[0]),
        "decay_final": {k: r(v[0]) for k, v in finals.items()},
        "decay_final_se": {k: r(v[1]) for k, v in finals.items()},
        "lowest_constant_floor": r(lowest_const),
        "floors_increase_with_rate": increasing,
        "decay_below_every_constant_floor": decay_lower,
    }
    best_decay = min(finals, key=lambda k: finals[k][0])
    summary = (
        f"floors {', '.join(f'{x}: {floors[x]:.3g}' for x in rates)} "
        f"(closed form within {rel_err.max():.1%}); {best_decay} ends at "
        f"{finals[best_decay][0]:.3g}, {lowest_const / finals[best_decay][0]:.1f}x below the "
        f"lowest constant floor."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}


# ----------------------------------------------------------------- 2 half-life
def half_life(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    ci = budget == "ci"
    q = _nqm()
    T = 1600 if ci else 4000
    every = T // 8
    step = lrkit.step(0.8, 0.5, every=every)
    expo = lrkit.step_to_exponential(step)
    t = np.arange(T)
    v_step, v_exp = step(t), expo(t)
    hl_step, hl_exp = lrkit.half_life(step), lrkit.half_life(expo)
    drops = np.arange(0, T, every)
    at_drops = float(np.max(np.abs(v_step[drops] / v_exp[drops] - 1.0)))
    ratio = v_step / v_exp
    e_step = q.expected_loss(step, T, every=10)
    e_exp = q.expected_loss(expo, T, every=10)
    runs = 40 if ci else 300
    s_step = q.sgd(step, T, runs=runs, seed=seed * 1000 + 1, every=10)
    s_exp = q.sgd(expo, T, runs=runs, seed=seed * 1000 + 2, every=10)
    ms, ss = mean_se(s_step[-1])
    me, se = mean_se(s_exp[-1])
    rel = abs(e_step[-1] - e_exp[-1]) / (0.5 * (e_step[-1] + e_exp[-1]))
    # the paths: largest relative gap of the expected loss along the run (after the start)
    gap = float(np.max(np.abs(e_step[1:] / e_exp[1:] - 1.0)))
    same_half_life = hl_step is not None and hl_exp is not None and abs(hl_step - hl_exp) <= 1
    meet = at_drops < 1e-9
    slightly = 1e-4 < rel < 0.3
    verdict = verdict_of(same_half_life and meet and slightly, same_half_life and meet)
    x = np.arange(e_step.shape[0]) * 10
    figure = panels(
        fig_path(out_dir, "half-life"),
        [
            {
                "series": [(str(step), t, v_step), (str(expo), t, v_exp, "--")],
                "title": "the two schedules (same half-life)",
                "xlabel": "step",
                "ylabel": "learning rate",
                "logy": True,
            },
            {
                "series": [
                    ("step: expected loss", x, e_step),
                    ("exponential: expected loss", x, e_exp, "--"),
                    ("step: sampled mean", x, s_step.mean(axis=1), ":"),
                    ("exponential: sampled mean", x, s_exp.mean(axis=1), ":"),
                ],
                "title": "loss on the noisy quadratic",
                "xlabel": "step",
                "ylabel": "loss",
                "logy": True,
            },
        ],
        title="half-life: step decay vs the exponential with the same half-life",
    )
    numbers = {
        "step": str(step),
        "exponential": str(expo),
        "half_life_step": hl_step,
        "half_life_exponential": hl_exp,
        "max_rel_diff_at_drops": r(at_drops),
        "lr_ratio_step_over_exp_range": [r(ratio.min()), r(ratio.max())],
        "expected_final_step": r(e_step[-1]),
        "expected_final_exponential": r(e_exp[-1]),
        "final_rel_difference": r(rel),
        "max_rel_gap_along_path": r(gap),
        "sampled_final_step": [r(ms), r(ss)],
        "sampled_final_exponential": [r(me), r(se)],
    }
    summary = (
        f"both halve every {hl_step} steps and meet at every drop; the step schedule runs up "
        f"to {ratio.max():.2f}x above the exponential between drops; the expected loss paths "
        f"differ by up to {gap:.0%} along the way and end {rel:.1%} apart "
        f"({e_step[-1]:.4g} vs {e_exp[-1]:.4g})."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}


# ----------------------------------------------------------------- 3 optimal-constant
def optimal_constant(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    ci = budget == "ci"
    m, M = 0.1, 1.0
    rng = np.random.default_rng(seed)
    dim = 20
    h = np.concatenate([[m, M], rng.uniform(m, M, dim - 2)])
    eta_star = lrkit.optimal_constant_lr(m, M)
    rho_star = lrkit.contraction_rate(eta_star, m, M)
    n = 60 if ci else 400
    spacing = (2.0 / M) / n
    grid = np.arange(1, n) * spacing  # (0, 2/M): every rate converges
    rates = np.sort(np.append(grid, eta_star))
    T = 400 if ci else 2000
    scheds = [lrkit.constant(float(e)) for e in rates]
    steps = np.arange(T)
    eta = np.stack([s(steps) for s in scheds])  # (rates, T)
    x = np.tile(rng.standard_normal(dim) + 2.0 * np.sign(rng.standard_normal(dim)), (len(rates), 1))
    # log of the error norm, renormalizing every step so that nothing underflows
    lognorm = np.empty((len(rates), T + 1))
    lognorm[:, 0] = np.log(np.linalg.norm(x, axis=1))
    for k in range(T):
        x = x - eta[:, k : k + 1] * (h * x)  # exact gradient of 1/2 Σ h x²
        nrm = np.linalg.norm(x, axis=1)
        lognorm[:, k + 1] = lognorm[:, k] + np.log(nrm)
        x = x / nrm[:, None]
    norms = np.exp(lognorm)
    half = T // 2
    measured = np.exp((lognorm[:, T] - lognorm[:, half]) / (T - half))
    theory = np.array([lrkit.contraction_rate(float(e), m, M) for e in rates])
    best = float(rates[int(np.nanargmin(measured))])
    i_star = int(np.argmin(np.abs(rates - eta_star)))
    rho_meas_star = float(measured[i_star])
    max_err = float(np.nanmax(np.abs(measured - theory)))
    best_is_star = abs(best - eta_star) < spacing
    rho_ok = abs(rho_meas_star - rho_star) < 1e-3
    verdict = verdict_of(best_is_star and rho_ok and max_err < 0.02, best_is_star or rho_ok)
    figure = panels(
        fig_path(out_dir, "optimal-constant"),
        [
            {
                "series": [
                    ("measured contraction per step", rates, measured, "o"),
                    ("max(|1−ηm|, |1−ηM|)", rates, theory, "-"),
                ],
                "vlines": [(f"2/(m+M) = {eta_star:.4g}", eta_star)],
                "hlines": [(f"(M−m)/(M+m) = {rho_star:.4g}", rho_star)],
                "title": f"gradient descent, curvature in [{m}, {M}]",
                "xlabel": "constant learning rate",
                "ylabel": "error contraction per step",
            },
            {
                "series": [
                    (f"η = {rates[j]:.3g}", np.arange(T + 1), norms[j])
                    for j in sorted({i_star, len(rates) // 5, (4 * len(rates)) // 5})
                ],
                "title": "error norm along the run",
                "xlabel": "step",
                "ylabel": "‖x − x*‖",
                "logy": True,
            },
        ],
        title="optimal-constant: the best constant step is 2/(m+M)",
    )
    numbers = {
        "m": m,
        "M": M,
        "optimal_constant_lr": r(eta_star, 8),
        "best_measured_lr": r(best, 8),
        "grid_spacing": r(spacing),
        "contraction_theory": r(rho_star, 8),
        "contraction_measured_at_optimum": r(rho_meas_star, 8),
        "max_abs_error_over_sweep": r(max_err),
        "rates_tried": len(rates),
    }
    summary = (
        f"best measured rate {best:.4g} (2/(m+M) = {eta_star:.4g}, grid step {spacing:.3g}); "
        f"measured contraction there {rho_meas_star:.6f} vs (M−m)/(M+m) = {rho_star:.6f}; "
        f"largest gap to max(|1−ηm|, |1−ηM|) over the sweep {max_err:.2g}."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}


# ----------------------------------------------------------------- 5 restarts
def _restart_objective(x: np.ndarray) -> np.ndarray:
    return 0.25 * x * x + 0.5 * (1.0 - np.cos(2.0 * np.pi * x))


def _restart_grad(x: np.ndarray) -> np.ndarray:
    return 0.5 * x + np.pi * np.sin(2.0 * np.pi * x)


def _restart_runs(
    eta: np.ndarray, runs: int, sigma: float, every: int, rng: np.random.Generator
) -> tuple[np.ndarray, list[float]]:
    """Noisy gradient descent from x = 3 (the bottom of a poor basin, f ≈ 2.25).

    ``x ← x − η_t (f'(x) + σ ξ)``, ``ξ ~ N(0, 1)``, for ``runs`` independent
    runs. Returns 1.0/0.0 per run for ending in the best basin (``|x| < 0.5``)
    and the fraction in it every ``every`` steps.
    """
    x = np.full(runs, 3.0)
    trace = [0.0]
    for t in range(len(eta)):
        x = x - eta[t] * (_restart_grad(x) + sigma * rng.standard_normal(runs))
        if (t + 1) % every == 0:
            trace.append(float(np.mean(np.abs(x) < 0.5)))
    return (np.abs(x) < 0.5).astype(float), trace


def restarts(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    ci = budget == "ci"
    T = 400 if ci else 800
    runs = 400 if ci else 4000
    sigma = 3.0
    # curvature in a well ~ 0.5 + 2π² ≈ 20: the wells are stable below ~0.1
    peak = 0.075
    scheds = {
        "exponential (half-life 10%)": lrkit.exponential(peak, half_life=T // 10),
        "step (×0.1 every 25%)": lrkit.step(peak, 0.1, every=T // 4),
        "cosine": lrkit.cosine(peak, 0.0),
        "sgdr (4 cycles)": lrkit.sgdr(peak, 0.0, period=T // 4),
        "sgdr (period ×2)": lrkit.sgdr(peak, 0.0, period=T // 15, mult=2),
    }
    rng_master = np.random.default_rng(seed)
    seeds = rng_master.integers(0, 2**31, size=len(scheds))
    frac, frac_se, traces, lr_series = {}, {}, [], []
    every = max(1, T // 100)
    for (name, s), sd in zip(scheds.items(), seeds):
        eta = s.bind(total_steps=T)(np.arange(T))
        inb, trace = _restart_runs(eta, runs, sigma, every, np.random.default_rng(int(sd)))
        frac[name], frac_se[name] = mean_se(inb)
        traces.append((name, np.arange(len(trace)) * every, trace))
        lr_series.append((name, np.arange(T), eta))
    mono = [k for k in scheds if not k.startswith("sgdr")]
    sg = [k for k in scheds if k.startswith("sgdr")]
    best_sg = max(sg, key=lambda k: frac[k])

    def beats(a: str, b: str) -> bool:
        return frac[a] - frac[b] > 2.0 * np.hypot(frac_se[a], frac_se[b])

    beaten = [k for k in mono if beats(best_sg, k)]
    verdict = verdict_of(len(beaten) == len(mono), beaten)
    xs = np.linspace(-5, 5, 801)
    figure = panels(
        fig_path(out_dir, "restarts"),
        [
            {
                "series": [("f(x)", xs, _restart_objective(xs))],
                "vlines": [("start x=3", 3.0), ("best basin", 0.0)],
                "title": "objective: x²/4 + ½(1 − cos 2πx)",
                "xlabel": "x",
                "ylabel": "f",
            },
            {
                "series": lr_series,
                "title": "schedules (same peak, same budget)",
                "xlabel": "step",
                "ylabel": "learning rate",
            },
            {
                "series": traces,
                "title": f"fraction of {runs} runs in the best basin",
                "xlabel": "step",
                "ylabel": "fraction |x| < 0.5",
            },
        ],
        title="restarts: do warm restarts escape the poor basin more often?",
    )
    numbers = {
        "runs": runs,
        "steps": T,
        "fraction_in_best_basin": {k: r(v) for k, v in frac.items()},
        "standard_error": {k: r(v) for k, v in frac_se.items()},
        "best_sgdr": best_sg,
        "monotone_beaten_by_sgdr": beaten,
    }
    summary = (
        "fraction ending in the best basin: "
        + ", ".join(f"{k} {frac[k]:.3f}" for k in scheds)
        + f"; {best_sg} beats "
        + (", ".join(beaten) if beaten else "no monotone decay")
        + " by more than 2 standard errors"
        + ("" if len(beaten) == len(mono) else "; it does not beat the others")
        + "."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}


# ----------------------------------------------------------------- 7 momentum-decay
def _momentum_curves(
    q: NoisyQuadratic, T: int, eff: float, fast: int, slow: int, mu_match: float
) -> dict[str, np.ndarray]:
    """Expected loss along the run (every 5 steps) for four (momentum, half-life) pairs."""
    cases = [
        ("μ=0.99, half-life 25", lrkit.exponential(eff * 0.01, half_life=fast), 0.99),
        (
            f"μ={mu_match:.2f} (matched), half-life 25",
            lrkit.exponential(eff * (1 - mu_match), half_life=fast),
            mu_match,
        ),
        ("μ=0, half-life 25", lrkit.exponential(eff, half_life=fast), 0.0),
        (f"μ=0.99, half-life {slow}", lrkit.exponential(eff * 0.01, half_life=slow), 0.99),
    ]
    return {
        label: q.expected_loss(lr, T, momentum=lrkit.constant(mu), every=5)
        for label, lr, mu in cases
    }


def momentum_decay(out_dir: str, budget: str, seed: int) -> dict[str, Any]:
    del seed  # exact expected losses: nothing is sampled
    ci = budget == "ci"
    q = NoisyQuadratic(dim=50 if not ci else 20, m=0.001, M=1.0, noise=0.01)
    T = 1000
    eff = 0.5  # effective rate η/(1−μ), the same for every momentum
    betas = [0.0, 0.9, 0.99]
    hls = [12, 25, 100, 800] if ci else [12, 25, 50, 100, 200, 400, 800]
    final: dict[float, list[float]] = {b: [] for b in betas}
    for b in betas:
        for hl in hls:
            lr = lrkit.exponential(eff * (1.0 - b), half_life=hl)
            final[b].append(float(q.expected_loss(lr, T, momentum=lrkit.constant(b))[-1]))
    fast, slow = hls[1], hls[-1]  # 25 steps: 4x shorter than the 100-step horizon of μ=0.99
    i_fast, i_slow = hls.index(fast), hls.index(slow)
    hi = final[0.99]
    # matched momentum: the same fast rate decay, momentum horizon 1/(1−μ) = half-life
    mu_match = 1.0 - 1.0 / fast
    matched = float(
        q.expected_loss(
            lrkit.exponential(eff * (1.0 - mu_match), half_life=fast),
            T,
            momentum=lrkit.constant(mu_match),
        )[-1]
    )
    curves = _momentum_curves(q, T, eff, fast, slow, mu_match)
    ratio_fast = hi[i_fast] / matched
    ratio_plain_fast = hi[i_fast] / final[0.0][i_fast]
    ratio_slow = hi[i_slow] / final[0.0][i_slow]
    slower_fast = ratio_fast > 1.5
    fine_slow = ratio_slow < 1.2
    verdict = verdict_of(slower_fast and fine_slow, slower_fast or fine_slow)
    figure = panels(
        fig_path(out_dir, "momentum-decay"),
        [
            {
                "series": [(f"μ = {b}", hls, final[b], "o-") for b in betas],
                "vlines": [("horizon of μ=0.99", 100)],
                "title": f"final expected loss after {T} steps (same η/(1−μ))",
                "xlabel": "half-life of the rate (steps)",
                "ylabel": "expected loss",
                "logx": True,
                "logy": True,
            },
            {
                "series": [(k, np.arange(v.shape[0]) * 5, v) for k, v in curves.items()],
                "title": "expected loss along the run",
                "xlabel": "step",
                "ylabel": "expected loss",
                "logy": True,
            },
        ],
        title="momentum-decay: a rate decaying faster than the momentum horizon",
    )
    numbers = {
        "steps": T,
        "effective_rate": eff,
        "half_lives": hls,
        "final_loss": {str(b): [r(v) for v in final[b]] for b in betas},
        "fast_half_life": fast,
        "mu_matched": r(mu_match),
        "loss_mu0.99_fast": r(hi[i_fast]),
        "loss_matched_momentum_fast": r(matched),
        "loss_mu0_fast": r(final[0.0][i_fast]),
        "ratio_high_momentum_over_matched_fast": r(ratio_fast),
        "ratio_high_momentum_over_plain_fast": r(ratio_plain_fast),
        "ratio_high_momentum_over_plain_slow": r(ratio_slow),
    }
    summary = (
        f"rate half-life {fast} steps: μ=0.99 ends at {hi[i_fast]:.3g}, {ratio_fast:.1f}x "
        f"the loss with matched momentum μ={mu_match:.2f} ({matched:.3g}); with a slow "
        f"decay (half-life {slow}) μ=0.99 is within {abs(ratio_slow - 1):.0%} of plain SGD."
    )
    return {"verdict": verdict, "numbers": numbers, "figures": [figure], "summary": summary}
