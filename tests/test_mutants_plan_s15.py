"""lrkit.plan's pure helpers against plain re-statements of their documented rules, on
seeded random inputs (issue 15, training pass seeds 15-19).

One hand-picked case per survivor does not move a fresh sample: a mutant elsewhere in
the same helper survives the next draw. Here every helper whose answer is a formula
(docstrings of ``_core.py``, ``_laws.py``, ``_types.py``) is compared with that formula
written out independently, over a few hundred random inputs that reach every branch
(short probes, one-point windows, diverged probes, ties, validation losses, clamps),
so that a flipped comparison, an off-by-one or a dropped term anywhere in them changes
at least one answer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrkit.errors import ConfigError
from lrkit.finder import FinderResult
from lrkit.plan import Probe, shape_schedule
from lrkit.plan._core import MIN_PROBE, MIN_RANGE, _allocate
from lrkit.plan._evidence import move_gain, overshoot, paired_gain, progressed, tells_apart, vertex
from lrkit.plan._laws import MAX_POINTS, binned_run_data
from lrkit.plan._ledger import _Ledger
from lrkit.plan._rungs import _blind_candidates, _candidates, _horizon
from lrkit.plan._shape_rule import alternative, lr_area


def _rng(k: int) -> np.random.Generator:
    return np.random.default_rng(1500 + k)


def _probe(losses, score=None, peak=0.1, val=None, diverged=False, steps=None):
    losses = tuple(float(v) for v in losses)
    if score is None:
        score = losses[-1] if losses else math.inf
    n = len(losses) if steps is None else steps
    return Probe("rung2", peak, "linear", n, "", losses, val, score, diverged)


def _half_round(x: float) -> int:
    """Python's round (half to even), written out: the helpers use round()."""
    f = math.floor(x)
    r = x - f
    if r > 0.5 or (r == 0.5 and f % 2 == 1):
        return f + 1
    return f


# ---------------------------------------------------------------- move_gain / paired_gain


def _move_gain_ref(base, alt):
    gain = base.score - alt.score
    if base.val_loss is not None and alt.val_loss is not None:
        return gain, 0.0
    h = base.steps // 2
    d = [base.losses[t] - alt.losses[t] for t in range(h, len(base.losses))]
    m = len(d)
    if m < 2:
        return gain, 0.0
    s2 = sum((d[t] - d[t - 1]) ** 2 for t in range(1, m)) / (2.0 * (m - 1))
    n = max(1, _half_round(0.1 * base.steps))
    return gain, math.sqrt(s2 / n)


def test_move_gain_is_the_von_neumann_estimate_over_the_second_half():
    rng = _rng(1)
    seen_zero = seen_pos = 0
    for _ in range(300):
        L = int(rng.integers(1, 40))
        a = rng.uniform(0.5, 3.0, L)
        b = a + rng.normal(0, 0.3, L)
        va = vb = None
        r = rng.random()
        if r < 0.15:
            va, vb = float(rng.uniform(0.1, 2)), float(rng.uniform(0.1, 2))
        elif r < 0.25:
            va = float(rng.uniform(0.1, 2))  # one validation loss only: the noise is used
        elif r < 0.3:
            vb = float(rng.uniform(0.1, 2))
        base = _probe(a, score=float(rng.uniform(0, 3)), val=va)
        alt = _probe(b, score=float(rng.uniform(0, 3)), val=vb)
        got = move_gain(base, alt)
        want = _move_gain_ref(base, alt)
        assert got[0] == pytest.approx(want[0], rel=1e-12, abs=1e-12)
        assert got[1] == pytest.approx(want[1], rel=1e-9, abs=1e-15)
        seen_zero += want[1] == 0.0
        seen_pos += want[1] > 0.0
    assert seen_zero > 20 and seen_pos > 150


def test_move_gain_takes_the_second_half_of_the_base_probe_s_steps():
    # steps (8) and the number of losses (10) differ: the half is steps // 2 = 4
    base = _probe(np.arange(10.0, 0.0, -1.0), score=1.0, steps=8)
    alt = _probe(np.zeros(10), score=0.5, steps=8)
    d = np.arange(10.0, 0.0, -1.0)[4:]
    want = math.sqrt(np.sum(np.diff(d) ** 2) / (2 * (len(d) - 1)) / 1)  # round(0.8) = 1
    assert move_gain(base, alt) == pytest.approx((0.5, want))


