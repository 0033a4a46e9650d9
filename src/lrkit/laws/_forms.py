r"""The math of the two loss-curve laws (numpy only; scipy for one filter).

Notation, for per-step rates :math:`\eta_0, \eta_1, \dots` (the rate of the
update at step :math:`\tau`) and the loss :math:`L(t)` logged after the
updates :math:`0..t`:

- :math:`S(t) = \sum_{\tau \le t} \eta_\tau` — the area under the schedule,
  warmup included (Luo et al. write it :math:`S_1(t) + S_W`);
- :math:`k_p` — the first step at the schedule's maximum (the end of the
  warmup); the drops :math:`d_k = \eta_{k-1} - \eta_k` count for
  :math:`k > k_p` only (the warmup's rises are not "drops");
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
drops within the last ``near`` steps are summed exactly; older drops are
merged into fixed blocks of ``block`` steps, each replaced by its total drop
:math:`D_b = \sum_{k \in b} d_k` placed at the drop-weighted mean of
:math:`S(k-1)` and of :math:`\log\eta_k` (a midpoint rule, whose error is of
second order in the block's width and is damped by :math:`G''`, tiny once
:math:`t` is ``near`` steps past the block). The work per evaluated step is
``near + (number of non-constant blocks before it)``, and the geometry is
computed once per run, so a fit re-evaluates only :math:`G`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

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

    ``S``: :math:`S(t)` at the evaluated steps; ``row``/``D``/``dS``/``leta``:
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


def _drops(eta: np.ndarray) -> tuple[np.ndarray, int]:
    kp = int(np.argmax(eta))
    d = np.zeros_like(eta)
    d[kp + 1 :] = eta[kp:-1] - eta[kp + 1 :]
    return d, kp


def geometry(
    eta: np.ndarray, steps: np.ndarray, *, exact: bool = False, terms: bool = True
) -> Geometry:
    """Precompute the MPL's drop-sum terms of rates ``eta`` at ``steps`` (sorted or not).

    ``terms=False`` skips them (all the momentum law needs is :math:`S` and the drops).
    """
    eta = np.asarray(eta, dtype=np.float64)
    steps = np.asarray(steps, dtype=np.int64)
    cum = np.cumsum(eta)
    d, kp = _drops(eta)
    floor = max(float(eta.max()), 1e-300) * 1e-12
    leta_all = np.log(np.maximum(eta, floor))
    cum_prev = np.concatenate([[0.0], cum[:-1]])  # S(k-1)
    nz = np.flatnonzero(d)
    S = cum[steps]
    if not terms:
        e = np.zeros(0)
        return Geometry(S, np.zeros(0, np.int64), e, e, e, steps.size, d, steps)
    if exact or nz.size * steps.size <= EXACT_LIMIT:
        ii, jj = np.nonzero(nz[None, :] <= steps[:, None])
        k = nz[jj]
        return Geometry(S, ii, d[k], S[ii] - cum_prev[k], leta_all[k], steps.size, d, steps)
    return _blocked(eta, steps, cum_prev, d, kp, leta_all, S)


def _blocked(
    eta: np.ndarray,
    steps: np.ndarray,
    cum_prev: np.ndarray,
    d: np.ndarray,
    kp: int,
    leta_all: np.ndarray,
    S: np.ndarray,
) -> Geometry:
    T = eta.size
    first = kp + 1
    nb = max(0, -(-(T - first) // BLOCK))
    # per-block totals (blocks of BLOCK steps from the first counted drop)
    pad = nb * BLOCK - (T - first)
    dd = np.concatenate([d[first:], np.zeros(pad)]).reshape(nb, BLOCK)
    ss = np.concatenate([cum_prev[first:], np.zeros(pad)]).reshape(nb, BLOCK)
    ll = np.concatenate([leta_all[first:], np.zeros(pad)]).reshape(nb, BLOCK)
    Db = dd.sum(1)
    wabs = np.abs(dd)
    wsum = wabs.sum(1)
    safe = np.where(wsum > 0, wsum, 1.0)
    Sb = (wabs * ss).sum(1) / safe
    Lb = (wabs * ll).sum(1) / safe
    live = np.flatnonzero(wsum > 0)
    # far blocks of evaluated step t: those ending at or before t - NEAR
    nfar = np.maximum(0, (steps - NEAR - kp) // BLOCK)
    cnt = np.searchsorted(live, nfar)  # live blocks with index < nfar
    row_f = np.repeat(np.arange(steps.size), cnt)
    off = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    bi = live[np.arange(row_f.size) - np.repeat(off, cnt)]
    # near steps: from the first non-far block's start to t
    start = np.maximum(first, first + nfar * BLOCK)
    length = np.maximum(0, steps - start + 1)
    row_n = np.repeat(np.arange(steps.size), length)
    offn = np.concatenate([[0], np.cumsum(length)[:-1]])
    k = np.repeat(start, length) + (np.arange(row_n.size) - np.repeat(offn, length))
    keep = d[k] != 0
    row_n, k = row_n[keep], k[keep]
    row = np.concatenate([row_f, row_n])
    return Geometry(
        S,
        row,
        np.concatenate([Db[bi], d[k]]),
        S[row] - np.concatenate([Sb[bi], cum_prev[k]]),
        np.concatenate([Lb[bi], leta_all[k]]),
        steps.size,
        d,
        steps,
    )


def mpl_drop(g: Geometry, B: float, C: float, beta: float, gamma: float) -> np.ndarray:
    r""":math:`B \sum_k d_k G(\eta_k^{-\gamma} S_k(t))` at the geometry's steps."""
    x = C * np.exp(-gamma * g.leta) * g.dS
    G = -np.expm1(-beta * np.log1p(x))
    return B * np.bincount(g.row, weights=g.D * G, minlength=g.n)


