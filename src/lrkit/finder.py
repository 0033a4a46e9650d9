r"""The learning-rate range test ("LR finder"), framework-neutral.

Smith's range test: train for a short while as the learning rate grows from
very small to large, record the loss at every step and read the curve of loss
against learning rate (log axis). A good rate is on the steep downhill part; a
good maximum is just before the loss stops falling and blows up.

:func:`find` needs only ``step_fn(lr) -> loss``: one training step at that rate
returning the loss as a number. It works for any framework and for plain numpy
models; :func:`lrkit.torch.find_lr` wraps it for PyTorch (and restores the
model afterwards).

The sweep. Step :math:`i = 0 .. n-1` uses

- ``mode="exp"``: :math:`\eta_i = \eta_s (\eta_e/\eta_s)^{i/(n-1)}`,
- ``mode="linear"``: :math:`\eta_i = \eta_s + (\eta_e-\eta_s)\, i/(n-1)`,

the loss is smoothed by a bias-corrected exponential moving average
(:math:`\beta` = ``smooth``)

.. math:: a_i = \beta a_{i-1} + (1-\beta) \ell_i,\qquad
          \bar\ell_i = a_i / (1-\beta^{i+1}),\qquad a_{-1} = 0,

and the sweep stops early when :math:`\bar\ell_i > b + (d-1)|b|` (:math:`b`
the best smoothed loss so far, :math:`d` = ``diverge``; for positive losses
this is :math:`\bar\ell_i > d\,b`), or as soon as a loss is NaN or infinite.
A non-finite loss is never recorded: everything measured before it is kept.

That online EMA is causal (it decides the stop while the sweep runs) but it
trails the loss by about :math:`\beta/(1-\beta)` steps (49 for
``smooth=0.98``: a decade of lr on a 100-step sweep over 8 decades), which
moves its minimum and its steepest point far to the right of the loss's own.
Suggestions therefore read a second, lag-free curve computed after the sweep
from the recorded points only, ``FinderResult.curve``: a local linear
regression over :math:`\log_{10}\eta` with a centred Gaussian window
(:func:`zero_lag`).

>>> import numpy as np
>>> def step(lr):  # a toy curve: falls until lr ~ 1e-2, then explodes
...     return 1.0 / (1.0 + 1e3 * lr) + (lr / 1e-1) ** 2
>>> res = find(step, start=1e-6, end=10, steps=100, smooth=0.0)
>>> res.stop_reason
'diverged'
>>> 1e-4 < res.suggest() < 1e-1
True
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import check_choice, check_int, check_number

__all__ = ["find", "FinderResult", "Suggestion", "METHODS", "sweep_lrs", "zero_lag"]

#: the suggestion methods, in the order they are reported
METHODS = ("auto", "steep", "valley", "minimum")

#: fewer usable points than this (after skipping the edges) give no suggestion
MIN_POINTS = 10

_STOP_REASONS = ("completed", "diverged", "nonfinite")


def sweep_lrs(start: float, end: float, steps: int, mode: str = "exp") -> np.ndarray:
    """The ``steps`` learning rates of a sweep from ``start`` to ``end`` (both included).

    >>> sweep_lrs(1e-3, 1e-1, 3).round(6).tolist()
    [0.001, 0.01, 0.1]
    >>> sweep_lrs(0.0, 1.0, 5, "linear").tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    mode = check_choice("find", "mode", mode, ("exp", "linear"))
    steps = check_int("find", "steps", steps, low=2)
    if mode == "exp":
        start = check_number("find", "start", start, positive=True)
    else:
        start = check_number("find", "start", start, nonneg=True)
    end = check_number("find", "end", end, positive=True)
    if not end > start:
        raise ValueError(f"find: end must be > start, got start={start!r}, end={end!r}")
    f = np.arange(steps, dtype=np.float64) / (steps - 1)
    if mode == "exp":
        lrs = np.exp(math.log(start) + (math.log(end) - math.log(start)) * f)
    else:
        lrs = start + (end - start) * f
    lrs[0], lrs[-1] = start, end
    return lrs


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

    Only the points given are used (the finder passes the finite losses
    recorded up to its stop). With ``log=True``, points with ``lr <= 0`` get
    NaN; fewer than 3 usable points are returned unsmoothed.

    >>> lrs = np.geomspace(1e-4, 1e-1, 31)
    >>> line = 3.0 - np.log10(lrs)  # a straight line in log-lr is left as it is
    >>> bool(np.allclose(zero_lag(lrs, line), line))
    True
    """
    lrs = np.asarray(lrs, dtype=np.float64).reshape(-1)
    y = np.asarray(losses, dtype=np.float64).reshape(-1)
    out = np.full(len(y), np.nan)
    pos = np.isfinite(y) & np.isfinite(lrs) & ((lrs > 0) if log else True)
    x, yy = (np.log10(lrs[pos]) if log else lrs[pos]), y[pos]
    n = len(x)
    if n < 3:
        out[pos] = yy
        return out
    d = np.diff(x)
    step = 2.0 * float(np.median(np.abs(d)))
    h = max(float(bandwidth) if log else 0.0, step, 1e-12)
    delta = np.ones(n)
    fit = yy.copy()
    for it in range(int(robust) + 1):
        for a in range(0, n, 512):  # blocks of rows: memory O(512 n)
            dx = x[None, :] - x[a : a + 512, None]
            w = np.exp(-0.5 * (dx / h) ** 2) * delta[None, :]
            s0, s1, s2 = w.sum(1), (w * dx).sum(1), (w * dx * dx).sum(1)
            t0, t1 = w @ yy, (w * dx) @ yy
            det = s0 * s2 - s1 * s1
            ok = det > 1e-12 * np.maximum(s0 * s2, 1e-300)
            fit[a : a + 512] = np.where(
                ok, (s2 * t0 - s1 * t1) / np.where(ok, det, 1.0), t0 / np.maximum(s0, 1e-300)
            )
        if it == int(robust):
            break
        r = yy - fit
        scale = float(np.median(np.abs(r)))
        if not scale > 0:
            break
        u = r / (6.0 * scale)
        delta = np.where(np.abs(u) < 1.0, (1.0 - u * u) ** 2, 0.0)
    out[pos] = fit
    return out


def _want_progress(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("CI")


def _progress_bar(progress: bool | None, total: int) -> Any:
    if not _want_progress(progress):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress:  # asked for explicitly
            raise ImportError(
                "find: progress=True needs tqdm; install it with: pip install 'lrkit[tasks]'"
            ) from None
        return None
    return tqdm(total=total, desc="lrkit find", unit="step", leave=False)


def find(
    step_fn: Callable[[float], Any],
    start: float = 1e-7,
    end: float = 10.0,
    steps: int = 100,
    mode: str = "exp",
    smooth: float = 0.98,
    diverge: float | None = 4.0,
    *,
    progress: bool | None = None,
    callback: Callable[[int, float, float, float], Any] | None = None,
) -> FinderResult:
    """Run the LR range test: call ``step_fn(lr)`` for growing rates, record the loss.

    Args:
        step_fn: runs one training step at learning rate ``lr`` and returns the
            loss (a number, a 0-d array or anything ``float()`` accepts).
        start, end: the first and last rate of the sweep (``end > start``;
            ``start > 0`` for ``mode="exp"``).
        steps: number of rates (calls of ``step_fn``) if the sweep runs to the end.
        mode: ``"exp"`` (log-spaced rates, the usual choice) or ``"linear"``.
        smooth: EWMA factor :math:`\\beta \\in [0, 1)` (0 = no smoothing).
        diverge: stop when the smoothed loss exceeds ``diverge`` x the best so
            far (``> 1``); ``None`` never stops on divergence (NaN/inf still stop).
        progress: ``None`` shows a tqdm bar only when stderr is a terminal and
            the ``CI`` environment variable is unset; ``True``/``False`` force it.
        callback: called as ``callback(i, lr, loss, smoothed)`` after every
            recorded step.

    Returns:
        A :class:`FinderResult`. Exceptions raised by ``step_fn`` propagate
        (the torch wrapper restores the model before re-raising them).
    """
    if not callable(step_fn):
        raise TypeError(f"find: step_fn must be callable (lr -> loss), got {step_fn!r}")
    lrs = sweep_lrs(start, end, steps, mode)
    beta = check_number("find", "smooth", smooth, low=0.0, high=1.0, high_open=True)
    if diverge is not None:
        diverge = check_number("find", "diverge", diverge, low=1.0, low_open=True)
    rec_lr: list[float] = []
    rec_raw: list[float] = []
    rec_smooth: list[float] = []
    avg, best = 0.0, math.inf
    reason, stop_lr, stop_loss = "completed", None, None
    bar = _progress_bar(progress, len(lrs))
    t0 = time.perf_counter()
    calls = 0
    try:
        for i, lr in enumerate(lrs):
            lr = float(lr)
            out = step_fn(lr)
            calls += 1
            try:
                loss = float(out)
            except (TypeError, ValueError):
                raise TypeError(
                    f"find: step_fn must return the loss as a number, got {out!r} "
                    f"({type(out).__name__}) at lr={lr:g}"
                ) from None
            if not math.isfinite(loss):
                reason, stop_lr, stop_loss = "nonfinite", lr, loss
                break
            avg = beta * avg + (1.0 - beta) * loss
            sm = avg / (1.0 - beta ** (i + 1))
            rec_lr.append(lr)
            rec_raw.append(loss)
            rec_smooth.append(sm)
            if callback is not None:
                callback(i, lr, loss, sm)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(lr=f"{lr:.2e}", loss=f"{sm:.4g}", refresh=False)
            if diverge is not None and i > 0 and sm > best + (diverge - 1.0) * abs(best):
                reason, stop_lr, stop_loss = "diverged", lr, loss
                break
            best = min(best, sm)
    finally:
        if bar is not None:
            bar.close()
    return FinderResult(
        lrs=rec_lr,
        losses=rec_raw,
        smoothed=rec_smooth,
        stop_reason=reason,
        stop_lr=stop_lr,
        stop_loss=stop_loss,
        config={
            "start": float(lrs[0]),
            "end": float(lrs[-1]),
            "steps": int(len(lrs)),
            "mode": mode,
            "smooth": beta,
            "diverge": diverge,
        },
        calls=calls,
        seconds=time.perf_counter() - t0,
    )


@dataclass(frozen=True)
class Suggestion:
    """One suggested rate: ``lr`` (``None`` when there is none, with ``reason``)."""

    method: str
    lr: float | None
    index: int | None = None
    loss: float | None = None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.lr is not None


def _geo_median(values: Sequence[float]) -> float:
    logs = sorted(math.log(v) for v in values)
    n = len(logs)
    mid = logs[n // 2] if n % 2 else 0.5 * (logs[n // 2 - 1] + logs[n // 2])
    return math.exp(mid)


class FinderResult:
    """What a range test recorded, with suggestions, warnings and a plot.

    Attributes:
        lrs, losses, smoothed: float64 arrays of the recorded steps (only
            finite losses; the step that triggered a divergence stop is included);
            ``smoothed`` is the online (causal, lagging) EMA that decided the stop.
        curve: the lag-free smoothing of ``losses`` (:func:`zero_lag` with
            ``bandwidth``, in decades of lr) that every suggestion reads.
        stop_reason: ``"completed"`` (ran all steps), ``"diverged"`` (smoothed
            loss > ``diverge`` x best) or ``"nonfinite"`` (a NaN/inf loss, not recorded).
        stop_lr, stop_loss: the rate and raw loss of the step that stopped the
            sweep (``None`` when it completed).
        config: the sweep's parameters (start, end, steps, mode, smooth, diverge).
        calls: how many times ``step_fn`` ran; seconds: wall time of the sweep.
        meta: free-form information added by framework wrappers.

    Suggestions skip ``skip_start`` points at the start (the first, noisiest
    steps) and ``skip_end`` at the end (the divergence edge); with fewer than
    :data:`MIN_POINTS` points left there is no suggestion. They also ignore
    everything after the curve has clearly turned up again (``_search_window``).
    """

    def __init__(
        self,
        lrs: Any,
        losses: Any,
        smoothed: Any,
        stop_reason: str = "completed",
        stop_lr: float | None = None,
        stop_loss: float | None = None,
        config: dict[str, Any] | None = None,
        calls: int | None = None,
        seconds: float = 0.0,
        meta: dict[str, Any] | None = None,
        skip_start: int | None = None,
        skip_end: int | None = None,
        curve: Any = None,
        bandwidth: float | None = None,
    ) -> None:
        self.lrs = np.asarray(lrs, dtype=np.float64).reshape(-1)
        self.losses = np.asarray(losses, dtype=np.float64).reshape(-1)
        self.smoothed = np.asarray(smoothed, dtype=np.float64).reshape(-1)
        if not (len(self.lrs) == len(self.losses) == len(self.smoothed)):
            raise ValueError(
                "FinderResult: lrs, losses and smoothed must have the same length, got "
                f"{len(self.lrs)}, {len(self.losses)}, {len(self.smoothed)}"
            )
        self.bandwidth = (
            BANDWIDTH
            if bandwidth is None
            else check_number("FinderResult", "bandwidth", bandwidth, positive=True)
        )
        if curve is None:
            self.curve = zero_lag(
                self.lrs, self.losses, self.bandwidth, log=(config or {}).get("mode") != "linear"
            )
        else:
            self.curve = np.asarray(curve, dtype=np.float64).reshape(-1)
            if len(self.curve) != len(self.lrs):
                raise ValueError(
                    f"FinderResult: curve must have one value per recorded lr ({len(self.lrs)}), "
                    f"got {len(self.curve)}"
                )
        self.stop_reason = check_choice("FinderResult", "stop_reason", stop_reason, _STOP_REASONS)
        self.stop_lr = None if stop_lr is None else float(stop_lr)
        self.stop_loss = None if stop_loss is None else float(stop_loss)
        self.config = dict(config or {})
        self.calls = len(self.lrs) + (stop_reason == "nonfinite") if calls is None else int(calls)
        self.seconds = float(seconds)
        self.meta = dict(meta or {})
        planned = int(self.config.get("steps", len(self.lrs)) or len(self.lrs))
        self.skip_start = max(1, planned // 20) if skip_start is None else int(skip_start)
        self.skip_end = 3 if skip_end is None else int(skip_end)
        if self.skip_start < 0 or self.skip_end < 0:
            raise ValueError(
                f"FinderResult: skip_start and skip_end must be >= 0, got "
                f"{self.skip_start}, {self.skip_end}"
            )

    # ------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.lrs)

    def __repr__(self) -> str:
        s = self.suggestion()
        lr = "none" if s.lr is None else f"{s.lr:.3g}"
        return (
            f"<FinderResult {len(self)} points, {self.stop_reason}, suggestion {lr}, "
            f"{'confident' if self.confident else 'NOT confident'}>"
        )

    def _window(self) -> tuple[int, int]:
        """[lo, hi) of the points a suggestion may use."""
        n = len(self.lrs)
        hi = n
        if self.stop_reason != "completed" or self.skip_end:
            hi = n - self.skip_end
            if self.stop_reason == "diverged":
                hi = min(hi, n - 1)  # never the step that tripped the stop
        lo = self.skip_start
        if n and self.lrs[0] <= 0:  # a linear sweep from 0: no log-lr there
            lo = max(lo, int(np.argmax(self.lrs > 0)) if np.any(self.lrs > 0) else n)
        lo = min(lo, max(hi, 0))
        return lo, max(hi, lo)

    def _search_window(self) -> tuple[int, int]:
        r"""[lo, hi) of :meth:`_window`, cut where the curve has clearly stopped falling.

        Scanning the zero-lag curve :math:`z` from ``lo``: with :math:`m_k` its
        running minimum, reached at :math:`p_k`, and :math:`f_k = \max_{j \le p_k}
        z_j - m_k` the fall before it, the search ends at the first :math:`k`
        where the curve has given back half of that fall, :math:`z_k > m_k +
        f_k/2`, by more than twice the raw loss's step-to-step noise. What comes after (a loss that
        swings between chance and low values once training is unstable, common
        for classifiers whose loss is bounded by chance and never trips the
        ``diverge`` stop) cannot hold the minimum.
        """
        lo, hi = self._window()
        z = self.curve[lo:hi]
        if len(z) < 3:
            return lo, hi
        d = np.diff(self.losses[lo:hi])
        noise = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0)
        k = np.arange(len(z))
        run_min = np.minimum.accumulate(z)
        at_min = np.maximum.accumulate(np.where(z <= run_min, k, 0))  # where m_k was reached
        fall = np.maximum.accumulate(z)[at_min] - run_min
        rise = z - run_min
        cut = (fall > 0) & (rise > 0.5 * fall) & (rise > 2.0 * noise)
        if np.any(cut):
            hi = lo + int(np.argmax(cut))
        return lo, hi

    def _too_short(self) -> str | None:
        lo, hi = self._window()
        if hi - lo < MIN_POINTS:
            where = (
                f"stopped ({self.stop_reason}) at lr={self.stop_lr:.3g}"
                if self.stop_lr is not None
                else "ended"
            )
            return (
                f"too few points: {hi - lo} usable of {len(self)} recorded "
                f"(need {MIN_POINTS} after skipping {self.skip_start} at the start and "
                f"{self.skip_end} at the end); the sweep {where} — lower start, "
                f"or raise steps"
            )
        return None

    # ------------------------------------------------------------ suggestions
    def suggestion(self, method: str = "auto") -> Suggestion:
        """The suggestion of ``method`` with its index, loss and (if none) the reason.

        All read the lag-free ``curve`` :math:`z` (not the lagging online EMA).

        - ``"steep"``: the steepest descent of :math:`z` measured over
          :math:`\\log_{10}\\eta` (``np.gradient``), searched over the descent only:
          from where the loss has covered 10% of its fall up to its minimum.
        - ``"valley"`` (fastai's rule, re-derived): the longest strictly
          decreasing subsequence of :math:`z`; the rate at its middle element.
        - ``"minimum"``: the rate :math:`\\eta_{min}` at the minimum of :math:`z`,
          divided by 10 (fastai's rule of thumb).
        - ``"auto"`` (default): :math:`\\eta_{min}/\\sqrt{10}`, the geometric middle
          of the two classic reads of the curve: Smith's largest rate that still
          trains (:math:`\\eta_{min}`, where the loss stops falling) and fastai's
          safe rate a decade below it (:math:`\\eta_{min}/10`). If the best
          constant rate lies anywhere in that decade, this is at most
          :math:`\\sqrt{10} \\approx 3.2` x away from it (the smallest worst case);
          measured (benchmarks/results/finder.md) it lay there on every built-in
          task. Without a usable minimum: the geometric median of ``steep`` and
          ``valley``.
        """
        method = check_choice("suggest", "method", method, METHODS)
        short = self._too_short()
        if short is not None:
            return Suggestion(method, None, reason=short)
        if method == "auto":
            low = self.suggestion("minimum")
            if low.lr is not None:
                lr = 10.0 * low.lr / math.sqrt(10.0)  # the lag-free minimum / sqrt(10)
            else:
                parts = [self.suggestion(m) for m in ("steep", "valley")]
                good = [p for p in parts if p.lr is not None]
                if not good:
                    return Suggestion(
                        method,
                        None,
                        reason="; ".join(f"{p.method}: {p.reason}" for p in [low, *parts]),
                    )
                lr = _geo_median([p.lr for p in good])  # type: ignore[misc]
            idx = int(np.argmin(np.abs(np.log(self.lrs) - math.log(lr))))
            return Suggestion(method, lr, idx, float(self.curve[idx]))
        lo, hi = self._search_window()
        sm = self.curve[lo:hi]
        rates = self.lrs[lo:hi]
        imin = int(np.argmin(sm))
        if method == "minimum":
            if imin == 0:
                return Suggestion(
                    method,
                    None,
                    reason="the loss never falls (its minimum is at the start)",
                )
            i = lo + imin
            return Suggestion(method, float(self.lrs[i]) / 10.0, i, float(self.curve[i]))
        if method == "steep":
            if imin < 2:
                return Suggestion(
                    method,
                    None,
                    reason="the loss never falls (its minimum is at the start)",
                )
            seg = sm[: imin + 1]
            head = rates[: imin + 1]
            if np.any(head <= 0):  # a linear sweep may start at 0: leave that point out
                pos = head > 0
                seg, x = seg[pos], np.log10(head[pos])
                off = int(np.argmax(pos))
            else:
                x, off = np.log10(head), 0
            if len(seg) < 3:
                return Suggestion(method, None, reason="too few points before the minimum")
            g = np.gradient(seg, x)
            # search the descent only: from where the loss has covered 10% of its fall
            # (noise on the flat start of a curve can look steep over a log axis)
            itop = int(np.argmax(seg))
            top, bottom = float(seg[itop]), float(seg[-1])
            j0 = itop + int(np.argmax(seg[itop:] <= top - 0.1 * (top - bottom)))
            j = j0 + int(np.argmin(g[j0:]))
            if not g[j] < 0:
                return Suggestion(method, None, reason="the loss never falls")
            i = lo + off + j
            return Suggestion(method, float(self.lrs[i]), i, float(self.curve[i]))
        # valley: longest strictly decreasing subsequence (first one of maximal length)
        n = len(sm)
        length = np.ones(n, dtype=np.int64)
        prev = np.full(n, -1, dtype=np.int64)
        for k in range(1, n):
            cand = np.flatnonzero(sm[:k] > sm[k])
            if len(cand):
                j = cand[int(np.argmax(length[cand]))]
                length[k] = length[j] + 1
                prev[k] = j
        e = int(np.argmax(length))
        if length[e] < 3:
            return Suggestion(method, None, reason="no downhill valley in the loss")
        chain = [e]
        while prev[chain[-1]] >= 0:
            chain.append(int(prev[chain[-1]]))
        chain.reverse()
        i = lo + chain[len(chain) // 2]
        return Suggestion(method, float(self.lrs[i]), i, float(self.curve[i]))

    def suggest(self, method: str = "auto") -> float | None:
        """The suggested learning rate of ``method`` (see :meth:`suggestion`), or ``None``.

        ``None`` comes with a reason in ``suggestion(method).reason``.
        """
        return self.suggestion(method).lr

    def suggestions(self) -> dict[str, float | None]:
        """Every method's suggestion, by name."""
        return {m: self.suggest(m) for m in METHODS}

    def suggest_range(self) -> tuple[float, float] | None:
        """``(base, max)`` for cyclic / 1cycle use, or ``None`` (too few points, flat curve).

        Following Smith, on the lag-free ``curve``: ``base`` is where the loss
        starts to fall (the first rate where it has covered 10% of its total fall
        :math:`\\ell_0 - \\ell_{min}`), ``max`` is just before it stops falling
        (the first rate where it has covered 90%) — always below the curve's
        minimum, so never the divergence edge. ``base < max`` always.
        """
        if self._too_short() is not None:
            return None
        lo, hi = self._search_window()
        sm = self.curve[lo:hi]
        imin = int(np.argmin(sm))
        if imin < 2:
            return None
        top = float(np.max(sm[: imin + 1]))
        itop = int(np.argmax(sm[: imin + 1]))
        drop = top - float(sm[imin])
        if not drop > 0:
            return None
        seg = sm[itop : imin + 1]
        ib = itop + int(np.argmax(seg <= top - 0.1 * drop))
        im = itop + int(np.argmax(seg <= top - 0.9 * drop))
        if im <= ib:
            im = min(ib + 1, imin)
        if im <= ib:
            return None
        return float(self.lrs[lo + ib]), float(self.lrs[lo + im])

    # ------------------------------------------------------------ diagnosis
    @property
    def warnings(self) -> list[str]:
        """Why the curve gives no clear answer, each with what to change (may be empty)."""
        out: list[str] = []
        short = self._too_short()
        if short is not None:
            return [short]
        lo, hi = self._window()
        sm = self.curve[lo:hi]
        raw = self.losses[lo:hi]
        imin = int(np.argmin(sm))
        top = float(np.max(sm[: imin + 1]))
        drop = top - float(sm[imin])
        rise = float(np.max(sm[imin:])) - float(sm[imin])
        scale = max(abs(top), abs(float(sm[imin])), 1e-12)
        # robust step-to-step noise of the raw loss (MAD of differences, trend removed)
        d = np.diff(raw[: imin + 1]) if imin >= 5 else np.diff(raw)
        noise = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0)
        flat = drop < 0.02 * scale
        if imin < max(3, (hi - lo) // 10) and rise > max(0.02 * scale, 4.0 * noise):
            out.append(
                "diverged at once: the loss rises from the first steps; lower start "
                f"(e.g. start={self.lrs[0] / 100:.1e})"
            )
        elif flat:
            out.append(
                f"flat curve: the loss falls by only {100 * drop / scale:.1f}% over the "
                "sweep; widen the range (lower start, raise end), raise steps, or check that "
                "step_fn really trains"
            )
        else:
            # the fall measured robustly (medians, so noise extremes do not inflate it)
            lead = float(np.median(sm[: min(5, imin + 1)]))
            floor = float(np.median(sm[max(0, imin - 2) : imin + 3]))
            fall = max(lead - floor, 0.0)
            if noise > 0.25 * fall:
                out.append(
                    f"too noisy: the step-to-step noise of the loss ({noise:.3g}) is comparable "
                    f"to its fall ({fall:.3g}); raise smooth (e.g. 0.99), raise steps, or use "
                    "larger batches"
                )
        if self.stop_reason == "completed" and not flat:
            if imin >= len(sm) - 3 or float(sm[-1]) < float(sm[imin]) + 0.25 * drop:
                out.append(
                    "never diverged within the sweep: the loss was still low at the end, so "
                    "the minimum and the range's max may be too small; raise end "
                    f"(e.g. end={self.lrs[-1] * 10:.1e})"
                )
        parts = [self.suggest(m) for m in METHODS[1:]]
        got = [p for p in parts if p is not None]
        if len(got) >= 2 and max(got) / min(got) > 100.0:
            shown = ", ".join("none" if p is None else f"{p:.2g}" for p in parts)
            out.append(
                f"the methods disagree by {max(got) / min(got):.0f}x "
                f"(steep, valley, minimum = {shown}); "
                "the curve has no clear answer: raise steps or smooth and look at the plot"
            )
        return out

    @property
    def confident(self) -> bool:
        """True when there is a suggestion and the curve raised no warning."""
        return self.suggest() is not None and not self.warnings

    # ------------------------------------------------------------ output
    def report(self) -> str:
        """Suggestions, range, stop reason and warnings as a few lines of text."""
        first = float(self.config.get("start", self.lrs[0] if len(self) else 0.0))
        lines = [
            f"range test: {len(self)} points from lr={first:.3g}"
            f" ({self.calls} steps, {self.seconds:.2f} s), stopped: {self.stop_reason}"
            + (f" at lr={self.stop_lr:.3g}" if self.stop_lr is not None else "")
        ]
        short = self._too_short()
        for m in METHODS:
            s = self.suggestion(m)
            val = f"{s.lr:.3g}" if s.lr is not None else "none"
            if s.lr is None and short is None:
                val += f" ({s.reason})"
            lines.append(f"  {m:<8} {val}")
        r = self.suggest_range()
        lines.append("  range    " + ("none" if r is None else f"{r[0]:.3g} .. {r[1]:.3g}"))
        lines.append(f"  confident: {'yes' if self.confident else 'no'}")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        return "\n".join(lines)

    def plot(self, out: str | None = None, *, title: str = "LR range test") -> Any:
        """Loss against learning rate (log x): raw, online EMA, lag-free curve, suggestions.

        With ``out`` (``.png``, ``.svg``, ``.pdf`` or ``.html``) the chart is
        written there and the path returned; without it a matplotlib figure is
        returned (for notebooks).
        """
        raw, sm, z = self.losses.copy(), self.smoothed.copy(), self.curve.copy()
        if len(raw):
            # keep the divergence spike from squashing the curve: hide points far above
            # everything the loss reached up to the online EMA's minimum
            imin = int(np.argmin(sm))
            top = max(float(sm[: imin + 1].max()), float(raw[: imin + 1].max()))
            cap = top + max(top - float(sm[imin]), 0.25 * abs(top))
            raw[raw > cap] = np.nan
            sm[sm > cap] = np.nan
            z[z > cap] = np.nan
        clipped = " (spikes hidden)" if np.isnan(raw).any() or np.isnan(sm).any() else ""
        series = [
            (f"loss{clipped}", self.lrs, raw),
            ("smoothed (online EMA, lags)", self.lrs, sm),
            ("lag-free curve (suggestions)", self.lrs, z),
        ]
        markers = []
        for m in METHODS:
            s = self.suggestion(m)
            if s.lr is not None:
                pos = (self.lrs > 0) & np.isfinite(self.curve)
                y = float(np.interp(math.log(s.lr), np.log(self.lrs[pos]), self.curve[pos]))
                markers.append((f"{m} {s.lr:.2g}", s.lr, y))
        rng = self.suggest_range()
        vlines = (
            [] if rng is None else [(f"base {rng[0]:.2g}", rng[0]), (f"max {rng[1]:.2g}", rng[1])]
        )
        if out is not None:
            from .plot import lines

            return lines(
                series,
                out,
                title=title,
                xlabel="learning rate",
                ylabel="loss",
                logx=True,
                markers=markers,
                vlines=vlines,
            )
        from .plot import require

        require("matplotlib")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4.5))
        for label, xs, ys in series:
            ax.plot(xs, ys, label=label, linewidth=1.4)
        for label, mx, my in markers:
            ax.plot([mx], [my], "o", label=label)
        for _label, vx in vlines:
            ax.axvline(vx, linestyle="--", color="gray", linewidth=1)
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.set_title(title)
        ax.legend(fontsize=8)
        return fig

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (non-finite ``stop_loss`` stored as a string); see :meth:`from_dict`."""
        sl = self.stop_loss
        return {
            "kind": "lrkit.FinderResult",
            "version": 2,
            "lrs": self.lrs.tolist(),
            "losses": self.losses.tolist(),
            "smoothed": self.smoothed.tolist(),
            "curve": [v if math.isfinite(v) else None for v in self.curve.tolist()],
            "bandwidth": self.bandwidth,
            "stop_reason": self.stop_reason,
            "stop_lr": self.stop_lr,
            "stop_loss": sl if sl is None or math.isfinite(sl) else repr(sl),
            "config": dict(self.config),
            "calls": self.calls,
            "seconds": self.seconds,
            "meta": dict(self.meta),
            "skip_start": self.skip_start,
            "skip_end": self.skip_end,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FinderResult:
        """Rebuild a result saved with :meth:`to_dict` (also accepts its JSON text)."""
        if isinstance(d, str):
            d = json.loads(d)
        if not isinstance(d, dict) or d.get("kind") != "lrkit.FinderResult":
            raise ValueError(
                f"FinderResult.from_dict: d must be a dict made by to_dict(), got {d!r:.80}"
            )
        sl = d.get("stop_loss")
        return cls(
            d["lrs"],
            d["losses"],
            d["smoothed"],
            stop_reason=d["stop_reason"],
            stop_lr=d.get("stop_lr"),
            stop_loss=float(sl) if isinstance(sl, str) else sl,
            config=d.get("config"),
            calls=d.get("calls"),
            seconds=d.get("seconds", 0.0),
            meta=d.get("meta"),
            skip_start=d.get("skip_start"),
            skip_end=d.get("skip_end"),
            curve=(
                None  # a version-1 dict: recomputed from the losses
                if d.get("curve") is None
                else [math.nan if v is None else v for v in d["curve"]]
            ),
            bandwidth=d.get("bandwidth"),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FinderResult):
            return NotImplemented
        a, b = self.to_dict(), other.to_dict()
        a.pop("seconds")
        b.pop("seconds")
        return a == b

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------ schedules
    def schedule(
        self,
        kind: str = "one_cycle",
        steps: Any = None,
        *,
        warmup: Any = "5%",
        half_period: Any = "10%",
        **kwargs: Any,
    ) -> Any:
        """A ready lrkit schedule built from this result.

        - ``"one_cycle"``: ``one_cycle(peak=max, steps, div=max/base)`` from
          :meth:`suggest_range` (``kwargs`` such as ``final_div`` pass through);
        - ``"cyclic"``: ``cyclic(low=base, high=max, half_period)``;
        - ``"cosine"``: ``warmup(cosine(start=suggest(), end=0, steps), warmup)``.

        ``steps`` left out means "to the end of the run" (bind it later). Raises
        ``ValueError`` with the reason when the curve gives no suggestion.

        >>> lrs = np.geomspace(1e-4, 1.0, 41)
        >>> loss = 1.0 / (1.0 + (lrs / 1e-2) ** 2) + (lrs / 0.3) ** 4  # falls, then rises
        >>> r = FinderResult(lrs, loss, loss, skip_start=0, skip_end=0)
        >>> s = r.schedule("cosine", 1000)
        >>> type(s).__name__, s.schedule.start == r.suggest()
        ('Warmup', True)
        >>> print(r.schedule("cyclic", half_period=500))
        cyclic(low=0.0031622776601683794, high=0.03162277660168379, half_period=500)
        """
        from . import schedules as S
        from .combinators import warmup as _warmup

        kind = check_choice(
            "FinderResult.schedule", "kind", kind, ("one_cycle", "cyclic", "cosine")
        )
        if kind == "cosine":
            lr = self.suggestion()
            if lr.lr is None:
                raise ValueError(
                    f"FinderResult.schedule: no suggestion to build a 'cosine' schedule from "
                    f"({lr.reason}); see .warnings"
                )
            return _warmup(S.cosine(lr.lr, kwargs.pop("end", 0.0), steps), warmup, **kwargs)
        rng = self.suggest_range()
        if rng is None:
            raise ValueError(
                f"FinderResult.schedule: no range to build a {kind!r} schedule from "
                f"({self._too_short() or 'the curve does not fall'}); see .warnings"
            )
        base, top = rng
        if kind == "one_cycle":
            kwargs.setdefault("div", top / base)
            return S.one_cycle(top, steps, **kwargs)
        return S.cyclic(base, top, half_period, **kwargs)
