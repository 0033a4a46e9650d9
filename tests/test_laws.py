"""lrkit.laws: formulas against a direct O(T²) evaluation, parameter recovery from
synthetic curves, values, validation, optimize, plots, and the paper protocol
on the public curves at a reduced budget."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError, LrkitError, NonFiniteError
from lrkit.laws import Law, Run, fit
from lrkit.laws import _forms as F
from lrkit.laws.public import find_root

ROOT = Path(__file__).resolve().parents[1]
DATA = find_root(ROOT)  # ../shared beside the clone (CI), or ../../shared

MPL = dict(L0=2.5, A=0.66, alpha=0.42, B=770.0, C=0.53, beta=0.27, gamma=0.65)
MOM = dict(L0=2.5, A=0.66, alpha=0.42, C=0.57, lam=0.999)


def mpl_direct(eta: np.ndarray, t: int, p: dict) -> float:
    """The Multi-Power Law at step t, summed term by term (the formula as written)."""
    kp = int(np.argmax(eta))
    S = eta[: t + 1].sum()
    ld = 0.0
    for k in range(kp + 1, t + 1):
        d = eta[k - 1] - eta[k]
        if d != 0:
            Sk = eta[k : t + 1].sum()
            ld += d * (1 - (p["C"] * eta[k] ** (-p["gamma"]) * Sk + 1) ** (-p["beta"]))
    return p["L0"] + p["A"] * S ** (-p["alpha"]) - p["B"] * ld


def momentum_direct(eta: np.ndarray, t: int, p: dict) -> float:
    kp = int(np.argmax(eta))
    m, s2 = 0.0, 0.0
    for i in range(t + 1):
        d = eta[i - 1] - eta[i] if i > kp else 0.0
        m = p["lam"] * m + d
        s2 += m
    return p["L0"] + p["A"] * eta[: t + 1].sum() ** (-p["alpha"]) - p["C"] * s2


def _rates(kind: str, T: int = 3000, W: int = 250) -> np.ndarray:
    t = np.arange(T, dtype=float)
    eta = np.full(T, 3e-4)
    if kind == "cos":
        eta = 3e-5 + 0.5 * 2.7e-4 * (1 + np.cos(np.pi * np.clip((t - W) / (T - W), 0, 1)))
    elif kind == "two":
        eta = np.where(t >= T // 2, 9e-5, 3e-4)
    elif kind == "wsd":
        eta = np.where(t >= 0.8 * T, 3e-4 * (1 - (t - 0.8 * T) / (0.2 * T)) + 1e-6, 3e-4)
    eta[:W] = np.linspace(0, 3e-4, W)
    return eta


# ---------------------------------------------------------------- formulas
@pytest.mark.parametrize("kind", ["cos", "two", "wsd"])
def test_mpl_matches_the_formula_term_by_term(kind):
    eta = _rates(kind, T=800, W=50)
    law = Law("multi_power", MPL)
    steps = [60, 333, 401, 799]
    want = [mpl_direct(eta, t, MPL) for t in steps]
    np.testing.assert_allclose(law.predict(eta, steps), want, rtol=1e-12)


@pytest.mark.parametrize("kind", ["cos", "two", "wsd"])
def test_momentum_matches_the_recursion(kind):
    eta = _rates(kind, T=800, W=50)
    law = Law("momentum", MOM)
    steps = [60, 333, 401, 799]
    want = [momentum_direct(eta, t, MOM) for t in steps]
    np.testing.assert_allclose(law.predict(eta, steps), want, rtol=1e-12)


def test_blocked_drop_sum_matches_the_exact_one_on_a_long_cosine():
    from lrkit.laws.public import public_rates

    eta = public_rates("cosine_72000", 72000)
    steps = np.arange(2200, 72000, 1280)
    fast = F.geometry(eta, steps)
    exact = F.geometry(eta, steps, exact=True)
    assert fast.D.size < exact.D.size / 10  # the compression is real
    y, ye = F.mpl_curve(fast, MPL), F.mpl_curve(exact, MPL)
    np.testing.assert_allclose(y, ye, rtol=1e-6)


DENSE_SPECS = [
    "warmup(cosine(3e-4, 3e-5), steps=1000)",
    "warmup(cosine(3e-4, 0.0), steps=1000)",
    'wsd(3e-4, steps=30000, warmup=1000, decay="20%")',
    "warmup(piecewise([3e-4, 9e-5, 3e-5], boundaries=[15000, 24000]), steps=1000)",
    "one_cycle(3e-4)",
    "warmup(constant(3e-4), steps=1000)",
    "warmup(linear(3e-4, 0.0), steps=1000)",
    "cyclic(3e-5, 3e-4, half_period=1000)",
]


@pytest.mark.parametrize("spec", DENSE_SPECS)
def test_dense_predict_is_within_1e_6_of_the_exact_sum(spec):
    """A dense request (every step) goes through the adaptive-knot evaluation;
    it must stay within 1e-6 relative of the exact O(T^2) sum everywhere,
    including right around the schedule's kinks and at the end."""
    from lrkit.laws._run import rates

    T = 30000
    eta = rates(spec, T)
    law = Law("multi_power", MPL)
    y = law.predict(eta, np.arange(1, T))
    rng = np.random.default_rng(0)
    sub = np.unique(
        np.concatenate(
            [rng.integers(1, T, 80), np.arange(14990, 15040), np.arange(23995, 24030)]
            + [np.arange(1000, 1030), np.arange(T - 30, T)]
        )
    )
    want = F.mpl_curve(F.geometry(eta, sub, exact=True), MPL)
    np.testing.assert_allclose(y[sub - 1], want, rtol=1e-6)


def test_dense_predict_error_when_the_drop_term_dominates_is_as_documented():
    """At 10x the public fits' rates the drop term is ~2.1 of a ~3 loss and the blocked
    far drops leave ~1e-6 (docs/laws.md, mpl_dense): pinned below 2e-6 at every step;
    the knots' own evaluation (every step through the blocks) stays below 1e-6."""
    T = 3000
    eta = np.asarray(lrkit.warmup(lrkit.cosine(3e-3, 3e-4), 20).bind(total_steps=T)(np.arange(T)))
    steps = np.arange(30, T)
    want = F.mpl_curve(F.geometry(eta, steps, exact=True), MPL)
    dense = Law("multi_power", MPL).predict(eta, steps)
    err = np.abs(dense / want - 1)
    assert err.max() < 2e-6
    two = np.asarray(
        lrkit.interpolate([(0, 3e-3), (1000, 1e-3), (3000, 1e-4)]).bind(total_steps=T)(np.arange(T))
    )
    want2 = F.mpl_curve(F.geometry(two, steps, exact=True), MPL)
    assert np.abs(Law("multi_power", MPL).predict(two, steps) / want2 - 1).max() < 2e-6
    blocked = F.mpl_curve(F.geometry(eta, steps), MPL)
    assert np.abs(blocked / want - 1).max() < 1e-6


def test_dense_predict_uses_few_knots_and_matches_the_formula_term_by_term():
    eta = _rates("two", T=3000, W=100)
    law = Law("multi_power", MPL)
    y = law.predict(eta, np.arange(100, 3000))
    for t in (100, 1499, 1500, 1501, 1777, 2999):
        assert y[t - 100] == pytest.approx(mpl_direct(eta, t, MPL), rel=1e-6)
    calls = []
    real = F.geometry

    def counting(e, st, **kw):
        calls.append(np.size(st))
        return real(e, st, **kw)

    F.geometry, saved = counting, F.geometry
    try:
        F.mpl_dense(eta, np.arange(100, 3000), law.params)
    finally:
        F.geometry = saved
    assert sum(calls) < 600  # the law is evaluated at far fewer knots than steps


