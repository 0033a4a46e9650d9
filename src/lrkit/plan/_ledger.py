"""The planner's ledger: every probe run through the user's ``run``, counted against the budget.

:class:`_Ledger` runs one probe (a schedule for some updates), checks and scores what ``run``
returned (:class:`lrkit.plan.Probe`: its losses, a validation loss, its score, diverged or
not) and adds its updates to the cost; :func:`_probe` builds a probe's schedule.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ConfigError
from ._shapes import shape_schedule
from ._types import Probe, as_trial


def _check_sign(y: np.ndarray, val_loss: float | None, stage: str, peak: float) -> None:
    """Refuse a negative loss: the rules compare losses by ratios (a fall of a tenth of
    the start, a divergence at 4x the lowest, a parabola through log scores), which mean
    nothing below 0; a loss shifted by a constant would change the plan silently."""
    neg = np.flatnonzero(np.isfinite(y) & (y < 0))
    where = "the range test" if stage == "range" else f"the {stage} probe at peak {peak:.3g}"
    if neg.size:
        i = int(neg[0])
        got = f"{y[i]:.6g} at update {i + 1} of {where}"
    elif val_loss is not None and math.isfinite(val_loss) and val_loss < 0:
        got = f"a validation loss of {val_loss:.6g} after {where}"
    else:
        return
    raise ConfigError(
        f"plan: run returned a negative loss ({got}); the planner compares losses by "
        "ratios, which needs losses >= 0: add a constant to the loss (and the validation "
        "loss) so that it cannot go below 0"
    )


class _Ledger:
    """Runs probes through the user's ``run``, counting every update against the budget."""

    def __init__(self, run: Callable[..., Any], cap: int, callback: Any) -> None:
        self.run, self.cap, self.callback = run, cap, callback
        self.cost = 0
        self.probes: list[Probe] = []
        self.run_seconds = 0.0

    def probe(self, stage: str, peak: float, shape: str, sched: Any, steps: int) -> Probe:
        if self.cost + steps > self.cap:  # pragma: no cover - the allocation guarantees it
            raise AssertionError(f"plan: budget overrun ({self.cost} + {steps} > {self.cap})")
        t0 = time.perf_counter()
        out = self.run(sched, steps)
        self.run_seconds += time.perf_counter() - t0
        trial = as_trial(out, steps)
        self.cost += min(steps, max(trial.updates, 1))
        y = np.asarray(trial.losses, dtype=np.float64)
        _check_sign(y, trial.val_loss, stage, peak)
        diverged = len(y) < steps or not bool(np.all(np.isfinite(y)))
        if trial.val_loss is not None and not math.isfinite(trial.val_loss):
            diverged = True
        if diverged:
            score = math.inf
        elif trial.val_loss is not None:
            score = float(trial.val_loss)
        else:
            score = float(np.mean(y[-max(1, round(0.1 * steps)) :]))
        p = Probe(
            stage,
            float(peak),
            shape,
            steps,
            str(sched),
            trial.losses,
            trial.val_loss,
            score,
            diverged,
        )
        self.probes.append(p)
        if self.callback is not None:
            self.callback(p)
        return p


def _probe(
    led: _Ledger,
    stage: str,
    peak: float,
    shape: str,
    steps: int,
    warmup: float,
    cooldown: float,
    total: int,
    cold: bool = False,
) -> Probe:
    """One probe of ``shape`` at ``peak`` for ``steps`` updates (``cold``: no warm-up).

    Its warm-up lasts as many updates as the real run's (up to half the
    probe): a warm-up exists to let the optimizer's state and the first
    unstable updates settle, which takes a number of updates, not a fraction
    of the run. A probe warmed up for 5 % of its own few dozen updates would
    make a high peak look unstable when the real run would train at it.
    """
    w = min(round(warmup * total), steps // 2) if warmup > 0 and not cold else 0
    sched = shape_schedule(shape, peak, steps, warmup, cooldown, warmup_steps=w)
    return led.probe(stage, peak, shape, sched, steps)
