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
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ConfigError, ConfigTypeError, NonFiniteError
from ..spec import parse
from ._shapes import ALL_SHAPES, SHAPES, round_peak, shape_schedule
from ._types import Plan, Prediction, Probe, as_trial

__all__ = [
    "plan",
    "check_budget",
    "alternative",
    "lr_area",
    "paired_gain",
    "progressed",
    "overshoot",
    "tells_apart",
    "move_gain",
    "saw_fall",
    "MIN_PROBE",
    "MIN_RANGE",
]

#: the shortest probe (updates) the planner will run
MIN_PROBE = 6
#: the shortest range test (updates): enough points for the finder's rules
MIN_RANGE = 16
#: the largest exponent of the peak's shrinking with the run's length (see ``_horizon``)
BETA_MAX = 1.0
#: with ``use_laws="auto"``, fit a law only when the probes took at least this long (s):
#: a fit of the probes takes up to ~5 s (4.8-4.9 s on charlm's, 2-core VM), which must
#: stay under 5 % of the planner's time: 20 x 5 s = 100 s, and a margin for a slower fit
LAW_MIN_RUN_SECONDS = 120.0
#: a law whose mean relative error on the probes exceeds this is not trusted
LAW_TOLERANCE = 0.05
#: the longest run planned: schedules count steps exactly up to 2**53
MAX_TOTAL_STEPS = 2**53
#: :func:`lr_area` averages every step up to this many, evenly spaced steps beyond
AREA_EXACT_STEPS = 1_000_000
#: a probe "made progress" only when its loss fell by at least this fraction of its start
PROGRESS = 0.1
#: a rung tells its peaks apart when a probe scores above its best by more than this many
#: standard errors of their paired difference (rule 7's bar)
SEPARATE_SE = 2.0
#: probes in the long rung (the fewest a reading between probes needs)
LONG_PROBES = 3
#: the range test saw a fall when its curve fell below its start by more than this many
#: times the sweep's step-to-step noise (the finder's "real fall" bar, docs/finder.md)
FALL_NOISE = 4.0
#: decades the blind rung spans below its top (the planner's span without a reading)
BLIND_DECADES = 4.0


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
) -> tuple[int, float, tuple[str, ...], int, tuple[float, float]]:
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
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigTypeError(f"plan: {name} must be a number, got {v!r}")
        if not ok(v):
            raise ConfigError(f"plan: {name} must be {rule}, got {v!r}")
    if isinstance(shapes, str):
        shapes = (shapes,)
    shapes = tuple(shapes)
    bad = [s for s in shapes if s not in ALL_SHAPES]
    if not shapes or bad:
        raise ConfigError(
            f"plan: shapes must be a non-empty list of {', '.join(ALL_SHAPES)}, "
            f"got {list(shapes)!r}"
        )
    if isinstance(peaks, bool) or not isinstance(peaks, int) or not 2 <= peaks <= 8:
        raise ConfigError(f"plan: peaks must be an int in [2, 8], got {peaks!r}")
    if lr is not None and (
        isinstance(lr, bool)
        or not isinstance(lr, (int, float))
        or not (math.isfinite(lr) and lr > 0)
    ):
        raise ConfigError(f"plan: lr must be a positive number or None, got {lr!r}")
    try:
        lo, hi = (float(v) for v in lr_range)
    except (TypeError, ValueError):
        raise ConfigTypeError(
            f"plan: lr_range must be a pair (low, high), got {lr_range!r}"
        ) from None
    if not (0 < lo < hi and math.isfinite(hi)):
        raise ConfigError(f"plan: lr_range must satisfy 0 < low < high, got {lr_range!r}")
    return int(total_steps), float(budget), shapes, peaks, (lo, hi)


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


def _candidates(
    ref: float | None, peaks: int, lo: float, hi: float, with_range: bool
) -> list[float]:
    r"""The first rung's peaks: :math:`\eta_{ref}\,2^{c-j}` (c = 0 after a range test, else
    centred on ``lr``); without a reference, ``peaks`` rates log-spaced over ``[lo*1e2, hi/10]``."""
    if ref is None:
        return [float(v) for v in np.geomspace(hi / 10.0, max(lo * 100.0, hi / 1e5), peaks)]
    top = 1.0 if with_range else (peaks - 1) / 2.0
    return [ref * 2.0 ** (top - j) for j in range(peaks)]


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


