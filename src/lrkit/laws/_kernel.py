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
- :math:`1 + x`, :math:`-\beta\log(1+x)` and the blocks' :math:`(1+x)^{-\beta}` computed for
  the residuals are kept for the Jacobian at the same point;
- the per-step sums :math:`\sum_{j \in \mathrm{row}\ t} D_j w_j` are a sparse matrix with
  one row per evaluated step, its entries in the terms' order (a sequential sum in the
  same order as ``np.bincount``, so the same rounding), applied to :math:`D w` (with
  fewer than :data:`SPARSE_MIN` terms, ``np.bincount`` itself);
- the work arrays are allocated once.

Every elementwise operation is the one of :mod:`._forms`, in the same order on the same
operands, or an exact rewriting of it: :math:`-G` is kept (``expm1`` gives it) and summed
with :math:`-D` (:math:`(-D)(-G) = DG`), and the block correction's factor 1/2 is moved
onto its other factor (a power of 2 scales without rounding); values computed for the
residuals are reused by the Jacobian at the same parameters. So the results are identical
(``tests/test_laws_kernel.py`` checks it with ``assert_array_equal``, and
``benchmarks/check_laws_same.py`` every law's fit of the public curves). The cache
that holds these arrays belongs to one fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["aux", "evaluate", "sum_G", "jac_sums", "rowsum"]

#: the per-step sums go through a sparse product from this many terms (below it,
#: ``np.bincount``; the same numbers either way)
SPARSE_MIN = 2048


def aux(g: Any) -> dict[str, Any]:
    """What :func:`evaluate` and the sums need from geometry ``g`` alone (computed once
    per fit and geometry), and the work arrays."""
    from .._deps import require

    csr_matrix = require("scipy.sparse", "laws", "lrkit.laws.fit").csr_matrix

    n_terms = int(g.D.size)
    lu, li = np.unique(g.leta, return_inverse=True)
    sums = None
    if n_terms >= SPARSE_MIN:
        order = np.argsort(g.row, kind="stable")  # each step's terms in their order
        ptr = np.concatenate([[0], np.cumsum(np.bincount(g.row, minlength=g.n))])
        # entries 1.0, so each product is exact and the sum rounds as np.bincount's
        sums = csr_matrix((np.ones(n_terms), order, ptr), shape=(g.n, n_terms))
    nb = g.nb if g.vs is not None and g.vl is not None and g.cv is not None else 0
    out: dict[str, Any] = {"lu": lu, "li": li.reshape(-1).astype(np.intp), "sums": sums}
    out["ce"] = np.empty(lu.size)
    out.update(row=g.row, n=g.n, empty=n_terms == 0)
    out["nD"] = -g.D  # (-D)(-G) = D G exactly
    for name in ("x", "lx", "m", "nG", "q", "opx", "d", "t", "w"):
        out[name] = np.empty(n_terms)
    out["nb"] = nb
    if nb:
        u = g.dS[:nb]
        vs = g.vs[:nb] / (u * u)
        # the correction's 1/2 carried by its second factor (a power of 2: exact)
        out.update(u=u, m05vs=-0.5 * vs, hvs=0.5 * vs, vl=g.vl[:nb], cv=g.cv[:nb])
        for name in ("t1", "t2", "t3"):
            out[name] = np.empty(nb)
    return out


def rowsum(a: dict[str, Any], D: np.ndarray, w: np.ndarray) -> np.ndarray:
    r""":math:`\sum_{j \in \mathrm{row}\ t} D_j w_j` per evaluated step: the numbers of
    ``np.bincount(row, weights=D * w)``."""
    buf = a["w"]
    np.multiply(D, w, out=buf)
    if a["sums"] is None:  # few terms: np.bincount itself is the faster
        return np.bincount(a["row"], weights=buf, minlength=a["n"])
    return np.asarray(a["sums"] @ buf)


def evaluate(g: Any, a: dict[str, Any], C: float, beta: float, gamma: float) -> None:
    r"""The terms at :math:`(C, \beta, \gamma)`, into ``a`` (:func:`aux` of ``g``):
    :math:`x`, :math:`\log(1+x)`, :math:`-G` (with the merged blocks' correction), as
    :func:`._forms._pieces` and :func:`._forms._g` compute them, and what the Jacobian
    reuses: :math:`1 + x`, :math:`-\beta\log(1+x)`, and the blocks' :math:`(1+x)^{-\beta}`."""
    if a["empty"]:
        return
    x, lx, m, nG, opx = a["x"], a["lx"], a["m"], a["nG"], a["opx"]
    ce = a["ce"]
    np.multiply(a["lu"], -gamma, out=ce)
    np.exp(ce, out=ce)
    np.multiply(C, ce, out=ce)  # C exp(-gamma l) per distinct l
    np.take(ce, a["li"], out=x, mode="clip")  # (the indices are in range)
    np.multiply(x, g.dS, out=x)
    np.log1p(x, out=lx)
    np.multiply(lx, -beta, out=m)
    np.expm1(m, out=nG)  # -G
    np.add(1.0, x, out=opx)
    nb = a["nb"]
    if not nb:
        return
    xb, ob, q, t1, t2, t3 = x[:nb], opx[:nb], a["q"][:nb], a["t1"], a["t2"], a["t3"]
    np.exp(m[:nb], out=q)  # (1+x)^-beta, kept for the Jacobian
    np.divide(q, ob, out=t1)
    np.multiply(beta, xb, out=t2)  # beta x
    np.multiply(t2, t1, out=t1)  # g1
    np.subtract(1.0, t2, out=t2)  # 1 - beta x
    np.divide(t1, ob, out=t3)
    np.multiply(t3, t2, out=t3)  # g2
    np.multiply(t1, a["m05vs"], out=t1)  # g1 (-vs/2)
    np.multiply(0.5 * gamma**2, a["vl"], out=t2)
    np.multiply(gamma, a["cv"], out=a["d"][:nb])
    np.divide(a["d"][:nb], a["u"], out=a["d"][:nb])
    np.add(t2, a["d"][:nb], out=t2)
    np.add(t2, a["hvs"], out=t2)  # (gamma^2 vl + 2 gamma cv/u + vs) / 2
    np.multiply(t3, t2, out=t3)
    np.add(t1, t3, out=t1)
    np.subtract(nG[:nb], t1, out=nG[:nb])


def sum_G(g: Any, a: dict[str, Any]) -> np.ndarray:
    r""":math:`\sum_k d_k G_k` per evaluated step, from :func:`evaluate`'s terms: the
    numbers of ``np.bincount(row, weights=D * G)``."""
    return rowsum(a, a["nD"], a["nG"])


def jac_sums(g: Any, a: dict[str, Any], beta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The per-step sums of :func:`._forms.mpl_jac`'s last three columns (before their
    factor :math:`\mp B`): :math:`\sum D\,x\,\partial G/\partial x`,
    :math:`\sum D\,\partial G/\partial\beta` and :math:`\sum D\,x\,\partial G/\partial x\,\ell`,
    from the terms :func:`evaluate` left in ``a`` (at the same parameters)."""
    x, lx, q, d, t, nb = a["x"], a["lx"], a["q"], a["d"], a["t"], a["nb"]
    if a["empty"]:
        z = np.zeros(a["n"])
        return z, z, z
    np.exp(a["m"][nb:], out=q[nb:])  # (1+x)^-beta (the blocks' kept)
    np.multiply(beta, q, out=d)
    np.divide(d, a["opx"], out=d)
    np.multiply(d, x, out=d)  # x dG/dx
    s_x = rowsum(a, g.D, d)
    np.multiply(q, lx, out=t)
    s_beta = rowsum(a, g.D, t)
    np.multiply(d, g.leta, out=t)
    s_gamma = rowsum(a, g.D, t)
    return s_x, s_beta, s_gamma
