"""The finder's windows and suggestion methods against a plain restatement (issue 15).

Every suggestion reads the lag-free curve inside a window; both are documented rule by
rule (``finder/suggest.py``: :func:`window`, :func:`search_window`, the four methods,
the divergence edge and :func:`suggest_range`). Here each rule is written again as a
plain Python loop over the curve and compared with the library on many seeded
curves (falling, flat, noisy, bouncing, blowing up), skips, stop reasons and a linear
sweep from 0, so that any change to one of those rules shows on some curve.
"""

from __future__ import annotations

import math
import random
import statistics

import numpy as np
import pytest

from lrkit.finder import FinderResult
from lrkit.finder.suggest import (
    MIN_POINTS,
    divergence_edge,
    search_window,
    suggestion,
    window,
)


def _ref_window(lrs, n, skip_start, skip_end, reason):
    hi = n - skip_end
    if reason == "diverged":
        hi = min(hi, n - 1)
    lo = skip_start
    if n and not lrs[0] > 0:
        firsts = [i for i in range(n) if lrs[i] > 0]
        lo = max(lo, firsts[0] if firsts else n)
    hi = max(hi, 0)
    return min(lo, hi), hi


def _noise(losses):
    d = [b - a for a, b in zip(losses, losses[1:])]
    if not d:
        return 0.0
    med = statistics.median(d)
    return 1.4826 * statistics.median([abs(x - med) for x in d]) / math.sqrt(2.0)


def _ref_search(z, losses, lo, hi):
    seg = z[lo:hi]
    if len(seg) < 3:
        return lo, hi
    sigma = _noise(losses[lo:hi])
    m, p = math.inf, 0
    for k, v in enumerate(seg):
        if v <= m:
            m, p = v, k
        fall = max(seg[: p + 1]) - m
        rise = v - m
        if fall > 4.0 * sigma and rise > 0.5 * fall and rise > 2.0 * sigma:
            return lo, lo + k
    return lo, hi


def _first_argmin(xs):
    return min(range(len(xs)), key=lambda i: (xs[i], i))


def _first_argmax(xs):
    return min(range(len(xs)), key=lambda i: (-xs[i], i))


def _ref_minimum(z, losses, win):
    lo, hi = _ref_search(z, losses, *win)
    if hi <= lo:
        return None
    k = _first_argmin(z[lo:hi])
    return None if k == 0 else (lo, k)


