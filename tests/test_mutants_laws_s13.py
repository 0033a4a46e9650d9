"""The laws' internal fast paths held to their documented formulas (issue 15, seed-13 pass).

Seed 12 left three laws mutants open, each in a path only reached by long or dense
requests: the blocked drop sum's roughness test, the dense path's jump term ``J``
and ``optimize``'s refinement bracket. Rather than one test per mutant, each path is
held here to a plain re-statement of what its docstring says:

- ``_jumps``: ``J(t) = B sum_(kp<k<=t) d_k G(C eta_k^-gamma S_k(k))``, for every step,
  with the drop and progress exponents;
- the blocked drop sum (``geometry`` when drops x steps exceed ``EXACT_LIMIT``):
  every far block of ``BLOCK`` drops merged into one term at its drop-weighted
  moments, rough blocks (mixed signs, ``log eta`` spanning more than 0.5) and the last
  ``NEAR`` steps summed term by term; its result within its documented error of the
  exact sum;
- the dense path (``mpl_dense``) and the momentum law with ``q`` and ``p`` against an
  O(T^2) evaluation of the formula;
- ``optimize``'s step-level search only around the best grid cell;
- every error message no test reached (``--uncovered``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.laws import LAWS, Law, Run, fit
from lrkit.laws import _forms as F

MPL = {"L0": 2.5, "A": 0.66, "alpha": 0.42, "B": 770.0, "C": 0.53, "beta": 0.27, "gamma": 0.65}
MOM = {"L0": 2.4, "A": 0.7, "alpha": 0.45, "C": 120.0, "lam": 0.99}


def _eta(spec: str, T: int) -> np.ndarray:
    return np.asarray(lrkit.parse(spec).bind(total_steps=T)(np.arange(T)), dtype=np.float64)


def _drops_area(eta: np.ndarray, q: float, p: float) -> tuple[np.ndarray, np.ndarray, int]:
    """The docstring's drops d_k = eta_max^(1-q) (eta_(k-1)^q - eta_k^q) for k > kp (the
    first step at the maximum) and each step's area eta_max (eta_k / eta_max)^p."""
    top = float(eta.max())
    kp = int(np.argmax(eta))
    d = np.zeros(eta.size)
    for k in range(kp + 1, eta.size):
        d[k] = top ** (1 - q) * (eta[k - 1] ** q - eta[k] ** q)
    area = np.array([top * (e / top) ** p for e in eta])
    return d, area, kp


def _mpl_direct(eta: np.ndarray, t: int, prm: dict, q: float = 1.0, p: float = 1.0) -> float:
    """L(t) of the (q, p) Multi-Power Law summed term by term."""
    d, area, kp = _drops_area(eta, q, p)
    S = np.cumsum(area)
    ld = 0.0
    for k in range(kp + 1, t + 1):
        if d[k] != 0:
            x = prm["C"] * eta[k] ** (-prm["gamma"]) * (S[t] - S[k - 1])
            ld += d[k] * (1 - (x + 1) ** (-prm["beta"]))
    return prm["L0"] + prm["A"] * S[t] ** (-prm["alpha"]) - prm["B"] * ld


def _momentum_direct(eta: np.ndarray, t: int, prm: dict, q: float = 1.0, p: float = 1.0):
    d, area, _ = _drops_area(eta, q, p)
    m = s2 = 0.0
    for i in range(t + 1):
        m = prm["lam"] * m + d[i]
        s2 += m
    return prm["L0"] + prm["A"] * area[: t + 1].sum() ** (-prm["alpha"]) - prm["C"] * s2


SHAPES = {
    "warm-up + cosine": "warmup(cosine(3e-3, 3e-4), steps=40)",
    "steps": "piecewise([3e-3, 1e-3, 3e-4], boundaries=[200, 400])",
    "wsd": 'wsd(3e-3, steps=600, warmup=30, decay="30%", end=1e-5)',
    "rise after the peak": "interpolate([(0, 3e-3), (200, 1e-3), (300, 2e-3), (600, 1e-4)])",
}


# ---------------------------------------------------------------------------------------
# the dense path's jump term J (seed 12, _forms.py:389)
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize(("q", "p"), [(1.0, 1.0), (0.7, 1.0), (1.0, 1.3), (0.8, 0.9)])
def test_jumps_are_each_drop_s_term_at_the_step_it_enters(name, q, p):
    """``_jumps``: J(t) = B sum_(kp<k<=t) d_k (1 - (C eta_k^-gamma S_k(k) + 1)^-beta), where
    S_k(k) is step k's own area (eta_k, or eta_max (eta_k/eta_max)^p), at every step."""
    eta = _eta(SHAPES[name], 600)
    d, area, kp = _drops_area(eta, q, p)
    want = np.zeros(eta.size)
    acc = 0.0
    for k in range(eta.size):
        if k > kp and d[k] != 0:
            x = MPL["C"] * eta[k] ** (-MPL["gamma"]) * area[k]
            acc += d[k] * (1 - (x + 1) ** (-MPL["beta"]))
        want[k] = MPL["B"] * acc
    got = F._jumps(F.prepare(eta, q, p), MPL)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert got[-1] > 0.01  # the drops are worth something: the test can see a change


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize(("q", "p"), [(1.0, 1.0), (0.7, 1.3)])
def test_dense_predictions_of_every_form_are_the_direct_sum(name, q, p):
    """A whole curve (more than 256 steps) of the MPL, its _q and _pq forms, at every
    step: within the dense path's tolerance of the formula summed term by term, and
    exact (to rounding) at the first, last and the kinks' steps."""
    T = 600
    eta = _eta(SHAPES[name], T)
    prm = dict(MPL)
    law = "multi_power"
    if (q, p) != (1.0, 1.0):
        prm, law = {**MPL, "q": q, "p": p}, "multi_power_pq"
    steps = np.arange(1, T)
    got = Law(law, prm).predict(eta, steps)
    check = np.unique(np.r_[1, 2, 3, 199, 200, 201, 299, 300, 301, 455, T - 2, T - 1])
    want = np.array([_mpl_direct(eta, int(t), MPL, q, p) for t in check])
    np.testing.assert_allclose(got[check - 1], want, rtol=1e-7)
    # the jump term is exact; without it the cubic cannot follow a step schedule
    np.testing.assert_allclose(got[[0, T - 2]], want[[0, -1]], rtol=1e-12)


