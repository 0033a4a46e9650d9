"""Direct tests for laws survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import numpy as np

from lrkit.laws._forms import _lagrange4


def _lagrange(xs, ys, x):
    out = 0.0
    for j in range(4):
        w = np.prod([(x - xs[m]) / (xs[j] - xs[m]) for m in range(4) if m != j])
        out += ys[j] * w
    return out


def test_local_cubic_interpolation_uses_the_nearest_four_knots_shifted_inward():
    """``_lagrange4``: the cubic through the two knots either side of each point; in
    the first and last intervals the stencil is the first / last four knots (shifted
    inward, never wrapping round to the other end)."""
    kk = np.array([0.0, 1.0, 3.0, 4.0, 7.0, 8.0, 10.0])
    rr = np.sqrt(kk + 1.0)
    for x, lo in ((0.25, 0), (0.9, 0), (2.0, 0), (3.5, 1), (5.5, 2), (9.0, 3), (9.75, 3)):
        want = _lagrange(kk[lo : lo + 4], rr[lo : lo + 4], x)
        got = _lagrange4(kk, rr, np.array([x]))[0]
        assert np.isclose(got, want, rtol=1e-13, atol=0.0), (x, got, want)