def test_blocked_drop_sum_with_its_correction_matches_the_exact_one_on_a_fast_decay():
    from lrkit.laws.public import public_rates

    eta = public_rates("wsd_20000_24000", 24000)
    steps = np.arange(20000, 24000, 37)
    y = F.mpl_curve(F.geometry(eta, steps), MPL)
    ye = F.mpl_curve(F.geometry(eta, steps, exact=True), MPL)
    np.testing.assert_allclose(y, ye, rtol=1e-7)


def test_analytic_jacobians_match_finite_differences():
    eta = _rates("cos")
    g = F.geometry(eta, np.arange(300, 3000, 50))
    y, J = F.mpl_jac(g, MPL)
    np.testing.assert_allclose(y, F.mpl_curve(g, MPL), rtol=1e-14)
    logp = {"A", "B", "C"}
    for i, n in enumerate(F.MPL_NAMES):
        q = dict(MPL)
        h = 1e-6
        q[n] = q[n] * math.exp(h) if n in logp else q[n] + h
        num = (F.mpl_curve(g, q) - y) / h
        np.testing.assert_allclose(J[:, i], num, atol=1e-5 * max(1.0, np.abs(J[:, i]).max()))


def test_jacobian_reuses_the_residuals_terms_only_at_the_same_parameters():
    """The fit's cache: the Jacobian after the residuals at the same parameters gives
    the numbers it gives alone; after a change of C, beta or gamma it recomputes."""
    eta = _rates("wsd")
    g = F.geometry(eta, np.arange(300, 3000, 50))
    cache: dict = {}
    y0 = F.mpl_curve(g, MPL, cache)
    assert cache["mpl_key"] == (MPL["C"], MPL["beta"], MPL["gamma"])
    y, J = F.mpl_jac(g, MPL, cache)
    y_ref, J_ref = F.mpl_jac(g, MPL)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(y0, y_ref)
    np.testing.assert_array_equal(J, J_ref)
    for n in ("C", "beta", "gamma"):
        other = {**MPL, n: MPL[n] * 1.1}
        y2, J2 = F.mpl_jac(g, other, cache)
        y2_ref, J2_ref = F.mpl_jac(g, other)
        np.testing.assert_array_equal(y2, y2_ref)
        np.testing.assert_array_equal(J2, J2_ref)
        assert not np.array_equal(y2, y_ref)


def test_constant_rate_has_no_drop_term_and_schedule_forms_agree():
    law = Law("multi_power", MPL)
    steps = np.array([10, 100, 999])
    want = MPL["L0"] + MPL["A"] * (3e-4 * (steps + 1)) ** (-MPL["alpha"])
    np.testing.assert_allclose(law.predict(3e-4, steps), want, rtol=1e-12)
    np.testing.assert_allclose(law.predict(lrkit.constant(3e-4), steps), want, rtol=1e-12)
    np.testing.assert_allclose(law.predict("constant(3e-4)", steps), want, rtol=1e-12)
    np.testing.assert_allclose(law.predict(np.full(1000, 3e-4), steps), want, rtol=1e-12)
    s = lrkit.cosine(3e-4, 3e-5, steps="100%")
    assert law.final(s, total_steps=1000) == pytest.approx(
        mpl_direct(s.bind(total_steps=1000)(np.arange(1000)), 999, MPL), rel=1e-12
    )


# ---------------------------------------------------------------- fitting
def _synthetic(law: Law, kinds=("const", "cos", "two")) -> list[Run]:
    steps = np.arange(250, 3000, 25)
    return [Run(_rates(k), steps, law.predict(_rates(k), steps), name=k) for k in kinds]


@pytest.fixture(scope="module")
def mpl_fit():
    return fit(_synthetic(Law("multi_power", MPL)), "multi_power")


def test_fit_recovers_mpl_parameters_from_its_own_curves(mpl_fit):
    got = mpl_fit
    for n, v in MPL.items():
        assert got.params[n] == pytest.approx(v, rel=1e-3), n
    assert got.info["fit_mean_rel"] < 1e-6
    assert got.info["runs"] == ["const", "cos", "two"]
    # the horizon: the longest fitted run's last logged step (2975) + 1, also in report()
    assert got.info["horizon"] == 2976
    assert "  fitted on: const, cos, two (up to step 2975)" in got.report().splitlines()


def test_fit_horizon_is_the_longest_run_and_survives_to_dict():
    law = Law("momentum", MOM)
    short = Run(
        _rates("cos"),
        np.arange(250, 1000, 25),
        law.predict(_rates("cos"), np.arange(250, 1000, 25)),
    )
    long = _synthetic(law, ("const",))[0]
    got = fit([short, long], "momentum")
    assert got.info["horizon"] == 2976
    assert fit([short], "momentum").info["horizon"] == 976
    assert Law.from_dict(got.to_dict()).info["horizon"] == 2976


@pytest.mark.parametrize("law", ["multi_power", "momentum"])
def test_fit_floor_stays_below_the_lowest_loss_of_any_run(law):
    """Two runs 2.5 apart in loss (lowest 3.70 and 1.20): one law cannot fit both, and
    the compromise floor would sit near 2.6, above every point of the lower run; the
    documented bound keeps L0 below 1.20 (docs/laws.md, "Fit")."""
    steps = np.arange(250, 3000, 25)
    eta = _rates("const")
    ya = Law("multi_power", dict(MPL, L0=3.0)).predict(eta, steps)
    runs = [Run(eta, steps, ya, name="a"), Run(eta, steps, ya - 2.5, name="b")]
    lowest = float((ya - 2.5).min())
    assert lowest == pytest.approx(1.2048, abs=1e-4)
    got = fit(runs, law).params["L0"]
    assert 0.0 <= got < lowest * (1 - 1e-6)


def test_fit_recovers_momentum_parameters_from_its_own_curves():
    true = Law("momentum", MOM)
    got = fit(_synthetic(true), "momentum")
    for n, v in MOM.items():
        assert got.params[n] == pytest.approx(v, rel=1e-4), n


def test_fit_then_predict_an_unseen_schedule(mpl_fit):
    true, got = Law("multi_power", MPL), mpl_fit
    wsd = _rates("wsd")
    st = np.arange(300, 3000, 10)
    np.testing.assert_allclose(got.predict(wsd, st), true.predict(wsd, st), rtol=1e-4)


def test_fit_validation_names_parameter_value_and_rule():
    run = Run(3e-4, [10, 20], [3.0, 2.9])
    with pytest.raises(
        ConfigError,
        match="fit: law must be one of multi_power, momentum, mean, multi_power_q, momentum_q, "
        "mean_q, multi_power_pq, momentum_pq, mean_pq, multi_power_pqs, momentum_pqs, mean_pqs, "
        "multi_power_warmup, got 'x'",
    ):
        fit([run], "x")
    with pytest.raises(ConfigError, match=r"fit: lam must be in \[0, 1\), got 1.5"):
        fit([run], "momentum", lam=1.5)
    with pytest.raises(ConfigError, match="runs must hold at least one Run"):
        fit([])
    with pytest.raises(ConfigTypeError, match=r"fit: runs\[0\] must be a Run, got str"):
        fit(["a"])
    with pytest.raises(ConfigError, match="7 parameters but the runs give only 2 points"):
        fit([run])
    with pytest.raises(ConfigError, match="fit: weight must be one of step, none, got 'late'"):
        fit([run], weight="late")