def _mpl_vectorized(eta: np.ndarray, steps: np.ndarray, prm: dict) -> np.ndarray:
    """The MPL at ``steps``, the drop sum as one (steps x drops) matrix of its terms."""
    d, _, kp = _drops_area(eta, 1.0, 1.0)
    S = np.cumsum(eta)
    k = np.arange(eta.size)
    Sk = S[steps][:, None] - np.r_[0.0, S[:-1]][None, :]
    x = prm["C"] * eta[None, :] ** (-prm["gamma"]) * np.where(k[None, :] <= steps[:, None], Sk, 0)
    G = np.where(k[None, :] <= steps[:, None], 1 - (x + 1) ** (-prm["beta"]), 0.0)
    return prm["L0"] + prm["A"] * S[steps] ** (-prm["alpha"]) - prm["B"] * (G * d).sum(1)


@pytest.mark.parametrize("spec", [SHAPES["warm-up + cosine"], SHAPES["rise after the peak"]])
def test_up_to_256_requested_steps_are_summed_exactly_and_more_go_dense(spec):
    """Law._curve: the dense path (adaptive knots) is taken for more than 256 requested
    steps; 256 are summed exactly (to rounding), 257 within the dense tolerance."""
    T = 1100
    eta = _eta(spec, T)
    law = Law("multi_power", MPL)
    st = np.arange(1, T, 4)
    err = []
    for n in (255, 256, 257):
        got = law.predict(eta, st[:n])
        err.append(np.abs(got / _mpl_vectorized(eta, st[:n], MPL) - 1).max())
    assert err[0] < 1e-12 and err[1] < 1e-12
    assert 1e-12 < err[2] < 1e-7


@pytest.mark.parametrize(("q", "p"), [(1.0, 1.0), (0.7, 1.0), (1.0, 1.3), (0.8, 0.9)])
def test_momentum_forms_are_the_direct_recursion(q, p):
    T = 400
    eta = _eta("interpolate([(0, 1e-3), (50, 3e-3), (150, 1e-3), (200, 2e-3), (400, 1e-4)])", T)
    law, prm = "momentum", dict(MOM)
    if q != 1.0:
        law, prm = "momentum_q", {**MOM, "q": q}
    if p != 1.0:
        law, prm = "momentum_pq", {**MOM, "q": q, "p": p}
    steps = np.array([60, 149, 150, 151, 199, 200, 201, 333, 399])
    want = [_momentum_direct(eta, int(t), MOM, q, p) for t in steps]
    np.testing.assert_allclose(Law(law, prm).predict(eta, steps), want, rtol=1e-10)
    # steps given as whole floats are the same steps
    np.testing.assert_allclose(Law(law, prm).predict(eta, steps.astype(float)), want, rtol=1e-10)
    # lam = 0: the momentum is the drop itself, S2(t) the total drop so far
    z = Law(law, {**prm, "lam": 0.0}).predict(eta, steps)
    np.testing.assert_allclose(
        z, [_momentum_direct(eta, int(t), {**MOM, "lam": 0.0}, q, p) for t in steps], rtol=1e-10
    )


# ---------------------------------------------------------------------------------------
# the blocked drop sum (seed 12, _forms.py:197)
# ---------------------------------------------------------------------------------------
def _blocked_terms(eta: np.ndarray, t: int, q: float = 1.0, p: float = 1.0) -> list[tuple]:
    """The terms of step t's drop sum as the module notes describe them, from the
    drops and areas alone: blocks of BLOCK drops from kp + 1 ending at or before
    t - NEAR are far; a far block with drops is one term (total drop, S(t) minus the
    |drop|-weighted mean of S(k-1), that mean of log eta_k, and the weighted
    variances and covariance), unless its drops change sign or its log eta spans more
    than 0.5: then, like every later drop, one term per non-zero drop."""
    d, area, kp = _drops_area(eta, q, p)
    S = np.cumsum(area)
    Sp = np.r_[0.0, S[:-1]]
    ell = np.log(np.maximum(eta, eta.max() * 1e-12))
    first = kp + 1
    nfar = max(0, (t - F.NEAR - kp) // F.BLOCK)
    out = []
    for b in range(nfar):
        ks = np.arange(first + b * F.BLOCK, min(first + (b + 1) * F.BLOCK, eta.size))
        w = np.abs(d[ks])
        if w.sum() == 0:
            continue
        on = w > 0
        mixed = (d[ks] > 0).any() and (d[ks] < 0).any()
        if mixed or ell[ks][on].max() - ell[ks][on].min() > 0.5:
            out += [(d[k], S[t] - Sp[k], ell[k], 0.0, 0.0, 0.0) for k in ks if d[k] != 0]
            continue
        sb, lb = (w * Sp[ks]).sum() / w.sum(), (w * ell[ks]).sum() / w.sum()
        vs = (w * (Sp[ks] - sb) ** 2).sum() / w.sum()
        vl = (w * (ell[ks] - lb) ** 2).sum() / w.sum()
        cv = (w * (Sp[ks] - sb) * (ell[ks] - lb)).sum() / w.sum()
        out.append((d[ks].sum(), S[t] - sb, lb, vs, vl, cv))
    for k in range(first + nfar * F.BLOCK, t + 1):
        if d[k] != 0:
            out.append((d[k], S[t] - Sp[k], ell[k], 0.0, 0.0, 0.0))
    return out


def _rows(g: F.Geometry, i: int) -> list[tuple]:
    vs = g.vs if g.vs is not None else np.zeros(g.D.size)
    vl = g.vl if g.vl is not None else np.zeros(g.D.size)
    cv = g.cv if g.cv is not None else np.zeros(g.D.size)
    sel = np.flatnonzero(g.row == i)
    return [(g.D[j], g.dS[j], g.leta[j], vs[j], vl[j], cv[j]) for j in sel]


NOISY = "noisy"


def _long(name: str, T: int) -> np.ndarray:
    if name == NOISY:  # a decay whose drops change sign in every block
        rng = np.random.default_rng(3)
        eta = np.linspace(3e-3, 3e-4, T) * (1 + 0.02 * rng.standard_normal(T))
        eta[0] = 4e-3
        return eta
    return _eta(
        {
            "cosine": "warmup(cosine(3e-3, 3e-4), steps=100)",
            "linear": "warmup(linear(3e-3, 1e-5), steps=100)",
            "cyclic": "cyclic(3e-4, 3e-3, half_period=700)",
            "flat middle": "interpolate([(0, 3e-3), (1500, 1e-3), (2500, 1e-3), (4000, 1e-4)])",
        }[name],
        T,
    )


@pytest.mark.parametrize("name", ["cosine", "linear", "cyclic", "flat middle", NOISY])
@pytest.mark.parametrize(("q", "p"), [(1.0, 1.0), (0.7, 1.3)])
def test_the_blocked_drop_sum_holds_the_documented_terms(name, q, p):
    """geometry() beyond EXACT_LIMIT: per evaluated step, the terms the module notes
    describe (merged far blocks with their moments, rough blocks and near drops term
    by term), whatever order the steps come in."""
    T = 4000
    eta = _long(name, T)
    steps = np.r_[np.arange(3999, 100, -29), 129, 130, 131, 229, 230, 231, 232, 600]
    g = F.geometry(eta, steps, q=q, p=p)
    assert np.count_nonzero(F.prepare(eta, q, p)["d"]) * steps.size > F.EXACT_LIMIT
    assert g.n == steps.size and g.nb == int(np.sum(np.arange(g.D.size) < g.nb))
    S = np.cumsum(_drops_area(eta, q, p)[1])
    np.testing.assert_allclose(g.S, S[steps], rtol=1e-13)
    for i in list(range(0, steps.size, 17)) + list(range(steps.size - 8, steps.size)):
        want = sorted(_blocked_terms(eta, int(steps[i]), q, p), key=lambda r: (r[1], r[0]))
        got = sorted(_rows(g, i), key=lambda r: (r[1], r[0]))
        assert len(got) == len(want), (name, int(steps[i]))
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-9, atol=1e-18)
    # merged terms come first; those after them carry no spread
    if g.vs is not None:
        assert not g.vs[g.nb :].any() and not g.vl[g.nb :].any() and not g.cv[g.nb :].any()