def _horizon(eta1: float | None, eta2: float | None, ell: int, total: int) -> tuple[float, float]:
    r"""The peak for the full run from the best peaks at lengths :math:`\ell` and :math:`2\ell`.

    The best peak of a run that anneals shrinks as the run gets longer
    (Bjorck et al. 2025 fit :math:`\eta^*(h) \propto h^{-\beta}`). The two
    rungs measure the drift between :math:`\ell` and :math:`2\ell`:
    :math:`\beta = \log_2(\eta^*_\ell/\eta^*_{2\ell})`, clamped to
    :math:`[0, 1]` (1: SGD on a strongly convex problem, :math:`\eta^* \sim
    \log T / T`). Whether the drift goes on at that rate up to :math:`T` is
    unknown: it is fastest early and slows down on real networks. Between the
    two ends — it stops (:math:`\eta^*_{2\ell}`) or it goes on
    (:math:`\eta^*_{2\ell}(T/2\ell)^{-\beta}`) — the geometric middle is
    never further than the square root of their ratio from either, so

    .. math:: \eta^*_T = \eta^*_{2\ell}\,(T/2\ell)^{-\beta/2}.

    Returns :math:`(\eta^*_T, \beta)`.
    """
    assert eta2 is not None
    if eta1 is None or eta1 <= 0:
        return eta2, 0.0
    beta = max(0.0, min(BETA_MAX, math.log2(eta1 / eta2)))
    return eta2 * (total / (2.0 * ell)) ** (-beta / 2.0), beta


def _no_fit_reason(
    led: _Ledger, total: int, shapes: tuple[str, ...], default: str, use_laws: bool | str
) -> str | None:
    """Why no law is fitted to choose the shape (rule 10), or ``None`` to fit one."""
    from ..laws._run import MAX_RUN_STEPS

    if len(shapes) == 1:
        return "one shape allowed: no law needed"
    if use_laws == "auto" and led.run_seconds < LAW_MIN_RUN_SECONDS:
        return (
            f"laws skipped: the probes took {led.run_seconds:.1f} s "
            f"(< {LAW_MIN_RUN_SECONDS:g} s), "
            f"a fit would cost more than 5% of that; keeping the probes' shape {default}"
        )
    if not use_laws:
        return f"laws off: keeping the probes' shape {default}"
    if total > MAX_RUN_STEPS:
        return (
            f"no law: the run's {total} steps are more than a law predicts "
            f"({MAX_RUN_STEPS:.0e}); keeping the probes' shape {default}"
        )
    return None