def test_mean_law_is_the_mean_of_its_two_fitted_laws():
    """``law="mean"``: the MPL and the momentum law fitted separately (same settings),
    predicting the mean of their predictions; a value that round-trips."""
    runs = _synthetic(Law("multi_power", MPL), ("const", "cos", "two"))
    runs = [Run(r.eta, r.steps, r.losses * (1 + 2e-3 * np.sin(r.steps))) for r in runs]
    mean = fit(runs, "mean", max_nfev=60)
    a, b = fit(runs, "multi_power", max_nfev=60), fit(runs, "momentum", max_nfev=60)
    assert mean.params == {**a.params, **{f"m_{n}": v for n, v in b.params.items()}}
    assert mean.parts() == (a, b)
    wsd = _rates("wsd")
    for st in (np.arange(300, 3000, 10), np.arange(1, 3000)):  # exact and dense paths
        want = 0.5 * (a.predict(wsd, st) + b.predict(wsd, st))
        np.testing.assert_allclose(mean.predict(wsd, st), want, rtol=1e-12)
    assert mean.info["fit_mean_rel"] == pytest.approx(mean.errors(runs)["mean_rel"])
    assert Law.from_dict(json.loads(json.dumps(mean.to_dict()))) == mean
    assert "mean law" in mean.report()
    with pytest.raises(ConfigError, match="Law mean: m_lam must be in \\[0, 1\\), got 1.0"):
        Law("mean", {**mean.params, "m_lam": 1.0})
    with pytest.raises(ConfigError, match="Law mean: m_C must be >= 0, got -1.0"):
        Law("mean", {**mean.params, "m_C": -1.0})


# ---------------------------------------------------------------- drop exponent q
def mpl_q_direct(eta: np.ndarray, t: int, p: dict, q: float) -> float:
    """The MPL with drops eta_max^(1-q) (eta_(k-1)^q - eta_k^q), summed term by term."""
    kp, top = int(np.argmax(eta)), float(eta.max())
    S = eta[: t + 1].sum()
    ld = 0.0
    for k in range(kp + 1, t + 1):
        d = top ** (1 - q) * (eta[k - 1] ** q - eta[k] ** q)
        if d != 0:
            Sk = eta[k : t + 1].sum()
            ld += d * (1 - (p["C"] * eta[k] ** (-p["gamma"]) * Sk + 1) ** (-p["beta"]))
    return p["L0"] + p["A"] * S ** (-p["alpha"]) - p["B"] * ld


@pytest.mark.parametrize("kind", ["cos", "two", "wsd"])
def test_q_laws_match_the_formula_term_by_term(kind):
    eta = _rates(kind, T=800, W=50)
    steps = [60, 333, 401, 799]
    law = Law("multi_power_q", {**MPL, "q": 0.7})
    want = [mpl_q_direct(eta, t, MPL, 0.7) for t in steps]
    np.testing.assert_allclose(law.predict(eta, steps), want, rtol=1e-12)
    # the dense path (every step) agrees with the term-by-term sum
    dense = law.predict(eta, np.arange(1, 800))
    np.testing.assert_allclose(dense[np.array(steps) - 1], want, rtol=1e-6)
    # the momentum law: the recursion on the transformed drops
    top = eta.max()
    e = top * (eta / top) ** 1.3
    mom = Law("momentum_q", {**MOM, "q": 1.3})
    ref = Law("momentum", MOM)
    kp = int(np.argmax(eta))
    shifted = np.concatenate([eta[: kp + 1], e[kp + 1 :]])  # drops of e after the peak
    m, s2, want_m = 0.0, 0.0, []
    for i in range(800):
        d = shifted[i - 1] - shifted[i] if i > kp else 0.0
        m = MOM["lam"] * m + d
        s2 += m
        if i in steps:
            want_m.append(
                MOM["L0"] + MOM["A"] * eta[: i + 1].sum() ** (-MOM["alpha"]) - MOM["C"] * s2
            )
    np.testing.assert_allclose(mom.predict(eta, steps), want_m, rtol=1e-12)
    # q = 1 is the published law, to the last bit
    for a, b in (
        (Law("multi_power_q", {**MPL, "q": 1.0}), Law("multi_power", MPL)),
        (Law("momentum_q", {**MOM, "q": 1.0}), ref),
    ):
        np.testing.assert_array_equal(a.predict(eta, steps), b.predict(eta, steps))
        np.testing.assert_array_equal(
            a.predict(eta, np.arange(1, 800)), b.predict(eta, np.arange(1, 800))
        )


def test_q_drops_sum_to_the_peak_and_favour_low_rates():
    eta = np.array([0.0, 2.0, 4.0, 3.0, 1.0, 0.0])
    d1, kp = F._drops(eta)
    d, kp2 = F._drops(eta, 0.5)
    assert kp == kp2 == 2
    np.testing.assert_allclose(d1, [0, 0, 0, 1, 2, 1])
    np.testing.assert_allclose(d, 2.0 * np.array([0, 0, 0, 2 - 3**0.5, 3**0.5 - 1, 1]))
    assert d.sum() == pytest.approx(4.0)  # peak to 0: the same total
    assert d[5] > d1[5]  # q < 1: the last drop (at the lowest rate) is worth more


@pytest.mark.parametrize("law,q", [("multi_power_q", 0.8), ("momentum_q", 0.7)])
def test_fit_recovers_q_laws_from_their_own_curves(law, q):
    """Curves generated by a ``*_q`` law with q on the grid: the profile picks that q
    and recovers the parameters."""
    base = MPL if law == "multi_power_q" else MOM
    true = Law(law, {**base, "q": q})
    got = fit(_synthetic(true), law)
    assert got.params["q"] == q
    for n, v in base.items():
        assert got.params[n] == pytest.approx(v, rel=2e-3), n
    assert got.info["q_grid"] == [0.6, 0.7, 0.8, 0.9, 1.0, 1.2]
    assert Law.from_dict(json.loads(json.dumps(got.to_dict()))) == got
    assert f"{law} law" in got.report() and "q=" in got.report()


def test_mean_q_law_is_the_mean_of_its_two_q_laws():
    runs = _synthetic(Law("multi_power_q", {**MPL, "q": 0.8}), ("const", "cos", "two"))
    runs = [
        Run(r.eta, r.steps[::4], r.losses[::4] * (1 + 2e-3 * np.sin(r.steps[::4]))) for r in runs
    ]
    mean = fit(runs, "mean_q", max_nfev=30)
    assert mean.law == "mean_q"
    a, b = fit(runs, "multi_power_q", max_nfev=30), fit(runs, "momentum_q", max_nfev=30)
    assert mean.params == {**a.params, **{f"m_{n}": v for n, v in b.params.items()}}
    assert mean.parts() == (a, b)
    wsd = _rates("wsd")
    for st in (np.arange(300, 3000, 10), np.arange(1, 3000)):
        want = 0.5 * (a.predict(wsd, st) + b.predict(wsd, st))
        np.testing.assert_allclose(mean.predict(wsd, st), want, rtol=1e-12)
    with pytest.raises(ConfigError, match=r"Law mean_q: m_q must be in \(0, 4\], got 0.0"):
        Law("mean_q", {**mean.params, "m_q": 0.0})
    with pytest.raises(ConfigError, match="Law multi_power_q: parameter 'q' is missing"):
        Law("multi_power_q", MPL)


# ---------------------------------------------------------------- progress exponent p
def mpl_pq_direct(eta: np.ndarray, t: int, p: dict, q: float, pe: float) -> float:
    """The MPL with drops eta_max^(1-q) (eta_(k-1)^q - eta_k^q) and the area
    S_p = sum eta_max (eta / eta_max)^pe, summed term by term."""
    kp, top = int(np.argmax(eta)), float(eta.max())
    a = top * (eta / top) ** pe
    S = a[: t + 1].sum()
    ld = 0.0
    for k in range(kp + 1, t + 1):
        d = top ** (1 - q) * (eta[k - 1] ** q - eta[k] ** q)
        if d != 0:
            Sk = a[k : t + 1].sum()
            ld += d * (1 - (p["C"] * eta[k] ** (-p["gamma"]) * Sk + 1) ** (-p["beta"]))
    return p["L0"] + p["A"] * S ** (-p["alpha"]) - p["B"] * ld