def _ref_edge(z, lrs, win, imin, reason, stop_lr):
    lo, hi = win
    seg = z[lo:hi]
    start = statistics.median(seg[: max(3, (hi - lo) // 10)])
    for j in range(imin, hi):
        if z[j] >= start:
            return lrs[j]
    return stop_lr if reason == "nonfinite" else None


def _ref_valley(z, losses, win):
    lo, hi = _ref_search(z, losses, *win)
    sm = z[lo:hi]
    n = len(sm)
    length, prev = [1] * n, [-1] * n
    for k in range(1, n):
        best = None
        for j in range(k):
            if sm[j] > sm[k] and (best is None or length[j] > length[best]):
                best = j
        if best is not None:
            length[k], prev[k] = length[best] + 1, best
    if n == 0:
        return None
    e = _first_argmax(length)
    if length[e] < 3:
        return None
    chain = [e]
    while prev[chain[-1]] >= 0:
        chain.append(prev[chain[-1]])
    chain.reverse()
    return lo + chain[len(chain) // 2]


def _ref_steep(z, lrs, losses, win):
    found = _ref_minimum(z, losses, win)
    if found is None or found[1] < 2:
        return None
    lo, k = found
    seg = np.array(z[lo : lo + k + 1])
    g = np.gradient(seg, np.log10(np.array(lrs[lo : lo + k + 1])))
    itop = _first_argmax(list(seg))
    top, bottom = seg[itop], seg[-1]
    j0 = next(j for j in range(itop, len(seg)) if seg[j] <= top - 0.1 * (top - bottom))
    j = j0 + _first_argmin(list(g[j0:]))
    return lo + j if g[j] < 0 else None


def _ref_range(z, lrs, losses, win):
    found = _ref_minimum(z, losses, win)
    if found is None or found[1] < 2:
        return None
    lo, k = found
    seg = z[lo : lo + k + 1]
    itop = _first_argmax(seg)
    drop = seg[itop] - seg[-1]
    if not drop > 0:
        return None
    last = max(j for j in range(itop, len(seg)) if seg[j] > seg[itop] - 0.1 * drop)
    ib = last + 1
    if ib >= k:
        return None
    return lrs[lo + ib], lrs[lo + k]


def _nearest(lrs, lr):
    pos = [i for i in range(len(lrs)) if lrs[i] > 0]
    return min(pos, key=lambda i: (abs(math.log(lrs[i]) - math.log(lr)), i))


def _result(seed):
    rng = random.Random(seed)
    n = rng.choice([8, 12, 14, 25, 40, 60])
    linear0 = rng.random() < 0.15
    lrs = (
        [0.0 + 1.0 * i / (n - 1) for i in range(n)]
        if linear0
        else [1e-5 * (1e5) ** (i / (n - 1)) for i in range(n)]
    )
    shape = rng.choice(
        ["valley", "valley", "flat", "down", "down", "bounce", "blowup", "plateau", "rise"]
    )
    amp = rng.choice([0.0, 0.01, 0.05, 0.3])
    off = rng.choice([0.0, -3.0, 2.0])
    z = []
    for i in range(n):
        x = i / (n - 1)
        base = {
            "valley": 3.0 * (x - rng.choice([0.6, 0.7])) ** 2,
            "flat": 1.0,
            "down": 1.0 - x,
            "bounce": math.cos(6.0 * x),
            "blowup": 0.02 * math.exp(8.0 * x) - x,
            "plateau": 1.0 if x < 0.4 else (0.2 if x < 0.8 else 2.0),
            "rise": 1.0 + 3.0 * x,
        }[shape]
        z.append(base + off + rng.gauss(0.0, amp))
    losses = [v + rng.gauss(0.0, amp) for v in z]
    reason = rng.choice(["completed", "completed", "diverged", "nonfinite", "exhausted"])
    stop_lr = None if reason == "completed" else lrs[-1] * 1.5
    skip_start = rng.choice([None, 0, 1, 3])
    skip_end = rng.choice([None, 0, 1, 3])
    res = FinderResult(
        lrs,
        losses,
        losses,
        stop_reason=reason,
        stop_lr=stop_lr,
        skip_start=skip_start,
        skip_end=skip_end,
        curve=z,
        config={"steps": n},
    )
    return res, lrs, losses, z, reason, stop_lr


@pytest.mark.parametrize("seed", range(120))
def test_windows_and_suggestions_follow_their_documented_rules(seed):
    res, lrs, losses, z, reason, stop_lr = _result(seed)
    n = len(lrs)
    assert res.skip_start == (max(1, n // 20) if res.skip_start is None else res.skip_start)
    win = _ref_window(lrs, n, res.skip_start, res.skip_end, reason)
    assert window(res) == win
    assert search_window(res) == _ref_search(z, losses, *win)
    short = win[1] - win[0] < MIN_POINTS
    got = {m: suggestion(res, m) for m in ("minimum", "auto", "steep", "valley")}
    if short:
        assert all(s.lr is None and "too few points" in s.reason for s in got.values())
        assert res.suggest_range() is None
        return
    found = _ref_minimum(z, losses, win)
    if found is None:
        assert got["minimum"].lr is None
    else:
        assert got["minimum"].index == found[0] + found[1]
        assert got["minimum"].lr == lrs[found[0] + found[1]]
        assert got["minimum"].loss == z[found[0] + found[1]]
        assert divergence_edge(res) == _ref_edge(z, lrs, win, found[0] + found[1], reason, stop_lr)
    iv = _ref_valley(z, losses, win)
    assert got["valley"].index == iv
    assert got["steep"].index == _ref_steep(z, lrs, losses, win)
    # auto: a decade below the edge (at most the minimum), else minimum / sqrt(10), else valley
    if found is not None:
        m = lrs[found[0] + found[1]]
        edge = _ref_edge(z, lrs, win, found[0] + found[1], reason, stop_lr)
        want = min(edge / 10.0, m) if edge is not None else m / math.sqrt(10.0)
    else:
        want = lrs[iv] if iv is not None else None
    if want is None:
        assert got["auto"].lr is None
    else:
        assert got["auto"].lr == pytest.approx(want, rel=1e-12)
        assert got["auto"].index == _nearest(lrs, want)
    rng_ = _ref_range(z, lrs, losses, win)
    assert res.suggest_range() == rng_


def test_the_usable_window_needs_exactly_min_points():
    n = MIN_POINTS + 2
    lrs = [1e-4 * 10 ** (i / 4) for i in range(n)]
    z = [1.0 - 0.05 * i for i in range(n - 3)] + [1.0, 2.0, 3.0]
    for skip_end, ok in ((2, True), (3, False)):
        res = FinderResult(lrs, z, z, skip_start=0, skip_end=skip_end, curve=z)
        assert window(res) == (0, n - skip_end)
        assert (suggestion(res, "minimum").lr is not None) == ok


# --- the diagnosis: which warnings, in which order --------------------------------------

_KINDS = (
    "too few points",
    "stopped early",
    "diverged at once",
    "flat curve",
    "too noisy",
    "the range's base",
    "never diverged",
    "auto ",
    "the methods disagree",
)


def _ref_shape(z, lrs, losses, win):
    lo, hi = win
    sm, raw = z[lo:hi], losses[lo:hi]
    imin = _first_argmin(sm)
    top = max(sm[: imin + 1])
    drop = top - sm[imin]
    rise = max(sm[imin:]) - sm[imin]
    scale = max(abs(top), abs(sm[imin]), 1e-12)
    noise = _noise(raw[: imin + 1] if imin >= 5 else raw)
    if imin < max(3, (hi - lo) // 10) and rise > max(0.02 * scale, 4.0 * noise):
        return ["diverged at once"]
    if drop < 0.02 * scale:
        return ["flat curve"]
    lead = statistics.median(sm[: min(5, imin + 1)])
    floor = statistics.median(sm[max(0, imin - 2) : imin + 3])
    if noise > 0.25 * max(lead - floor, 0.0):
        return ["too noisy"]
    return []


def _ref_base_in_noise(z, lrs, losses, win):
    r = _ref_range(z, lrs, losses, win)
    if r is None:
        return False
    ib, im = lrs.index(r[0]), lrs.index(r[1])
    lo = win[0]
    lead = statistics.median(z[lo : lo + max(3, (ib - lo) // 4 + 1)])
    noise = _noise(losses[lo : im + 1])
    return not (lead - z[ib] >= 2.0 * noise and z[ib] - z[im] > 2.0 * noise)


def _ref_end(z, lrs, win, reason, flat):
    out = []
    if reason == "exhausted":
        out.append("stopped early")
    if reason == "completed" and not flat:
        sm = z[win[0] : win[1]]
        imin = _first_argmin(sm)
        drop = max(sm[: imin + 1]) - sm[imin]
        if imin >= len(sm) - 3 or sm[-1] < sm[imin] + 0.25 * drop:
            out.append("never diverged")
    return out


@pytest.mark.parametrize("seed", range(120))
def test_the_warnings_follow_their_documented_rules(seed):
    res, lrs, losses, z, reason, stop_lr = _result(seed)
    win = _ref_window(lrs, len(lrs), res.skip_start, res.skip_end, reason)
    if win[1] - win[0] < MIN_POINTS:
        want = ["too few points", *_ref_end(z, lrs, win, reason, True)]
    else:
        want = _ref_shape(z, lrs, losses, win)
        flat = want == ["flat curve"]
        if not want and _ref_base_in_noise(z, lrs, losses, win):
            want.append("the range's base")
        want += _ref_end(z, lrs, win, reason, flat)
        a = suggestion(res).lr
        if a is not None and a < min(v for v in lrs if v > 0):  # below every swept rate
            want.append("auto ")
        parts = [suggestion(res, m).lr for m in ("steep", "valley", "minimum")]
        got = [p for p in parts if p is not None]
        if len(got) >= 2 and max(got) / min(got) > 100.0:
            want.append("the methods disagree")
    warns = res.warnings
    assert [next(k for k in _KINDS if w.startswith(k)) for w in warns] == want
    assert res.confident == (suggestion(res).lr is not None and not want)
    text = res.report()
    assert text.count("  warning: ") == len(want)
    assert ("confident: yes" in text) == res.confident


def test_steep_needs_a_negative_slope_over_log_lr():
    """Recorded from the highest rate down, a loss that falls along the sweep *rises* with the
    rate: its slope over log10(lr) is positive (here about 0.03 per decade, between 0 and 1)
    everywhere, so there is no steepest descent, though the curve has a minimum."""
    lrs = np.geomspace(1.0, 1e-4, 30)
    loss = np.linspace(1.0, 0.9, 30) + 0.02 * np.linspace(0.0, 1.0, 30) ** 2
    res = FinderResult(lrs, loss, loss, skip_start=0, skip_end=0, curve=loss)
    assert res.suggestion("minimum").index == 29
    g = np.gradient(loss, np.log10(lrs))
    assert np.all((g > 0) & (g < 1))
    s = res.suggestion("steep")
    assert s.lr is None and s.reason == "the loss never falls"
    # a flat stretch: the least slope is exactly 0, still no descent
    flat = np.array([1.0, 0.95, 0.9, 0.9, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55])
    lrs = np.geomspace(1.0, 1e-3, len(flat))
    res = FinderResult(lrs, flat, flat, skip_start=0, skip_end=0, curve=flat)
    g = np.gradient(flat, np.log10(lrs))
    assert g.min() == 0.0 and res.suggestion("minimum").index == len(flat) - 1
    assert res.suggestion("steep").lr is None
