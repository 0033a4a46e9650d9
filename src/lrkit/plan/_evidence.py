r"""What the probes show: the statistics the planner's rules read (docs/plan.md).

Pure functions of :class:`lrkit.plan.Probe` values and of the range test's result: the
best peak read between probes (:func:`vertex`), whether the range test saw a fall
(:func:`saw_fall`), whether a rung tells its peaks apart (:func:`tells_apart`), whether a
probe left its plateau (:func:`progressed`), the paired gains between probes and their
standard errors (:func:`move_gain`, :func:`paired_gain`), and whether a start without a
warm-up overshot (:func:`overshoot`). They run nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._types import Probe

__all__ = [
    "vertex",
    "saw_fall",
    "tells_apart",
    "move_gain",
    "progressed",
    "paired_gain",
    "overshoot",
    "PROGRESS",
    "SEPARATE_SE",
    "FALL_NOISE",
]


#: a probe "made progress" only when its loss fell by at least this fraction of its start
PROGRESS = 0.1


#: a rung tells its peaks apart when a probe scores above its best by more than this many
#: standard errors of their paired difference (rule 7's bar)
SEPARATE_SE = 2.0


#: the range test saw a fall when its curve fell below its start by more than this many
#: times the sweep's step-to-step noise (the finder's "real fall" bar, docs/finder.md)
FALL_NOISE = 4.0


def vertex(probes: Sequence[Probe]) -> float | None:
    r"""The best peak of one rung, read between its probes.

    With the probes sorted by peak and :math:`i` the best (lowest score), the
    parabola through :math:`(\log_2\eta, \log s)` at :math:`i-1, i, i+1`
    (moved inward by one at an edge) has its minimum at offset
    :math:`\delta = \frac{a-c}{2(a-2b+c)}` (in units of the spacing) from
    the middle probe, clamped to :math:`[-1, 1]`: never outside the probed
    peaks. With a diverged probe among the three, or without curvature, the
    best probe's own peak is returned. ``None`` when every probe diverged.
    """
    ps = sorted(probes, key=lambda p: p.peak)
    ok = [p for p in ps if not p.diverged and p.score > 0]
    if not ok:
        return None
    i = ps.index(min(ok, key=lambda p: p.score))
    m = min(max(i, 1), len(ps) - 2)  # the middle of three consecutive probes around the best
    three = ps[m - 1 : m + 2]
    if len(three) < 3 or any(p not in ok for p in three):
        return ps[i].peak
    x = [math.log2(p.peak) for p in three]
    a, b, c = (math.log(p.score) for p in three)
    curv = a - 2 * b + c
    h = 0.5 * (x[2] - x[0])
    if not curv > 0 or not h > 0:
        return ps[i].peak
    delta = max(-1.0, min(1.0, (a - c) / (2 * curv)))
    return float(2.0 ** (x[1] + delta * h))


def saw_fall(res: Any) -> bool:
    r"""Did the planner's range test see the loss fall (docs/plan.md rule 1)?

    Over the points the suggestions read (:func:`lrkit.finder.window`), with
    :math:`z` the lag-free curve and :math:`\sigma` the step-to-step noise of the
    raw losses there (:func:`lrkit.finder.step_noise`): true when

    .. math:: \mathrm{median}(z_{1..5}) - \min z > 4\,\sigma

    (:data:`FALL_NOISE`, the finder's own bar for a real fall). Also true
    (nothing to decide) when fewer than 10 points are read: the finder gives
    no suggestion then either. When false, the sweep's minimum is a reading
    of noise, and no peak can be centred on it.

    >>> import numpy as np
    >>> from lrkit.finder import FinderResult
    >>> lrs = np.geomspace(1e-6, 10, 40)
    >>> wiggle = 0.01 * np.where(np.arange(40) % 2 == 0, 1.0, -1.0)
    >>> flat = FinderResult(lrs, 0.693 + wiggle, 0.693 + wiggle)
    >>> y = 2.3 / (1 + lrs / 1e-3) + 0.1 + wiggle
    >>> fell = FinderResult(lrs, y, y)
    >>> saw_fall(flat), saw_fall(fell)
    (False, True)
    """
    from ..finder import step_noise
    from ..finder.suggest import window

    lo, hi = window(res)
    if hi - lo < 10:
        return True
    z = np.asarray(res.curve[lo:hi], dtype=np.float64)
    raw = np.asarray(res.losses[lo:hi], dtype=np.float64)
    fall = float(np.median(z[:5])) - float(np.min(z))
    return fall > FALL_NOISE * step_noise(raw)


def tells_apart(rung: Sequence[Probe]) -> bool:
    r"""Do the probes of one rung (same length, same batches) tell their peaks apart?

    True when a diverged probe is among them, or a stable one scores above the
    rung's best by more than :data:`SEPARATE_SE` standard errors of their
    paired difference (:func:`move_gain`). False otherwise (also with fewer
    than two stable probes and none diverged): the scores agree within their
    noise, so the rung's best peak — and any drift read from it — is noise.

    >>> from lrkit.plan import Probe
    >>> def pr(peak, tail):
    ...     y = (2.0, 1.5, 1.2, 1.0) + tail
    ...     return Probe("rung2", peak, "linear", 10, "", y, None, y[-1], False)
    >>> flat = [pr(0.1, (0.5, 0.6, 0.5, 0.6, 0.5, 0.6)), pr(0.05, (0.6, 0.5, 0.6, 0.5, 0.6, 0.5))]
    >>> apart = [pr(0.1, (0.5, 0.6, 0.5, 0.6, 0.5, 0.6)), pr(0.05, (0.9, 1.0, 0.9, 1.0, 0.9, 1.0))]
    >>> tells_apart(flat), tells_apart(apart)
    (False, True)
    """
    if any(p.diverged for p in rung):
        return True
    ok = list(rung)
    if len(ok) < 2:
        return False
    best = min(ok, key=lambda p: p.score)
    return any(p is not best and not _no_worse(p, best) for p in ok)


def _no_worse(p: Probe, best: Probe) -> bool:
    """``p`` scored above ``best`` by no more than :data:`SEPARATE_SE` standard errors."""
    gain, se = move_gain(p, best)
    return gain <= SEPARATE_SE * se


def move_gain(base: Probe, alt: Probe) -> tuple[float, float]:
    r"""How much lower ``alt`` scored than ``base`` (two probes of one rung: same length,
    same batches, different peaks), and the standard error of that difference.

    Gain: ``base.score - alt.score``. With validation losses, standard error 0
    (one number each, as in :func:`paired_gain`). Otherwise the per-update
    noise of the paired difference :math:`d_t = \ell^{base}_t - \ell^{alt}_t`
    is estimated over the probes' second half (:math:`m` values) from its
    successive differences, which cancel a slow trend (the decay) that a plain
    standard deviation would count as noise (von Neumann's mean square
    successive difference):

    .. math:: \hat\sigma^2 = \frac{1}{2(m-1)}\sum_t (d_t - d_{t-1})^2,
        \qquad \mathrm{se} = \hat\sigma / \sqrt{n},

    with :math:`n = \max(1, \mathrm{round}(0.1\,L))` the updates the score
    averages. Unlike :func:`paired_gain`'s, this estimate does not need two
    points in the score's window: a 12-update probe (a window of one) still
    gets a noise level.

    >>> from lrkit.plan import Probe
    >>> a = Probe("rung2", 0.1, "linear", 10, "", (3.0, 2.0, 1.0, 1.2, 0.8) * 2, None, 0.8, False)
    >>> b = Probe("rung2", 0.05, "linear", 10, "", (3.0, 2.0, 1.0, 1.0, 1.0) * 2, None, 1.0, False)
    >>> gain, se = move_gain(b, a)
    >>> round(gain, 3), round(se, 3)
    (0.2, 0.158)
    """
    gain = base.score - alt.score
    if base.val_loss is not None and alt.val_loss is not None:
        return gain, 0.0
    half = base.steps // 2
    d = np.asarray(base.losses[half:], dtype=np.float64) - np.asarray(alt.losses[half:])
    if len(d) < 2:
        return gain, 0.0
    var = float(np.sum(np.diff(d) ** 2) / (2 * (len(d) - 1)))
    return gain, math.sqrt(var / max(1, round(0.1 * base.steps)))


def progressed(probe: Probe) -> bool:
    r"""Did the probe's training loss leave its starting plateau?

    With :math:`w = \max(2, \mathrm{round}(0.1\,L))` losses at each end of
    the probe, the drop (mean of the first :math:`w` minus mean of the last
    :math:`w`) exceeds twice its standard error
    :math:`\sqrt{(s^2_{head} + s^2_{tail})/w}` *and* a tenth
    (:data:`PROGRESS`) of the starting loss. A probe that did not is no
    evidence about its peak: its score differs from its neighbours' by noise
    and by how the first few updates went (where low rates look best: the
    short-horizon bias of Wu et al. 2018), not by where the run is heading.

    >>> from lrkit.plan import Probe
    >>> flat = Probe("rung2", 0.1, "linear", 8, "", (1.0, 1.1, 0.9, 1.0, 1.1, 0.9, 1.0, 1.0),
    ...              None, 1.0, False)
    >>> fell = Probe("rung2", 0.1, "linear", 8, "", (2.0, 1.9, 1.5, 1.2, 1.0, 0.8, 0.6, 0.5),
    ...              None, 0.55, False)
    >>> progressed(flat), progressed(fell)
    (False, True)
    """
    y = np.asarray(probe.losses, dtype=np.float64)
    w = max(2, round(0.1 * len(y)))
    if len(y) < 2 * w or not np.all(np.isfinite(y)):
        return False
    head, tail = y[:w], y[-w:]
    se = math.sqrt((np.var(head, ddof=1) + np.var(tail, ddof=1)) / w)
    drop = float(head.mean() - tail.mean())
    return drop > 2.0 * se and drop >= PROGRESS * abs(float(head.mean()))


def paired_gain(base: Probe, alt: Probe) -> tuple[float, float]:
    r"""How much lower ``alt`` scored than ``base`` (same length and peak, same batches),
    and the standard error of that difference.

    With validation losses: their difference, standard error 0 (one number each).
    Otherwise, over the score's window (the last :math:`n = \max(1,
    \mathrm{round}(0.1\,L))` updates): :math:`d_t = \ell^{base}_t -
    \ell^{alt}_t`, gain :math:`\bar d` (= the difference of the scores) and
    standard error :math:`s_d/\sqrt n` (0 when :math:`n = 1`). Both probes see
    the same batches in the same order, so the batch-to-batch noise that they
    share cancels in :math:`d_t`; what is left is the noise of the comparison.
    """
    if base.val_loss is not None and alt.val_loss is not None:
        return base.score - alt.score, 0.0
    n = max(1, round(0.1 * base.steps))
    d = np.asarray(base.losses[-n:], dtype=np.float64) - np.asarray(alt.losses[-n:])
    se = float(np.std(d, ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return float(np.mean(d)), se


def overshoot(warm: Probe, cold: Probe, w: int) -> tuple[int, float, float] | None:
    r"""Did the first updates of ``cold`` (started at its peak, no warm-up) make the loss
    worse than ``warm`` (the same run with a warm-up of ``w`` updates, same batches)?

    Over the updates the warm-up covers, :math:`t = 1..w` (``losses[t]`` is
    measured after update :math:`t-1`): the first :math:`t` with
    :math:`\ell^{cold}_t > \ell^{warm}_t`, as ``(t, cold loss, warm loss)``;
    ``None`` when there is none (a stable start). During its warm-up the
    warm run has barely moved from the shared start, so a loss above it on
    the same batch means the full rate overshot: the instability a warm-up
    exists to prevent.

    >>> from lrkit.plan import Probe
    >>> warm = Probe("rung2", 0.1, "linear", 6, "", (2.3, 2.3, 2.29, 2.2, 2.0, 1.8),
    ...              None, 1.8, False)
    >>> ok = Probe("shape", 0.1, "wsd", 6, "", (2.3, 2.1, 2.0, 1.9, 1.8, 1.7), None, 1.7, False)
    >>> spike = Probe("shape", 0.1, "wsd", 6, "", (2.3, 2.5, 2.0, 1.9, 1.8, 1.7), None, 1.7, False)
    >>> overshoot(warm, ok, 3), overshoot(warm, spike, 3)
    (None, (1, 2.5, 2.3))
    """
    n = min(w, len(warm.losses) - 1, len(cold.losses) - 1)
    for t in range(1, n + 1):
        a, b = float(cold.losses[t]), float(warm.losses[t])
        if not a <= b:  # also a non-finite loss
            return t, a, b
    return None