def momentum_pq_direct(eta: np.ndarray, t: int, p: dict, q: float, pe: float) -> float:
    kp, top = int(np.argmax(eta)), float(eta.max())
    m, s2 = 0.0, 0.0
    for i in range(t + 1):
        d = top ** (1 - q) * (eta[i - 1] ** q - eta[i] ** q) if i > kp else 0.0
        m = p["lam"] * m + d
        s2 += m
    S = (top * (eta[: t + 1] / top) ** pe).sum()
    return p["L0"] + p["A"] * S ** (-p["alpha"]) - p["C"] * s2


@pytest.mark.parametrize("kind", ["cos", "two", "wsd"])
def test_pq_laws_match_the_formula_term_by_term(kind):
    eta = _rates(kind, T=800, W=50)
    steps = [60, 333, 401, 799]
    law = Law("multi_power_pq", {**MPL, "q": 0.8, "p": 1.3})
    want = [mpl_pq_direct(eta, t, MPL, 0.8, 1.3) for t in steps]
    np.testing.assert_allclose(law.predict(eta, steps), want, rtol=1e-12)
    # the dense path (every step) agrees with the term-by-term sum
    dense = law.predict(eta, np.arange(1, 800))
    np.testing.assert_allclose(dense[np.array(steps) - 1], want, rtol=1e-6)
    mom = Law("momentum_pq", {**MOM, "q": 1.2, "p": 0.9})
    want_m = [momentum_pq_direct(eta, t, MOM, 1.2, 0.9) for t in steps]
    np.testing.assert_allclose(mom.predict(eta, steps), want_m, rtol=1e-12)
    # p > 1: a decay's steps count less area, so the power term ends higher
    q_only = Law("multi_power_q", {**MPL, "q": 0.8})
    if kind != "wsd":
        assert law.predict(eta, [799])[0] > q_only.predict(eta, [799])[0] - 1e-12
    # p = 1 is the _q law, to the last bit
    for a, b in (
        (Law("multi_power_pq", {**MPL, "q": 0.8, "p": 1.0}), q_only),
        (Law("momentum_pq", {**MOM, "q": 1.2, "p": 1.0}), Law("momentum_q", {**MOM, "q": 1.2})),
    ):
        np.testing.assert_array_equal(a.predict(eta, steps), b.predict(eta, steps))
        np.testing.assert_array_equal(
            a.predict(eta, np.arange(1, 800)), b.predict(eta, np.arange(1, 800))
        )


def test_progress_exponent_area_keeps_the_peak_and_shrinks_lower_rates():
    eta = np.array([0.0, 1.0, 4.0, 2.0, 1.0])
    np.testing.assert_array_equal(F._area(eta, 1.0), eta)
    np.testing.assert_allclose(F._area(eta, 1.5), 4.0 * (eta / 4.0) ** 1.5)
    assert F._area(eta, 1.5)[2] == 4.0 and F._area(eta, 1.5)[3] < 2.0
    prep = F.prepare(eta, 1.0, 1.5)
    np.testing.assert_allclose(prep["cum"], np.cumsum(4.0 * (eta / 4.0) ** 1.5))
    np.testing.assert_array_equal(prep["d"], F.prepare(eta)["d"])  # drops unchanged


def test_fit_recovers_pq_laws_from_their_own_curves():
    """The ``*_pq`` fit profiles q at p = 1 (as the ``*_q`` fit), then p over its grid at
    that q: curves of a law with p = 1 are recovered exactly; with p = 1.3 the fit
    finds p = 1.3, while its q absorbs part of the difference (the profile is not
    joint), and still reproduces the fitted and an unseen curve."""
    true = Law("momentum_pq", {**MOM, "q": 0.7, "p": 1.0})
    got = fit(_synthetic(true), "momentum_pq")
    assert (got.params["q"], got.params["p"]) == (0.7, 1.0)
    for n, v in MOM.items():
        assert got.params[n] == pytest.approx(v, rel=1e-6), n
    assert got.info["q_grid"] == [0.6, 0.7, 0.8, 0.9, 1.0, 1.2]
    assert got.info["p_grid"] == [0.9, 1.0, 1.15, 1.3, 1.5]
    assert Law.from_dict(json.loads(json.dumps(got.to_dict()))) == got
    assert "momentum_pq law" in got.report() and "p=1" in got.report()
    true = Law("momentum_pq", {**MOM, "q": 1.0, "p": 1.3})
    got = fit(_synthetic(true), "momentum_pq")
    assert got.params["p"] == 1.3
    assert got.info["fit_mean_rel"] < 5e-4
    wsd, st = _rates("wsd"), np.arange(300, 3000, 10)
    np.testing.assert_allclose(got.predict(wsd, st), true.predict(wsd, st), rtol=1e-3)
    with pytest.raises(ConfigError, match=r"Law momentum_pq: p must be in \(0, 4\], got 0.0"):
        Law("momentum_pq", {**MOM, "q": 1.0, "p": 0.0})
    with pytest.raises(ConfigError, match="Law multi_power_pq: parameter 'p' is missing"):
        Law("multi_power_pq", {**MPL, "q": 1.0})


def _check_mean_of_parts(runs, mean, name, parts):
    """``mean`` (fitted to ``runs``) is the pointwise mean of its two ``parts`` laws, each
    the fit of that law alone, its parameters both parts' (the momentum law's as m_*)."""
    assert mean.law == name
    mpl, mom = mean.parts()
    assert (mpl.law, mom.law) == parts
    assert mom == fit(runs, parts[1], max_nfev=20)
    assert mean.params == {**mpl.params, **{f"m_{n}": v for n, v in mom.params.items()}}
    assert mean.info["fit_mean_rel"] < 1e-3
    wsd = _rates("wsd")
    for st in (np.arange(300, 3000, 10), np.arange(1, 3000)):
        want = 0.5 * (mpl.predict(wsd, st) + mom.predict(wsd, st))
        np.testing.assert_allclose(mean.predict(wsd, st), want, rtol=1e-12)
    assert Law.from_dict(json.loads(json.dumps(mean.to_dict()))) == mean
    assert mean.report().startswith(f"{name} law: L(t) = ({parts[0]}(t) + {parts[1]}(t))")


def _pq_runs():
    runs = _synthetic(Law("multi_power_pq", {**MPL, "q": 0.8, "p": 1.15}), ("const", "cos"))
    return [Run(r.eta, r.steps[::4], r.losses[::4]) for r in runs]


def test_mean_pq_law_is_the_mean_of_its_two_pq_laws():
    runs = _pq_runs()
    mean = fit(runs, "mean_pq", max_nfev=20)  # the default law before the sixth pass
    _check_mean_of_parts(runs, mean, "mean_pq", ("multi_power_pq", "momentum_pq"))
    with pytest.raises(ConfigError, match=r"Law mean_pq: m_p must be in \(0, 4\], got 5.0"):
        Law("mean_pq", {**mean.params, "m_p": 5.0})


# ---------------------------------------------------------------- diminishing returns in area
def _pqs_power(eta: np.ndarray, t: int, p: dict, pe: float, nu: float, xi: float) -> float:
    """A * S~^-alpha at step t, S~ written out: ln(1 + nu S)/nu, or S_w (1 + xi ln(S/S_w))^(1/xi)
    after the peak (S_w the area up to and including the peak step)."""
    kp, top = int(np.argmax(eta)), float(eta.max())
    a = top * (eta / top) ** pe
    S = a[: t + 1].sum()
    if nu:
        S = math.log(1 + nu * S) / nu
    if xi:
        Sw = a[: kp + 1].sum()
        if S > Sw:
            S = Sw * (1 + xi * math.log(S / Sw)) ** (1 / xi)
    return p["A"] * S ** (-p["alpha"])


