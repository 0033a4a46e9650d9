r"""The peak: the rungs of probes that choose it (docs/plan.md rules 1-7).

:func:`_choose_peak` runs the blind rung when the range test saw no fall (rule 1), else
the first and second rungs around its reading (:func:`_peak`, rules 2-7), or the long
rung when the first cannot tell its peaks apart; the peak for the full run follows from
the drift between the rungs (:func:`_horizon`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ConfigError, NonFiniteError
from ._evidence import FALL_NOISE, SEPARATE_SE, _no_worse, progressed, saw_fall, tells_apart, vertex
from ._ledger import _Ledger, _probe
from ._types import Probe

#: the largest exponent of the peak's shrinking with the run's length (see ``_horizon``)
BETA_MAX = 1.0


#: probes in the long rung (the fewest a reading between probes needs)
LONG_PROBES = 3


#: decades the blind rung spans below its top (the planner's span without a reading)
BLIND_DECADES = 4.0


def _candidates(
    ref: float | None, peaks: int, lo: float, hi: float, with_range: bool
) -> list[float]:
    r"""The first rung's peaks: :math:`\eta_{ref}\,2^{c-j}` (c = 0 after a range test, else
    centred on ``lr``); without a reference, ``peaks`` rates log-spaced from ``hi/10`` down to
    ``max(lo*1e2, hi/1e5)``."""
    if ref is None:
        return [float(v) for v in np.geomspace(hi / 10.0, max(lo * 100.0, hi / 1e5), peaks)]
    top = 1.0 if with_range else (peaks - 1) / 2.0
    return [ref * 2.0 ** (top - j) for j in range(peaks)]


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