@pytest.mark.parametrize(
    ("name", "tol"),
    [("cosine", 1e-6), ("linear", 2e-6), ("cyclic", 1.5e-5), ("flat middle", 2e-6), (NOISY, 1e-12)],
)
@pytest.mark.parametrize(("q", "p"), [(1.0, 1.0), (0.7, 1.3)])
def test_the_blocked_drop_sum_is_within_its_error_of_the_exact_one(name, tol, q, p):
    """With the second-order correction of each merged block's spread (_g), the blocked
    sum stays within ~1e-6 relative of the exact one on smooth decays (1e-4 without
    it); noisy drops (every block rough) are summed term by term: exact to rounding."""
    T = 4000
    eta = _long(name, T)
    steps = np.arange(150, T, 25)
    prep = F.prepare(eta, q, p)
    fast = F.mpl_curve(F.geometry(eta, steps, prep=prep), MPL)
    exact = F.mpl_curve(F.geometry(eta, steps, exact=True, prep=prep), MPL)
    assert np.abs(fast / exact - 1).max() < tol
    if name in ("cosine", "linear"):
        assert np.abs(exact - exact[0]).max() > 0.5  # the drop term is large here


@pytest.mark.parametrize(("rate", "rough"), [(0.0071, False), (0.0087, True)])
def test_a_block_whose_log_rate_spans_more_than_half_is_summed_term_by_term(rate, rough):
    """An exponential decay by ``rate`` per step spans 63 x rate in log eta over one
    block: 0.45 is merged (and its error stays small), 0.55 is summed term by term
    (no merged term at all, and the sum is the exact one to rounding).
    The full blocks only: the last one is shorter."""
    T = 3000
    eta = 3e-3 * np.exp(-rate * np.arange(T))
    steps = np.arange(200, T, 20)
    prep = F.prepare(eta)
    g = F.geometry(eta, steps, prep=prep)
    full = prep["blocks"][7][:-1]  # the last block is shorter: it spans less
    assert bool(full.all()) is rough and bool(full.any()) is rough
    assert (g.nb == 0) is rough
    exact = F.mpl_curve(F.geometry(eta, steps, exact=True), MPL)
    err = np.abs(F.mpl_curve(g, MPL) / exact - 1).max()
    assert err < 1e-12 if rough else 1e-10 < err < 1e-4


def test_a_block_without_drops_is_no_term_and_not_rough():
    """A schedule held flat for whole blocks after its peak: those blocks have no drop,
    are not rough, and give no term; each other block's total drop is its rates' fall."""
    eta = _long("flat middle", 4000)
    prep = F.prepare(eta)
    g = F.geometry(eta, np.arange(150, 4000, 10), prep=prep)
    Db, _, _, _, _, _, on, rough = prep["blocks"]
    flat = np.arange(Db.size)[~on]
    # blocks of steps 1 + 64 b .. 64 + 64 b wholly within the flat steps 1501..2500
    np.testing.assert_array_equal(flat, np.arange(24, 39))
    assert not rough.any()
    assert not Db[~on].any()
    edges = np.minimum(1 + F.BLOCK * np.arange(Db.size + 1), 4000)
    np.testing.assert_allclose(Db, eta[edges[:-1] - 1] - eta[edges[1:] - 1], rtol=1e-9, atol=1e-19)
    assert g.nb > 0 and np.all(g.D[: g.nb] != 0)


# ---------------------------------------------------------------------------------------
# optimize's refinement (seed 12, _optimize.py:80)
# ---------------------------------------------------------------------------------------
class _Recording:
    """A law whose predicted final loss is ``g(D)`` for a WSD cooldown of D steps (plus a
    penalty for an end above 0), recording every (cooldown, shape, end / peak) it is
    asked about."""

    def __init__(self, g):
        self.g, self.seen = g, []

    def final(self, schedule, total_steps):
        d, rel = int(schedule.decay), float(schedule.end) / float(schedule.peak)
        self.seen.append((d, schedule.shape, rel))
        return float(self.g(d)) + 100.0 * rel


