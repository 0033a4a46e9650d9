r"""The planner: which peak and which shape, for the user's own model, at a bounded cost.

:func:`plan` needs one thing from a framework: ``run(schedule, steps)``, which
trains *from the same starting state every time* for ``steps`` updates under
``schedule`` (an lrkit schedule bound to ``steps``) and returns the per-step
training losses (optionally with a validation loss, see :class:`Trial`).

It spends at most :math:`C = \lfloor b\,T \rfloor` updates (``budget`` b,
``total_steps`` T), in four stages; docs/plan.md says why each rule exists.

1. **Bracket** — the range test, run *through* ``run`` as a rising
   ``exponential`` schedule of :math:`n_f = \min(100, \max(16, 0.2 C))` steps
   from ``lr_range[0]`` to ``lr_range[1]``, read by :func:`lrkit.find`'s rules.
   :math:`\eta_{ref}` is the rate at the minimum of its lag-free curve
   (Smith's largest rate that still trains). Skipped when ``lr`` is given.
2. **Peaks at two lengths** — rung 1: ``peaks`` (k) candidates
   :math:`\eta_{ref}\,2^{1-j}`, j = 0..k-1, each trained for
   :math:`\ell = \lfloor (C-n_f)/(k+8) \rfloor` updates (:math:`k+6` with one
   shape only) under the default
   shape (``shapes[0]``, linear decay to zero by default) scaled to
   :math:`\ell` (its warm-up as many updates as the real run's, at most half
   the probe); rung 2: the best of them and the two rates 2x and 4x below
   it, for :math:`2\ell` updates each. Each rung's best peak is read between
   its probes (:func:`vertex`); how it moved from :math:`\ell` to
   :math:`2\ell` gives the exponent of :math:`\eta^*(h) \propto h^{-\beta}`
   and the peak for the full run (:func:`_horizon`). When the first rung does not
   tell its peaks apart (:func:`tells_apart`: no probe beyond two standard errors
   of the paired difference from its best), the second rung and the shape probe
   give their updates to a *long rung* (:func:`_long_peak`): three probes of
   :math:`\lfloor R/3 \rfloor` updates (R: the budget left) at the top, middle
   and bottom of the first rung's peaks; its reading when it ranks them, else
   its lowest peak.
   When the range test *saw no fall* (:func:`saw_fall`), its reading is noise: the
   whole budget left goes to a *blind rung* (:func:`_blind_peak`) of ``peaks``
   probes over four decades below ``lr_range[1]/10`` (or the sweep's divergence
   rate), and the plan says when its peak rests on no evidence (then its peak is
   the highest stable probe that scored alike, :func:`_highest_alike`).
   A probe is scored by its validation loss when ``run`` returns one, else
   by the mean training loss over its last 10 % of updates (after its
   decay); a non-finite loss scores :math:`+\infty`.
3. **Shape, measured** — the shape of ``shapes`` whose lr area (mean rate
   over peak, :func:`lr_area`) is farthest from the default's (WSD against
   linear decay, by default; :func:`alternative`) is run once more, without
   a warm-up, at the second rung's best probe's peak and length, and
   compared with that probe on the same batches (:func:`paired_gain`): it
   replaces the default only when it scores lower by more than one standard
   error of the paired difference, and then without a warm-up only when its
   first updates never overshot the warm-up probe's loss (:func:`overshoot`).
   Budget: :math:`n_f + k\ell + 4\cdot 2\ell \le C`.
4. **Shape by the law** — a loss-curve law (:mod:`lrkit.laws`) is fitted to
   every probe curve and predicts the final training loss of each shape at
   the chosen peak over the full :math:`T` steps. The shape changes from the
   measured one only when the law fits the probes (mean relative error
   :math:`\le` ``law_tolerance``) and predicts a gain larger than that error
   (at least 0.5 %). Otherwise, or when the laws are unavailable, the
   measured shape stays.

Where each part lives: this module (the checks, the budget's allocation, the range test
and :func:`plan`), ``_rungs`` (the peak, rules 1-7), ``_shape_rule`` (the shape, rules
8-10), ``_evidence`` (the statistics the rules read from the probes) and ``_ledger``
(running the probes through ``run`` and counting their updates).
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validate import TINY, is_number
from ..errors import ConfigError, ConfigTypeError
from ._ledger import _Ledger
from ._rungs import _choose_peak
from ._shape_rule import LAW_TOLERANCE, _pick_shape, _shape_rung, alternative
from ._shapes import ALL_SHAPES, SHAPES, round_peak, shape_schedule
from ._types import Plan, Probe

__all__ = ["plan", "check_budget", "MIN_PROBE", "MIN_RANGE", "MAX_TOTAL_STEPS"]

#: the shortest probe (updates) the planner will run
MIN_PROBE = 6
#: the shortest range test (updates): enough points for the finder's rules
MIN_RANGE = 16
#: the longest run planned: schedules count steps exactly up to 2**53
MAX_TOTAL_STEPS = 2**53


def _check(
    run: Any,
    total_steps: Any,
    budget: Any,
    shapes: Any,
    peaks: Any,
    lr: Any,
    lr_range: Any,
    warmup: Any,
    cooldown: Any,
    use_laws: Any = "auto",
) -> tuple[int, float, tuple[str, ...], int, tuple[float, float], float | None, float, float]:
    if use_laws not in (True, False, "auto"):
        raise ConfigError(f"plan: use_laws must be True, False or 'auto', got {use_laws!r}")
    if not callable(run):
        raise ConfigTypeError(f"plan: run must be callable as run(schedule, steps), got {run!r}")
    if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)):
        raise ConfigTypeError(f"plan: total_steps must be an int, got {total_steps!r}")
    if not 20 <= total_steps <= MAX_TOTAL_STEPS:
        raise ConfigError(
            f"plan: total_steps must be an int in [20, 2**53] (schedules count steps "
            f"exactly up to 2**53), got {total_steps}"
        )
    for name, v, ok, rule in (
        ("budget", budget, lambda x: x > 0, "> 0"),
        ("warmup", warmup, lambda x: 0 <= x <= 0.5, "in [0, 0.5]"),
        ("cooldown", cooldown, lambda x: 0 <= x <= 0.9, "in [0, 0.9]"),
    ):
        if not is_number(v) or not math.isfinite(v):  # numpy numbers are numbers
            raise ConfigTypeError(f"plan: {name} must be a number, got {v!r}")
        if not ok(v):
            raise ConfigError(f"plan: {name} must be {rule}, got {v!r}")
    if isinstance(shapes, str):
        shapes = (shapes,)
    given = shapes
    shapes = tuple(shapes) if hasattr(shapes, "__iter__") else ()
    bad = [s for s in shapes if s not in ALL_SHAPES]
    if not shapes or bad:
        shown = list(shapes) if shapes else given
        raise ConfigError(
            f"plan: shapes must be a non-empty list of {', '.join(ALL_SHAPES)}, got {shown!r}"
        )
    if (
        not isinstance(peaks, numbers.Integral)
        or isinstance(peaks, bool)
        or not 2 <= int(peaks) <= 8
    ):
        raise ConfigError(f"plan: peaks must be an int in [2, 8], got {peaks!r}")
    if lr is not None and not (is_number(lr) and math.isfinite(lr) and lr > 0):
        raise ConfigError(f"plan: lr must be a positive number or None, got {lr!r}")
    if lr is not None and lr < TINY:  # the probes' schedules refuse subnormal rates
        raise ConfigError(
            f"plan: lr must be a positive number or None, at least {TINY} (the smallest "
            f"normal float64), got {lr!r}"
        )
    try:
        lo, hi = (float(v) for v in lr_range)
    except (TypeError, ValueError):
        raise ConfigTypeError(
            f"plan: lr_range must be a pair (low, high), got {lr_range!r}"
        ) from None
    if not (TINY <= lo < hi and math.isfinite(hi / lo)):
        raise ConfigError(
            f"plan: lr_range must satisfy 0 < low < high (low at least {TINY}, the smallest "
            f"normal float64, and high / low finite), got {lr_range!r}"
        )
    rate = None if lr is None else float(lr)  # numpy numbers as Python's
    return (
        int(total_steps),
        float(budget),
        shapes,
        int(peaks),
        (lo, hi),
        rate,
        *map(float, (warmup, cooldown)),
    )


def _check_law_options(law: Any, law_tolerance: Any, callback: Any) -> None:
    """``law`` a law's name or None, ``law_tolerance`` a fraction > 0, ``callback`` callable
    or None: checked before any update (a bad law used to fail quietly inside the fit)."""
    from ..laws._law import LAWS

    if law is not None and law not in LAWS:
        raise ConfigError(f"plan: law must be None or one of {', '.join(LAWS)}, got {law!r}")
    t = law_tolerance
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not (math.isfinite(t) and t > 0):
        raise ConfigError(f"plan: law_tolerance must be a number > 0 (a fraction), got {t!r}")
    if callback is not None and not callable(callback):
        raise ConfigTypeError(f"plan: callback must be callable or None, got {callback!r}")


def _allocate(
    total: int, cap: int, peaks: int, with_range: bool, shape_probe: bool = True
) -> tuple[int, int, bool]:
    """(range-test updates, first-rung probe length, shape probe or not) within ``cap``
    updates, or ConfigError.

    ``cap >= n_f + peaks*l + 3*2l + 2l``: the first rung's ``peaks`` probes of
    ``l`` updates, the second rung's three of ``2l`` and the shape probe of
    ``2l``. When that leaves probes shorter than :data:`MIN_PROBE` updates the
    shape probe is dropped (the default shape stays) before the budget is
    refused.
    """

    def range_len(c: int) -> int:
        return min(100, max(MIN_RANGE, round(0.2 * c))) if with_range else 0

    n_f = range_len(cap)
    for extra in (2, 0) if shape_probe else (0,):
        units = peaks + 6 + extra
        ell = min((cap - n_f) // units, total // 2)
        if ell >= MIN_PROBE:
            return n_f, ell, extra > 0
    need = units * MIN_PROBE  # the smallest cap that leaves room for the shortest probes
    while need - range_len(need) < units * MIN_PROBE:
        need += 1
    raise ConfigError(
        f"plan: budget too small: {cap} extra updates allowed (budget x total_steps), the "
        f"planner needs at least {need} (a {'range test and ' if with_range else ''}"
        f"{peaks + 3} probes); raise budget to >= {need / total:.3g}, lower peaks, or give lr"
    )


def check_budget(total_steps: int, budget: float, peaks: int = 4, with_range: bool = True) -> int:
    """The extra updates :func:`plan` may spend (``floor(budget * total_steps)``), or the
    ``ConfigError`` it would raise for a budget too small, before any work (a budget
    that leaves no room for the shape probe is not refused: the probe is dropped)."""
    cap = int(math.floor(budget * total_steps + 1e-9))
    _allocate(int(total_steps), cap, peaks, with_range, shape_probe=False)
    return cap


def _range_test(
    led: _Ledger, n: int, lo: float, hi: float, notes: list[str]
) -> tuple[Any, float | None]:
    """Run the range test through ``run``; (FinderResult, eta_ref or None), a note added."""
    res, ref, note = _range_test_read(led, n, lo, hi)
    notes.append(note)
    return res, ref


def _range_test_read(led: _Ledger, n: int, lo: float, hi: float) -> tuple[Any, float | None, str]:
    from ..finder import find
    from ..schedules import exponential

    sched = exponential(lo, gamma=(hi / lo) ** (1.0 / (n - 1))).bind(total_steps=n)
    p = led.probe("range", hi, "exponential", sched, n)
    replay = iter(p.losses)

    def step_fn(lr: float) -> float:
        return next(replay, math.nan)

    swept = find(step_fn, start=lo, end=hi, steps=n, progress=False)
    res = _reread(swept, n, lo, hi)
    res.meta.update({"framework": "plan", "optimizer_steps": p.updates})
    s = res.suggestion("minimum")
    if s.index is not None:
        ref = float(res.lrs[s.index])
        return res, ref, f"range test ({n} updates): the loss stops falling at lr {ref:.3g}"
    auto = res.suggest()
    if auto is not None:
        ref = auto * math.sqrt(10.0)
        return res, ref, f"range test: no clear minimum ({s.reason}); using suggest() x sqrt(10)"
    return res, None, f"range test gave no suggestion ({'; '.join(res.warnings) or s.reason})"


def _reread(swept: Any, n: int, lo: float, hi: float) -> Any:
    """The sweep's result read for a short, coarse sweep.

    Two changes from :func:`lrkit.find`'s defaults, both because the planner's
    sweep is short (tens of points over several decades): the point that
    tripped the divergence stop is dropped before smoothing (with a window
    of two sweep steps its huge loss would pull the lag-free curve up, and
    its minimum left, a full step early), and ``skip_end`` (the points left
    out before the divergence edge) covers about 0.3 decade rather than
    3 points (3 coarse points are more than a decade). Third, the sweep is
    cut at the first *raw* loss above ``diverge`` (4) times the lowest
    before it: the finder's stop watches the EMA-smoothed loss (β = 0.98,
    a memory of ~50 steps), which a sweep of a few dozen steps outruns —
    it reached the last rate with a loss 50x its minimum and no stop, and
    that one point pulled the whole lag-free curve's end up, moving its
    minimum into the flat start (digits, 18-step sweep).
    """
    from ..finder import FinderResult

    k = len(swept.lrs) - (1 if swept.stop_reason == "diverged" else 0)
    factor = (swept.config or {}).get("diverge") or 4.0
    stop, best = swept.stop_reason, math.inf
    for i, v in enumerate(np.asarray(swept.losses[:k], dtype=np.float64)):
        if not math.isfinite(v) or v > factor * best:  # the raw loss diverged here
            k, stop = i, "diverged"
            break
        best = min(best, v)
    step_dec = math.log10(hi / lo) / (n - 1)
    skip_end = int(min(3, max(1, round(0.3 / step_dec))))
    return FinderResult(
        swept.lrs[:k],
        swept.losses[:k],
        swept.smoothed[:k],
        stop_reason=stop,
        stop_lr=swept.stop_lr if stop == swept.stop_reason else float(swept.lrs[k]),
        stop_loss=swept.stop_loss if stop == swept.stop_reason else float(swept.losses[k]),
        config=swept.config,
        calls=swept.calls,
        seconds=swept.seconds,
        skip_end=skip_end,
    )


def plan(
    run: Callable[[Any, int], Any],
    total_steps: int,
    budget: float = 0.5,
    shapes: Sequence[str] = SHAPES,
    *,
    lr: float | None = None,
    lr_range: tuple[float, float] = (1e-6, 10.0),
    peaks: int = 4,
    warmup: float = 0.05,
    cooldown: float = 0.2,
    use_laws: bool | str = "auto",
    law: str | None = None,
    law_tolerance: float = LAW_TOLERANCE,
    callback: Callable[[Probe], Any] | None = None,
) -> Plan:
    """Plan the schedule (peak and shape) of a ``total_steps`` run; see the module docstring.

    Args:
        run: ``run(schedule, steps)`` trains from the same starting state for
            ``steps`` updates under ``schedule`` (bound to ``steps``) and
            returns the per-step training losses: a sequence, a
            :class:`Trial` (with ``val_loss``), a dict or a
            ``(losses, val_loss)`` pair. It may stop early at a non-finite loss.
        total_steps: optimizer updates of the real run (20 to 2**53; no law is fitted for
            runs over :data:`lrkit.laws.MAX_RUN_STEPS`).
        budget: extra updates allowed, as a fraction of ``total_steps``
            (range test and probes together; ``cost <= budget * total_steps``).
        shapes: the shapes to choose from; the first is the default and the
            probes' shape (see :func:`shape_schedule`); the one farthest from it
            in lr area (:func:`alternative`) is run by the shape probe.
        lr: a known good rate: skips the range test and centres the probes on it.
        lr_range: the range test's first and last rate.
        peaks: candidate peaks in the first rung (2..8).
        warmup, cooldown: fractions of the run for the warm-up and the WSD cooldown
            (also the probes'; rule 8 of docs/plan.md: when the plan has no warm-up).
        use_laws: ``True`` fits a loss-curve law to choose the shape; ``False``
            keeps the shape the probes chose; ``"auto"`` fits only when the probes took at
            least :data:`LAW_MIN_RUN_SECONDS` (so the fit adds < 5 % wall time); it reads
            the wall clock, so pass ``True`` or ``False`` where the plan must not depend
            on the machine's speed.
        law: the law's name for :func:`lrkit.laws.fit` (default: the multi-power law).
        law_tolerance: largest mean relative error on the probes at which the
            law is trusted.
        callback: called with every :class:`Probe` as it finishes.

    Returns:
        A :class:`Plan`. Exceptions of ``run`` propagate (adapters restore first);
        NonFiniteError if every probe diverged, ConfigError if all peaks' losses are equal.
    """
    t_start = time.perf_counter()
    total, budget, shapes_t, peaks, (lo, hi), lr, warmup, cooldown = _check(
        run, total_steps, budget, shapes, peaks, lr, lr_range, warmup, cooldown, use_laws
    )
    _check_law_options(law, law_tolerance, callback)
    cap, with_range, default = int(math.floor(budget * total + 1e-9)), lr is None, shapes_t[0]
    alt = alternative(shapes_t, total, warmup, cooldown)
    n_f, ell, room = _allocate(total, cap, peaks, with_range, alt is not None)
    led, notes = _Ledger(run, cap, callback), list[str]()
    finder, ref = _range_test(led, n_f, lo, hi, notes) if with_range else (None, lr)
    rest = (ell, total, default, warmup, cooldown, with_range, notes, ref, room)
    peak = _choose_peak(led, finder, (peaks, lo, hi), *rest)
    measured, warmup = _shape_rung(led, alt, room, default, total, warmup, cooldown, notes)
    shape, preds, law_d, law_notes = _pick_shape(
        led, peak, total, shapes_t, measured, warmup, cooldown, use_laws, law, law_tolerance
    )
    notes.extend(law_notes)
    peak = round_peak(peak)
    return Plan(
        shape_schedule(shape, peak, total, warmup, cooldown),
        peak,
        shape,
        total,
        budget,
        cost=led.cost,
        probes=tuple(led.probes),
        finder=finder,
        predictions=preds,
        law=law_d,
        decided_by="law" if shape != measured else "probes",
        notes=tuple(notes),
        seconds=time.perf_counter() - t_start,
        run_seconds=led.run_seconds,
    )