def mpl_curve(g: Geometry, p: dict[str, float]) -> np.ndarray:
    """The Multi-Power Law's loss at the geometry's steps for parameters ``p``."""
    return (
        p["L0"] + p["A"] * g.S ** (-p["alpha"]) - mpl_drop(g, p["B"], p["C"], p["beta"], p["gamma"])
    )


def s2(drops: np.ndarray, lam: float) -> np.ndarray:
    r""":math:`S_2(t)` for every step: the cumulative sum of the momentum
    :math:`m_i = \lambda m_{i-1} + d_i` (a first-order recursive filter)."""
    from scipy.signal import lfilter

    m = lfilter([1.0], [1.0, -lam], drops)
    return np.cumsum(m)


def momentum_curve(
    g: Geometry, p: dict[str, float], cache: dict[Any, Any] | None = None
) -> np.ndarray:
    """The momentum law's loss at the geometry's steps for parameters ``p``."""
    lam = float(p["lam"])
    if cache is not None and lam in cache:
        S2 = cache[lam]
    else:
        S2 = s2(g.drops, lam)[g.steps]
        if cache is not None:
            cache.clear()
            cache[lam] = S2
    return p["L0"] + p["A"] * g.S ** (-p["alpha"]) - p["C"] * S2


def mpl_jac(g: Geometry, p: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    r"""The MPL's loss and its derivatives at the geometry's steps, columns for
    (L0, log A, alpha, log B, log C, beta, gamma): with :math:`x = C e^{-\gamma \ell} \Delta S`,
    :math:`\partial G/\partial x = \beta (1+x)^{-\beta-1}`,
    :math:`\partial G/\partial \beta = (1+x)^{-\beta}\log(1+x)`."""
    e = np.exp(-p["gamma"] * g.leta)
    x = p["C"] * e * g.dS
    lx = np.log1p(x)
    q = np.exp(-p["beta"] * lx)  # (1+x)^-beta
    G = 1.0 - q
    dGdx_x = p["beta"] * q / (1.0 + x) * x
    B = p["B"]

    def s(w: np.ndarray) -> np.ndarray:
        return np.bincount(g.row, weights=g.D * w, minlength=g.n)

    pw = p["A"] * g.S ** (-p["alpha"])
    ld = B * s(G)
    y = p["L0"] + pw - ld
    J = np.empty((g.n, 7))
    J[:, 0] = 1.0
    J[:, 1] = pw
    J[:, 2] = -pw * np.log(g.S)
    J[:, 3] = -ld
    J[:, 4] = -B * s(dGdx_x)
    J[:, 5] = -B * s(q * lx)
    J[:, 6] = B * s(dGdx_x * g.leta)
    return y, J


def momentum_jac(g: Geometry, p: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """The momentum law's loss and its derivatives in (L0, log A, alpha, log C), fixed lam."""
    S2 = s2(g.drops, float(p["lam"]))[g.steps]
    pw = p["A"] * g.S ** (-p["alpha"])
    y = p["L0"] + pw - p["C"] * S2
    J = np.stack([np.ones(g.n), pw, -pw * np.log(g.S), -p["C"] * S2], axis=1)
    return y, J