def _cells(room: int) -> list[int]:
    return [max(1, round(f * room)) for f in np.arange(0.01, 0.81, 0.01)]


@pytest.mark.parametrize(("T", "w", "best"), [(300, 0, 130), (300, 50, 100), (1000, 100, 420)])
def test_optimize_refines_only_within_one_grid_step_of_the_best_cell(T, w, best):
    """The module notes: a grid over D / (T - warmup) in 1 % steps from 1 % to 80 %, the
    shapes (linear, cos, sqrt) and the ends (0, 1 %, 10 % of the peak), then a bounded
    scalar search around the best cell: every cooldown the search tries lies within
    1 % of T - warmup of that cell, and it reaches the optimum to the step."""
    from lrkit.laws import optimize

    law = _Recording(lambda d: (d - best) ** 2)
    s = optimize(law, T, 2.0, warmup=w)
    room = T - w
    cells = _cells(room)
    grid = len(cells) * 3 * 3
    want = [(d, sh, e) for d in cells for sh in ("linear", "cos", "sqrt") for e in (0, 0.01, 0.1)]
    assert [(d, sh, pytest.approx(e)) for d, sh, e in law.seen[:grid]] == want
    d0 = min(cells, key=lambda d: (d - best) ** 2)
    tried = [d for d, _, _ in law.seen[grid:-1]]
    assert tried and all(d0 - 0.01 * room - 0.5 <= d <= d0 + 0.01 * room + 0.5 for d in tried)
    assert all(sh == "linear" and e == 0 for _, sh, e in law.seen[grid:])
    assert int(s.decay) == best and int(s.warmup) == w and float(s.end) == 0.0
    assert law.seen[-1] == (best, "linear", 0.0)  # the result's own prediction, last


def test_optimize_keeps_the_grid_cell_when_the_search_only_ties_it():
    """The refined cooldown replaces the grid's only when it predicts strictly better:
    with the loss flat at its minimum over cooldowns 125..135 the first such grid cell
    (126 of 300 steps) is kept, though the search ends elsewhere in the flat part."""
    from lrkit.laws import optimize

    law = _Recording(lambda d: max(0, abs(d - 130) - 5))
    s = optimize(law, 300, 1.0)
    assert int(s.decay) == 126
    assert any(d != 126 for d, _, _ in law.seen[720:-1])  # it did look elsewhere


# ---------------------------------------------------------------------------------------
# values of every law name
# ---------------------------------------------------------------------------------------
def _params(law: str) -> dict:
    out = {}
    for i, n in enumerate(LAWS[law]):
        base = n.removeprefix("m_")
        out[n] = {"lam": 0.9, "q": 0.8, "p": 1.15}.get(base, 0.5 + 0.25 * i)
    return out


@pytest.mark.parametrize("law", list(LAWS))
def test_every_law_round_trips_and_reports_its_formula_and_parameters(law):
    info = {"runs": ["a", "b"], "fit_mean_rel": 0.0123, "fit_worst_rel": 0.05}
    x = Law(law, _params(law), info)
    back = Law.from_dict(json.loads(json.dumps(x.to_dict())))
    assert back == x and back.info == info and hash(back) == hash(x)
    assert list(back.params) == list(LAWS[law])
    lines = x.report().splitlines()
    assert lines[0].startswith(f"{law} law: L(t) = ")
    base = law.removesuffix("_q").removesuffix("_pq")
    if law.endswith("q"):
        assert ", drops d_k = eta_max^(1-q)*(eta_(k-1)^q - eta_k^q)" in lines[0]
    assert ("area S(t) = sum eta_max*(eta_tau/eta_max)^p" in lines[0]) is law.endswith(
        ("_pq", "_pqs")
    )
    if base == "mean":
        assert "the momentum law's parameters m_*" in lines[0]
    assert lines[1] == "  " + ", ".join(f"{k}={v:.6g}" for k, v in _params(law).items())
    assert lines[2:] == ["  fitted on: a, b", "  fit error: mean 1.230 %, worst 5.000 %"]
    assert Law(law, _params(law)).report().splitlines() == lines[:2]
    other = dict(_params(law))
    other["L0"] += 1.0
    assert Law(law, other) != x


@pytest.mark.parametrize("law", list(LAWS))
def test_every_law_checks_each_of_its_parameters(law):
    good = _params(law)
    for n in LAWS[law]:
        base = n.removeprefix("m_")
        with pytest.raises(ConfigTypeError, match=rf"^Law {law}: {n} must be a number, got 'x'$"):
            Law(law, {**good, n: "x"})
        with pytest.raises(ConfigError, match=rf"^Law {law}: {n} must be finite, got nan$"):
            Law(law, {**good, n: math.nan})
        missing = {k: v for k, v in good.items() if k != n}
        with pytest.raises(ConfigError, match=rf"^Law {law}: parameter '{n}' is missing$"):
            Law(law, missing)
        if base == "lam":
            for bad in (-0.01, 1.0):
                with pytest.raises(ConfigError, match=rf"{n} must be in \[0, 1\), got {bad}$"):
                    Law(law, {**good, n: bad})
            assert Law(law, {**good, n: 0.0}).params[n] == 0.0
        elif base in ("q", "p"):
            for bad in (0.0, 4.5, -1.0):
                with pytest.raises(ConfigError, match=rf"{n} must be in \(0, 4\], got {bad}$"):
                    Law(law, {**good, n: bad})
            assert Law(law, {**good, n: 4.0}).params[n] == 4.0
        elif base == "L0":
            assert Law(law, {**good, n: -1.0}).params[n] == -1.0
        else:
            with pytest.raises(ConfigError, match=rf"^Law {law}: {n} must be >= 0, got -0.5$"):
                Law(law, {**good, n: -0.5})
            assert Law(law, {**good, n: 0}).params[n] == 0.0