@pytest.mark.parametrize("kind", ["cos", "two", "wsd"])
def test_pqs_laws_match_the_formula_term_by_term(kind):
    """The ``*_pqs`` laws change only the power term: the ``_pq`` law's value minus its
    power term plus the power term of the area with diminishing returns."""
    eta = _rates(kind, T=800, W=50)
    steps = [30, 60, 333, 401, 799]
    law = Law("multi_power_pqs", {**MPL, "q": 0.8, "p": 1.3, "nu": 2.5})
    want = [
        mpl_pq_direct(eta, t, MPL, 0.8, 1.3)
        - _pqs_power(eta, t, MPL, 1.3, 0.0, 0.0)
        + _pqs_power(eta, t, MPL, 1.3, 2.5, 0.0)
        for t in steps
    ]
    np.testing.assert_allclose(law.predict(eta, steps), want, rtol=1e-12)
    dense = law.predict(eta, np.arange(1, 800))  # the dense path
    np.testing.assert_allclose(dense[np.array(steps) - 1], want, rtol=1e-6)
    mom = Law("momentum_pqs", {**MOM, "q": 1.2, "p": 0.9, "xi": 0.4})
    want_m = [
        momentum_pq_direct(eta, t, MOM, 1.2, 0.9)
        - _pqs_power(eta, t, MOM, 0.9, 0.0, 0.0)
        + _pqs_power(eta, t, MOM, 0.9, 0.0, 0.4)
        for t in steps
    ]
    np.testing.assert_allclose(mom.predict(eta, steps), want_m, rtol=1e-12)
    # in warmup (step 30 < 50) the momentum law's area is unchanged; well after it,
    # S~ < S, so the power term is larger: the loss falls more slowly with area
    pq = Law("momentum_pq", {**MOM, "q": 1.2, "p": 0.9})
    assert mom.predict(eta, [30])[0] == pq.predict(eta, [30])[0]
    late = [t for t in steps if t > int(np.argmax(eta)) + 100]  # wsd's peak: step 640
    assert (mom.predict(eta, late) > pq.predict(eta, late) + 1e-4).all()
    # nu = 0 and xi = 0 are the _pq laws, to the last bit
    for a, b in (
        (
            Law("multi_power_pqs", {**MPL, "q": 0.8, "p": 1.3, "nu": 0.0}),
            Law("multi_power_pq", {**MPL, "q": 0.8, "p": 1.3}),
        ),
        (Law("momentum_pqs", {**MOM, "q": 1.2, "p": 0.9, "xi": 0.0}), pq),
    ):
        for st in (steps, np.arange(1, 800)):
            np.testing.assert_array_equal(a.predict(eta, st), b.predict(eta, st))


def test_saturated_areas_tend_to_the_area():
    S = np.array([0.5, 1.0, 7.0, 21.0])
    np.testing.assert_array_equal(F.saturated(S, 0.0), S)
    np.testing.assert_allclose(F.saturated(S, 1e-9), S, rtol=1e-7)
    np.testing.assert_allclose(F.saturated(S, 1 / 7.0), 7.0 * np.log1p(S / 7.0), rtol=1e-15)
    np.testing.assert_array_equal(F.log_saturated(S, 0.0, 1.0), S)
    np.testing.assert_allclose(F.log_saturated(S, 1e-9, 1.0), S, rtol=1e-7)
    got = F.log_saturated(S, 0.5, 1.0)
    np.testing.assert_array_equal(got[:2], S[:2])  # at or below S_w
    np.testing.assert_allclose(got[2:], (1 + 0.5 * np.log(S[2:])) ** 2, rtol=1e-14)


def test_fit_recovers_momentum_pqs_from_its_own_curves():
    """The ``*_pqs`` fit profiles ``xi`` over 1/K_GRID at the ``q`` and ``p`` of the
    ``_pq`` profile: a curve made with xi = 1/2.5 is recovered (the profile's fits
    have a short budget, S_NFEV, so the other parameters to 1e-3)."""
    from lrkit.laws._fit import K_GRID, S_NFEV

    assert (K_GRID, S_NFEV) == ((10.0, 5.0, 2.5, 1.25), 40)
    true = Law("momentum_pqs", {**MOM, "q": 1.0, "p": 1.0, "xi": 0.4})
    got = fit(_synthetic(true), "momentum_pqs")
    assert (got.params["q"], got.params["p"], got.params["xi"]) == (1.0, 1.0, 0.4)
    for n, v in MOM.items():
        assert got.params[n] == pytest.approx(v, rel=1e-3), n
    assert got.info["k_grid"] == [10.0, 5.0, 2.5, 1.25]
    assert got.info["fit_mean_rel"] < 1e-5
    assert Law.from_dict(json.loads(json.dumps(got.to_dict()))) == got
    assert got.report().startswith("momentum_pqs law: ") and "xi=0.4" in got.report()
    with pytest.raises(ConfigError, match="Law momentum_pqs: xi must be >= 0, got -0.1"):
        Law("momentum_pqs", {**MOM, "q": 1.0, "p": 1.0, "xi": -0.1})
    with pytest.raises(ConfigError, match="Law multi_power_pqs: parameter 'nu' is missing"):
        Law("multi_power_pqs", {**MPL, "q": 1.0, "p": 1.0})


def test_fit_recovers_multi_power_pqs_from_its_own_curves():
    """``nu`` is profiled over 1/(c S_max), c in S_GRID, S_max the largest area at a
    fitted point: a curve made with S_c = S_max (c = 1) is recovered."""
    from lrkit.laws._fit import S_GRID

    assert S_GRID == (10.0, 3.0, 1.0, 0.3)
    steps = np.arange(300, 3000, 100)
    smax = float(np.cumsum(_rates("const"))[steps[-1]])
    true = Law("multi_power_pqs", {**MPL, "q": 1.0, "p": 1.0, "nu": 1 / smax})
    runs = [
        Run(_rates(k), steps, true.predict(_rates(k), steps), name=k)
        for k in ("const", "cos", "two")
    ]
    got = fit(runs, "multi_power_pqs")
    assert (got.params["q"], got.params["p"]) == (1.0, 1.0)
    assert got.params["nu"] == pytest.approx(1 / smax, rel=1e-12)
    assert got.info["s_max"] == pytest.approx(smax, rel=1e-12)
    assert got.info["fit_mean_rel"] < 1e-4
    wsd, st = _rates("wsd"), np.arange(300, 3000, 10)
    np.testing.assert_allclose(got.predict(wsd, st), true.predict(wsd, st), rtol=1e-3)
    assert Law.from_dict(json.loads(json.dumps(got.to_dict()))) == got


def test_mean_pqs_default_law_is_the_mean_of_its_two_pqs_laws():
    runs = _pq_runs()
    mean = fit(runs, max_nfev=20)  # the default law
    _check_mean_of_parts(runs, mean, "mean_pqs", ("multi_power_pqs", "momentum_pqs"))
    with pytest.raises(ConfigError, match="Law mean_pqs: m_xi must be >= 0, got -1.0"):
        Law("mean_pqs", {**mean.params, "m_xi": -1.0})


def test_mean_law_display_is_the_mean_of_both_constant_rate_curves():
    from lrkit.laws.plotting import law_figure

    m = {f"m_{n}": v for n, v in MOM.items()}
    law = Law("mean", {**MPL, **{**m, "m_L0": 2.0, "m_A": 1.0, "m_alpha": 0.5}})
    line, floor = law_figure(law).axes[0].get_lines()[:2]
    s = np.asarray(line.get_xdata())
    want = 0.5 * (2.5 + 0.66 * s**-0.42 + 2.0 + 1.0 * s**-0.5)
    np.testing.assert_allclose(line.get_ydata(), want, rtol=1e-12)
    assert floor.get_ydata()[0] == pytest.approx(2.25)


