"""Direct tests for lrkit.plan's helpers, closing the classes behind the survivors of the
training samples seeds 13-15 (issue 15): ``vertex`` (the parabola through three probes,
its clamp, its edges), ``move_gain``'s second half, ``_rung2_peak``'s bounds on the drift,
``saw_fall``'s "fewer than 10 points" rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrkit.errors import NonFiniteError
from lrkit.finder import FinderResult
from lrkit.plan import Probe, shape_schedule
from lrkit.plan._core import _range_test_read
from lrkit.plan._evidence import move_gain, progressed, saw_fall, tells_apart, vertex
from lrkit.plan._ledger import _Ledger
from lrkit.plan._rungs import _blind_candidates, _blind_peak, _rung2_peak


def _p(peak, score, diverged=False, stage="rung2", losses=(2.0, 1.0)):
    return Probe(stage, peak, "linear", len(losses), "", losses, None, score, diverged)


def _parabola(peaks, scores):
    """The docstring's formula, written out: the minimum of the parabola through
    (log2 peak, log score) at offset (a - c) / (2 (a - 2b + c)) spacings from the middle."""
    x = [math.log2(v) for v in peaks]
    a, b, c = (math.log(s) for s in scores)
    delta = max(-1.0, min(1.0, (a - c) / (2 * (a - 2 * b + c))))
    return 2.0 ** (x[1] + delta * 0.5 * (x[2] - x[0]))


def test_vertex_of_exactly_three_probes_is_the_parabola_s_minimum():
    peaks, scores = (0.1, 0.2, 0.4), (3.0, 1.5, 2.0)
    got = vertex([_p(v, s) for v, s in zip(peaks, scores)])
    want = _parabola(peaks, scores)
    assert got == pytest.approx(want, rel=1e-12)
    # by hand: a = ln 2 + ln 1.5 above b, c = ln(4/3) above b: the minimum lies right of 0.2
    assert 0.2 < got < 0.4 and got != pytest.approx(0.2)
    # order of the probes does not matter: they are sorted by peak
    assert vertex([_p(v, s) for v, s in reversed(list(zip(peaks, scores)))]) == got


def test_vertex_is_clamped_to_the_probed_peaks_and_moved_inward_at_an_edge():
    # best at the lowest of four: the three lowest are used; the parabola's minimum
    # lies more than a spacing left of the middle, so the result is the lowest peak
    probes = [_p(0.1, 1.0), _p(0.2, 1.5), _p(0.4, 3.0), _p(0.8, 9.0)]
    a, b, c = (math.log(v) for v in (1.0, 1.5, 3.0))
    assert (a - c) / (2 * (a - 2 * b + c)) < -1.0  # unclamped: left of the lowest peak
    assert vertex(probes) == pytest.approx(0.1, rel=1e-12)
    # best at the highest: the three highest are used, clamped to the highest
    probes = [_p(0.1, 9.0), _p(0.2, 3.0), _p(0.4, 1.5), _p(0.8, 1.0)]
    assert vertex(probes) == pytest.approx(0.8, rel=1e-12)
    # best at the highest but inside the clamp: the parabola through the top three
    probes = [_p(0.1, 9.0), _p(0.2, 2.0), _p(0.4, 1.2), _p(0.8, 1.1)]
    want = _parabola((0.2, 0.4, 0.8), (2.0, 1.2, 1.1))
    assert 0.4 < want < 0.8 and vertex(probes) == pytest.approx(want, rel=1e-12)


def test_vertex_falls_back_to_the_best_peak_without_curvature_or_with_a_diverged_neighbour():
    # concave in log score (a - 2b + c < 0): the best probe's own peak
    assert vertex([_p(0.1, 3.0), _p(0.2, 2.0), _p(0.4, 1.0)]) == 0.4
    # flat (a - 2b + c = 0): the best (first of the lowest score) probe's peak
    assert vertex([_p(0.1, 2.0), _p(0.2, 2.0), _p(0.4, 2.0)]) == 0.1
    # a diverged probe among the three
    inf = float("inf")
    assert vertex([_p(0.1, 3.0), _p(0.2, 1.0), _p(0.4, inf, True)]) == 0.2
    # fewer than three probes
    assert vertex([_p(0.1, 3.0), _p(0.2, 1.0)]) == 0.2
    assert vertex([_p(0.1, 3.0)]) == 0.1
    # every probe diverged, or scored <= 0 (no log): None
    assert vertex([_p(0.1, inf, True), _p(0.2, inf, True)]) is None
    assert vertex([_p(0.1, 0.0), _p(0.2, -1.0)]) is None
    # a probe scoring 0 is not a candidate for the best, and breaks the three
    assert vertex([_p(0.1, 0.0), _p(0.2, 1.0), _p(0.4, 3.0)]) == 0.2


def test_move_gain_estimates_the_noise_over_the_second_half_only():
    """half = steps // 2: d_t over t = 3..5 of 6 updates, sigma^2 = sum(diff(d)^2) / (2 (m - 1)),
    se = sigma / sqrt(max(1, round(0.1 L)))."""
    base = Probe("rung2", 0.05, "linear", 6, "", (3.0, 2.0, 1.0, 1.0, 1.2, 0.8), None, 1.0, False)
    alt = Probe("rung2", 0.1, "linear", 6, "", (3.0, 2.0, 2.0, 1.0, 1.0, 1.0), None, 0.75, False)
    gain, se = move_gain(base, alt)
    d = np.array([0.0, 0.2, -0.2])  # base - alt over losses[3:]
    assert gain == 0.25
    assert se == pytest.approx(math.sqrt(np.sum(np.diff(d) ** 2) / (2 * 2)), rel=1e-12)
    assert se == pytest.approx(math.sqrt(0.05), rel=1e-12)
    # the score's window n = round(0.1 L) divides the variance for a longer probe
    y = (1.0, 1.2) * 10
    base = Probe("rung2", 0.05, "linear", 20, "", y, None, 1.1, False)
    alt = Probe("rung2", 0.1, "linear", 20, "", (1.0,) * 20, None, 1.0, False)
    gain, se = move_gain(base, alt)
    d = np.array(y[10:]) - 1.0
    var = np.sum(np.diff(d) ** 2) / (2 * (len(d) - 1))
    assert gain == pytest.approx(0.1) and se == pytest.approx(math.sqrt(var / 2), rel=1e-12)


def _rung(peaks, scores, stage):
    return [_p(v, s, stage=stage) for v, s in zip(peaks, scores)]


def test_rung2_best_at_its_highest_peak_measures_no_drift():
    """docs/plan.md: an end of the probed range only bounds a rung's best peak; the
    second rung stuck at its highest says nothing about the drift, so beta = 0 and the
    plan's peak is the second rung's best itself."""
    cands = [0.8, 0.4, 0.2, 0.1]
    rung1 = _rung(cands, (4.0, 1.2, 1.0, 3.0), "rung1")
    eta1 = vertex(rung1)
    assert 0.1 < eta1 < 0.4
    second = [0.2, 0.1, 0.05]
    rung2 = _rung(second, (1.0, 2.0, 5.0), "rung2")  # best at 0.2, clamped there
    assert vertex(rung2) == pytest.approx(0.2, rel=1e-12)
    notes: list[str] = []
    peak = _rung2_peak(rung1, rung2, eta1, cands, 10, 1000, True, notes)
    assert peak == pytest.approx(0.2, rel=1e-12)
    assert "it shrank as h^-0.00 from rung 1" in notes[0]
    # the same rungs with the second's best inside: the drift is measured and hedged
    rung2 = _rung(second, (1.5, 1.0, 5.0), "rung2")
    eta2 = vertex(rung2)
    assert 0.05 < eta2 < 0.2
    notes = []
    peak = _rung2_peak(rung1, rung2, eta1, cands, 10, 1000, True, notes)
    beta = max(0.0, min(1.0, math.log2(eta1 / eta2)))
    assert beta > 0 and peak == pytest.approx(eta2 * (1000 / 20) ** (-beta / 2), rel=1e-12)


def test_rung1_best_at_its_lowest_candidate_measures_no_drift():
    cands = [0.8, 0.4, 0.2, 0.1]
    rung1 = _rung(cands, (9.0, 5.0, 3.0, 1.0), "rung1")
    eta1 = vertex(rung1)
    assert eta1 == pytest.approx(0.1, rel=1e-12)
    rung2 = _rung([0.1, 0.05, 0.025], (1.5, 1.0, 5.0), "rung2")
    eta2 = vertex(rung2)
    notes: list[str] = []
    assert _rung2_peak(rung1, rung2, eta1, cands, 10, 1000, True, notes) == eta2
    assert "h^-0.00" in notes[0]


def _finder(n, skip_start, skip_end):
    lrs = np.geomspace(1e-6, 10, n)
    y = 0.693 + 0.01 * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)  # flat: no fall
    flat = np.full(n, 0.693)  # the lag-free curve: no fall at all
    return FinderResult(lrs, y, y, skip_start=skip_start, skip_end=skip_end, curve=flat)


def test_saw_fall_decides_nothing_on_fewer_than_10_points_read():
    """docs/plan.md rule 1: fewer than 10 points read counts as a fall (nothing to decide),
    wherever the window sits; 10 points of a flat sweep are read, and show no fall."""
    assert saw_fall(_finder(20, 12, 0))  # window [12, 20): 8 points
    assert saw_fall(_finder(20, 11, 0))  # 9 points
    assert not saw_fall(_finder(20, 10, 0))  # 10 points, flat
    assert not saw_fall(_finder(30, 12, 0))  # 18 points, flat
    assert saw_fall(_finder(9, 0, 0))


# --- lines no test ran (``--uncovered``): the blind rung's edges and the ledger's guard ---


def test_blind_candidates_below_the_floor_keep_four_decades_under_the_sweep_s_stop():
    """``top`` = the rate where the sweep diverged when below hi/10; the bottom is
    ``max(100 lo, top / 10^4)``, and when that floor is not below ``top`` (the sweep
    diverged under 100 lo) the four decades under ``top`` instead."""
    lrs = np.geomspace(1e-6, 1e-5, 12)
    res = FinderResult(lrs, np.ones(12), np.ones(12), stop_reason="diverged", stop_lr=1e-5)
    got = _blind_candidates(res, 4, 1e-6, 10.0)
    assert got == pytest.approx(list(np.geomspace(1e-5, 1e-9, 4)), rel=1e-12)
    res = FinderResult(lrs, np.ones(12), np.ones(12), stop_reason="diverged", stop_lr=0.5)
    assert _blind_candidates(res, 4, 1e-6, 10.0) == pytest.approx(
        list(np.geomspace(0.5, 1e-4, 4)), rel=1e-12
    )  # 0.5 / 10^4 is below 100 lo: the floor
    res = FinderResult(lrs, np.ones(12), np.ones(12))  # completed: top = hi / 10
    assert _blind_candidates(res, 3, 1e-6, 10.0) == pytest.approx([1.0, 1e-2, 1e-4], rel=1e-12)


def _peak_of(schedule, steps):
    return float(np.max(np.asarray(schedule(np.arange(steps)), dtype=np.float64)))


def test_blind_rung_where_every_probe_diverges_is_an_error_naming_the_peaks():
    def run(schedule, steps):
        return [2.0, float("nan")]

    led = _Ledger(run, 400, None)
    notes: list[str] = []
    with pytest.raises(NonFiniteError, match=r"peaks from 1 down to 0\.0001, and the range"):
        _blind_peak(led, [1.0, 0.1, 0.01, 1e-4], 1000, "linear", 0.0, 0.2, notes)
    assert led.cost == 8 and len(led.probes) == 4  # each ran its 2 updates, then stopped
    assert notes[0].endswith("blind rung of 4 probes of 100 updates at 1, 0.1, 0.01, 0.0001")


def test_blind_rung_whose_probes_fell_but_scored_alike_takes_the_lowest_that_fell():
    """Every probe leaves its plateau (the same fall), and they differ only by an
    alternating wiggle of a size set by the peak: no gain beyond 2 standard errors
    (``tells_apart`` is false), so the peak is the lowest probe that fell."""

    def run(schedule, steps):
        eps = 0.01 * (1.0 + abs(math.log10(_peak_of(schedule, steps))))
        t = np.arange(steps)
        return list(2.0 / (1.0 + 0.05 * t) + eps * np.where(t % 2 == 0, 1.0, -1.0))

    led = _Ledger(run, 400, None)
    notes: list[str] = []
    cands = [1.0, 0.1, 0.01, 1e-3]
    peak = _blind_peak(led, cands, 1000, "linear", 0.0, 0.2, notes)
    assert peak == 1e-3
    assert all(progressed(p) for p in led.probes) and not tells_apart(led.probes)
    assert notes[1] == (
        "blind rung: 4 probe(s) left the plateau but scored alike; the lowest of them, 0.001"
    )


def test_the_ledger_refuses_a_probe_beyond_its_cap_before_running_it():
    ran = []
    led = _Ledger(lambda s, n: ran.append(n) or [1.0] * n, 10, None)
    led.probe("rung1", 0.1, "linear", shape_schedule("linear", 0.1, 6), 6)
    with pytest.raises(AssertionError, match=r"budget overrun \(6 \+ 5 > 10\)"):
        led.probe("rung1", 0.1, "linear", shape_schedule("linear", 0.1, 5), 5)
    assert ran == [6] and led.cost == 6


def test_vertex_moves_in_units_of_the_probes_spacing():
    """h = half the log2 distance from the lowest to the highest of the three: with
    peaks 4x apart (h = 2) the offset in log2 is 2 delta."""
    peaks, scores = (0.1, 0.4, 1.6), (3.0, 1.5, 2.0)
    got = vertex([_p(v, s) for v, s in zip(peaks, scores)])
    a, b, c = (math.log(s) for s in scores)
    delta = (a - c) / (2 * (a - 2 * b + c))
    assert 0 < delta < 1
    assert got == pytest.approx(0.4 * 2.0 ** (2 * delta), rel=1e-12)


def test_rung2_best_within_rounding_of_its_highest_peak_still_measures_no_drift():
    """The top-of-rung bound has a rounding allowance of 1e-9 (relative), inclusive: a
    best peak at exactly max * (1 - 1e-9) is at the top, and the drift is not read."""
    cands = [0.8, 0.4, 0.2, 0.1]
    rung1 = _rung(cands, (4.0, 1.2, 1.0, 3.0), "rung1")
    eta1 = vertex(rung1)
    edge = 0.2 * (1 - 1e-9)
    # the 0.2 probe diverged: vertex falls back to the best stable probe's own peak
    rung2 = [_p(0.2, math.inf, True), _p(edge, 1.0), _p(0.05, 3.0)]
    assert vertex(rung2) == edge
    notes: list[str] = []
    assert _rung2_peak(rung1, rung2, eta1, cands, 10, 1000, True, notes) == edge
    assert "h^-0.00" in notes[0]
    # a little further below the top: the drift is read
    below = 0.2 * (1 - 1e-8)
    rung2 = [_p(0.2, math.inf, True), _p(below, 1.0), _p(0.05, 3.0)]
    notes = []
    assert _rung2_peak(rung1, rung2, eta1, cands, 10, 1000, True, notes) < below
    assert "h^-0.00" not in notes[0]


def test_move_gain_of_two_paired_differences_has_a_noise_term_from_their_one_step():
    """4 updates: the second half holds 2 differences, one successive step (m - 1 = 1):
    sigma^2 = (d_3 - d_2)^2 / 2, se = sigma (n = max(1, round(0.4)) = 1)."""
    base = Probe("rung2", 0.05, "linear", 4, "", (3.0, 2.0, 1.5, 1.1), None, 1.1, False)
    alt = Probe("rung2", 0.1, "linear", 4, "", (3.0, 2.0, 1.0, 1.0), None, 1.0, False)
    gain, se = move_gain(base, alt)
    assert gain == pytest.approx(0.1)
    assert se == pytest.approx(math.sqrt((0.1 - 0.5) ** 2 / 2), rel=1e-12) and se > 0


def test_a_range_test_without_a_minimum_reads_its_reference_at_suggest_times_sqrt_10():
    """No minimum (the curve rises then falls, never below its start) but ``suggest()``
    answers: the reference rate is ``suggest() * sqrt(10)``, as the note says."""
    lo, hi = 1e-6, 10.0

    def run(schedule, steps):
        lrs = np.asarray(schedule(np.arange(steps)), float)
        u = np.clip(np.log10(lrs / lo) / np.log10(hi / lo), 0.0, 1.0)
        return list(1.0 + 0.5 * np.sin(np.pi * u) + 0.05 * u)

    led = _Ledger(run, 100, None)
    res, ref, note = _range_test_read(led, 40, lo, hi)
    assert res.suggestion("minimum").lr is None and res.suggest() is not None
    assert ref == pytest.approx(res.suggest() * math.sqrt(10.0), rel=1e-12)
    assert note.startswith("range test: no clear minimum") and note.endswith("x sqrt(10)")
    assert led.cost == 40


def test_reread_leaves_out_the_point_that_tripped_the_finders_divergence_stop():
    """Seed 22, ``_core.py:308``: the finder records the step whose *smoothed* loss
    tripped its stop; the planner's re-read of the sweep drops that point even when its
    raw loss (here 2.2, under 4x the best 1.2) would not trip the raw rule, and keeps the
    finder's stop."""
    import numpy as np

    from lrkit.finder import FinderResult
    from lrkit.plan._core import _reread

    lrs = np.geomspace(1e-4, 1.0, 10)
    loss = np.array([3.0, 2.9, 2.7, 2.4, 2.0, 1.6, 1.3, 1.2, 1.5, 2.2])
    swept = FinderResult(
        lrs,
        loss,
        loss,
        stop_reason="diverged",
        stop_lr=1.0,
        stop_loss=2.2,
        config={"diverge": 4.0},
    )
    r = _reread(swept, 10, 1e-4, 1.0)
    np.testing.assert_array_equal(r.lrs, lrs[:9])
    np.testing.assert_array_equal(r.losses, loss[:9])
    assert (r.stop_reason, r.stop_lr, r.stop_loss) == ("diverged", 1.0, 2.2)