def _paired_gain_ref(base, alt):
    if base.val_loss is not None and alt.val_loss is not None:
        return base.score - alt.score, 0.0
    n = max(1, _half_round(0.1 * base.steps))
    d = [base.losses[-k] - alt.losses[-k] for k in range(1, n + 1)]
    mean = sum(d) / n
    if n == 1:
        return mean, 0.0
    sd = math.sqrt(sum((v - mean) ** 2 for v in d) / (n - 1))
    return mean, sd / math.sqrt(n)


def test_paired_gain_is_the_mean_and_standard_error_over_the_score_s_window():
    rng = _rng(2)
    for _ in range(300):
        L = int(rng.integers(1, 60))
        a = rng.uniform(0.5, 3.0, L)
        b = a + rng.normal(0.05, 0.2, L)
        va = vb = None
        r = rng.random()
        if r < 0.2:
            va, vb = float(rng.uniform(0.1, 2)), float(rng.uniform(0.1, 2))
        elif r < 0.3:
            va = float(rng.uniform(0.1, 2))
        base = _probe(a, score=float(rng.uniform(0, 3)), val=va)
        alt = _probe(b, score=float(rng.uniform(0, 3)), val=vb)
        got = paired_gain(base, alt)
        want = _paired_gain_ref(base, alt)
        assert got[0] == pytest.approx(want[0], rel=1e-9, abs=1e-12)
        assert got[1] == pytest.approx(want[1], rel=1e-9, abs=1e-15)


# ---------------------------------------------------------------- overshoot / progressed


def test_overshoot_is_the_first_update_of_the_warm_up_where_cold_is_above_warm():
    rng = _rng(3)
    hits = misses = 0
    for _ in range(300):
        lw, lc = int(rng.integers(1, 12)), int(rng.integers(1, 12))
        warm = rng.uniform(1.0, 2.0, lw)
        cold = rng.uniform(0.6, 1.6, lc)
        if rng.random() < 0.3 and lc > 1:
            cold[int(rng.integers(1, lc))] = math.nan
        if rng.random() < 0.3:
            k = min(lw, lc)
            cold[:k] = warm[:k]  # ties are no overshoot
        w = int(rng.integers(0, 12))
        want = None
        for t in range(1, min(w, lw - 1, lc - 1) + 1):
            if not cold[t] <= warm[t]:
                want = (t, float(cold[t]), float(warm[t]))
                break
        got = overshoot(_probe(warm), _probe(cold), w)
        if want is None:
            assert got is None
            misses += 1
        else:
            assert got is not None and got[0] == want[0] and got[2] == want[2]
            assert got[1] == want[1] or (math.isnan(got[1]) and math.isnan(want[1]))
            hits += 1
    assert hits > 50 and misses > 50


def test_progressed_is_a_fall_beyond_twice_its_standard_error_and_a_tenth_of_the_start():
    rng = _rng(4)
    yes = no = 0
    for _ in range(400):
        L = int(rng.integers(1, 50))
        start = float(rng.uniform(-2.0, 3.0))
        fall = float(rng.uniform(-0.5, 1.5)) * abs(start) * rng.choice([0.05, 0.5, 1.0])
        y = (
            start
            - fall * np.linspace(0, 1, L)
            + rng.normal(0, float(rng.choice([0.0, 0.02, 0.3])), L)
        )
        if rng.random() < 0.05 and L:
            y[int(rng.integers(0, L))] = math.inf
        w = max(2, _half_round(0.1 * L))
        if L < 2 * w or not all(math.isfinite(v) for v in y):
            want = False
        else:
            head, tail = y[:w], y[-w:]
            mh, mt = sum(head) / w, sum(tail) / w
            vh = sum((v - mh) ** 2 for v in head) / (w - 1)
            vt = sum((v - mt) ** 2 for v in tail) / (w - 1)
            se = math.sqrt((vh + vt) / w)
            drop = mh - mt
            want = bool(drop > 2 * se and drop >= 0.1 * abs(mh))
        assert progressed(_probe(y)) is want
        yes += want
        no += not want
    assert yes > 60 and no > 60