@pytest.mark.parametrize("sfx", ["", "_q", "_pq"])
def test_every_mean_law_is_the_mean_of_its_parts(sfx):
    law = Law("mean" + sfx, _params("mean" + sfx))
    a, b = law.parts()
    assert (a.law, b.law) == ("multi_power" + sfx, "momentum" + sfx)
    assert a.params == {n: law.params[n] for n in LAWS[a.law]}
    assert b.params == {n: law.params["m_" + n] for n in LAWS[b.law]}
    eta = _eta("warmup(cosine(1e-2, 1e-3), steps=20)", 300)
    steps = np.array([30, 120, 299])
    want = 0.5 * (a.predict(eta, steps) + b.predict(eta, steps))
    np.testing.assert_allclose(law.predict(eta, steps), want, rtol=1e-13)
    one = Law("multi_power" + sfx, a.params)
    assert one.parts() == (one,)


# ---------------------------------------------------------------------------------------
# error messages no test reached (--uncovered)
# ---------------------------------------------------------------------------------------
def _run() -> Run:
    eta = _eta("warmup(cosine(1e-2, 1e-3), steps=20)", 200)
    steps = np.arange(25, 200, 5)
    return Run(eta, steps, Law("momentum", {**MOM, "C": 1.0}).predict(eta, steps), name="r")


def test_fit_names_bad_runs_and_a_bad_delta():
    with pytest.raises(ConfigTypeError, match=r"^fit: runs must be a list of Run, got int$"):
        fit(3, "momentum")
    with pytest.raises(ConfigError, match=r"^fit: runs must hold at least one Run, got an empty"):
        fit([], "momentum")
    with pytest.raises(ConfigTypeError, match=r"^fit: runs\[1\] must be a Run, got str$"):
        fit([_run(), "x"], "momentum")
    for bad in (0, 0.0, -1e-3, "1e-3"):
        with pytest.raises(ConfigError, match=rf"^fit: delta must be > 0, got {bad!r}$"):
            fit([_run()], "momentum", delta=bad)
    for bad in (1.0, -0.1, "0.9"):
        with pytest.raises(ConfigError, match=rf"^fit: lam must be in \[0, 1\), got {bad!r}$"):
            fit([_run()], "momentum", lam=bad)


def test_the_law_plot_names_its_bad_arguments():
    law = Law("momentum", MOM)
    with pytest.raises(ConfigError, match=r"^out must be a file path, got 3$"):
        law.plot(3, runs=[_run()])
    s = lrkit.cosine(1e-2, 1e-3)
    with pytest.raises(ConfigError, match=r"^labels: need one per schedule \(2\), got 1$"):
        law.plot(schedules=[s, s], labels=["a"], total_steps=100)
    with pytest.raises(ConfigError, match=r"^plot: give runs and/or schedules to draw$"):
        law.plot()


def test_public_runs_name_a_bad_name_and_a_bad_size(tmp_path):
    from lrkit.laws.public import NAMES, load_public, public_rates

    with pytest.raises(ConfigError, match=r"^public run: unknown name 'linear_100' \(names: "):
        public_rates("linear_100", 10)
    with pytest.raises(ConfigError) as e:
        public_rates("linear_100", 10)
    assert str(e.value).endswith(", ".join(NAMES) + ")")
    with pytest.raises(ConfigError, match=r"^load_public: size must be one of 25, 100, 400, got"):
        load_public(tmp_path, "50")
    with pytest.raises(ConfigError, match=r"got 25.0$"):
        load_public(tmp_path, 25.0)


# ---------------------------------------------------------------------------------------
# the fit's points and record; the law plot's schedule curves
# ---------------------------------------------------------------------------------------
def test_fit_uses_the_points_after_warmup_and_records_how_it_fitted():
    """skip_warmup (default): only the points after the schedule's peak; otherwise every
    point where S(t) > 0 (a warm-up from 0 has S(0) = 0). info: the runs' names
    (``run<i>`` when unnamed), the point count, delta, weight, and the fit error over
    all the runs' points."""
    from lrkit.laws._fit import _fit_data

    true = Law("momentum", {**MOM, "C": 1.0})
    runs = []
    for name, spec in [
        ("a", "warmup(cosine(1e-2, 1e-3), steps=20, start=0.0)"),
        ("", "warmup(constant(1e-2), steps=10, start=0.0)"),
    ]:
        eta = _eta(spec, 200)
        steps = np.arange(0, 200, 6)
        y = true.predict(eta, steps[1:])  # S(0) = 0: the law has no value at step 0
        runs.append(Run(eta, steps, np.r_[y[0], y], name=name))
    for skip, want in (
        (True, [range(24, 200, 6), range(12, 200, 6)]),
        (False, [range(6, 200, 6)] * 2),
    ):
        _, data, names = _fit_data(runs, "momentum", 0.9, 1e-3, skip)
        assert names == ["L0", "A", "alpha", "C"]
        for (g, ylog, sw), r, st in zip(data, runs, want):
            np.testing.assert_array_equal(g.steps, list(st))
            np.testing.assert_allclose(ylog, np.log(r.losses[np.isin(r.steps, list(st))]))
            np.testing.assert_allclose(sw, np.sqrt(np.array(list(st)) / st[-1]))
    runs = [Run(r.eta, r.steps[1:], r.losses[1:], name=r.name) for r in runs]
    got = fit(runs, "momentum", max_nfev=8, delta=2e-3, weight="none")
    assert got.info["runs"] == ["a", "run1"] and got.info["points"] == 30 + 32
    assert got.info["delta"] == 2e-3 and got.info["weight"] == "none"
    err = got.errors(runs)
    assert got.info["fit_mean_rel"] == err["mean_rel"]
    assert got.info["fit_worst_rel"] == err["worst_rel"]
    every = fit(runs, "momentum", max_nfev=8, skip_warmup=False)
    assert every.info["points"] == 2 * 33 and every.info["weight"] == "step"