@pytest.mark.parametrize("weight", ["step", "none"])
def test_fit_objective_weights_log_residuals_by_step(weight):
    """The solver's residuals are sqrt(w)·(log y − log ŷ) with w = t / t_last of each
    run ("step") or 1 ("none"), and its Jacobian is their derivative."""
    from lrkit.laws._fit import _fit_data, _objective

    law = Law("multi_power", MPL)
    runs = _synthetic(law, ("cos", "two"))
    keep = [r.steps > int(np.argmax(r.eta)) for r in runs]  # after warmup, as the fit
    runs = [
        Run(r.eta, r.steps[k], r.losses[k] * (1 + 0.01 * np.sin(r.steps[k])))
        for r, k in zip(runs, keep)
    ]
    _, data, names = _fit_data(runs, "multi_power", 0.999, 1e-3, True, weight)
    unpack, resid, jac = _objective("multi_power", names, 0.999, data)
    logp = {"A", "B", "C"}
    x = np.array([math.log(MPL[n]) if n in logp else MPL[n] for n in names])
    assert unpack(x) == pytest.approx(MPL)
    want = []
    for r in runs:
        w = r.steps / r.steps[-1] if weight == "step" else np.ones(r.steps.size)
        want.append(np.sqrt(w) * (np.log(r.losses) - np.log(law.predict(r.eta, r.steps))))
    np.testing.assert_allclose(resid(x), np.concatenate(want), rtol=1e-6, atol=1e-12)
    J = jac(x)
    for i in range(len(names)):
        h = np.zeros_like(x)
        h[i] = 1e-6
        num = (resid(x + h) - resid(x - h)) / 2e-6
        np.testing.assert_allclose(J[:, i], num, atol=1e-6 * max(1.0, np.abs(num).max()))


# ---------------------------------------------------------------- values
def test_law_is_an_immutable_value_with_a_dict_round_trip():
    law = Law("multi_power", MPL, {"runs": ["a"]})
    d = json.loads(json.dumps(law.to_dict()))
    back = Law.from_dict(d)
    assert back == law and hash(back) == hash(law)
    assert back.info == {"runs": ["a"]}
    with pytest.raises(AttributeError):
        law.law = "momentum"  # type: ignore[misc]
    assert "multi_power law" in law.report() and "B=770" in law.report()
    assert Law("multi_power", {**MPL, "B": 1.0}) != law


def test_law_validation_messages():
    with pytest.raises(
        ConfigError,
        match="law must be one of multi_power, momentum, mean, multi_power_q, momentum_q, "
        "mean_q, multi_power_pq, momentum_pq, mean_pq, multi_power_pqs, momentum_pqs, mean_pqs, "
        "multi_power_warmup, got 'mpl'",
    ):
        Law("mpl", MPL)
    with pytest.raises(ConfigError, match="parameter 'gamma' is missing"):
        Law("multi_power", {k: v for k, v in MPL.items() if k != "gamma"})
    with pytest.raises(ConfigError, match="unknown parameter 'zeta'"):
        Law("multi_power", {**MPL, "zeta": 1.0})
    with pytest.raises(ConfigError, match="alpha must be >= 0, got -1.0"):
        Law("multi_power", {**MPL, "alpha": -1.0})
    with pytest.raises(ConfigTypeError, match="B must be a number, got 'x'"):
        Law("multi_power", {**MPL, "B": "x"})
    with pytest.raises(ConfigError, match=r"lam must be in \[0, 1\), got 1.0"):
        Law("momentum", {**MOM, "lam": 1.0})
    with pytest.raises(ConfigError, match="key 'params' is missing"):
        Law.from_dict({"law": "momentum"})
    with pytest.raises(ConfigTypeError, match="params must be a dict, got list"):
        Law.from_dict({"law": "momentum", "params": [1, 2]})


def test_run_and_predict_validation():
    with pytest.raises(ConfigError, match="same length, got 2 and 3"):
        Run(3e-4, [1, 2], [1.0, 2.0, 3.0])
    with pytest.raises(ConfigError, match="strictly increasing"):
        Run(3e-4, [2, 1], [1.0, 2.0])
    with pytest.raises(NonFiniteError, match="losses must be finite"):
        Run(3e-4, [1, 2], [1.0, float("nan")])
    with pytest.raises(ConfigError, match="losses must be > 0, got -1"):
        Run(3e-4, [1, 2], [1.0, -1.0])
    with pytest.raises(ConfigError, match="has 5 rates but steps up to 9 need at least 10"):
        Run(np.ones(5), [1, 9], [1.0, 2.0])
    with pytest.raises(ConfigError, match="rates must be >= 0, got -1"):
        Run(-np.ones(5), [1, 2], [1.0, 2.0])
    with pytest.raises(ConfigError, match="steps must be >= 0, got -3"):
        Run(3e-4, [-3, 2], [1.0, 2.0])
    law = Law("multi_power", MPL)
    eta = _rates("cos")
    with pytest.raises(ConfigError, match="after the first non-zero rate, got step 0"):
        law.predict(eta, [0, 10])
    with pytest.raises(ConfigError, match="has no end; give total_steps"):
        law.final(lrkit.constant(1e-3))
    with pytest.raises(ConfigError, match="is not bound to a run; give total_steps"):
        law.final(lrkit.cosine(1e-3, steps="50%"))
    assert isinstance(ConfigError("x"), LrkitError)


# ---------------------------------------------------------------- optimize
def test_optimize_beats_cosine_and_round_trips():
    law = Law("multi_power", MPL)
    T = 6000
    s = law.optimize(T, 3e-4, warmup=500, family="wsd")
    assert s.name == "wsd" and lrkit.parse(str(s)) == s
    free = law.optimize(T, 3e-4, warmup=500, family="interpolate", knots=8)
    assert lrkit.parse(str(free)) == free
    assert "interpolate" in str(free)
    cos = lrkit.warmup(lrkit.cosine(3e-4, 0.0), steps=500, start=0.0)
    f_wsd, f_free, f_cos = (law.final(x, total_steps=T) for x in (s, free, cos))
    assert f_wsd < f_cos
    assert f_free <= f_wsd + 1e-9  # starts from the WSD optimum
    vals = free.bind(total_steps=T)(np.arange(500, T))
    assert (np.diff(vals) <= 1e-12).all()  # monotone after the warmup
    # every WSD of a coarse grid predicts no better than the optimum
    for frac in (0.1, 0.2, 0.4):
        for shape in ("linear", "cos", "sqrt"):
            other = lrkit.wsd(3e-4, steps=T, warmup=500, decay=int(frac * 5500), shape=shape)
            assert law.final(other, T) >= f_wsd - 1e-9


def test_optimize_validation():
    law = Law("multi_power", MPL)
    with pytest.raises(ConfigError, match="family must be one of wsd, interpolate, got 'cos'"):
        law.optimize(1000, 1e-3, family="cos")
    with pytest.raises(ConfigError, match="peak must be a finite number > 0, got -1"):
        law.optimize(1000, -1)
    with pytest.raises(
        ConfigError, match=r"warmup must be an int in \[0, total_steps/2\), got 600"
    ):
        law.optimize(1000, 1e-3, warmup=600)


# ---------------------------------------------------------------- plots
def test_plot_png_and_html(tmp_path):
    law = Law("multi_power", MPL)
    runs = _synthetic(law)
    wsd = "wsd(3e-4, steps=3000, warmup=250, decay='20%')"
    png = law.plot(
        str(tmp_path / "a.png"), runs=runs, schedules=[wsd], labels=["wsd"], total_steps=3000
    )
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = law.plot(str(tmp_path / "a.html"), runs=runs[:1])
    text = Path(html).read_text()
    assert "plotly" in text.lower() and "const (predicted)" in text
    with pytest.raises(
        ConfigError, match=r"out must end in .png, .svg, .pdf or .html, got 'a.txt'"
    ):
        law.plot("a.txt", runs=runs)


