r"""The shape: the shape probe, and the loss-curve law's check of it (docs/plan.md rules 8-10).

:func:`_shape_rung` runs the shape farthest in lr area from the default
(:func:`alternative`, :func:`lr_area`) once, without a warm-up, against the second
rung's best probe; :func:`_pick_shape` lets a fitted law change the shape only when it
fits the probes and predicts a clear gain (and says why when no law is fitted).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..spec import parse
from ._evidence import overshoot, paired_gain
from ._ledger import _Ledger, _probe
from ._shapes import shape_schedule
from ._types import Prediction

__all__ = ["alternative", "lr_area", "LAW_MIN_RUN_SECONDS", "LAW_TOLERANCE", "AREA_EXACT_STEPS"]


#: with ``use_laws="auto"``, fit a law only when the probes took at least this long (s):
#: a fit of the probes takes up to ~5 s (4.8-4.9 s on charlm's, 2-core VM), which must
#: stay under 5 % of the planner's time: 20 x 5 s = 100 s, and a margin for a slower fit
LAW_MIN_RUN_SECONDS = 120.0


#: a law whose mean relative error on the probes exceeds this is not trusted
LAW_TOLERANCE = 0.05


#: :func:`lr_area` averages every step up to this many, evenly spaced steps beyond
AREA_EXACT_STEPS = 1_000_000


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