@pytest.mark.parametrize(("total", "every"), [(1999, 1), (4000, 2), (7000, 3)])
def test_the_law_plot_draws_a_schedule_from_its_peak_thinned_to_about_2000_points(total, every):
    """plot_law's schedule curves: the law's prediction (dashed) from the schedule's
    peak (the laws do not model warm-up) to its last step, every ``total // 2000``-th
    step and the last one (the final loss), labelled ``"<label> (predicted)"`` (the
    schedule's spec by default)."""
    law = Law("momentum", {**MOM, "C": 1.0})
    s = lrkit.warmup(lrkit.cosine(1e-2, 1e-3), steps=100)
    fig = law.plot(schedules=[s, s], labels=["x", "y"], total_steps=total)
    a, b = fig.axes[0].get_lines()
    eta = np.asarray(s.bind(total_steps=total)(np.arange(total)), float)
    x = np.unique(np.r_[np.arange(int(np.argmax(eta)), total)[::every], total - 1])
    assert int(np.argmax(eta)) == 100
    np.testing.assert_array_equal(a.get_xdata(), x)
    np.testing.assert_allclose(a.get_ydata(), law.predict(eta, x), rtol=1e-12)
    assert a.get_linestyle() == "--" and a.get_label() == "x (predicted)"
    assert b.get_label() == "y (predicted)" and a.get_color() != b.get_color()
    fig = law.plot(schedules=[s], total_steps=total, skip=1000)
    (c,) = fig.axes[0].get_lines()
    np.testing.assert_array_equal(c.get_xdata(), x[x >= 1000])
    assert c.get_label() == f"{s} (predicted)"


class _Target:
    """A law whose predicted final loss is the squared distance of the schedule's rates
    from a target schedule's: the optimum is the target itself."""

    def __init__(self, target, T):
        self.want = np.asarray(target.bind(total_steps=T)(np.arange(T)), float)

    def final(self, schedule, total_steps):
        got = np.asarray(schedule.bind(total_steps=total_steps)(np.arange(total_steps)), float)
        return float(np.sum((got - self.want) ** 2))


@pytest.mark.parametrize(("w", "knots"), [(0, 4), (1, 3), (30, 5)])
def test_optimize_free_shape_reaches_a_monotone_target_through_its_knots(w, knots):
    """family="interpolate": knots at linspace(0, T - warmup, knots + 1) (rounded) after
    the warm-up (linear from 0), values peak x cumprod(r), r in [0, 1], each printed to 6
    significant digits; when the best shape is such a schedule, L-BFGS-B finds it."""
    from lrkit.laws import optimize

    T, peak = 300, 2.0
    room = T - w
    xs = np.linspace(0, room, knots + 1).round().astype(int)
    vals = peak * np.cumprod(np.linspace(1.0, 0.45, knots + 1))
    base = lrkit.interpolate([(int(x), float(v)) for x, v in zip(xs, vals)])
    target = lrkit.warmup(base, steps=w, start=0.0) if w else base
    s = optimize(_Target(target, T), T, peak, warmup=w, family="interpolate", knots=knots)
    got = s.schedule if w else s
    if w:  # even a one-step warm-up is kept: the first rate is 0
        assert type(s).__name__ == "Warmup" and (s.steps, s.start) == (w, 0.0)
        assert float(s(0)) == 0.0
    else:
        assert type(s).__name__ == "Interpolate"
    pts = got.points
    assert [x for x, _ in pts] == xs.tolist()
    assert all(float(f"{v:.6g}") == v for _, v in pts)
    np.testing.assert_allclose([v for _, v in pts], vals, rtol=0, atol=3e-4 * peak)
    assert all(a >= b for (_, a), (_, b) in zip(pts, pts[1:])) and pts[0][1] <= peak
    assert lrkit.parse(str(s)) == s


def test_find_root_looks_beside_the_checkout_then_one_level_up(tmp_path):
    from lrkit.laws.public import find_root

    co = tmp_path / "a" / "b"
    co.mkdir(parents=True)
    beside, above = tmp_path / "a" / "shared", tmp_path / "shared"
    assert find_root(co) == beside / "data" / "loss_curves"  # neither: the first place
    (above / "data" / "loss_curves").mkdir(parents=True)
    assert find_root(str(co)) == above / "data" / "loss_curves"
    (beside / "data" / "loss_curves").mkdir(parents=True)
    assert find_root(co) == beside / "data" / "loss_curves"


@pytest.mark.parametrize("name", list(SHAPES))
def test_the_dense_path_refines_until_its_tolerance(name):
    """mpl_dense halves an interval while the local cubic misses its midpoint by more
    than rtol x the smallest predicted loss: with rtol = 0 every step becomes an exact
    knot (the direct sum to rounding, also with q and p); with rtol from 1e-10 to 1e-4
    the curve stays within rtol of the direct sum (the loss here is about 2.5-4, and
    0.025-0.04 with L0, A and B / 100)."""
    T = 600
    eta = _eta(SHAPES[name], T)
    st = np.arange(1, T)
    exact = _mpl_vectorized(eta, st, MPL)
    np.testing.assert_allclose(F.mpl_dense(eta, st, MPL, rtol=0.0), exact, rtol=1e-13)
    for rtol in (1e-10, 1e-8, 1e-6, 1e-4):
        assert np.abs(F.mpl_dense(eta, st, MPL, rtol=rtol) / exact - 1).max() <= rtol
    # the tolerance is relative: a law at 1 % of the loss scale is held to the same rtol
    small = {**MPL, "L0": MPL["L0"] / 100, "A": MPL["A"] / 100, "B": MPL["B"] / 100}
    for rtol in (1e-8, 1e-6):
        got = F.mpl_dense(eta, st, small, rtol=rtol)
        assert np.abs(got / (exact / 100) - 1).max() <= rtol
    few = st[::7]
    want = [_mpl_direct(eta, int(t), MPL, 0.7, 1.3) for t in few]
    got = F.mpl_dense(eta, st, MPL, rtol=0.0, q=0.7, pexp=1.3)
    np.testing.assert_allclose(got[::7], want, rtol=1e-12)


