r"""The math of the two loss-curve laws (numpy only; scipy for one filter).

Notation, for per-step rates :math:`\eta_0, \eta_1, \dots` (the rate of the
update at step :math:`\tau`) and the loss :math:`L(t)` logged after the
updates :math:`0..t`:

- :math:`S(t) = \sum_{\tau \le t} \eta_\tau` — the area under the schedule,
  warmup included (Luo et al. write it :math:`S_1(t) + S_W`);
- :math:`k_p` — the first step at the schedule's maximum (the end of the
  warmup); the drops :math:`d_k = \eta_{k-1} - \eta_k` count for
  :math:`k > k_p` only (the warmup's rises are not "drops"; but with ``rises``, the
  released form of Luo et al.'s code: every :math:`k \ge 1`);
- :math:`S_k(t) = \sum_{\tau=k}^{t} \eta_\tau = S(t) - S(k-1)`.

**Multi-Power Law** (Luo et al., ICLR 2025), seven parameters:

.. math::
    L(t) = L_0 + A\,S(t)^{-\alpha} - B \sum_{k_p < k \le t} d_k\,
           G\!\left(\eta_k^{-\gamma} S_k(t)\right), \qquad
    G(x) = 1 - (C x + 1)^{-\beta}.

**Momentum law** (Tissue et al. 2024), four parameters and a fixed
:math:`\lambda`:

.. math::
    L(t) = L_0 + A\,S(t)^{-\alpha} - C\,S_2(t), \quad
    S_2(t) = \sum_{i \le t} m_i, \quad m_i = \lambda\,m_{i-1} + d_i.

Evaluating the MPL's drop sum at :math:`n` steps directly costs
:math:`O(n\,T)` (:math:`O(T^2)` for a whole curve of a smooth decay, where
every step is a drop). Here it is split at each evaluated step :math:`t`:
drops within the last ``NEAR`` steps are summed exactly; older drops are
merged into fixed blocks of ``BLOCK`` steps, each replaced by its total drop
:math:`D_b = \sum_{k \in b} d_k` placed at the drop-weighted mean of
:math:`S(k-1)` and of :math:`\log\eta_k`, plus a second-order correction
from the block's (co)variances of both (:func:`_g`), so the error is of
fourth order in the block's width over its distance. Blocks whose drops
change sign or whose :math:`\log\eta` spans more than 0.5 are summed term
by term. The geometry is computed once per run, so a fit re-evaluates only
:math:`G` (through :mod:`._kernel`: the same numbers, with what depends on the
geometry alone computed once per fit). A whole curve (many steps) goes through
:func:`mpl_dense`, which evaluates the sum at a few hundred adaptive knots and
interpolates.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _kernel as K

__all__ = ["Geometry", "geometry", "mpl_curve", "momentum_curve", "MPL_NAMES", "MOMENTUM_NAMES"]

MPL_NAMES = ("L0", "A", "alpha", "B", "C", "beta", "gamma")
MOMENTUM_NAMES = ("L0", "A", "alpha", "C", "lam")

#: exact summation when (drops × evaluated steps) is at most this
EXACT_LIMIT = 300_000
NEAR = 128
BLOCK = 64


@dataclass(frozen=True)
class Geometry:
    """What the laws need from one schedule at a set of steps.

    ``S``: the power term's area at the evaluated steps (:math:`S(t)`, or
    :math:`\\tilde S(t)` of :func:`saturated` with an area scale); ``row``/``D``/``dS``/``leta``:
    flat arrays of (evaluated step index, drop, :math:`S(t) - S(k-1)`,
    :math:`\\log \\eta_k`) for the MPL's drop sum; ``S2``: the momentum law's
    :math:`S_2` at the steps for the ``lam`` it was built with (``None`` if not).
    """

    S: np.ndarray
    row: np.ndarray
    D: np.ndarray
    dS: np.ndarray
    leta: np.ndarray
    n: int
    drops: np.ndarray  # d_k for every step (0 where not counted), for the momentum law
    steps: np.ndarray
    #: the first ``nb`` terms are merged blocks; their drop-weighted variances of
    #: S(k-1) and log eta_k and covariance (for the second-order correction)
    nb: int = 0
    vs: np.ndarray | None = None
    vl: np.ndarray | None = None
    cv: np.ndarray | None = None


def _drops(eta: np.ndarray, q: float = 1.0) -> tuple[np.ndarray, int]:
    r"""The drops after the peak :math:`k_p`: :math:`d_k = \eta_{k-1} - \eta_k`, or with
    a drop exponent :math:`q \ne 1`,
    :math:`d_k = \eta_{\max}^{1-q}\,(\eta_{k-1}^q - \eta_k^q)` (the same total from the
    peak down to 0; :math:`q < 1` makes a drop at a low rate worth more)."""
    kp = int(np.argmax(eta))
    d = np.zeros_like(eta)
    eta = _powered(eta, q)
    d[kp + 1 :] = eta[kp:-1] - eta[kp + 1 :]
    return d, kp


def _powered(eta: np.ndarray, e: float) -> np.ndarray:
    r""":math:`\eta_{\max}(\eta_\tau/\eta_{\max})^e` (negative rates taken as 0):
    the peak keeps its rate; ``eta`` itself when :math:`e = 1` or no rate is positive."""
    top = float(eta.max()) if eta.size else 0.0
    if e == 1.0 or top <= 0:
        return eta
    return top * (np.maximum(eta, 0.0) / top) ** e


def _area(eta: np.ndarray, p: float = 1.0) -> np.ndarray:
    r"""Each step's share of the area :math:`S`: :math:`\eta_\tau`, or with a progress
    exponent :math:`p \ne 1`, :math:`\eta_{\max}(\eta_\tau/\eta_{\max})^p` (a step at
    the peak counts its rate; with :math:`p > 1` a step at a lower rate counts less)."""
    return _powered(eta, p)


def prepare(eta: np.ndarray, q: float = 1.0, p: float = 1.0, rises: bool = False) -> dict[str, Any]:
    """What :func:`geometry` needs from the schedule alone (computed once per schedule);
    ``q``: the drop exponent of :func:`_drops` (1: the published laws); ``p``: the
    progress exponent of :func:`_area` (1: the published laws); ``rises``: the drops
    :math:`d_k = \\eta_{k-1} - \\eta_k` of every step from 1, the warmup's rises
    included as negative drops (as Luo et al.'s released code sums them; with ``q = 1``)."""
    eta = np.asarray(eta, dtype=np.float64)
    area = _area(eta, p)
    cum = np.cumsum(area)
    d, kp = _drops(eta, q)
    first = kp + 1
    if rises:
        d[1:] = eta[:-1] - eta[1:]
        first = 1
    floor = max(float(eta.max()), 1e-300) * 1e-12
    return {
        "eta": eta,
        "area": area,
        "cum": cum,
        "d": d,
        "kp": kp,
        "first": first,  # the first step whose drop counts
        "leta": np.log(np.maximum(eta, floor)),
        "cum_prev": np.concatenate([[0.0], cum[:-1]]),  # S(k-1)
        "nz": np.flatnonzero(d),
    }


def geometry(
    eta: np.ndarray,
    steps: np.ndarray,
    *,
    exact: bool = False,
    terms: bool = True,
    prep: dict[str, Any] | None = None,
    q: float = 1.0,
    p: float = 1.0,
    nu: float = 0.0,
    xi: float = 0.0,
    rises: bool = False,
) -> Geometry:
    """Precompute the MPL's drop-sum terms of rates ``eta`` at ``steps`` (sorted or not).

    ``terms=False`` skips them (all the momentum law needs is :math:`S` and the drops);
    ``prep``: :func:`prepare` of ``eta``, when evaluating one schedule repeatedly;
    ``q``, ``p``: the drop and progress exponents (:func:`prepare`); ``nu``, ``xi``: the
    power term's area with diminishing returns (:func:`saturated`, :func:`log_saturated`;
    the drop terms keep :math:`S`); ``rises``: the warmup's rises as drops (:func:`prepare`).
    """
    if prep is None:
        prep = prepare(eta, q, p, rises)
    g = _geometry(steps, exact=exact, terms=terms, prep=prep)
    if nu or xi:
        S = log_saturated(saturated(g.S, nu), xi, float(prep["cum"][prep["kp"]]))
        return dataclasses.replace(g, S=S)
    return g


def saturated(S: np.ndarray, nu: float) -> np.ndarray:
    r"""The power term's area with diminishing returns:
    :math:`\tilde S = \ln(1 + \nu S)/\nu` (:math:`S_c = 1/\nu` the area scale;
    :math:`\tilde S \to S` as :math:`\nu \to 0`, and ``S`` itself at ``nu = 0``). Its local
    log-log slope :math:`x/((1+x)\ln(1+x))`, :math:`x = \nu S`, is 0.72 at :math:`S = S_c`."""
    if nu == 0:
        return S
    return np.log1p(nu * S) / nu


def log_saturated(S: np.ndarray, xi: float, Sw: float) -> np.ndarray:
    r"""The power term's area with an exponent that decays slowly in log area:
    :math:`\ln(\tilde S/S_w) = \ln\big(1 + \xi \ln(S/S_w)\big)/\xi` for :math:`S > S_w`
    (``Sw``: the area at the schedule's peak, the end of warmup), :math:`\tilde S = S`
    below, and ``S`` itself at ``xi = 0``. The power term :math:`A\tilde S^{-\alpha}` then
    has the local log-log slope :math:`-\alpha/(1 + \xi\ln(S/S_w))`."""
    if xi == 0:
        return S
    r = np.log(np.maximum(S, 1e-300) / Sw)
    up = r > 0
    out = np.array(S, dtype=np.float64, copy=True)
    out[up] = Sw * np.exp(np.log1p(xi * r[up]) / xi)
    return out


def _geometry(
    steps: np.ndarray,
    *,
    exact: bool,
    terms: bool,
    prep: dict[str, Any],
) -> Geometry:
    steps = np.asarray(steps, dtype=np.int64)
    cum, d, leta_all = prep["cum"], prep["d"], prep["leta"]
    cum_prev, nz = prep["cum_prev"], prep["nz"]
    S = cum[steps]
    if not terms:
        e = np.zeros(0)
        return Geometry(S, np.zeros(0, np.int64), e, e, e, steps.size, d, steps)
    if exact or nz.size * steps.size <= EXACT_LIMIT:
        ii, jj = np.nonzero(nz[None, :] <= steps[:, None])
        k = nz[jj]
        return Geometry(S, ii, d[k], S[ii] - cum_prev[k], leta_all[k], steps.size, d, steps)
    if "blocks" not in prep:
        prep["blocks"] = _block_moments(d, cum_prev, leta_all, prep["first"])
    return _blocked(steps, prep, S)


def _block_moments(
    d: np.ndarray, s: np.ndarray, ell: np.ndarray, first: int
) -> tuple[np.ndarray, ...]:
    """Per block of ``BLOCK`` drops from ``first``: total drop, |drop|-weighted means
    and (co)variances of S(k-1) and log eta_k, and whether it must be summed exactly
    (mixed signs, or log eta spanning more than 0.5)."""
    T = d.size
    nb = max(0, -(-(T - first) // BLOCK))
    pad = nb * BLOCK - (T - first)

    def blk(a: np.ndarray) -> np.ndarray:
        return np.concatenate([a[first:], np.zeros(pad)]).reshape(nb, BLOCK)

    dd, ss, ll = blk(d), blk(s), blk(ell)
    w = np.abs(dd)
    wsum = w.sum(1)
    safe = np.where(wsum > 0, wsum, 1.0)
    Sb = (w * ss).sum(1) / safe
    Lb = (w * ll).sum(1) / safe
    ds, dl = ss - Sb[:, None], ll - Lb[:, None]
    Vs = (w * ds * ds).sum(1) / safe
    Vl = (w * dl * dl).sum(1) / safe
    Cv = (w * ds * dl).sum(1) / safe
    on = w > 0
    lmax = np.where(on, ll, -np.inf).max(1)
    lmin = np.where(on, ll, np.inf).min(1)
    mixed = (dd > 0).any(1) & (dd < 0).any(1)
    rough = mixed | ((wsum > 0) & (lmax - lmin > 0.5))
    return dd.sum(1), Sb, Lb, Vs, Vl, Cv, wsum > 0, rough


def _blocked(steps: np.ndarray, prep: dict[str, Any], S: np.ndarray) -> Geometry:
    d, first, cum_prev, leta_all = prep["d"], prep["first"], prep["cum_prev"], prep["leta"]
    Db, Sb, Lb, Vs, Vl, Cv, on, rough = prep["blocks"]
    live = np.flatnonzero(on)
    # far blocks of evaluated step t: those ending at or before t - NEAR
    nfar = np.maximum(0, (steps - NEAR - first + 1) // BLOCK)
    cnt = np.searchsorted(live, nfar)  # live blocks with index < nfar
    row_f = np.repeat(np.arange(steps.size), cnt)
    off = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    bi = live[np.arange(row_f.size) - np.repeat(off, cnt)]
    # rough far blocks are summed term by term
    rb = rough[bi]
    row_r = np.repeat(row_f[rb], BLOCK)
    k_r = first + BLOCK * np.repeat(bi[rb], BLOCK) + np.tile(np.arange(BLOCK), int(rb.sum()))
    row_f, bi = row_f[~rb], bi[~rb]
    # near steps: from the first non-far block's start to t
    start = np.maximum(first, first + nfar * BLOCK)
    length = np.maximum(0, steps - start + 1)
    row_n = np.repeat(np.arange(steps.size), length)
    offn = np.concatenate([[0], np.cumsum(length)[:-1]])
    k = np.repeat(start, length) + (np.arange(row_n.size) - np.repeat(offn, length))
    row_n, k = np.concatenate([row_r, row_n]), np.concatenate([k_r, k])
    keep = (k < d.size) & (d[np.minimum(k, d.size - 1)] != 0)
    row_n, k = row_n[keep], k[keep]
    row = np.concatenate([row_f, row_n])
    zero = np.zeros(row_n.size)
    return Geometry(
        S,
        row,
        np.concatenate([Db[bi], d[k]]),
        S[row] - np.concatenate([Sb[bi], cum_prev[k]]),
        np.concatenate([Lb[bi], leta_all[k]]),
        steps.size,
        d,
        steps,
        nb=int(bi.size),
        vs=np.concatenate([Vs[bi], zero]),
        vl=np.concatenate([Vl[bi], zero]),
        cv=np.concatenate([Cv[bi], zero]),
    )


def _pieces(g: Geometry, C: float, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Per term: :math:`x = C e^{-\gamma\ell} u` and :math:`\log(1 + x)` (shared by the
    loss and its Jacobian)."""
    x = C * np.exp(-gamma * g.leta) * g.dS
    return x, np.log1p(x)


def _g(
    g: Geometry,
    C: float,
    beta: float,
    gamma: float,
    pieces: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    r""":math:`G(\eta_k^{-\gamma} S_k(t))` per term; a merged block's term adds the
    second-order correction of its spread: with :math:`y = \log x`,
    :math:`x = C e^{-\gamma\ell}u`, :math:`u = S(t) - S(k-1)`,
    :math:`E[G] \approx G(\bar x) + g'\,E[\delta y] + \tfrac12 g''\,E[\delta y^2]`,
    :math:`g' = \beta x (1+x)^{-\beta-1}`, :math:`g'' = \beta x (1+x)^{-\beta-2}(1-\beta x)`,
    :math:`E[\delta y] = -V_s/2u^2`, :math:`E[\delta y^2] = \gamma^2 V_\ell
    + 2\gamma\,\mathrm{Cov}/u + V_s/u^2`. ``pieces``: :func:`_pieces`, if computed."""
    x, lx = _pieces(g, C, gamma) if pieces is None else pieces
    G = -np.expm1(-beta * lx)
    if g.nb and g.vs is not None and g.vl is not None and g.cv is not None:
        b = slice(0, g.nb)
        xb, u = x[b], g.dS[b]
        q = np.exp(-beta * lx[b]) / (1.0 + xb)
        g1 = beta * xb * q
        g2 = g1 / (1.0 + xb) * (1.0 - beta * xb)
        vs = g.vs[b] / (u * u)
        G[b] += g1 * (-0.5 * vs) + 0.5 * g2 * (gamma**2 * g.vl[b] + 2 * gamma * g.cv[b] / u + vs)
    return G


def _terms(g: Geometry, C: float, beta: float, gamma: float) -> tuple[np.ndarray, ...]:
    """:func:`_pieces` and :func:`_g` per term."""
    pieces = _pieces(g, C, gamma)
    return (*pieces, _g(g, C, beta, gamma, pieces))


def _fit_terms(g: Geometry, C: float, beta: float, gamma: float, cache: dict[Any, Any]) -> Any:
    """A fit's terms (``cache``: a dict for one geometry) at (C, beta, gamma), computed by
    :func:`._kernel.evaluate` (what depends on the geometry alone done once) and kept for
    the last (C, beta, gamma), so a fit's Jacobian at the point of its last residuals does
    not compute them again: the numbers of :func:`_terms` either way. Returns the
    kernel's arrays (:func:`._kernel.aux`)."""
    if cache.get("aux_of") is not g:  # built again for another geometry
        cache.clear()
        cache["aux_of"], cache["aux"] = g, K.aux(g)
    a = cache["aux"]
    key = (C, beta, gamma)
    if cache.get("mpl_key") != key:
        K.evaluate(g, a, C, beta, gamma)
        cache["mpl_key"], cache["mpl_sG"] = key, None
    return a


def mpl_drop(
    g: Geometry, B: float, C: float, beta: float, gamma: float, cache: dict[Any, Any] | None = None
) -> np.ndarray:
    r""":math:`B \sum_k d_k G(\eta_k^{-\gamma} S_k(t))` at the geometry's steps (``cache``:
    see :func:`_fit_terms`)."""
    if cache is None:
        G = _terms(g, C, beta, gamma)[2]
        return B * np.bincount(g.row, weights=g.D * G, minlength=g.n)
    a = _fit_terms(g, C, beta, gamma, cache)
    if cache["mpl_sG"] is None:
        cache["mpl_sG"] = K.sum_G(g, a)
    return B * cache["mpl_sG"]  # type: ignore[no-any-return]


def mpl_curve(g: Geometry, p: dict[str, float], cache: dict[Any, Any] | None = None) -> np.ndarray:
    """The Multi-Power Law's loss at the geometry's steps for parameters ``p`` (``cache``:
    see :func:`_fit_terms`)."""
    ld = mpl_drop(g, p["B"], p["C"], p["beta"], p["gamma"], cache)
    return p["L0"] + p["A"] * g.S ** (-p["alpha"]) - ld


def s2(drops: np.ndarray, lam: float) -> np.ndarray:
    r""":math:`S_2(t)` for every step: the cumulative sum of the momentum
    :math:`m_i = \lambda m_{i-1} + d_i` (a first-order recursive filter)."""
    from .._deps import require

    lfilter = require("scipy.signal", "laws", "the momentum law").lfilter

    m = lfilter([1.0], [1.0, -lam], drops)
    return np.cumsum(m)


def _s2_at(g: Geometry, lam: float, cache: dict[Any, Any] | None) -> np.ndarray:
    """:func:`s2` at the geometry's steps, kept in ``cache`` (a dict, for one geometry)
    for the last ``lam``."""
    if cache is not None and lam in cache:
        return cache[lam]  # type: ignore[no-any-return]
    S2 = s2(g.drops, lam)[g.steps]
    if cache is not None:
        cache.clear()
        cache[lam] = S2
    return S2


def momentum_curve(
    g: Geometry, p: dict[str, float], cache: dict[Any, Any] | None = None
) -> np.ndarray:
    """The momentum law's loss at the geometry's steps for parameters ``p`` (``cache``:
    see :func:`_s2_at`)."""
    S2 = _s2_at(g, float(p["lam"]), cache)
    return p["L0"] + p["A"] * g.S ** (-p["alpha"]) - p["C"] * S2


def mpl_jac(
    g: Geometry, p: dict[str, float], cache: dict[Any, Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""The MPL's loss and its derivatives at the geometry's steps, columns for
    (L0, log A, alpha, log B, log C, beta, gamma): with :math:`x = C e^{-\gamma \ell} \Delta S`,
    :math:`\partial G/\partial x = \beta (1+x)^{-\beta-1}`,
    :math:`\partial G/\partial \beta = (1+x)^{-\beta}\log(1+x)`. The loss includes the
    merged blocks' second-order correction (:func:`_g`); the derivatives leave it out
    (it moves the loss by about 1e-7 relative). ``cache``: see :func:`_fit_terms`."""
    B = p["B"]
    pw = p["A"] * g.S ** (-p["alpha"])
    if cache is not None:
        ld = mpl_drop(g, B, p["C"], p["beta"], p["gamma"], cache)
        s_x, s_beta, s_gamma = K.jac_sums(g, cache["aux"], p["beta"])
    else:
        x, lx, G = _terms(g, p["C"], p["beta"], p["gamma"])
        q = np.exp(-p["beta"] * lx)  # (1+x)^-beta
        dGdx_x = p["beta"] * q / (1.0 + x) * x

        def s(w: np.ndarray) -> np.ndarray:
            return np.bincount(g.row, weights=g.D * w, minlength=g.n)

        ld = B * s(G)
        s_x, s_beta, s_gamma = s(dGdx_x), s(q * lx), s(dGdx_x * g.leta)
    y = p["L0"] + pw - ld
    J = np.empty((g.n, 7))
    J[:, 0] = 1.0
    J[:, 1] = pw
    J[:, 2] = -pw * np.log(g.S)
    J[:, 3] = -ld
    J[:, 4] = -B * s_x
    J[:, 5] = -B * s_beta
    J[:, 6] = B * s_gamma
    return y, J


def momentum_jac(
    g: Geometry, p: dict[str, float], cache: dict[Any, Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The momentum law's loss and its derivatives in (L0, log A, alpha, log C), fixed lam
    (``cache``: see :func:`_s2_at`)."""
    S2 = _s2_at(g, float(p["lam"]), cache)
    pw = p["A"] * g.S ** (-p["alpha"])
    y = p["L0"] + pw - p["C"] * S2
    J = np.stack([np.ones(g.n), pw, -pw * np.log(g.S), -p["C"] * S2], axis=1)
    return y, J


#: relative tolerance of :func:`mpl_dense`'s interpolation (per midpoint test)
DENSE_RTOL = 1e-8
#: initial knots of :func:`mpl_dense` (an even grid of this many intervals)
DENSE_GRID = 32


def _jumps(prep: dict[str, Any], p: dict[str, float]) -> np.ndarray:
    r""":math:`J(t) = B \sum_{k_p < k \le t} d_k\,G(C\,\eta_k^{-\gamma} S_k(k))` for every
    step: what each drop's term is worth at the step it enters (:math:`S_k(k)`, the
    step's own area: :math:`\eta_k`, or :math:`\eta_{\max}(\eta_k/\eta_{\max})^p`)."""
    d, nz = prep["d"], prep["nz"]
    e = np.zeros_like(d)
    if prep["area"] is prep["eta"]:  # p = 1: S_k(k) = eta_k
        x = p["C"] * np.exp((1.0 - p["gamma"]) * prep["leta"][nz])
    else:
        x = p["C"] * np.exp(-p["gamma"] * prep["leta"][nz]) * prep["area"][nz]
    e[nz] = d[nz] * -np.expm1(-p["beta"] * np.log1p(x))
    return p["B"] * np.cumsum(e)


def _kinks(d: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Steps in ``[lo, hi]`` next to a kink of the drop sequence (where
    :math:`|d_k - d_{k-1}|` exceeds 1 % of the largest drop), and their neighbours."""
    big = np.abs(d).max()
    if big == 0:
        return np.zeros(0, np.int64)
    k = np.flatnonzero(np.abs(np.diff(d)) > 1e-2 * big) + 1
    k = np.concatenate([k - 1, k, k + 1])
    return k[(k >= lo) & (k <= hi)]


def _lagrange4(kk: np.ndarray, rr: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Local cubic (4-point Lagrange) interpolation of the knots ``(kk, rr)`` (``kk``
    sorted) at ``x``: the two knots either side of each point, shifted at the ends."""
    n = kk.size
    if n < 4:
        return np.interp(x, kk, rr)
    i = np.clip(np.searchsorted(kk, x, side="right") - 2, 0, n - 4)
    xs = np.stack([kk[i + j] for j in range(4)]).astype(np.float64)
    ys = np.stack([rr[i + j] for j in range(4)])
    xf = np.asarray(x, dtype=np.float64)
    out = np.zeros(xf.shape)
    for j in range(4):
        w = np.ones(xf.shape)
        for m in range(4):
            if m != j:
                w *= (xf - xs[m]) / (xs[j] - xs[m])
        out += w * ys[j]
    return out


def mpl_dense(
    eta: np.ndarray,
    steps: np.ndarray,
    p: dict[str, float],
    rtol: float = DENSE_RTOL,
    q: float = 1.0,
    pexp: float = 1.0,
    nu: float = 0.0,
    rises: bool = False,
) -> np.ndarray:
    r"""The Multi-Power Law at many ``steps`` of one schedule, in about :math:`O(T)`.

    Split the drop sum as :math:`LD(t) = J(t) + R(t)`: :math:`J` (what each
    drop is worth the step it enters, a cumulative sum, exact) carries every
    jump; :math:`R(t) = B\sum_{k \le t} d_k\,[G(\eta_k^{-\gamma}S_k(t)) -
    G(\eta_k^{1-\gamma})]` starts each term at 0, so it is continuous and
    smooth between the schedule's kinks. :math:`R` is evaluated (by
    :func:`geometry`) only at adaptive knots: an even grid of
    :data:`DENSE_GRID` intervals plus the steps around every kink of the drop
    sequence; an interval is halved while the local cubic through the
    neighbouring knots misses its midpoint by more than ``rtol`` × the
    smallest predicted loss; between knots the curve is that local cubic.
    The knots' number depends on the schedule's shape, not its length (a few
    hundred for cosine, WSD, step or one_cycle), so the cost is :math:`O(T)`
    (cumulative sums and interpolation) plus knots × (``NEAR`` + blocks)
    terms. Tested against the exact sum (``tests/test_laws.py``): relative
    error below :math:`10^{-6}` on cosine, WSD, step, one_cycle and constant
    at the public fits' scale; it grows with the drop term's share of the loss
    (the far drops are summed in blocks, :func:`geometry`): :math:`1.4\cdot10^{-6}`
    with rates 10x that scale on a 3,000-step warm-up + cosine, :math:`1.7\cdot10^{-6}`
    on a two-slope interpolate.
    ``q``, ``pexp``: the drop and progress exponents (:func:`prepare`); ``nu``: the
    power term's inverse area scale (:func:`saturated`); ``rises``: the warmup's rises as
    drops (:func:`prepare`).
    """
    lo, hi = int(steps.min()), int(steps.max())
    prep = prepare(eta, q, pexp, rises)
    J = _jumps(prep, p)
    S = saturated(prep["cum"], nu)

    def R(t: np.ndarray) -> np.ndarray:
        g = geometry(eta, t, prep=prep)
        return mpl_drop(g, p["B"], p["C"], p["beta"], p["gamma"]) - J[t]

    grid = np.unique(np.linspace(lo, hi, DENSE_GRID + 1).round().astype(np.int64))
    kk = np.unique(np.concatenate([grid, _kinks(prep["d"], lo, hi)]))
    rr = R(kk)
    tol = rtol * float(np.min(np.abs(p["L0"] + p["A"] * S[kk] ** (-p["alpha"]) - rr - J[kk])))
    tol = tol if tol > 0 else rtol
    a, b = kk[:-1], kk[1:]
    while a.size:
        wide = b - a >= 2
        a, b = a[wide], b[wide]
        if not a.size:
            break
        m = (a + b) // 2
        guess = _lagrange4(kk, rr, m)
        rm = R(m)
        order = np.argsort(np.concatenate([kk, m]), kind="stable")
        kk, rr = np.concatenate([kk, m])[order], np.concatenate([rr, rm])[order]
        bad = np.abs(rm - guess) > tol
        a, b = np.concatenate([a[bad], m[bad]]), np.concatenate([m[bad], b[bad]])
    Rt = _lagrange4(kk, rr, steps)
    return p["L0"] + p["A"] * S[steps] ** (-p["alpha"]) - Rt - J[steps]