def test_progressed_on_the_edges_of_its_two_bars():
    # noiseless: se = 0, so a fall of exactly a tenth of the start passes (>=), and
    # one a hair smaller does not
    assert 2.5 - 2.25 == 0.1 * 2.5  # exact in binary floating point
    y = np.r_[np.full(10, 2.5), np.full(10, 2.25)]
    assert progressed(_probe(y))
    y = np.r_[np.full(10, 2.5), np.full(10, 2.25 + 1e-9)]
    assert not progressed(_probe(y))
    # a negative start: the bar is a tenth of its size, not of its signed value
    y = np.r_[np.full(10, -2.5), np.full(10, -2.7)]
    assert not progressed(_probe(y))
    y = np.r_[np.full(10, -2.5), np.full(10, -2.75)]
    assert progressed(_probe(y))
    # 4 losses: w = 2, just enough; 3 are not
    assert progressed(_probe((3.0, 3.0, 1.0, 1.0)))
    assert not progressed(_probe((3.0, 1.0, 1.0)))


# ---------------------------------------------------------------- tells_apart / vertex


def test_tells_apart_against_its_rule_on_random_rungs():
    rng = _rng(5)
    yes = no = 0
    for _ in range(300):
        k = int(rng.integers(1, 5))
        L = int(rng.integers(2, 24))
        base = rng.uniform(1.0, 2.0, L)
        rung = []
        for j in range(k):
            y = base + rng.normal(0, float(rng.choice([0.01, 0.1])), L) + float(rng.uniform(0, 0.3))
            div = rng.random() < 0.08
            rung.append(
                _probe(
                    y,
                    score=math.inf if div else float(np.mean(y[-2:])),
                    peak=0.1 / 2**j,
                    diverged=div,
                )
            )
        if any(p.diverged for p in rung):
            want = True
        elif len(rung) < 2:
            want = False
        else:
            best = min(rung, key=lambda p: p.score)
            want = False
            for p in rung:
                if p is best:
                    continue
                g, se = _move_gain_ref(p, best)
                if bool(g > 2.0 * se):
                    want = True
        assert tells_apart(rung) is want
        yes += want
        no += not want
    assert yes > 40 and no > 40


def _vertex_ref(probes):
    order = sorted(range(len(probes)), key=lambda j: probes[j].peak)
    ps = [probes[j] for j in order]
    good = [j for j, p in enumerate(ps) if not p.diverged and p.score > 0]
    if not good:
        return None
    i = min(good, key=lambda j: (ps[j].score, j))
    m = i
    if m < 1:
        m = 1
    if m > len(ps) - 2:
        m = len(ps) - 2
    idx = [m - 1, m, m + 1]
    if len(ps) < 3 or any(j not in good for j in idx):
        return ps[i].peak
    x = [math.log2(ps[j].peak) for j in idx]
    a, b, c = (math.log(ps[j].score) for j in idx)
    if a - 2 * b + c <= 0 or x[2] - x[0] <= 0:
        return ps[i].peak
    delta = (a - c) / (2 * (a - 2 * b + c))
    delta = -1.0 if delta < -1.0 else (1.0 if delta > 1.0 else delta)
    return 2.0 ** (x[1] + delta * (x[2] - x[0]) / 2)


def test_vertex_against_the_parabola_on_random_rungs():
    rng = _rng(6)
    read = own = none = 0
    for _ in range(400):
        k = int(rng.integers(1, 7))
        peaks = np.sort(rng.uniform(-12, 0, k))
        peaks = [2.0**v for v in np.unique(np.round(peaks, 3))]
        probes = []
        for v in peaks:
            u = rng.random()
            if u < 0.12:
                probes.append(_probe((1.0,), score=math.inf, peak=v, diverged=True))
            elif u < 0.17:
                probes.append(_probe((1.0,), score=float(rng.choice([0.0, -0.5])), peak=v))
            else:
                probes.append(_probe((1.0,), score=float(rng.uniform(0.1, 3.0)), peak=v))
        rng.shuffle(probes)
        want = _vertex_ref(probes)
        got = vertex(probes)
        if want is None:
            assert got is None
            none += 1
        else:
            assert got == pytest.approx(want, rel=1e-12)
            on_probe = any(got == p.peak for p in probes)
            read += not on_probe
            own += on_probe
    assert read > 60 and own > 60 and none > 5


# ---------------------------------------------------------------- peaks: candidates, horizon