def _pick_shape(
    led: _Ledger,
    peak: float,
    total: int,
    shapes: tuple[str, ...],
    default: str,
    warmup: float,
    cooldown: float,
    use_laws: bool | str,
    law: str | None,
    tol: float,
) -> tuple[str, tuple[Prediction, ...], dict[str, Any] | None, list[str]]:
    """The shape at ``peak``: ``default`` (the shape the probes chose, :func:`_shape_rung`)
    unless a trusted law predicts a clear gain over it."""
    from ._laws import fit_probes, predict_final

    skip = _no_fit_reason(led, total, shapes, default, use_laws)
    if skip is not None:
        return default, (), None, [skip]
    curves = []
    for p in led.probes:
        if p.stage != "range" and not p.diverged:
            sched = parse(p.schedule).bind(total_steps=p.steps)  # the probe's own schedule
            curves.append((np.asarray(sched(np.arange(p.steps)), dtype=np.float64), p.losses))
    fitted, errors, why = fit_probes(curves, law)
    if fitted is None or errors is None:
        return default, (), None, [f"no law: {why}; keeping the probes' shape {default}"]
    err = float(errors.get("mean_rel", math.inf))
    law_dict = _law_dict(fitted, errors)
    if not err <= tol:
        return (
            default,
            (),
            law_dict,
            [f"law fit error {100 * err:.2f}% > {100 * tol:.0f}%: not trusted; keeping {default}"],
        )
    preds = []
    for shape in shapes:
        sched = shape_schedule(shape, peak, total, warmup, cooldown)
        out = predict_final(fitted, np.asarray(sched(np.arange(total)), dtype=np.float64))
        if out is not None:
            preds.append(Prediction(shape, peak, str(sched), out[0], out[1], out[2]))
    if any(not p.final > 0 for p in preds):
        return (
            default,
            tuple(preds),
            law_dict,
            [
                f"the law predicts a non-positive loss ({min(p.final for p in preds):.3g}): its "
                f"extrapolation is not trusted; keeping {default}"
            ],
        )
    base = next((p for p in preds if p.shape == default), None)
    if base is None:  # (also when preds is empty)
        return default, tuple(preds), law_dict, ["the law could not predict the probes' shape"]
    best = min(preds, key=lambda p: p.final)
    margin = max(err, 0.005) * abs(base.final)
    if best.shape != default and base.final - best.final > margin:
        note = (
            f"law (fit error {100 * err:.2f}%): {best.shape} predicted {best.final:.4g} vs "
            f"{default} {base.final:.4g}, a gain larger than the margin {margin:.3g}: {best.shape}"
        )
        return best.shape, tuple(preds), law_dict, [note]
    note = (
        f"law (fit error {100 * err:.2f}%): best predicted {best.shape} {best.final:.4g}, "
        f"{default} {base.final:.4g}; no gain beyond the margin {margin:.3g}: keeping {default}"
    )
    return default, tuple(preds), law_dict, [note]


