"""The lag-free curve the suggestions read (:func:`zero_lag`) and the loss's noise level."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import check_int, check_number
from ..errors import ConfigError

__all__ = ["zero_lag", "BANDWIDTH", "step_noise"]


#: default half-width (Gaussian sigma) of the zero-lag curve, in decades of lr
BANDWIDTH = 0.15


def zero_lag(
    lrs: Any, losses: Any, bandwidth: float = BANDWIDTH, robust: int = 0, *, log: bool = True
) -> np.ndarray:
    r"""A smoothing of ``losses`` over :math:`x = \log_{10}\eta` that does not lag.

    Local linear regression (LOESS, Cleveland 1979) with a Gaussian kernel:
    at every recorded point :math:`x_0`

    .. math:: (a, b) = \arg\min_{a,b} \sum_i w_i\, \delta_i\,
              (\ell_i - a - b (x_i - x_0))^2,\qquad
              w_i = e^{-(x_i - x_0)^2 / (2 h^2)},\qquad \hat\ell(x_0) = a,

    with :math:`h` = ``max(bandwidth, 2 * median spacing of x)`` decades (at
    least two sweep steps). With ``log=False`` (the finder's ``mode="linear"``
    sweeps) :math:`x = \eta` and :math:`h` = 2 sweep steps. The window is
    centred, so unlike the online EMA of :func:`find` (which trails the loss
    by :math:`\beta/(1-\beta)` steps, 49 for ``smooth=0.98``: about a decade
    of lr on a 100-step sweep) it has no lag, and a local *line* also follows
    a slope without bias, at the edges
    included. :math:`\delta_i = 1` by default; with ``robust=r > 0`` the
    robustness weights :math:`\delta_i = B(e_i / 6s)`, :math:`B(u) = (1-u^2)^2`
    for :math:`|u| < 1` else 0 (:math:`e_i` the residuals, :math:`s` their
    median absolute value) are re-estimated ``r`` times (LOWESS). They are off
    by default: past the minimum, where the loss swings wildly, they follow
    its lower envelope and hide the blow-up.

    A line needs the weight to be spread around :math:`x_0`: where
    :math:`s_0 s_2 - s_1^2 \le 10^{-6}\, s_0 s_2` (:math:`s_k = \sum_i w_i
    \delta_i (x_i - x_0)^k`; the weighted mean of :math:`x_i - x_0` more than
    ~1000 weighted standard deviations from 0, so the line would be
    extrapolated over ~1000 times the spread it was fitted on) the local mean
    :math:`\sum w_i \delta_i \ell_i / s_0` is used instead. (Until
    2026-11-30 the bound was :math:`10^{-12}`: with robustness weights and
    tight clusters of rates, lines fitted 24 bandwidths away were extrapolated
    to 2.3e5 for losses within [-2.7, 86].)

    Only the points given are used (the finder passes the finite losses
    recorded up to its stop). With ``log=True``, points with ``lr <= 0`` get
    NaN; fewer than 3 usable points are returned unsmoothed.

    >>> lrs = np.geomspace(1e-4, 1e-1, 31)
    >>> line = 3.0 - np.log10(lrs)  # a straight line in log-lr is left as it is
    >>> bool(np.allclose(zero_lag(lrs, line), line))
    True
    """
    bandwidth = check_number("zero_lag", "bandwidth", bandwidth, positive=True)
    robust = check_int("zero_lag", "robust", robust, low=0)
    lrs = np.asarray(lrs, dtype=np.float64).reshape(-1)
    y = np.asarray(losses, dtype=np.float64).reshape(-1)
    if len(lrs) != len(y):
        raise ConfigError(
            f"zero_lag: lrs and losses must have the same length, got {len(lrs)} and {len(y)}"
        )
    out = np.full(len(y), np.nan)
    pos = np.isfinite(y) & np.isfinite(lrs) & ((lrs > 0) if log else True)
    x, yy = (np.log10(lrs[pos]) if log else lrs[pos]), y[pos]
    n = len(x)
    if n < 3:
        out[pos] = yy
        return out
    d = np.diff(x)
    step = 2.0 * float(np.median(np.abs(d)))
    h = max(bandwidth if log else 0.0, step, 1e-12)
    delta = np.ones(n)
    fit = yy.copy()
    for it in range(robust + 1):
        _local_lines(x, yy, h, delta, fit)
        if it == robust:
            break
        r = yy - fit
        scale = float(np.median(np.abs(r)))
        if not scale > 0:
            break
        u = r / (6.0 * scale)
        delta = np.where(np.abs(u) < 1.0, (1.0 - u * u) ** 2, 0.0)
    out[pos] = fit
    return out


def _local_lines(
    x: np.ndarray, y: np.ndarray, h: float, delta: np.ndarray, fit: np.ndarray
) -> None:
    """:func:`zero_lag`'s weighted local lines at every ``x``, written into ``fit`` (the
    local mean where the weight is not spread enough for a line)."""
    for a in range(0, len(x), 512):  # blocks of rows: memory O(512 n)
        dx = x[None, :] - x[a : a + 512, None]
        w = np.exp(-0.5 * (dx / h) ** 2) * delta[None, :]
        s0, s1, s2 = w.sum(1), (w * dx).sum(1), (w * dx * dx).sum(1)
        t0, t1 = w @ y, (w * dx) @ y
        det = s0 * s2 - s1 * s1
        ok = det > 1e-6 * np.maximum(s0 * s2, 1e-300)
        fit[a : a + 512] = np.where(
            ok, (s2 * t0 - s1 * t1) / np.where(ok, det, 1.0), t0 / np.maximum(s0, 1e-300)
        )


def step_noise(losses: Any) -> float:
    r"""The step-to-step noise of a loss series, robustly: :math:`1.4826\,
    \mathrm{MAD}(\Delta\ell) / \sqrt 2`.

    The differences :math:`\Delta\ell_i = \ell_{i+1} - \ell_i` remove a slow trend;
    their median absolute deviation (times 1.4826, the normal-consistency
    factor) estimates their standard deviation, :math:`\sqrt 2` times that of
    independent noise on each point. 0 for fewer than 2 points.

    >>> step_noise([1.0, 2.0, 3.0, 4.0])  # a straight line has no noise
    0.0
    """
    d = np.diff(np.asarray(losses, dtype=np.float64).reshape(-1))
    if len(d) == 0:
        return 0.0
    return 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0)