def test_plot_png_cuts_a_long_schedule_name_in_the_legend(tmp_path):
    """An optimized interpolate prints hundreds of characters; the PNG legend shows its
    first 59 and "…" (matplotlib warned "Tight layout not applied" before), HTML all."""
    import warnings

    law = Law("multi_power", MPL)
    runs = _synthetic(law)
    pts = ", ".join(f"({t}, {3e-4 * (1 - t / 3000):.6g})" for t in range(0, 3001, 250))
    long = f"interpolate([{pts}])"
    assert len(long) > 200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = law.plot(runs=runs[:1], schedules=[long], total_steps=3000)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts[:2] == ["const (observed)", "const (predicted)"]
    assert texts[2] == long[:59] + "… (predicted)"
    html = law.plot(str(tmp_path / "a.html"), schedules=[long], total_steps=3000)
    assert long in Path(html).read_text()


def test_import_lrkit_stays_light():
    code = (
        "import sys, lrkit, lrkit.laws; "
        "bad = [m for m in ('scipy', 'matplotlib', 'torch') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- public curves
def test_public_schedules_match_the_logged_lr_column():
    from lrkit.laws.public import NAMES, load_public

    runs = load_public(DATA, "100")
    for n in NAMES:
        a = np.loadtxt(DATA / "csv_100" / f"{n}.csv", delimiter=",", skiprows=1)
        np.testing.assert_allclose(runs[n].eta[runs[n].steps], a[:, 1], rtol=1e-12, atol=0)


def test_paper_protocol_reduced_budget():
    """25M curves, fit on the paper's three, predict three of the held-out six
    (24k-step ones) at every logged point; MPL's published mean error is 0.110 %."""
    from lrkit.laws.public import FIT_NAMES, load_public

    runs = load_public(DATA, "25")
    law = fit([runs[n] for n in FIT_NAMES], "multi_power", max_nfev=100)
    held = [runs[n] for n in ("wsd_20000_24000", "wsdld_20000_24000", "wsdcon_18")]
    err = law.errors(held)
    assert err["mean_rel"] < 0.003  # 0.3 %
    assert err["worst_rel"] < 0.008
    assert law.info["fit_mean_rel"] < 0.002


#: the fits released with Luo et al. (ICLR 2025) on the paper's three curves, per size:
#: L0, A, alpha, B, C, beta, gamma (rates in their units, peak 3e-4)
RELEASED_MPL = {
    "25": (3.04045406, 0.52468604, 0.50786857, 363.78751622, 2.06560812, 0.58279013, 0.64142257),
    "100": (2.6514477, 0.60115152, 0.45295811, 437.9464276, 2.13245612, 0.59785199, 0.65523644),
    "400": (2.37474466, 0.65421216, 0.42878731, 523.42464371, 2.02462735, 0.59350493, 0.63472457),
}


def _released_params(size):
    """The released fit of ``size`` as a law's parameters."""
    from lrkit.laws._forms import MPL_NAMES

    return dict(zip(MPL_NAMES, RELEASED_MPL[size]))


def _released_mpl(params, eta, steps):
    r"""The MPL as Luo et al. released it, summed term by term: the drops run over every
    step from 1 (the warmup's rises enter as negative drops),
    :math:`L(t) = L_0 + A S(t)^{-\alpha} - B \sum_{1 \le k \le t} (\eta_{k-1} - \eta_k)
    (1 - (C \eta_k^{-\gamma} S_k(t) + 1)^{-\beta})`, :math:`S_k(t) = \sum_{\tau=k}^t \eta_\tau`."""
    L0, A, alpha, B, C, beta, gamma = params
    cum = np.cumsum(eta)
    out = []
    for t in steps:
        k = np.arange(1, t + 1)
        sk = cum[t] - cum[k - 1]
        g = 1 - (C * eta[k] ** -gamma * sk + 1) ** -beta
        out.append(L0 + A * cum[t] ** -alpha - B * np.sum((eta[k - 1] - eta[k]) * g))
    return np.array(out)


@pytest.mark.parametrize(
    "size, published",
    [("25", (0.110, 0.409)), ("100", (0.142, 0.583)), ("400", (0.168, 0.995))],
)
def test_the_released_fits_give_the_published_figures(size, published):
    """Parity with the paper: its released fits as ``multi_power_warmup`` laws give its
    published figures on the six held-out curves to the digit: the mean relative error
    as ``mean_rel_runs`` (each curve's mean, averaged over the curves; pooled over all
    points, ``mean_rel``, they give 0.123 / 0.172 / 0.170 %) and the average worst point.
    As ``multi_power`` (drops after the peak only) the same numbers are 3-6 % off."""
    from lrkit.laws.public import TEST_NAMES, load_public

    runs = list(load_public(DATA, size, TEST_NAMES).values())
    params = _released_params(size)
    err = Law("multi_power_warmup", params).errors(runs)
    assert round(100 * err["mean_rel_runs"], 3) == published[0]
    assert round(100 * err["worst_rel"], 3) == published[1]
    pooled = {"25": 0.123, "100": 0.172, "400": 0.170}[size]
    assert round(100 * err["mean_rel"], 3) == pooled
    plain = Law("multi_power", params).errors(runs)["mean_rel_runs"]
    assert 0.03 < plain < 0.06


def test_multi_power_warmup_is_the_released_formula_term_by_term():
    """``multi_power_warmup`` against the formula summed term by term, on the paths
    ``predict`` takes: exact terms (few steps), merged blocks (many drops), the dense
    interpolation (every step of a 72k-step cosine); and the warmup's rises matter."""
    from lrkit.laws.public import public_rates

    params = _released_params("400")
    law = Law("multi_power_warmup", params)
    for name, total in (("cosine_72000", 72000), ("wsd_20000_24000", 24000), ("wsdcon_3", 16000)):
        eta = public_rates(name, total)
        st = np.unique(np.r_[1, 5, 2159, 2160, 2161, np.linspace(1, total - 1, 40).astype(int)])
        want = _released_mpl(RELEASED_MPL["400"], eta, st)
        np.testing.assert_allclose(law.predict(eta, st[:3]), want[:3], rtol=1e-12)
        np.testing.assert_allclose(law.predict(eta, st), want, rtol=1e-6)
        every = law.predict(eta, np.arange(1, total))
        np.testing.assert_allclose(every[st - 1], want, rtol=1e-6)
        late = st > 2160
        plain = Law("multi_power", params).predict(eta, st[late])
        assert np.all(np.abs(plain / want[late] - 1) > 0.01)  # the rises' term, 1-6 %


def test_fit_recovers_multi_power_warmup_from_its_own_curves():
    true = Law("multi_power_warmup", MPL)
    got = fit(_synthetic(true), "multi_power_warmup")
    assert got.law == "multi_power_warmup"
    for n, v in MPL.items():
        assert got.params[n] == pytest.approx(v, rel=1e-3), n
    assert got.info["fit_mean_rel"] < 1e-6
    assert Law.from_dict(json.loads(json.dumps(got.to_dict()))) == got


def test_the_released_mpl_overstates_the_400m_cooldown_gap_3x():
    """The issue's anchor, measured: the released 400M fit predicts a cosine-minus-WSD
    final gap of 0.0567 where the curves show 0.0174 (3.26x), its WSD end 0.80 % low."""
    from lrkit.laws.public import load_public

    runs = load_public(DATA, "400", ("cosine_24000", "wsd_20000_24000"))
    cos, wsd = runs["cosine_24000"], runs["wsd_20000_24000"]
    params = _released_params("400")
    law = Law("multi_power_warmup", params)
    p_cos, p_wsd = law.final(cos.eta[:23921]), law.final(wsd.eta[:23937])
    true_gap = cos.losses[-1] - wsd.losses[-1]
    assert (cos.steps[-1], wsd.steps[-1]) == (23920, 23936)
    assert true_gap == pytest.approx(0.0174, abs=1e-4)
    assert (p_cos - p_wsd) / true_gap == pytest.approx(3.26, abs=0.005)
    assert 100 * (p_wsd / wsd.losses[-1] - 1) == pytest.approx(-0.80, abs=0.005)


def test_errors_weigh_runs_equally_in_mean_rel_runs():
    law = Law("momentum", MOM)
    long = Run("constant(1e-3)", np.arange(100, 1100, 10), np.linspace(3.0, 2.8, 100))
    short = Run("constant(1e-3)", [100, 200], [2.0, 1.9])
    e_long, e_short, both = law.errors(long), law.errors(short), law.errors([long, short])
    assert both["mean_rel_runs"] == pytest.approx((e_long["mean_rel"] + e_short["mean_rel"]) / 2)
    pooled = (100 * e_long["mean_rel"] + 2 * e_short["mean_rel"]) / 102
    assert both["mean_rel"] == pytest.approx(pooled)
    assert e_long["mean_rel_runs"] == e_long["mean_rel"]


def test_fit_and_errors_accept_a_run_logged_from_a_zero_rate():
    """A warm-up from 0 logs a loss at step 0, where S(0) = 0 and the law has no value:
    the fit leaves the point out, and ``errors`` scores only the points after the first
    non-zero rate (here every logged step but 0)."""
    eta = np.r_[0.0, np.full(199, 1e-2)]
    st = np.arange(0, 200, 5)
    run = Run(eta, st, 3.0 - 0.001 * st)
    law = fit([run], "momentum")
    err = law.errors(run)
    pred = law.predict(eta, st[1:])
    want = np.mean(np.abs(pred - run.losses[1:]) / run.losses[1:])
    assert err["mean_rel"] == pytest.approx(want, rel=1e-12)
    assert law.info["fit_mean_rel"] == pytest.approx(want, rel=1e-12)
    with pytest.raises(ConfigError, match="steps must come after the first non-zero rate"):
        law.predict(eta, [0, 5])


def test_run_binds_a_spec_dict_to_total_steps_like_a_spec_string():
    s = lrkit.cosine(1.0, 0.0)
    want = s.bind(total_steps=8)(np.arange(4))
    for form in (s, str(s), s.to_dict()):
        np.testing.assert_allclose(Run(form, [1, 3], [2.0, 1.0], total_steps=8).eta, want)


def test_a_run_longer_than_max_run_steps_is_refused_before_any_allocation():
    from lrkit.laws import MAX_RUN_STEPS

    assert MAX_RUN_STEPS == 100_000_000
    msg = "spans 100,000,001 steps (its last step is 100,000,000); the laws hold one rate"
    with pytest.raises(ConfigError, match=re.escape(msg)):
        Run("constant(1e-3)", [10, MAX_RUN_STEPS], [2.5, 2.0])
    with pytest.raises(ConfigError, match="predict: .*at most 100,000,000 steps"):
        Law("momentum", MOM).predict("constant(1e-3)", [MAX_RUN_STEPS])


@pytest.mark.parametrize("scale", [1e-4, 1e-6])
def test_a_fit_does_not_depend_on_the_losses_unit(scale):
    """A regression's losses of 1e-4: the terms in loss units start at the losses' decade
    (before, the momentum fit of these runs ended with a 176,000 % fit error at 1e-4)."""
    st = np.arange(100, 2000, 10)

    def runs(c):
        decay = 0.1 * (1 - np.cos(np.pi * st / 2000)) / 2
        return [
            Run("constant(1e-3)", st, c * (2 + 1 / np.sqrt(st))),
            Run("cosine(1e-3, 1e-4)", st, c * (2 + 1 / np.sqrt(st) - decay), total_steps=2000),
        ]

    one, small = fit(runs(1.0), "momentum"), fit(runs(scale), "momentum")
    assert one.info["fit_mean_rel"] < 0.01
    assert small.info["fit_mean_rel"] == pytest.approx(one.info["fit_mean_rel"], rel=1e-3)
    for k in ("L0", "A", "C"):
        assert small.params[k] / scale == pytest.approx(one.params[k], rel=1e-3), k
    assert small.params["alpha"] == pytest.approx(one.params["alpha"], rel=1e-3)


def test_losses_below_min_loss_are_refused_with_what_to_do():
    from lrkit.laws._fit import MIN_LOSS

    st = np.arange(100, 2000, 10)
    tiny = [Run("constant(1e-3)", st, 1e-12 * (2 + 1 / np.sqrt(st)))]
    with pytest.raises(ConfigError) as e:
        fit(tiny, "momentum")
    assert MIN_LOSS == 1e-10 and str(e.value) == (
        "fit: the lowest loss logged is 2.02e-12; losses below 1e-10 are out of the solver's "
        "reach (it bounds log A, log B, log C to +-25): multiply the losses by a constant "
        "before fitting (the law's L0, A, B, C scale with it)"
    )


def test_predict_cli_fits_and_ranks_with_multi_power_warmup(tmp_path, capsys):
    """``lrkit predict --law multi_power_warmup``: runs logged from a warmup, the law's
    report, each candidate's printed prediction its ``final`` under that law's fit."""
    from lrkit.cli import main
    from lrkit.commands.predict import read_run

    true = Law("multi_power_warmup", MPL)
    specs = {
        "const": "warmup(constant(3e-4), steps=250)",
        "cos": "warmup(cosine(3e-4, 3e-5), steps=250)",
        "step": "warmup(multistep(3e-4, 0.3, milestones=[1500]), steps=250)",
    }
    argv = ["predict"]
    for name, spec in specs.items():
        st = np.arange(260, 3000, 20)
        y = true.predict(lrkit.parse(spec).bind(total_steps=3000), st)
        p = tmp_path / f"{name}.csv"
        p.write_text("step,loss\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(st, y)))
        argv += ["--run", str(p), spec, "3000"]
    wsd = "wsd(3e-4, steps=3000, warmup=250, decay='20%')"
    assert main([*argv, "--candidate", wsd, "--law", "multi_power_warmup"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("multi_power_warmup law: L(t) = L0 + A*S(t)^-alpha - B*sum_(k>=1)")
    runs = [read_run(str(tmp_path / f"{n}.csv"), s, 3000) for n, s in specs.items()]
    law = fit(runs, "multi_power_warmup")
    s = lrkit.parse(wsd)
    got = [ln.split(None, 2) for ln in text.splitlines() if ln.strip().endswith(wsd)]
    assert float(got[0][1]) == pytest.approx(law.final(s), abs=6e-6)
    assert law.final(s) == pytest.approx(true.final(s), rel=1e-5)


@pytest.mark.parametrize("size, bound", [("25", 0.0015), ("100", 0.0015), ("400", 0.00175)])
def test_paper_protocol_full_default_law_per_curve(size, bound):
    """The whole paper protocol with the default law, on the paper's figure: fit the three
    curves, predict the six held-out ones at every logged point. Measured 0.135 / 0.137 /
    0.171 % (BENCHMARKS.md §6); the bound is the issue's 0.15 % at 25M and 100M, and at
    400M (where the target is not met) a guard 2 % above what is measured."""
    from lrkit.laws.public import FIT_NAMES, TEST_NAMES, load_public

    runs = load_public(DATA, size)
    law = fit([runs[n] for n in FIT_NAMES])
    err = law.errors([runs[n] for n in TEST_NAMES])
    assert err["mean_rel_runs"] < bound
    assert err["worst_rel"] < 0.008