def test_horizon_is_the_hedged_power_law_with_a_clamped_exponent():
    rng = _rng(7)
    for _ in range(300):
        eta2 = float(10 ** rng.uniform(-4, 0))
        r = rng.random()
        eta1 = (
            None
            if r < 0.1
            else (
                0.0 if r < 0.15 else (-eta2 if r < 0.2 else eta2 * float(2 ** rng.uniform(-1, 2)))
            )
        )
        ell, total = int(rng.integers(6, 200)), int(rng.integers(20, 100000))
        if eta1 is None or eta1 <= 0:
            want = (eta2, 0.0)
        else:
            beta = min(1.0, max(0.0, math.log(eta1 / eta2, 2)))
            want = (eta2 / (total / (2 * ell)) ** (beta / 2), beta)
        got = _horizon(eta1, eta2, ell, total)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-15)


def test_candidates_around_a_reading_or_a_given_rate_or_log_spaced_without_one():
    rng = _rng(8)
    for _ in range(100):
        k = int(rng.integers(2, 9))
        ref = float(10 ** rng.uniform(-5, 0))
        lo, hi = float(10 ** rng.uniform(-9, -3)), float(10 ** rng.uniform(-2, 2))
        # after a range test: ref * 2, ref, ref / 2, ...
        want = [ref * 2.0 / 2.0**j for j in range(k)]
        assert _candidates(ref, k, lo, hi, True) == pytest.approx(want, rel=1e-12)
        # a given lr: centred on it in log scale
        got = _candidates(ref, k, lo, hi, False)
        assert math.prod(got) ** (1 / k) == pytest.approx(ref, rel=1e-9)
        assert [got[j] / got[j + 1] for j in range(k - 1)] == pytest.approx([2.0] * (k - 1))
        # no reading: log-spaced from hi/10 down to max(100 lo, hi/1e5)
        got = _candidates(None, k, lo, hi, True)
        bottom = max(100 * lo, hi * 1e-5)
        want = [hi / 10 * (bottom / (hi / 10)) ** (j / (k - 1)) for j in range(k)]
        assert got == pytest.approx(want, rel=1e-9)


def test_blind_candidates_against_their_rule():
    rng = _rng(9)
    lrs = np.geomspace(1e-6, 10.0, 12)
    y = np.full(12, 1.0)
    for _ in range(200):
        k = int(rng.integers(2, 9))
        lo, hi = float(10 ** rng.uniform(-9, -1)), float(10 ** rng.uniform(-1, 2))
        reason = str(rng.choice(["diverged", "completed", "nonfinite"]))
        stop = [None, math.nan, math.inf, -1.0, 0.0, float(10 ** rng.uniform(-8, 2))][
            int(rng.integers(0, 6))
        ]
        res = FinderResult(lrs, y, y, stop_reason=reason, stop_lr=stop)
        top = hi / 10
        if reason == "diverged" and stop is not None and math.isfinite(stop) and stop > 0:
            top = min(top, stop)
        bottom = max(100 * lo, top / 1e4)
        if bottom >= top:
            bottom = top / 1e4
        want = [top * (bottom / top) ** (j / (k - 1)) for j in range(k)]
        assert _blind_candidates(res, k, lo, hi) == pytest.approx(want, rel=1e-9)


# ---------------------------------------------------------------- budget


def _range_len(c, with_range):
    if not with_range:
        return 0
    return min(100, max(MIN_RANGE, _half_round(0.2 * c)))


