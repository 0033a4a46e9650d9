r"""The Multi-Power Law's drop sum for a fit: the numbers of :mod:`._forms` bit for bit,
with what depends only on the geometry computed once.

A fit evaluates the drop sum of one :class:`~._forms.Geometry` hundreds of times at
new :math:`(C, \beta, \gamma)`. Per evaluation :func:`._forms._pieces`, :func:`._forms._g`
and the per-step sums of :func:`._forms.mpl_drop` / :func:`._forms.mpl_jac` cost a few
elementwise passes over every term (tens of thousands for a long decay). Here, once per
geometry (:func:`aux`):

- :math:`e^{-\gamma\ell}` is computed once per distinct :math:`\ell = \log\eta_k` (a merged
  block's :math:`\ell` is shared by every step that sees the block) and gathered;
- the merged blocks' :math:`V_s/u^2` (it holds no parameter) is stored;
- the per-step sums :math:`\sum_{j \in \mathrm{row}\ t} D_j w_j` are a sparse matrix with
  one row per evaluated step, its entries in the terms' order (a sequential sum in the
  same order as ``np.bincount``, so the same rounding), applied to :math:`D w`;
- the work arrays are allocated once.

Every elementwise operation is the one of :mod:`._forms`, in the same order on the same
operands, so the results are identical (``tests/test_laws_kernel.py`` checks it with
``assert_array_equal``); the cache that holds these arrays belongs to one fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["aux", "terms", "rowsum", "jac_sums"]


def aux(g: Any) -> dict[str, Any]:
    """What :func:`terms` and :func:`rowsum` need from geometry ``g`` alone (computed
    once per fit and geometry)."""
    from scipy.sparse import csr_matrix

    n_terms = int(g.D.size)
    lu, li = np.unique(g.leta, return_inverse=True)
    order = np.argsort(g.row, kind="stable")  # each step's terms in their order
    ptr = np.concatenate([[0], np.cumsum(np.bincount(g.row, minlength=g.n))])
    # entries 1.0, so each product is exact and the sum rounds as np.bincount's
    ones = np.ones(n_terms)
    sums = csr_matrix((ones, order, ptr), shape=(g.n, n_terms))
    out: dict[str, Any] = {
        "lu": lu,
        "li": li.reshape(-1).astype(np.intp),
        "sums": sums,
        "x": np.empty(n_terms),
        "lx": np.empty(n_terms),
        "G": np.empty(n_terms),
        "w": np.empty(n_terms),
        "q": np.empty(n_terms),
        "d": np.empty(n_terms),
        "t": np.empty(n_terms),
        "nb": 0,
    }
    nb = g.nb if g.vs is not None and g.vl is not None and g.cv is not None else 0
    if nb:
        u = g.dS[:nb]
        vs = g.vs[:nb] / (u * u)
        out.update(
            nb=nb,
            u=u,
            vs=vs,
            m05vs=-0.5 * vs,
            vl=g.vl[:nb],
            cv=g.cv[:nb],
            eb=np.empty(nb),
            opx=np.empty(nb),
            t1=np.empty(nb),
            t2=np.empty(nb),
            t3=np.empty(nb),
        )
    return out


def rowsum(a: dict[str, Any], D: np.ndarray, w: np.ndarray) -> np.ndarray:
    r""":math:`\sum_{j \in \mathrm{row}\ t} D_j w_j` per evaluated step: the numbers of
    ``np.bincount(row, weights=D * w)``."""
    buf = a["w"]
    np.multiply(D, w, out=buf)
    return np.asarray(a["sums"] @ buf)


def terms(
    g: Any, a: dict[str, Any], C: float, beta: float, gamma: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r""":math:`x`, :math:`\log(1+x)` and :math:`G` per term (with the merged blocks'
    correction), as :func:`._forms._pieces` and :func:`._forms._g` compute them; ``a``:
    :func:`aux` of ``g``. The arrays are ``a``'s work arrays (overwritten by the next
    call); ``a["eb"]`` keeps the blocks' :math:`(1+x)^{-\beta}`."""
    x, lx, G = a["x"], a["lx"], a["G"]
    ce = C * np.exp(-gamma * a["lu"])
    np.take(ce, a["li"], out=x)
    np.multiply(x, g.dS, out=x)
    np.log1p(x, out=lx)
    np.multiply(lx, -beta, out=G)
    np.expm1(G, out=G)
    np.negative(G, out=G)
    nb = a["nb"]
    if nb:
        xb, eb, opx, t1, t2, t3 = x[:nb], a["eb"], a["opx"], a["t1"], a["t2"], a["t3"]
        np.multiply(lx[:nb], -beta, out=eb)
        np.exp(eb, out=eb)  # (1+x)^-beta, kept for the Jacobian
        np.add(1.0, xb, out=opx)
        np.divide(eb, opx, out=t1)  # q
        np.multiply(beta, xb, out=t2)  # beta x
        np.multiply(t2, t1, out=t1)  # g1
        np.subtract(1.0, t2, out=t2)  # 1 - beta x
        np.divide(t1, opx, out=t3)
        np.multiply(t3, t2, out=t3)  # g2
        np.multiply(t1, a["m05vs"], out=t1)  # g1 (-vs/2)
        np.multiply(gamma**2, a["vl"], out=t2)
        np.multiply(2 * gamma, a["cv"], out=opx)
        np.divide(opx, a["u"], out=opx)
        np.add(t2, opx, out=t2)
        np.add(t2, a["vs"], out=t2)
        np.multiply(0.5, t3, out=t3)
        np.multiply(t3, t2, out=t3)
        np.add(t1, t3, out=t1)
        Gb = G[:nb]
        np.add(Gb, t1, out=Gb)
    return x, lx, G


def jac_sums(g: Any, a: dict[str, Any], beta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The per-step sums of :func:`._forms.mpl_jac`'s last three columns (before their
    factor :math:`\mp B`): :math:`\sum D\,x\,\partial G/\partial x`,
    :math:`\sum D\,\partial G/\partial\beta` and :math:`\sum D\,x\,\partial G/\partial x\,\ell`,
    from the terms :func:`terms` left in ``a`` (at the same parameters)."""
    x, lx, q, d, t, nb = a["x"], a["lx"], a["q"], a["d"], a["t"], a["nb"]
    if nb:
        q[:nb] = a["eb"]
    qn = q[nb:]
    np.multiply(lx[nb:], -beta, out=qn)
    np.exp(qn, out=qn)  # (1+x)^-beta
    np.multiply(beta, q, out=d)
    np.add(1.0, x, out=t)
    np.divide(d, t, out=d)
    np.multiply(d, x, out=d)  # x dG/dx
    s_x = rowsum(a, g.D, d)
    np.multiply(q, lx, out=t)
    s_beta = rowsum(a, g.D, t)
    np.multiply(d, g.leta, out=t)
    s_gamma = rowsum(a, g.D, t)
    return s_x, s_beta, s_gamma
