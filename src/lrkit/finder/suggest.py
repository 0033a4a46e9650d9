r"""The suggestion methods, one function each, in a registry; and the (base, max) range.

Every method reads the lag-free curve :math:`z` (``FinderResult.curve``), never
the lagging online EMA, inside the same window of usable points
(:func:`window`, cut where the curve has clearly turned back up:
:func:`search_window`). What each rate is for:

- ``"minimum"``: :math:`\eta_{min}`, the rate at the minimum of :math:`z` —
  where the loss stops falling, the largest rate that still trains. It is the
  **peak** of a schedule that warms up and decays (the range's ``max``, the
  peak of ``schedule("one_cycle")`` and of ``lrkit bench --schedule auto``),
  not a constant rate.
- ``"auto"`` (:data:`DEFAULT_METHOD`): the **constant** rate (and the start
  of ``schedule("cosine")``): a decade below the divergence edge,
  :math:`\min(\eta_{div}/10,\ \eta_{min})` (:func:`divergence_edge`). The
  minimum of the curve is not a stable guide to a constant rate: on some
  curves the loss is still falling steeply when training blows up (the
  minimum *is* the edge), on others it levels off a decade before the edge.
  The edge itself is where training fails, and the classic rule of thumb
  (Smith; fastai's "an order of magnitude below where the loss blows up")
  sits a decade below it; it is never above :math:`\eta_{min}`, where the
  loss already stopped falling. Without an edge in the sweep (it never
  diverged): :math:`\eta_{min}/\sqrt{10}`, the geometric middle of
  :math:`\eta_{min}` and a decade below it. Without a usable minimum: ``valley``'s
  rate (``steep`` needs that minimum too).
- ``"steep"``: the steepest descent of :math:`z` over :math:`\log_{10}\eta`,
  searched from where the loss has covered 10% of its fall up to the
  minimum: where the loss falls fastest; aggressive for a constant rate.
- ``"valley"`` (fastai's rule, re-derived): the middle of the longest strictly
  decreasing run of :math:`z`: a conservative constant rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError
from .smooth import step_noise

if TYPE_CHECKING:
    from .result import FinderResult

__all__ = [
    "Suggestion",
    "METHODS",
    "DEFAULT_METHOD",
    "MIN_POINTS",
    "suggestion",
    "suggest_range",
    "window",
    "search_window",
    "too_short",
]

#: fewer usable points than this (after skipping the edges) give no suggestion
MIN_POINTS = 10

#: the method that ``suggest()`` uses when none is named, everywhere
DEFAULT_METHOD = "auto"

#: how far below the divergence edge the default constant rate sits (a decade)
EDGE_FACTOR = 10.0

#: without an edge: how far below the rate at the curve's minimum it sits
AUTO_FACTOR = math.sqrt(10.0)

#: differences of the curve below this fraction of its level are floating-point
#: rounding (the local fits of a constant loss differ by ~1e-16), not a fall
ROUNDING = 1e-12


def _rounding(z: np.ndarray) -> float:
    """The size below which two values of the curve ``z`` are the same (:data:`ROUNDING`)."""
    return ROUNDING * float(np.max(np.abs(z))) if len(z) else 0.0


@dataclass(frozen=True)
class Suggestion:
    """One suggested rate: ``lr`` (``None`` when there is none, with ``reason``).

    ``index`` and ``loss``: the recorded point the value was read at, and the
    lag-free curve there.
    """

    method: str
    lr: float | None
    index: int | None = None
    loss: float | None = None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.lr is not None


_Method = Callable[["FinderResult"], Suggestion]
_REGISTRY: dict[str, _Method] = {}


def _register(name: str) -> Callable[[_Method], _Method]:
    def add(fn: _Method) -> _Method:
        _REGISTRY[name] = fn
        return fn

    return add


# ---------------------------------------------------------------- windows
def window(res: FinderResult) -> tuple[int, int]:
    """``[lo, hi)``: the recorded points a suggestion may use.

    ``skip_start`` points are left out at the start and ``skip_end`` at the
    end; after a divergence stop the step that tripped it is always left out
    (even with ``skip_end=0``). A linear sweep from 0 starts at the first rate > 0.
    """
    n = len(res.lrs)
    hi = n - res.skip_end
    if res.stop_reason == "diverged":
        hi = min(hi, n - 1)  # never the step that tripped the stop
    lo = res.skip_start
    positive = res.lrs > 0
    if n and not positive[0]:  # a linear sweep from 0: no log-lr there
        lo = max(lo, int(np.argmax(positive)) if positive.any() else n)
    hi = max(hi, 0)
    lo = min(lo, hi)
    return lo, hi


def search_window(res: FinderResult) -> tuple[int, int]:
    r""":func:`window`, cut where the curve has clearly stopped falling.

    Scanning the lag-free curve :math:`z` from ``lo``: with :math:`m_k` its
    running minimum, reached at :math:`p_k`, and :math:`f_k = \max_{j \le p_k}
    z_j - m_k` the fall before it, the search ends at the first :math:`k`
    where the curve has given back half of that fall, :math:`z_k > m_k +
    f_k/2`, by more than twice the raw loss's step-to-step noise
    :math:`\sigma`, after a real fall, :math:`f_k > 4\sigma` (half of it,
    the part given back, then exceeds the same :math:`2\sigma`: a dip of
    the flat, noisy start followed by a bounce is not a fall). What comes
    after (a loss swinging between chance and low values once training is
    unstable, common for classifiers whose loss is bounded by chance and never
    trips the ``diverge`` stop) cannot hold the minimum.
    """
    lo, hi = window(res)
    z = res.curve[lo:hi]
    if len(z) < 3:
        return lo, hi
    noise = step_noise(res.losses[lo:hi])
    k = np.arange(len(z))
    run_min = np.minimum.accumulate(z)
    at_min = np.maximum.accumulate(np.where(z <= run_min, k, 0))  # where m_k was reached
    fall = np.maximum.accumulate(z)[at_min] - run_min
    rise = z - run_min
    cut = (fall > 4.0 * noise) & (rise > 0.5 * fall) & (rise > 2.0 * noise)
    if np.any(cut):
        hi = lo + int(np.argmax(cut))
    return lo, hi


def too_short(res: FinderResult) -> str | None:
    """Why there is no suggestion when fewer than :data:`MIN_POINTS` points are usable."""
    lo, hi = window(res)
    if hi - lo >= MIN_POINTS:
        return None
    if res.stop_reason == "nonfinite" and len(res.lrs) == 0 and res.stop_lr is not None:
        # not a rate too high: the very first update's loss was already NaN/inf
        return (
            f"no points: the loss was not finite at the first step (lr={res.stop_lr:.3g}), "
            "before the rate could matter — check the task's loss_fn, data and model"
        )
    where = (
        f"stopped ({res.stop_reason}) at lr={res.stop_lr:.3g}"
        if res.stop_lr is not None
        else "ended"
    )
    return (
        f"too few points: {hi - lo} usable of {len(res.lrs)} recorded "
        f"(need {MIN_POINTS} after skipping {res.skip_start} at the start and "
        f"{res.skip_end} at the end); the sweep {where} — lower start, or raise steps"
    )


def _at(res: FinderResult, method: str, i: int, lr: float | None = None) -> Suggestion:
    rate = float(res.lrs[i]) if lr is None else lr
    return Suggestion(method, rate, i, float(res.curve[i]))


def _nearest(res: FinderResult, lr: float) -> int:
    """The recorded point nearest to ``lr`` (in log-lr; rates <= 0 never)."""
    pos = np.flatnonzero(res.lrs > 0)
    return int(pos[np.argmin(np.abs(np.log(res.lrs[pos]) - math.log(lr)))])


def _minimum_index(res: FinderResult) -> tuple[int, int] | None:
    """``(lo, k)``: the curve's minimum is at ``lo + k`` (search window); None at its start."""
    lo, hi = search_window(res)
    if hi <= lo:
        return None
    z = res.curve[lo:hi]
    k = int(np.argmin(z))
    if k == 0 or float(np.max(z[: k + 1])) - float(z[k]) <= _rounding(z):
        return None  # at the start, or a "fall" of rounding only (a constant loss)
    return lo, k