def test_allocate_against_its_rule_and_its_smallest_budget():
    rng = _rng(10)
    ok = refused = dropped = 0
    for _ in range(400):
        total = int(rng.integers(20, 3000))
        cap = int(rng.integers(0, 800 if rng.random() < 0.5 else 160))
        peaks = int(rng.integers(2, 9))
        with_range, shape_probe = bool(rng.random() < 0.7), bool(rng.random() < 0.7)
        n_f = _range_len(cap, with_range)
        want = None
        for extra in (2, 0) if shape_probe else (0,):
            ell = min((cap - n_f) // (peaks + 6 + extra), total // 2)
            if ell >= MIN_PROBE:
                want = (n_f, ell, extra == 2)
                break
        if want is not None:
            assert _allocate(total, cap, peaks, with_range, shape_probe) == want
            ok += 1
            dropped += shape_probe and not want[2]
            continue
        units = peaks + 6
        need = next(c for c in range(10**5) if c - _range_len(c, with_range) >= units * MIN_PROBE)
        with pytest.raises(ConfigError) as e:
            _allocate(total, cap, peaks, with_range, shape_probe)
        msg = str(e.value)
        assert f"{cap} extra updates allowed" in msg
        assert f"at least {need} (" in msg and f"{peaks + 3} probes)" in msg
        assert f"budget to >= {need / total:.3g}," in msg
        assert ("range test and " in msg) is with_range
        refused += 1
    assert ok > 80 and refused > 80 and dropped > 5


# ---------------------------------------------------------------- shapes


def test_lr_area_is_the_mean_rate_over_the_peak_and_alternative_the_farthest():
    rng = _rng(11)
    names = ("linear", "wsd", "cosine", "one_cycle", "constant")
    for _ in range(40):
        T = int(rng.integers(20, 400))
        wu, cd = float(rng.choice([0.0, 0.05, 0.3])), float(rng.choice([0.0, 0.2, 0.5]))
        areas = {}
        for s in names:
            sched = shape_schedule(s, 1.0, T, wu, cd)
            areas[s] = float(np.sum(np.asarray(sched(np.arange(T)), dtype=np.float64))) / T
            assert lr_area(s, T, wu, cd) == pytest.approx(areas[s], rel=1e-9)
        k = int(rng.integers(1, 5))
        shapes = tuple(str(v) for v in rng.choice(names, k))
        others = [s for s in shapes[1:] if s != shapes[0]]
        if not others:
            assert alternative(shapes, T, wu, cd) is None
            continue
        gaps = [abs(areas[s] - areas[shapes[0]]) for s in others]
        far = max(gaps)
        want = others[next(j for j, g in enumerate(gaps) if g >= far - 1e-12)]
        assert alternative(shapes, T, wu, cd) == want


def test_binned_run_data_against_its_windows():
    rng = _rng(12)
    for _ in range(200):
        n = int(rng.integers(0, 200))
        y = rng.uniform(0.1, 3.0, n)
        if rng.random() < 0.1 and n > 1:
            y[int(rng.integers(1, n))] = float(rng.choice([0.0, -1.0, math.nan, math.inf]))
        got = binned_run_data(np.ones(n), y)
        z = y[1:]
        if len(z) < 4 or not all(math.isfinite(v) and v > 0 for v in z):
            assert got is None
            continue
        w = max(1, math.ceil(len(z) / MAX_POINTS))
        nb = len(z) // w
        start = len(z) - nb * w
        want_y = [float(np.mean(z[start + b * w : start + (b + 1) * w])) for b in range(nb)]
        want_s = [start + b * w + w // 2 for b in range(nb)]
        steps, means = got
        assert list(steps) == want_s and len(means) <= MAX_POINTS
        assert list(means) == pytest.approx(want_y, rel=1e-12)


# ---------------------------------------------------------------- the ledger


def test_ledger_scores_counts_and_flags_every_probe_as_documented():
    rng = _rng(13)
    seen = []
    cap = 10**6
    for _ in range(200):
        steps = int(rng.integers(1, 40))
        n = steps if rng.random() < 0.7 else int(rng.integers(0, steps + 1))
        y = rng.uniform(0.5, 2.0, n)
        if rng.random() < 0.1 and n:
            y[int(rng.integers(0, n))] = math.nan
        val = [None, None, float(rng.uniform(0.1, 1.0)), math.inf, math.nan][
            int(rng.integers(0, 5))
        ]
        out = list(y) if val is None else {"losses": list(y), "val_loss": val}
        led = _Ledger(lambda s, k, out=out: out, cap, seen.append)
        p = led.probe("rung1", 0.25, "linear", "spec", steps)
        want_div = n < steps or not all(math.isfinite(v) for v in y)
        if val is not None and not math.isfinite(val):
            want_div = True
        if want_div:
            want_score = math.inf
        elif val is not None:
            want_score = val
        else:
            k = max(1, _half_round(0.1 * steps))
            want_score = sum(y[-k:]) / k
        assert p.diverged is want_div
        assert p.score == pytest.approx(want_score, rel=1e-12)
        assert led.cost == min(steps, max(n, 1))
        assert (p.stage, p.peak, p.shape, p.steps, p.schedule) == (
            "rung1",
            0.25,
            "linear",
            steps,
            "spec",
        )
        assert p.losses == tuple(float(v) for v in y) or (not all(math.isfinite(v) for v in y))
        assert seen[-1] is p and led.probes == [p]