@pytest.mark.parametrize("law", ["multi_power", "momentum"])
def test_predict_binds_an_unbound_schedule_to_total_steps_not_to_the_last_step(law):
    """An unbound schedule is bound to ``total_steps`` when given (its length decides
    its shape), even when the requested steps end earlier; without it, to the last
    requested step + 1. A spec string or dict is read the same way."""
    prm = MPL if law == "multi_power" else MOM
    s = lrkit.cosine(3e-3, 3e-4)
    x = Law(law, prm)
    steps = np.array([10, 50, 120])
    for total in (121, 400):
        eta = np.asarray(s.bind(total_steps=total)(np.arange(total)), float)
        direct = _mpl_direct if law == "multi_power" else _momentum_direct
        want = [direct(eta, int(t), prm) for t in steps]
        kw = {"total_steps": total} if total != 121 else {}
        np.testing.assert_allclose(x.predict(s, steps, **kw), want, rtol=1e-12)
        np.testing.assert_allclose(x.predict(str(s), steps, **kw), want, rtol=1e-12)
        np.testing.assert_allclose(x.predict(s.to_dict(), steps, **kw), want, rtol=1e-12)
        assert x.final(s, total_steps=total) == pytest.approx(
            direct(eta, total - 1, prm), rel=1e-12
        )


def test_the_dense_path_falls_back_to_an_absolute_tolerance_at_a_zero_loss(monkeypatch):
    """mpl_dense's tolerance is rtol x the smallest |predicted loss| at the first knots;
    when that is 0 (here L0 = A = 0: the loss is 0 until the first drop) it is rtol
    itself, so the curve still needs few knots (not one per step) and stays within
    rtol of the direct sum."""
    T = 600
    eta = _eta(SHAPES["warm-up + cosine"], T)
    prm = {**MPL, "L0": 0.0, "A": 0.0}
    st = np.arange(1, T)
    calls = []
    real = F.geometry

    def counting(e, t, **kw):
        calls.append(np.size(t))
        return real(e, t, **kw)

    monkeypatch.setattr(F, "geometry", counting)
    got = F.mpl_dense(eta, st, prm, rtol=1e-8)
    assert got[:39].tolist() == [0.0] * 39  # before the peak (step 40): no drop yet
    assert np.abs(got - _mpl_vectorized(eta, st, prm)).max() <= 1e-8
    assert sum(calls) < 400  # (314; with a zero tolerance, every one of the 599 steps)


def test_the_law_figure_draws_its_floor_as_a_visible_dashed_line():
    from lrkit.laws.plotting import law_figure

    fig = law_figure(Law("momentum", MOM))
    (ax,) = fig.axes
    curve, floor = ax.get_lines()
    assert floor.get_label() == "L0" and floor.get_linestyle() == "--"
    assert floor.get_linewidth() > 0 and floor.get_ydata()[0] == MOM["L0"]
    assert curve.get_label() == "L0 + A S^-alpha" and ax.get_xscale() == "log"
    s = np.asarray(curve.get_xdata())
    np.testing.assert_allclose(s, np.geomspace(1e-2, 1e3, 200))
    np.testing.assert_allclose(curve.get_ydata(), MOM["L0"] + MOM["A"] * s ** -MOM["alpha"])
    assert ax.get_title() == "momentum law: the loss at a constant rate"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("S = sum of learning rates", "loss")


def test_the_exponent_profiles_walk_out_from_1_each_fit_starting_at_its_neighbour(monkeypatch):
    """``*_q`` / ``*_pq`` fits (module notes of _fit): a full fit at q = 1, then at each
    grid value below 1 going down and above 1 going up, each started from the optimum
    at its neighbour nearer to 1; the smallest objective wins. The ``_pq`` fit then
    profiles p over P_GRID the same way at that q, starting from the q fit."""
    from lrkit.laws import _fit

    assert _fit._sides(_fit.Q_GRID) == ([0.9, 0.8, 0.7, 0.6], [1.2])
    assert _fit._sides(_fit.P_GRID) == ([0.9], [1.15, 1.3, 1.5])
    calls = []
    real = _fit._fit_one

    def spy(runs, law, **kw):
        got = real(runs, law, **kw)
        calls.append((kw.get("q"), kw.get("p"), kw.get("start"), got))
        return got

    monkeypatch.setattr(_fit, "_fit_one", spy)
    true = Law("momentum_pq", {**MOM, "C": 1.0, "q": 0.8, "p": 1.15})
    eta = _eta("warmup(cosine(1e-2, 1e-3), steps=20)", 200)
    steps = np.arange(25, 200, 7)
    runs = [Run(eta, steps, true.predict(eta, steps))]
    got = fit(runs, "momentum_pq", max_nfev=6)
    qs = [1.0, 0.9, 0.8, 0.7, 0.6, 1.2]
    assert [c[0] for c in calls[:6]] == qs and all(c[1] is None for c in calls[:6])
    by_q = {c[0]: c[3] for c in calls[:6]}
    assert calls[0][2] is None
    for i, q in enumerate(qs[1:], 1):
        neighbour = 1.0 if q == 1.2 else qs[i - 1]
        assert calls[i][2] == by_q[neighbour][0].params
    q_best = min(by_q.values(), key=lambda c: c[1])[0]
    ps = [0.9, 1.15, 1.3, 1.5]
    assert [(c[0], c[1]) for c in calls[6:]] == [(q_best.params["q"], p) for p in ps]
    start_one = {**q_best.params, "p": 1.0}
    by_p = {1.0: (None, None)}
    for c in calls[6:]:
        by_p[c[1]] = c[3]
    assert calls[6][2] == start_one and calls[7][2] == start_one
    assert calls[8][2] == by_p[1.15][0].params and calls[9][2] == by_p[1.3][0].params
    cost_one = min(c[3][1] for c in calls[:6])
    costs = {p: (cost_one if p == 1.0 else by_p[p][1]) for p in [1.0, *ps]}
    p_best = min(costs, key=lambda p: (costs[p], p != 1.0))
    assert got.params["p"] == p_best and got.params["q"] == q_best.params["q"]


