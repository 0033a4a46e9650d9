"""The law rule: compare trials by their *predicted final* loss, not their loss so far.

ASHA and median pruning compare trials at equal steps. A WSD or one_cycle
trial sits above a cosine trial until its cooldown, so these rules stop it
even when it ends lowest. The law rule fits one loss-curve law
(:func:`lrkit.laws.fit`, Multi-Power Law by default) on the partial curves of
all trials seen so far, each under its own schedule (known from its spec),
predicts every trial's loss after its last update, :math:`\\hat L_i(T-1)`,
and stops trial :math:`i` only when

.. math:: \\hat L_i(T-1) > (1 + m)\\,\\min_j \\hat L_j(T-1)

for the margin :math:`m`. With too little data (fewer than ``min_trials``
curves of ``min_points`` points after warmup, a trial before ``grace`` of
the run, a fit that fails or one whose mean relative error on the curves
seen after warmup is above ``max_fit_error``) it stops nothing, except a trial
whose last logged loss is not finite (it diverged): that one stops at once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import check_int, check_number
from ..errors import ConfigError, LrkitError

__all__ = ["LawRule", "predicted_finals"]

#: at most this many points of a curve go into a fit (evenly thinned): fits stay fast
MAX_POINTS = 120


def _thin(steps: np.ndarray, losses: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    if steps.size <= n:
        return steps, losses
    idx = np.unique(np.linspace(0, steps.size - 1, n).round().astype(int))
    return steps[idx], losses[idx]


def predicted_finals(
    curves: dict[Any, tuple[Any, Any, Any]],
    total_steps: int,
    *,
    law: str = "multi_power",
    min_trials: int = 2,
    min_points: int = 5,
    max_nfev: int = 100,
    max_fit_error: float = 0.01,
) -> dict[Any, float] | None:
    """``{key: predicted loss after update total_steps - 1}`` from partial curves, or ``None``.

    ``curves``: ``{key: (schedule, steps, losses)}`` (a spec or schedule for the
    whole run of ``total_steps`` updates, or its per-step rates; the logged
    steps and their losses).
    One law is fitted on every curve with at least ``min_points`` finite,
    positive points after its warmup peak; ``None`` when fewer than
    ``min_trials`` such curves exist or the fit fails. Curves left out of the
    fit (too short) are still predicted, but for a curve whose last loss is not
    finite (it diverged) and a prediction that is not a loss (not above 0):
    those are left out of the result. ``max_nfev``: the fit's evaluation
    budget (:func:`lrkit.laws.fit`; kept small, a rule refits often).
    A law that does not describe the curves seen — its mean relative error on
    their points after warmup (those it is fitted on) above ``max_fit_error`` —
    is not trusted: ``None`` too.
    """
    from ..laws import Run, fit, rates

    runs, keys, etas = [], [], {}
    for key, (sched, steps, losses) in curves.items():
        eta = rates(sched, total_steps, owner=f"trial {key!r}: schedule")
        st = np.asarray(steps, dtype=np.int64)
        lo = np.asarray(losses, dtype=np.float64)
        if lo.size and not np.isfinite(lo[np.argmax(st)]):
            continue  # diverged: no prediction (its schedule alone would give one)
        etas[key] = eta
        # the points after the warmup peak: those the law is fitted on (it does not
        # model warmup), so also those its fit error, the trust test, is measured on
        ok = np.isfinite(lo) & (lo > 0) & (st < total_steps) & (st > int(np.argmax(eta)))
        st, lo = st[ok], lo[ok]
        if st.size < min_points:
            continue
        st, lo = _thin(st, lo, MAX_POINTS)
        runs.append(Run(eta, st, lo, name=str(key)))
        keys.append(key)
    if len(runs) < min_trials:
        return None
    try:
        fitted = fit(runs, law, max_nfev=max_nfev)
    except (LrkitError, ValueError, FloatingPointError, np.linalg.LinAlgError):
        return None
    if not fitted.info["fit_mean_rel"] <= max_fit_error:
        return None
    out = {}
    for key, eta in etas.items():
        f = float(fitted.predict(eta, [total_steps - 1])[0])
        if math.isfinite(f) and f > 0:  # <= 0 is not a loss: the law extrapolated too far
            out[key] = f
    return out or None


class LawRule:
    """The law rule, fed one logged loss at a time (engine-agnostic state).

    ``total_steps``: the length of every trial's run (updates). ``margin``:
    relative, a trial is kept while its predicted final loss is within
    ``(1 + margin)`` of the best prediction. ``grace``: fraction of the run
    before which a trial is never stopped. ``refit``: the law is refitted
    when the number of logged points has grown by this fraction since the
    last fit (fits are the costly part). ``max_fit_error``: a law whose mean
    relative error on the curves seen is above it is not trusted (nothing stops).

    >>> rule = LawRule(1000)
    >>> rule.record("a", "cosine(0.1)", 10, 2.0)
    >>> rule.should_stop("a", 10)   # too little data: never stop
    False
    """

    def __init__(
        self,
        total_steps: int,
        *,
        margin: float = 0.01,
        grace: float = 0.2,
        min_trials: int = 2,
        min_points: int = 5,
        refit: float = 0.1,
        law: str = "multi_power",
        max_fit_error: float = 0.01,
    ) -> None:
        self.total_steps = check_int("LawRule", "total_steps", total_steps, low=2)
        self.margin = check_number("LawRule", "margin", margin, nonneg=True)
        self.grace = check_number("LawRule", "grace", grace, low=0.0, high=1.0)
        self.min_trials = check_int("LawRule", "min_trials", min_trials, low=1)
        self.min_points = check_int("LawRule", "min_points", min_points, low=1)
        self.refit = check_number("LawRule", "refit", refit, nonneg=True)
        if law not in ("multi_power", "momentum"):
            raise ConfigError(f"LawRule: law must be 'multi_power' or 'momentum', got {law!r}")
        self.law = law
        self.max_fit_error = check_number("LawRule", "max_fit_error", max_fit_error, positive=True)
        self.curves: dict[Any, tuple[str, list[int], list[float]]] = {}
        self.preds: dict[Any, float] | None = None
        self.fits = 0
        self._fitted_at = -1
        self._keys: set[Any] = set()  # the trials known at the last fit

    def record(self, key: Any, schedule: Any, step: int, loss: float) -> None:
        """Log trial ``key``'s loss after update ``step`` (its schedule for the whole run)."""
        cur = self.curves.get(key)
        if cur is None:
            cur = self.curves[key] = (schedule, [], [])
        if cur[1] and step <= cur[1][-1]:
            return  # a repeated report (a restored trial): keep the first
        cur[1].append(int(step))
        cur[2].append(float(loss))

    def update(self, key: Any, schedule: Any, steps: Any, losses: Any) -> None:
        """Replace trial ``key``'s whole curve (for engines that hand over all values)."""
        self.curves[key] = (schedule, [int(s) for s in steps], [float(v) for v in losses])

    def _points(self) -> int:
        return sum(len(c[1]) for c in self.curves.values())

    def predictions(self) -> dict[Any, float] | None:
        """Predicted final losses, refitted when enough new points came in."""
        n = self._points()
        if (
            self._fitted_at < 0
            or n >= self._fitted_at * (1 + self.refit)
            or (self.preds is not None and set(self.curves) - self._keys)
        ):
            self._keys = set(self.curves)  # a key left out of preds is no reason to refit
            self.preds = predicted_finals(
                self.curves,
                self.total_steps,
                law=self.law,
                min_trials=self.min_trials,
                min_points=self.min_points,
                max_fit_error=self.max_fit_error,
            )
            self._fitted_at = n
            self.fits += 1
        return self.preds

    def should_stop(self, key: Any, step: int) -> bool:
        """Whether trial ``key``, now at update ``step``, should stop.

        A trial whose last logged loss is not finite (NaN, inf: it diverged) stops at
        once, before ``grace`` too; the others by the rule."""
        if step >= self.total_steps - 1:
            return False
        cur = self.curves.get(key)
        if cur is not None and cur[2] and not math.isfinite(cur[2][-1]):
            return True  # diverged: it does not recover, and the fit leaves it out
        if step < self.grace * self.total_steps:
            return False
        preds = self.predictions()
        if not preds or key not in preds:
            return False
        return preds[key] > (1 + self.margin) * min(preds.values())