# ---------------------------------------------------------------- the methods
@_register("minimum")
def minimum(res: FinderResult) -> Suggestion:
    """The rate at the minimum of the lag-free curve: the peak of a decaying schedule."""
    found = _minimum_index(res)
    if found is None:
        return Suggestion(
            "minimum", None, reason="the loss never falls (its minimum is at the start)"
        )
    lo, k = found
    return _at(res, "minimum", lo + k)


def divergence_edge(res: FinderResult) -> float | None:
    """The rate where training diverged, or ``None`` when the sweep never got there.

    The first recorded rate past the curve's minimum where the lag-free curve
    is back at or above its starting level (the median of the first tenth of
    the usable points, at least 3): the loss is no better than before any
    training. When the sweep stopped on a NaN/inf loss before that, the rate
    of that loss.
    """
    low = minimum(res)
    if low.index is None:
        return None
    lo, hi = window(res)
    z = res.curve[lo:hi]
    start = float(np.median(z[: max(3, (hi - lo) // 10)]))
    back = np.flatnonzero(z[low.index - lo :] >= start)
    if len(back):
        return float(res.lrs[low.index + int(back[0])])
    return res.stop_lr if res.stop_reason == "nonfinite" else None


@_register("auto")
def auto(res: FinderResult) -> Suggestion:
    """A decade below the divergence edge, at most the minimum (the module's docstring)."""
    low = minimum(res)
    edge = divergence_edge(res) if low.lr is not None else None
    if low.lr is not None and edge is not None:
        lr = min(edge / EDGE_FACTOR, low.lr)
    elif low.lr is not None:
        lr = low.lr / AUTO_FACTOR
    else:
        # no usable minimum: steep needs one too, so the fallback is valley's rate
        low_v = valley(res)
        if low_v.lr is None:
            why = f"minimum: {low.reason}; valley: {low_v.reason}"
            return Suggestion("auto", None, reason=why)
        lr = low_v.lr
    return _at(res, "auto", _nearest(res, lr), lr)


@_register("steep")
def steep(res: FinderResult) -> Suggestion:
    """The steepest descent of the curve over log10(lr), from 10% of its fall to its minimum."""
    found = _minimum_index(res)
    if found is None or found[1] < 2:
        return Suggestion(
            "steep", None, reason="the loss never falls (its minimum is at the start)"
        )
    lo, k = found
    seg, rates = res.curve[lo : lo + k + 1], res.lrs[lo : lo + k + 1]
    if len(seg) < 3:
        return Suggestion("steep", None, reason="too few points before the minimum")
    g = np.gradient(seg, np.log10(rates))
    # search the descent only: from where the loss has covered 10% of its fall
    # (noise on the flat start of a curve can look steep over a log axis)
    itop = int(np.argmax(seg))
    top, bottom = float(seg[itop]), float(seg[-1])
    j0 = itop + int(np.argmax(seg[itop:] <= top - 0.1 * (top - bottom)))
    j = j0 + int(np.argmin(g[j0:]))
    if not g[j] < 0:
        return Suggestion("steep", None, reason="the loss never falls")
    return _at(res, "steep", lo + j)


@_register("valley")
def valley(res: FinderResult) -> Suggestion:
    """The middle of the longest strictly decreasing subsequence of the curve (the first one)."""
    lo, hi = search_window(res)
    sm = res.curve[lo:hi]
    n = len(sm)
    tol = _rounding(sm)  # a step down of rounding only is not a decrease
    length = np.ones(n, dtype=np.int64)
    prev = np.full(n, -1, dtype=np.int64)
    for k in range(1, n):
        cand = np.flatnonzero(sm[:k] > sm[k] + tol)
        if len(cand):
            j = cand[int(np.argmax(length[cand]))]
            length[k] = length[j] + 1
            prev[k] = j
    e = int(np.argmax(length)) if n else 0
    if n == 0 or length[e] < 3:
        return Suggestion("valley", None, reason="no downhill valley in the loss")
    chain = [e]
    while prev[chain[-1]] >= 0:
        chain.append(int(prev[chain[-1]]))
    chain.reverse()
    return _at(res, "valley", lo + chain[len(chain) // 2])


#: the suggestion methods, in the order they are reported
METHODS: tuple[str, ...] = ("auto", "steep", "valley", "minimum")
assert set(METHODS) == set(_REGISTRY)


def suggestion(res: FinderResult, method: str = DEFAULT_METHOD) -> Suggestion:
    """The suggestion of ``method`` (one of :data:`METHODS`), or ``lr=None`` with a reason."""
    fn = _REGISTRY.get(method) if isinstance(method, str) else None
    if fn is None:
        allowed = ", ".join(repr(m) for m in METHODS)
        raise ConfigError(f"suggest: method must be one of {allowed}, got {method!r}")
    short = too_short(res)
    if short is not None:
        return Suggestion(method, None, reason=short)
    return fn(res)


# ---------------------------------------------------------------- the range
def range_base_index(res: FinderResult) -> tuple[int, int] | None:
    """``(ib, imin)``: indices of the range's base and max, or None (:func:`suggest_range`)."""
    if too_short(res) is not None:
        return None
    found = _minimum_index(res)
    if found is None or found[1] < 2:
        return None
    lo, k = found
    z = res.curve[lo : lo + k + 1]
    itop = int(np.argmax(z))
    drop = float(z[itop] - z[-1])
    if not drop > 0:
        return None
    above = np.flatnonzero(z[itop:] > z[itop] - 0.1 * drop)  # still within 10% of the top
    ib = itop + int(above[-1]) + 1
    if ib >= k:
        return None
    return lo + ib, lo + k


def suggest_range(res: FinderResult) -> tuple[float, float] | None:
    r"""``(base, max)`` for a cycle, or ``None`` (too few points, a curve that does not fall).

    On the lag-free curve :math:`z`, from its highest point before the minimum
    (:math:`z_{top}`) down to the minimum (:math:`z_{min}`, at
    :math:`\eta_{min}`):

    - ``max`` = :math:`\eta_{min}` = ``suggest("minimum")``: where the loss
      stops falling (Smith's maximum; the peak of ``schedule("one_cycle")``),
      never the divergence edge;
    - ``base``: where the loss starts to fall for good — the first rate after
      the last point still within 10% of the fall from :math:`z_{top}`,
      :math:`z > z_{top} - 0.1 (z_{top} - z_{min})`. Taking the *last* such
      point keeps a noise dip on the flat start from passing for the descent.

    ``base < max`` always. When the noise of the loss is too large to place
    ``base`` (see ``FinderResult.warnings``), the result is not ``confident``.
    """
    found = range_base_index(res)
    if found is None:
        return None
    ib, im = found
    return float(res.lrs[ib]), float(res.lrs[im])