@pytest.mark.parametrize(("q", "p"), [(1.0, 1.0), (0.7, 1.3)])
def test_the_momentum_fit_objective_and_its_jacobian(q, p):
    """The momentum law's solver view (fixed lam): residuals sqrt(w) (log y - log y_hat),
    parameters (L0, log A, alpha, log C), and the Jacobian their derivative (central
    differences), with the drop and progress exponents of the geometry."""
    from lrkit.laws._fit import _fit_data, _objective

    prm = {**MOM, "C": 1.0}
    true = Law("momentum_pq", {**prm, "q": q, "p": p})
    eta = _eta("warmup(cosine(1e-2, 1e-3), steps=20)", 300)
    steps = np.arange(25, 300, 5)
    obs = true.predict(eta, steps) * (1 + 0.01 * np.sin(steps))
    runs = [Run(eta, steps, obs)]
    _, data, names = _fit_data(runs, "momentum", prm["lam"], 1e-3, True, "step", q, p)
    assert names == ["L0", "A", "alpha", "C"]
    unpack, resid, jac = _objective("momentum", names, prm["lam"], data)
    x = np.array([prm["L0"], math.log(prm["A"]), prm["alpha"], math.log(prm["C"])])
    assert unpack(x) == pytest.approx(prm)
    w = steps / steps[-1]
    want = np.sqrt(w) * (np.log(obs) - np.log(true.predict(eta, steps)))
    np.testing.assert_allclose(resid(x), want, rtol=1e-9, atol=1e-13)
    J = jac(x)
    for i in range(4):
        h = np.zeros(4)
        h[i] = 1e-6
        num = (resid(x + h) - resid(x - h)) / 2e-6
        np.testing.assert_allclose(J[:, i], num, atol=1e-6 * max(1.0, np.abs(num).max()))


def test_a_run_of_per_step_rates_or_a_constant_takes_total_steps_as_a_check_only():
    """Run: total_steps binds an unbound schedule (a schedule or a spec string); rates
    given per step or as a number are used as they are (cut to the last logged step +
    1), and total_steps only has to exceed the last logged step."""
    rates = np.linspace(1.0, 0.1, 10)
    r = Run(rates, [1, 3], [2.0, 1.0], total_steps=8)
    np.testing.assert_array_equal(r.eta, rates[:4])
    c = Run(0.5, [1, 3], [2.0, 1.0], total_steps=8)
    np.testing.assert_array_equal(c.eta, [0.5] * 4)
    s = Run(lrkit.linear(1.0, 0.0), [1, 3], [2.0, 1.0], total_steps=8)
    np.testing.assert_allclose(s.eta, [1.0, 0.875, 0.75, 0.625])
    with pytest.raises(ConfigError, match=r"^Run: total_steps must be > the last step 3, got 3$"):
        Run(rates, [1, 3], [2.0, 1.0], total_steps=3)
    with pytest.raises(ConfigTypeError, match=r"^Run: total_steps must be an int, got 8.0$"):
        Run(rates, [1, 3], [2.0, 1.0], total_steps=8.0)


@pytest.mark.parametrize("name", ["wsd", "rise after the peak"])
def test_the_steps_around_every_kink_are_exact_knots_whatever_the_tolerance(name):
    """mpl_dense's knots hold k - 1, k and k + 1 for every kink k of the drop sequence
    (|d_k - d_(k-1)| above 1 % of the largest drop): there the curve is the direct sum
    to rounding even with a tolerance (1e-2) that refines nothing."""
    T = 600
    eta = _eta(SHAPES[name], T)
    d, _, _ = _drops_area(eta, 1.0, 1.0)
    k = np.flatnonzero(np.abs(np.diff(d)) > 1e-2 * np.abs(d).max()) + 1
    near = np.unique(np.concatenate([k - 1, k, k + 1]))
    near = near[(near >= 1) & (near < T)]
    assert near.size >= 3
    st = np.arange(1, T)
    got = F.mpl_dense(eta, st, MPL, rtol=1e-2)[near - 1]
    np.testing.assert_allclose(got, _mpl_vectorized(eta, near, MPL), rtol=1e-13)


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize(("lo", "hi"), [(0, 599), (150, 420), (250, 599)])
def test_kinks_are_the_steps_next_to_a_change_of_the_drops_and_their_neighbours(name, lo, hi):
    """_kinks: the steps k in [lo, hi] where |d_k - d_(k-1)| exceeds 1 % of the largest
    |drop|, with k - 1 and k + 1 (also within [lo, hi]); none without drops."""
    d, _, _ = _drops_area(_eta(SHAPES[name], 600), 1.0, 1.0)
    big = np.abs(d).max()
    want = set()
    for k in range(1, d.size):
        if abs(d[k] - d[k - 1]) > 0.01 * big:
            want |= {j for j in (k - 1, k, k + 1) if lo <= j <= hi}
    got = F._kinks(d, lo, hi)
    assert sorted(set(got.tolist())) == sorted(want)
    assert want or name == "warm-up + cosine" or (lo, hi) != (0, 599)
    assert got.dtype == np.int64
    assert F._kinks(np.zeros(600), lo, hi).size == 0


def test_kinks_exceed_one_percent_strictly_and_a_drop_of_exactly_1_counts():
    """The kink test is strict (a change of exactly 1 % of the largest drop is not a
    kink), and the largest drop may be any size (exactly 1.0 included)."""
    d = np.zeros(200)
    d[50:60], d[60:70] = 100.0, 99.0  # a change of exactly 1.0 = 1 % of 100 at step 60
    assert sorted(set(F._kinks(d, 0, 199).tolist())) == [49, 50, 51, 69, 70, 71]
    one = np.zeros(200)
    one[100] = 1.0
    assert sorted(set(F._kinks(one, 0, 199).tolist())) == [99, 100, 101, 102]


def test_the_local_cubic_through_four_knots_and_linear_below_four():
    """_lagrange4: with 4 knots (or more) the cubic through the nearest four, exact for a
    cubic polynomial; with fewer than 4, linear interpolation."""
    kk = np.array([0, 3, 7, 12])
    cubic = kk**3 - 4.0 * kk**2 + kk - 2.0
    x = np.arange(0, 13)
    np.testing.assert_allclose(F._lagrange4(kk, cubic, x), x**3 - 4.0 * x**2 + x - 2.0, rtol=1e-12)
    np.testing.assert_allclose(
        F._lagrange4(kk[:3], cubic[:3], x[:8]), np.interp(x[:8], kk[:3], cubic[:3]), rtol=1e-15
    )