def _law_dict(fitted: Any, errors: dict[str, float]) -> dict[str, Any] | None:
    try:
        d = dict(fitted.to_dict())
    except Exception:  # noqa: BLE001 - a law without to_dict is still usable
        d = {"law": type(fitted).__name__}
    d["probe_errors"] = {k: float(v) for k, v in errors.items()}
    return d


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
    total, budget, shapes_t, peaks, (lo, hi) = _check(
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


def _choose_peak(
    led: _Ledger,
    finder: Any,
    grid: tuple[int, float, float],
    ell: int,
    total: int,
    default: str,
    warmup: float,
    cooldown: float,
    with_range: bool,
    notes: list[str],
    ref: float | None,
    room: bool,
) -> float:
    """The peak for the full run: the blind rung when the range test saw no fall
    (rule 1, :func:`saw_fall`), else the rungs around its reading (rules 2-7,
    :func:`_peak`). ``grid`` is ``(peaks, lr_range[0], lr_range[1])``."""
    peaks, lo, hi = grid
    if finder is not None and not saw_fall(finder):
        blind = _blind_candidates(finder, peaks, lo, hi)
        return _blind_peak(led, blind, total, default, warmup, cooldown, notes)
    cands = _candidates(ref, peaks, lo, hi, with_range)
    return _peak(led, cands, ell, total, default, warmup, cooldown, with_range, notes, ref, room)


def _peak(
    led: _Ledger,
    cands: list[float],
    ell: int,
    total: int,
    default: str,
    warmup: float,
    cooldown: float,
    with_range: bool,
    notes: list[str],
    ref: float | None = None,
    room: bool = False,
) -> float:
    """Rungs 1 and 2 (see the module docstring): the peak for the full run.

    When the first rung does not tell its peaks apart (:func:`tells_apart`) and
    the budget has ``room`` for the shape probe, the second rung and the shape
    probe give their updates to the long rung instead (:func:`_long_peak`).
    When no stable probe of the last rung lowered its loss beyond its own noise
    (:func:`progressed`), the probes were too short to show anything and
    ``ref`` (the range test's reading, or the user's ``lr``) is returned.
    """
    rung1 = [_probe(led, "rung1", c, default, ell, warmup, cooldown, total) for c in cands]
    _check_responds(rung1)
    eta1 = vertex(rung1)
    ok1 = [p for p in rung1 if not p.diverged]
    best1 = min(ok1, key=lambda p: p.score).peak if ok1 else min(cands) / 8.0
    notes.append(
        f"rung 1 ({ell} updates each): best peak {best1:.3g}"
        + (
            f", read between probes {eta1:.3g}"
            if eta1 is not None
            else ", every probe diverged"
            if not ok1
            else ", every stable probe scored 0 (nothing to read between them)"
        )
    )
    long_len = min((led.cap - led.cost) // LONG_PROBES, total)
    if room and ok1 and long_len > 2 * ell and not tells_apart(rung1):
        notes.append(
            f"rung 1's probes scored alike (none above the best by more than {SEPARATE_SE:g} "
            f"standard errors of the paired difference): fewer, longer probes instead of "
            f"rung 2 and the shape probe"
        )
        last, peak = _long_peak(led, cands, long_len, total, default, warmup, cooldown, notes)
    else:
        second = [best1, best1 / 2.0, best1 / 4.0]
        last = [_probe(led, "rung2", c, default, 2 * ell, warmup, cooldown, total) for c in second]
        peak = _rung2_peak(rung1, last, eta1, cands, ell, total, with_range, notes)
    if (
        ref is not None
        and vertex(last) is not None
        and not any(progressed(p) for p in last if not p.diverged)
    ):
        peak = ref
        notes.append(
            f"no {'long' if last[0].stage == 'long' else 'second'}-rung probe left its starting "
            f"plateau (a fall of a tenth, beyond its noise): too short to rank peaks; using the "
            f"{'range test' if with_range else 'given'} rate {ref:.3g}"
        )
    return peak


def _raise_if_only_val_nonfinite(probes: Sequence[Probe]) -> None:
    """Every probe trained with finite losses but returned a non-finite validation loss:
    say that, rather than that the model trains at none of the peaks."""
    if probes and all(
        p.val_loss is not None
        and not math.isfinite(p.val_loss)
        and len(p.losses) == p.steps
        and all(math.isfinite(v) for v in p.losses)
        for p in probes
    ):
        raise NonFiniteError(
            f"plan: every probe's training losses were finite but its validation loss was "
            f"{probes[0].val_loss} (peaks from {max(p.peak for p in probes):.3g} down to "
            f"{min(p.peak for p in probes):.3g}): check the validation loss run(schedule, steps) "
            f"returns"
        )


def _rung2_peak(
    rung1: list[Probe],
    rung2: list[Probe],
    eta1: float | None,
    cands: list[float],
    ell: int,
    total: int,
    with_range: bool,
    notes: list[str],
) -> float:
    """The peak from the second rung and the drift from the first (rules 5 and 6)."""
    second = [p.peak for p in rung2]
    eta2 = vertex(rung2)
    if eta2 is None and all(p.diverged for p in rung1):
        tried = [p.peak for p in rung1 + rung2]
        _raise_if_only_val_nonfinite(rung1 + rung2)
        raise NonFiniteError(
            f"plan: every probe diverged or stopped early (a non-finite loss, or fewer losses "
            f"than updates asked) at peaks from {max(tried):.3g} down to {min(tried):.3g}: the "
            f"model trains at none of them. Check that run(schedule, steps) returns one finite "
            f"loss per update, or give lr= / a lower lr_range"
        )
    if eta2 is None:
        peak = min(second) / 4.0
        notes.append(f"no probe trained stably: falling back to {peak:.3g} (4x below the lowest)")
        return peak
    # an end of the probed range is only a bound on a rung's best peak, not a measure:
    # rung 1 stuck at its lowest or rung 2 at its highest says nothing about the drift
    if eta1 is not None and eta1 <= min(cands) * (1 + 1e-9):
        eta1 = None
    if eta2 >= max(second) * (1 - 1e-9):
        eta1 = None
    peak, beta = _horizon(eta1, eta2, ell, total)
    notes.append(
        f"rung 2 ({2 * ell} updates each): best peak {eta2:.3g}; it shrank as h^-{beta:.2f} "
        f"from rung 1; half that rate (the hedge) gives {peak:.3g} for {total} updates"
    )
    if not with_range and eta2 >= max(cands):
        notes.append("the best peak is the highest candidate: a higher one might be better")
    return peak


def _long_peak(
    led: _Ledger,
    cands: list[float],
    steps: int,
    total: int,
    default: str,
    warmup: float,
    cooldown: float,
    notes: list[str],
) -> tuple[list[Probe], float]:
    r"""The long rung (docs/plan.md rule 6): :data:`LONG_PROBES` probes of ``steps``
    updates at the top, the geometric middle and the bottom of the first rung's
    peaks. When they tell their peaks apart (:func:`tells_apart`), the peak is their
    reading between probes (:func:`vertex`), not extrapolated (no drift was
    measured); when they do not, the lowest of them: of equal evidence, the rate
    that cannot collapse the run. Returns ``(probes, peak)``."""
    lo, hi = min(cands), max(cands)
    peaks = [float(v) for v in np.geomspace(hi, lo, LONG_PROBES)]
    rung = [_probe(led, "long", c, default, steps, warmup, cooldown, total) for c in peaks]
    eta = vertex(rung)
    if eta is not None and tells_apart(rung):
        notes.append(
            f"long rung ({steps} updates each at {', '.join(f'{c:.3g}' for c in peaks)}): "
            f"they told their peaks apart; read between probes {eta:.3g} (no drift measured)"
        )
        return rung, eta
    stable = [p.peak for p in rung if not p.diverged]
    peak = min(stable) if stable else lo / 4.0
    notes.append(
        f"long rung ({steps} updates each at {', '.join(f'{c:.3g}' for c in peaks)}): "
        f"they scored alike too; the lowest, {peak:.3g} (never a higher rate on no evidence)"
    )
    return rung, peak


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


def _blind_candidates(res: Any, peaks: int, lo: float, hi: float) -> list[float]:
    r"""The blind rung's peaks: ``peaks`` rates geometric from ``top`` down
    :data:`BLIND_DECADES` decades (not below ``100 lo``), ``top`` =
    ``hi/10``, or the rate where the sweep's raw loss diverged when lower."""
    top = hi / 10.0
    if res.stop_reason == "diverged" and res.stop_lr is not None:
        stop = float(res.stop_lr)
        if math.isfinite(stop) and stop > 0:
            top = min(top, stop)
    bottom = max(lo * 100.0, top * 10.0**-BLIND_DECADES)
    if not bottom < top:
        bottom = top * 10.0**-BLIND_DECADES
    return [float(v) for v in np.geomspace(top, bottom, peaks)]


def _blind_peak(
    led: _Ledger,
    cands: list[float],
    total: int,
    default: str,
    warmup: float,
    cooldown: float,
    notes: list[str],
) -> float:
    r"""The blind rung (docs/plan.md rule 1): the range test saw no fall, so the
    budget left goes to ``len(cands)`` probes of :math:`\lfloor R/k \rfloor` updates
    spread over :func:`_blind_candidates`. With a stable probe that left its
    starting plateau (:func:`progressed`): the rung's reading between probes
    (:func:`vertex`) when its stable probes tell their peaks apart
    (:func:`tells_apart`), else the lowest probe that left the plateau. With none:
    the highest stable probe that scored alike (:func:`_highest_alike`), and a note
    that the peak rests on no evidence."""
    steps = min((led.cap - led.cost) // len(cands), total)
    rung = [_probe(led, "blind", c, default, steps, warmup, cooldown, total) for c in cands]
    _check_responds(rung)
    stable = [p for p in rung if not p.diverged]
    at = ", ".join(f"{c:.3g}" for c in cands)
    notes.append(
        f"the range test saw no fall (its curve stayed within {FALL_NOISE:g}x its "
        f"step-to-step noise): its reading is noise; blind rung of {len(cands)} probes of "
        f"{steps} updates at {at}"
    )
    if not stable:
        _raise_if_only_val_nonfinite(rung)
        raise NonFiniteError(
            f"plan: every probe diverged or stopped early at peaks from {max(cands):.3g} "
            f"down to {min(cands):.3g}, and the range test saw no fall: the model trains "
            f"at none of them. Check run(schedule, steps), or give lr= / a lower lr_range"
        )
    moved = [p for p in stable if progressed(p)]
    if not moved:
        peak = _highest_alike(stable).peak
        notes.append(
            f"no evidence: no probe at any rate left its starting plateau, so the peak "
            f"{peak:.3g} (the highest stable probe that scored alike: the likeliest to "
            f"leave the plateau within the run) rests on no evidence; "
            f"give lr=, a larger budget or a longer run to plan"
        )
        return peak
    eta = vertex(stable)
    if eta is not None and tells_apart(stable):
        notes.append(f"blind rung: the probes told their peaks apart; read between {eta:.3g}")
        return eta
    peak = min(p.peak for p in moved)
    notes.append(
        f"blind rung: {len(moved)} probe(s) left the plateau but scored alike; the lowest of "
        f"them, {peak:.3g}"
    )
    return peak


def _highest_alike(stable: Sequence[Probe]) -> Probe:
    r"""The blind rung's answer on no evidence (docs/plan.md rule 1): of the stable
    probes, the highest whose score is above the best one's by no more than
    :data:`SEPARATE_SE` standard errors of their paired difference
    (:func:`move_gain`; the best probe itself always qualifies).

    No probe left its plateau, so the scores rank nothing; the time to leave a
    saddle's plateau falls with the rate, so the highest rate that did no worse
    than the best is the likeliest to leave it within the run. A probe that
    scored worse beyond its noise (a finite blow-up) is not taken.

    >>> from lrkit.plan import Probe
    >>> def pr(peak, tail):
    ...     y = (1.0, 1.0, 1.0, 1.0) + tail
    ...     return Probe("blind", peak, "linear", 10, "", y, None, y[-1], False)
    >>> flat = [pr(1.0, (0.98, 1.0) * 3), pr(0.05, (1.0, 0.99) * 3), pr(0.002, (1.0, 0.995) * 3)]
    >>> [p.score for p in flat], _highest_alike(flat).peak  # the best is 0.05; 1.0 within noise
    ([1.0, 0.99, 0.995], 1.0)
    >>> blown = [pr(1.0, (9.0, 12.0) * 3)] + flat[1:]
    >>> _highest_alike(blown).peak
    0.05
    """
    best = min(stable, key=lambda p: p.score)
    alike = [p for p in stable if p is best or _no_worse(p, best)]
    return max(alike, key=lambda p: p.peak)


def _no_worse(p: Probe, best: Probe) -> bool:
    """``p`` scored above ``best`` by no more than :data:`SEPARATE_SE` standard errors."""
    gain, se = move_gain(p, best)
    return gain <= SEPARATE_SE * se


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


def _check_responds(rung: Sequence[Probe]) -> None:
    """ConfigError when probes at different peaks returned the very same losses.

    Then the loss does not depend on the rate: ``run`` does not apply the
    schedule it is given (or the gradients are zero), and any plan would be
    a guess.
    """
    ok = [p for p in rung if not p.diverged]
    if len(ok) >= 2 and all(np.array_equal(p.losses, ok[0].losses) for p in ok[1:]):
        raise ConfigError(
            f"plan: the probes at peaks {', '.join(f'{p.peak:.3g}' for p in ok)} returned "
            f"identical losses: the loss does not respond to the learning rate. Does "
            f"run(schedule, steps) set the optimizer's rate from schedule at every update "
            f"(and start each probe from the same state)?"
        )


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


def lr_area(shape: str, total: int, warmup: float = 0.05, cooldown: float = 0.2) -> float:
    r"""The mean rate of ``shape`` over ``total`` steps as a fraction of its peak,
    :math:`\frac{1}{T}\sum_t \eta_t / \eta_{max}` (the area under the schedule).

    >>> round(lr_area("linear", 1000), 3), round(lr_area("wsd", 1000), 3)
    (0.5, 0.875)
    """
    s = shape_schedule(shape, 1.0, total, warmup, cooldown)
    if total <= AREA_EXACT_STEPS:
        steps = np.arange(total)
    else:  # a long run: the mean over evenly spaced steps (memory bounded)
        steps = np.linspace(0, total - 1, AREA_EXACT_STEPS).round().astype(np.int64)
    return float(np.mean(np.asarray(s(steps), dtype=np.float64)))


def alternative(shapes: Sequence[str], total: int, warmup: float, cooldown: float) -> str | None:
    """The shape the shape probe compares with the default (``shapes[0]``): the one whose
    area (:func:`lr_area`) is farthest from the default's, the first such on a tie;
    ``None`` when there is no other shape.

    The candidate shapes differ first in how much learning rate they spend
    (linear decay, cosine and one_cycle about half of a constant's; WSD about
    0.88) and then in how they anneal; linear, cosine and one_cycle end within
    a few per cent of each other in the studies the default rests on (Bergsma
    et al. 2025, Hägele et al. 2024), so the one comparison worth its updates
    is the one across areas.
    """
    default = shapes[0]
    others = [s for s in shapes[1:] if s != default]
    if not others:
        return None
    a0 = lr_area(default, total, warmup, cooldown)
    gaps = [abs(lr_area(s, total, warmup, cooldown) - a0) for s in others]
    return others[int(np.argmax(gaps))]


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


def _shape_rung(
    led: _Ledger,
    alt: str | None,
    room: bool,
    default: str,
    total: int,
    warmup: float,
    cooldown: float,
    notes: list[str],
) -> tuple[str, float]:
    """The shape probe: ``alt`` at the second rung's best peak and length, *without a
    warm-up* (unless ``alt`` is one_cycle, whose warm-up is part of the shape), against
    that rung's probe of the default shape (with its warm-up). Returns ``(shape,
    warmup)``: ``alt`` when it scores lower by more than one standard error of the
    paired difference (:func:`paired_gain`), else the default; the plan's warm-up
    fraction, 0 only when ``alt`` won and its start did not overshoot
    (:func:`overshoot`), else ``warmup``.

    The probe is the candidate that spends the most rate (docs/plan.md rule 8):
    ``alt`` is the shape farthest in lr area from the default, and leaving out
    its warm-up spends more still; a probe that starts at the peak also shows
    directly whether the first updates are stable there, which is what a
    warm-up is for. Not run (``default``) when the budget had no ``room`` for it."""
    if alt is not None and not room:
        notes.append(f"no room for the shape probe in the budget: {alt} is not run")
        return default, warmup
    took = next((p.stage for p in led.probes if p.stage in ("long", "blind")), None)
    if alt is not None and took is not None:
        notes.append(f"the {took} rung took the shape probe's updates: {alt} is not run")
        return default, warmup
    rung2 = [p for p in led.probes if p.stage == "rung2" and not p.diverged]
    if alt is None or not rung2:
        if alt is not None:
            notes.append(f"no stable second-rung probe to compare {alt} with: keeping {default}")
        return default, warmup
    base = min(rung2, key=lambda p: p.score)
    cold = warmup > 0 and alt != "one_cycle"  # one_cycle's warm-up is its own
    probe = _probe(led, "shape", base.peak, alt, base.steps, warmup, cooldown, total, cold)
    what = f"{alt} without warm-up" if cold else alt
    if probe.diverged:
        notes.append(f"shape probe: {what} at {base.peak:.3g} diverged: keeping {default}")
        return default, warmup
    gain, se = paired_gain(base, probe)
    won = gain > se  # se >= 0: also a positive gain
    notes.append(
        f"shape probe ({base.steps} updates at peak {base.peak:.3g}): {what} {probe.score:.4g} "
        f"vs {default} {base.score:.4g} (difference {gain:+.3g}, standard error {se:.2g}): "
        + (f"{alt}" if won else f"keeping {default}")
    )
    if not won:
        return default, warmup
    rise = overshoot(base, probe, min(round(warmup * total), base.steps // 2)) if cold else None
    if rise is not None:
        t, a, b = rise
        notes.append(
            f"its start overshot at update {t} (loss {a:.4g} vs {b:.4g} with the warm-up, "
            f"same batch): {alt} keeps the warm-up"
        )
    elif cold:
        notes.append(f"its start was stable: {alt} without warm-up")
    return alt, 0.0 if cold and rise is None else warmup


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
