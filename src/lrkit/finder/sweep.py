r"""The sweep itself: :func:`find` calls ``step_fn(lr)`` for growing rates and records the loss.

The loss is smoothed online by a bias-corrected exponential moving average
(:math:`\beta` = ``smooth``)

.. math:: a_i = \beta a_{i-1} + (1-\beta) \ell_i,\qquad
          \bar\ell_i = a_i / (1-\beta^{i+1}),\qquad a_{-1} = 0,

and the sweep stops early when :math:`\bar\ell_i > b + (d-1)|b|` (:math:`b`
the best *smoothed* loss so far, :math:`d` = ``diverge``; for positive losses
this is :math:`\bar\ell_i > d\,b`), or as soon as a loss is NaN or infinite
(that loss is not recorded), or when ``step_fn`` raises :class:`LoaderExhausted`
(its data ran out). Everything measured before the stop is kept.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import check_bool
from ..errors import ConfigTypeError
from .options import SweepOptions, sweep_options
from .result import FinderResult

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .options import SweepKeywords

__all__ = ["find", "LoaderExhausted", "as_loss"]


class LoaderExhausted(Exception):
    """Raised by a step function whose data ran out: the sweep ends there, keeping its points.

    The message says why (it becomes ``FinderResult.stop_detail``); the stop
    reason is ``"exhausted"``.
    """


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


def as_loss(out: Any, owner: str, lr: float) -> float:
    """``out`` (a number, a 0-d or one-element array or tensor) as a float.

    Anything else raises :class:`~lrkit.errors.ConfigTypeError` naming
    ``step_fn``, what it returned and the rate. NaN and inf are returned as
    they are (they stop the sweep), and so is an int too large for a float,
    as inf.

    >>> as_loss(2, "find", 0.1)
    2.0
    >>> as_loss(None, "find", 0.1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lrkit.errors.ConfigTypeError: find: step_fn must return the loss as one number, got None ...
    """
    if isinstance(out, (str, bytes, bool, np.bool_)):  # float() would read "1.0" and True
        raise ConfigTypeError(
            f"{owner}: step_fn must return the loss as one number, got {out!r:.80} "
            f"({type(out).__name__}) at lr={lr:g}"
        )
    shape = getattr(out, "shape", None)
    if shape is not None and len(tuple(shape)) > 0:
        n = 1
        for k in tuple(shape):
            n *= int(k)
        if n != 1:
            raise ConfigTypeError(
                f"{owner}: step_fn must return the loss as one number, got a "
                f"{type(out).__name__} of shape {tuple(int(k) for k in shape)} at lr={lr:g} "
                "(reduce it, e.g. loss.mean())"
            )
    try:
        if hasattr(out, "detach"):
            out = out.detach()
        out = out.item() if hasattr(out, "item") else out
        return float(out)
    except OverflowError:  # an int beyond float64 (10**400): an infinite loss, it stops
        return math.inf if out > 0 else -math.inf
    except (TypeError, ValueError, RuntimeError, AttributeError):
        raise ConfigTypeError(
            f"{owner}: step_fn must return the loss as one number, got {out!r:.80} "
            f"({type(out).__name__}) at lr={lr:g}"
        ) from None


class _Recorder:
    """The sweep's state: the recorded points, the online EMA and the divergence rule."""

    def __init__(self, opts: SweepOptions) -> None:
        self.beta, self.diverge = opts.smooth, opts.diverge
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.avg, self.best = 0.0, math.inf

    def add(self, lr: float, loss: float) -> bool:
        """Record a finite loss; True when the smoothed loss has diverged (recorded too)."""
        i = len(self.losses)
        self.avg = self.beta * self.avg + (1.0 - self.beta) * loss
        sm = self.avg / (1.0 - self.beta ** (i + 1))
        self.lrs.append(lr)
        self.losses.append(loss)
        self.smoothed.append(sm)
        d = self.diverge
        if d is not None and i > 0 and sm > self.best + (d - 1.0) * abs(self.best):
            return True
        self.best = min(self.best, sm)  # the best *smoothed* loss: one lucky batch is not it
        return False


def find(
    step_fn: Callable[[float], Any],
    options: SweepOptions | None = None,
    *,
    progress: bool | None = None,
    callback: Callable[[int, float, float, float], Any] | None = None,
    **sweep: Unpack[SweepKeywords],
) -> FinderResult:
    """Run the LR range test: call ``step_fn(lr)`` for growing rates, record the loss.

    Args:
        step_fn: runs one training step at learning rate ``lr`` and returns the
            loss (a number, or a 0-d / one-element array or tensor). It may
            raise :class:`LoaderExhausted` when its data runs out.
        options: a :class:`SweepOptions`; the keyword arguments ``start``,
            ``end``, ``steps``, ``mode``, ``smooth``, ``diverge`` (same meaning,
            same defaults) override its fields.
        progress: ``None`` shows a tqdm bar only when stderr is a terminal and
            the ``CI`` environment variable is unset; ``True``/``False`` force it.
        callback: called as ``callback(i, lr, loss, smoothed)`` after every
            recorded step.

    Returns:
        A :class:`FinderResult`. Other exceptions raised by ``step_fn``
        propagate (the torch wrapper restores the model before re-raising them).
    """
    if not callable(step_fn):
        raise ConfigTypeError(f"find: step_fn must be callable (lr -> loss), got {step_fn!r}")
    if progress is not None:  # "no" would count as True
        progress = check_bool("find", "progress", progress)
    if callback is not None and not callable(callback):
        raise ConfigTypeError(
            f"find: callback must be callable (i, lr, loss, smoothed) or None, got {callback!r}"
        )
    opts = sweep_options(options, **sweep)
    rec = _Recorder(opts)
    reason, stop_lr, stop_loss, detail = "completed", None, None, ""
    bar = _progress_bar(progress, opts.steps)
    t0, calls = time.perf_counter(), 0
    try:
        for i, lr in enumerate(opts.lrs().tolist()):
            calls += 1
            try:
                loss = as_loss(step_fn(lr), "find", lr)
            except LoaderExhausted as e:
                calls -= 1
                reason, stop_lr, detail = "exhausted", lr, str(e)
                break
            if not math.isfinite(loss):
                reason, stop_lr, stop_loss = "nonfinite", lr, loss
                break
            diverged = rec.add(lr, loss)
            if callback is not None:
                callback(i, lr, loss, rec.smoothed[-1])
            if bar is not None:
                bar.update(1)
                bar.set_postfix(lr=f"{lr:.2e}", loss=f"{rec.smoothed[-1]:.4g}", refresh=False)
            if diverged:
                reason, stop_lr, stop_loss = "diverged", lr, loss
                break
    finally:
        if bar is not None:
            bar.close()
    return FinderResult(
        lrs=rec.lrs,
        losses=rec.losses,
        smoothed=rec.smoothed,
        stop_reason=reason,
        stop_lr=stop_lr,
        stop_loss=stop_loss,
        stop_detail=detail,
        config=opts.to_dict(),
        calls=calls,
        seconds=time.perf_counter() - t0,
    )
