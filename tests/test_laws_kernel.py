"""lrkit.laws._kernel: a fit's drop sum gives the numbers of the plain formulas bit for bit
(the geometry's fixed parts computed once, the per-step sums as a sparse product, work
arrays reused), and a whole fit with it equals the fit without it."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.laws import Law, Run, _fit, fit
from lrkit.laws import _forms as F
from lrkit.laws import _kernel as K

MPL = dict(L0=2.5, A=0.66, alpha=0.42, B=770.0, C=0.53, beta=0.27, gamma=0.65)


def _eta(name: str, T: int) -> np.ndarray:
    if name == "noisy":  # drops of both signs in every block: summed term by term
        rng = np.random.default_rng(3)
        eta = np.linspace(3e-3, 3e-4, T) * (1 + 0.02 * rng.standard_normal(T))
        eta[0] = 4e-3
        return eta
    if name == "constant":
        return np.full(T, 3e-4)
    spec = {
        "cosine": "warmup(cosine(3e-3, 3e-4), steps=100)",
        "wsd": "wsd(3e-3, warmup=100, decay='20%')",
        "step": "warmup(piecewise([3e-3, 1e-3, 3e-4], boundaries=['40%', '70%']), steps=100)",
        "cyclic": "cyclic(3e-4, 3e-3, half_period=700)",
    }[name]
    return np.asarray(lrkit.parse(spec).bind(total_steps=T)(np.arange(T)), dtype=np.float64)


def _params(rng: np.random.Generator) -> dict:
    return dict(
        L0=2.0,
        A=rng.uniform(0.2, 1.0),
        alpha=rng.uniform(0.2, 0.8),
        B=rng.uniform(100.0, 900.0),
        C=rng.uniform(0.3, 3.0),
        beta=rng.uniform(0.1, 1.5),
        gamma=rng.uniform(0.0, 1.2),
    )


@pytest.mark.parametrize("name", ["cosine", "wsd", "step", "cyclic", "noisy", "constant"])
@pytest.mark.parametrize(("q", "p", "nu"), [(1.0, 1.0, 0.0), (0.7, 1.3, 0.2)])
def test_a_fits_drop_sum_equals_the_plain_one_bit_for_bit(name, q, p, nu):
    """mpl_curve / mpl_jac with a fit's cache (the kernel) against the same calls
    without one (the formulas of _forms), at new and repeated parameters: identical
    arrays, on blocked geometries (merged, rough and near terms) and small exact ones."""
    T = 4000
    eta = _eta(name, T)
    rng = np.random.default_rng(7)
    for steps in (np.arange(150, T, 37), np.array([3999, 120, 2000, 101])):
        g = F.geometry(eta, steps, q=q, p=p, nu=nu)
        cache: dict = {}
        prms = [_params(rng) for _ in range(3)]
        for prm in [*prms, prms[0], {**prms[0], "B": 5.0, "A": 0.1}]:
            y0 = F.mpl_curve(g, prm, cache)
            y, J = F.mpl_jac(g, prm, cache)
            np.testing.assert_array_equal(y0, F.mpl_curve(g, prm))
            y_ref, J_ref = F.mpl_jac(g, prm)
            np.testing.assert_array_equal(y, y_ref)
            np.testing.assert_array_equal(J, J_ref)
            # the Jacobian alone (no residuals first) at a new point
            other = {**prm, "C": prm["C"] * 1.01}
            np.testing.assert_array_equal(F.mpl_jac(g, other, cache)[1], F.mpl_jac(g, other)[1])
    if name == "cosine":
        assert g.nb == 0  # the second set of steps is small enough for the exact sum
        big = F.geometry(eta, np.arange(150, T, 37), q=q, p=p)
        assert big.nb > 0 and big.D.size > big.nb  # both kinds of terms were checked


def test_the_cache_follows_its_geometry():
    """A cache handed a second geometry rebuilds what it holds for it (no stale terms)."""
    cache: dict = {}
    a = F.geometry(_eta("cosine", 4000), np.arange(150, 4000, 37))
    b = F.geometry(_eta("wsd", 4000), np.arange(150, 4000, 37))
    ya = F.mpl_curve(a, MPL, cache)
    yb = F.mpl_curve(b, MPL, cache)  # same parameters, other geometry
    np.testing.assert_array_equal(ya, F.mpl_curve(a, MPL))
    np.testing.assert_array_equal(yb, F.mpl_curve(b, MPL))
    assert cache["aux_of"] is b and not np.array_equal(ya, yb)


@pytest.mark.parametrize("sparse_min", [K.SPARSE_MIN, 0])
def test_rowsum_is_bincounts_sum_in_the_terms_order(monkeypatch, sparse_min):
    """The per-step sum (a sparse product, or np.bincount for few terms): np.bincount's
    numbers, including steps with no terms."""
    monkeypatch.setattr(K, "SPARSE_MIN", sparse_min)
    rng = np.random.default_rng(0)
    row = np.array([3, 0, 3, 3, 1, 0, 3, 1] * 50)
    D = rng.standard_normal(row.size) * 1e-3
    w = rng.uniform(0, 1, row.size) * 10.0 ** rng.integers(-8, 8, row.size)
    g = F.Geometry(
        np.ones(5), row, D, np.ones(row.size), np.zeros(row.size), 5, np.zeros(5), np.arange(5)
    )
    a = K.aux(g)
    assert (a["sums"] is None) == (sparse_min > row.size)
    got = K.rowsum(a, D, w)
    np.testing.assert_array_equal(got, np.bincount(row, weights=D * w, minlength=5))
    assert got[2] == 0.0 and got[4] == 0.0


def test_momentum_jacobian_with_its_cache_equals_without():
    eta = _eta("cosine", 3000)
    g = F.geometry(eta, np.arange(150, 3000, 50), terms=False, q=0.8, p=1.15)
    prm = dict(L0=2.0, A=0.6, alpha=0.4, C=0.5, lam=0.999)
    cache: dict = {}
    for _ in range(2):
        y, J = F.momentum_jac(g, prm, cache)
        y_ref, J_ref = F.momentum_jac(g, prm)
        np.testing.assert_array_equal(y, y_ref)
        np.testing.assert_array_equal(J, J_ref)
        np.testing.assert_array_equal(F.momentum_curve(g, prm, cache), F.momentum_curve(g, prm))


def test_a_whole_fit_equals_the_fit_without_the_kernel(monkeypatch):
    """The same fit with every residual and Jacobian computed by the plain formulas (no
    cache): the same parameters, the same objective, bit for bit."""
    true = Law("multi_power_q", {**MPL, "q": 0.8})
    runs = []
    for name in ("cosine", "step", "constant"):
        eta = _eta(name, 4000)
        steps = np.arange(120, 4000, 40)
        y = true.predict(eta, steps) * (1 + 0.002 * np.sin(steps / 7.0))
        runs.append(Run(eta, steps, y, name=name))
    assert F.geometry(runs[0].eta, runs[0].steps).nb > 0  # the blocked sum is in play
    kw = dict(lam=0.999, delta=1e-3, skip_warmup=True, max_nfev=60, weight="step")
    fast = _fit._fit_one(runs, "multi_power", q=0.8, **kw)
    with monkeypatch.context() as m:
        plain_curve, plain_jac = F.mpl_curve, F.mpl_jac
        m.setattr(F, "mpl_curve", lambda g, p, cache=None: plain_curve(g, p))
        m.setattr(F, "mpl_jac", lambda g, p, cache=None: plain_jac(g, p))
        slow = _fit._fit_one(runs, "multi_power", q=0.8, **kw)
    assert fast[0].params == slow[0].params and fast[1] == slow[1]
    assert (
        fit(runs, "multi_power", max_nfev=60).params
        == _fit._fit_one(runs, "multi_power", **kw)[0].params
    )
