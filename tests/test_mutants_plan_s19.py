"""lrkit.plan's range-test reading and its shapes against re-statements of their rules
(issue 15, training seeds 15-19): ``_reread`` (the planner's cut of a short sweep: the
point that tripped the finder's stop left out, the cut at the first raw loss above
``diverge`` times the lowest before it, ``skip_end`` of about 0.3 decade, 1 to 3
points) over real ``lrkit.find`` sweeps of seeded random losses, and ``shape_schedule``
(the documented composition of each shape, its warm-up and cool-down lengths) over
random arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrkit.combinators import warmup as warmup_of
from lrkit.errors import ConfigError
from lrkit.finder import find
from lrkit.plan import ALL_SHAPES, Probe, shape_schedule
from lrkit.plan._core import _reread
from lrkit.schedules import constant, cosine, linear, one_cycle, wsd


def _round(x):
    return int(round(x))


def _sweep(rng, n, lo, hi):
    kind = rng.random()
    t = np.linspace(0, 1, n)
    y = 2.0 - 1.5 * t + 0.05 * rng.normal(0, 1, n)
    if kind < 0.4:  # blows up near the end: the finder's own stop may trip
        y = y + np.where(t > rng.uniform(0.4, 0.95), 10.0 ** (20 * (t - 0.5)), 0.0)
    elif kind < 0.6:  # one raw jump above 4x the lowest, not (yet) in the EMA
        y[int(rng.integers(3, n))] = float(rng.uniform(4.5, 40)) * float(np.min(y))
    elif kind < 0.7:
        y[int(rng.integers(1, n))] = math.nan
    elif kind < 0.8:  # a jump to just under 4x: kept
        y[int(rng.integers(3, n))] = 3.9 * float(np.min(y))
    it = iter(y)
    diverge = None if rng.random() < 0.7 else float(rng.choice([2.0, 8.0]))
    kw = {} if diverge is None else {"diverge": diverge}
    res = find(lambda lr: next(it, math.nan), start=lo, end=hi, steps=n, progress=False, **kw)
    return res, (4.0 if diverge is None else diverge)


def test_reread_against_its_rules_on_real_sweeps():
    rng = np.random.default_rng(1900)
    cut = kept = tripped = 0
    for _ in range(150):
        n = int(rng.integers(16, 101))
        lo, hi = float(10 ** rng.uniform(-7, -3)), float(10 ** rng.uniform(-1, 1.5))
        swept, factor = _sweep(rng, n, lo, hi)
        k = len(swept.lrs)
        if swept.stop_reason == "diverged":
            k -= 1  # the point that tripped the finder's stop
            tripped += 1
        stop = swept.stop_reason
        lowest = math.inf
        for i in range(k):
            v = float(swept.losses[i])
            if not math.isfinite(v) or v > factor * lowest:
                k, stop = i, "diverged"
                break
            lowest = min(lowest, v)
        dec = math.log10(hi / lo) / (n - 1)
        skip_end = min(3, max(1, _round(0.3 / dec)))
        r = _reread(swept, n, lo, hi)
        assert len(r.lrs) == k
        np.testing.assert_array_equal(r.lrs, swept.lrs[:k])
        np.testing.assert_array_equal(r.losses, swept.losses[:k])
        np.testing.assert_array_equal(r.smoothed, swept.smoothed[:k])
        assert r.stop_reason == stop and r.skip_end == skip_end
        assert r.config == swept.config and r.calls == swept.calls
        if stop == swept.stop_reason:
            assert r.stop_lr == swept.stop_lr
            assert r.stop_loss == swept.stop_loss or (
                math.isnan(r.stop_loss) and math.isnan(swept.stop_loss)
            )
            kept += 1
        else:
            assert r.stop_lr == float(swept.lrs[k])
            sl = float(swept.losses[k])
            assert r.stop_loss == sl or (math.isnan(sl) and math.isnan(r.stop_loss))
            cut += 1
    assert cut > 15 and kept > 15 and tripped > 10


def test_reread_s_skip_end_is_a_third_of_a_decade_in_points_between_1_and_3():
    y = np.linspace(2.0, 1.0, 10)
    for n, lo, hi, want in [
        (100, 1e-6, 10.0, 3),  # 0.07 decade a step: 4.3 -> 3
        (20, 1e-6, 10.0, 1),  # 0.37 decade: 0.8 -> 1
        (16, 1e-6, 1e-5, 3),  # 1/15 decade: 4.5 -> 3
        (31, 1e-3, 1.0, 3),  # 0.1 decade: exactly 3
        (61, 1e-6, 1e-4, 3),
        (41, 1e-6, 1.0, 2),  # 0.15 decade: 2
        (81, 1e-6, 1e2, 3),  # 0.1 decade
        (26, 1e-5, 1e1, 1),  # 0.24 decade: 1.25 -> 1
        (16, 1e-9, 1e2, 1),  # 0.73 decade a step: 0.41 rounds to 0, at least 1
    ]:
        it = iter(np.r_[y, np.full(n, 1.0)])
        swept = find(lambda lr, it=it: next(it), start=lo, end=hi, steps=n, progress=False)
        assert _reread(swept, n, lo, hi).skip_end == want, (n, lo, hi)


def _compose(shape, peak, T, warmup, cooldown, warmup_steps):
    w = 0 if warmup <= 0 else max(1, _round(warmup * T))
    if warmup_steps is not None:
        w = min(max(int(warmup_steps), 0), T - 1)
    d = 0 if cooldown <= 0 else max(1, _round(cooldown * T))
    if shape == "wsd":
        return wsd(peak, steps=T, warmup=max(min(w, T - d), 0), decay=d)
    if shape == "one_cycle":
        return one_cycle(peak)
    base = {"cosine": cosine(peak, 0.0), "linear": linear(peak, 0.0), "constant": constant(peak)}
    return warmup_of(base[shape], w) if w > 0 else base[shape]


def test_shape_schedule_is_the_documented_composition_on_random_arguments():
    rng = np.random.default_rng(1901)
    for _ in range(300):
        shape = str(rng.choice(ALL_SHAPES))
        T = int(rng.integers(2, 3000))
        peak = float(10 ** rng.uniform(-5, 1))
        wu = float(rng.choice([0.0, 1e-6, 0.05, 0.3, 0.5, float(rng.uniform(0, 0.5))]))
        cd = float(rng.choice([0.0, 1e-6, 0.2, 0.9, 1.0, float(rng.uniform(0, 0.9))]))
        ws = None if rng.random() < 0.6 else int(rng.integers(-3, T + 5))
        got = shape_schedule(shape, peak, T, wu, cd, warmup_steps=ws)
        want = _compose(shape, peak, T, wu, cd, ws).bind(total_steps=T)
        assert str(got) == str(want), (shape, T, wu, cd, ws)
        t = np.arange(T)
        np.testing.assert_array_equal(np.asarray(got(t)), np.asarray(want(t)))
        assert float(np.max(np.asarray(got(t)))) <= peak * (1 + 1e-12)
    with pytest.raises(Exception, match="shape must be one of linear, wsd, cosine, one_cycle"):
        shape_schedule("step", 0.1, 100)


def test_saw_fall_against_its_rule_on_random_sweeps():
    from lrkit.finder import FinderResult, step_noise
    from lrkit.finder.suggest import window
    from lrkit.plan._evidence import saw_fall

    rng = np.random.default_rng(1902)
    yes = no = short = 0
    for _ in range(150):
        n = int(rng.integers(5, 60))
        lrs = np.geomspace(1e-6, 10.0, n)
        depth = float(rng.choice([0.0, 0.01, 0.05, 0.3, 1.0]))
        y = (
            1.0
            - depth * np.linspace(0, 1, n) ** 2
            + float(rng.choice([0.0, 0.01, 0.05])) * rng.normal(0, 1, n)
        )
        res = FinderResult(lrs, y, y)
        lo, hi = window(res)
        if hi - lo < 10:
            want = True
            short += 1
        else:
            z = np.asarray(res.curve[lo:hi], dtype=np.float64)
            want = bool(float(np.median(z[:5])) - float(np.min(z)) > 4.0 * step_noise(y[lo:hi]))
            yes += want
            no += not want
        assert saw_fall(res) is want
    assert yes > 15 and no > 15 and short > 5


def test_the_law_helpers_fall_back_with_a_reason():
    from lrkit.plan._laws import fit_probes, predict_final
    from lrkit.plan._shape_rule import _law_dict

    class NoDict:
        pass

    assert _law_dict(NoDict(), {"mean_rel": np.float64(0.5)}) == {
        "law": "NoDict",
        "probe_errors": {"mean_rel": 0.5},
    }
    rates = np.full(40, 0.1)
    good = list(2.0 / (1.0 + 0.1 * np.arange(40)) + 0.5)
    assert fit_probes([(rates, good)]) == (
        None,
        None,
        "only 1 usable probe curve(s); a law needs 2 or more",
    )
    assert fit_probes([(rates, good), (rates, good[:3])])[2].startswith("only 1 usable")
    fitted, errors, why = fit_probes([(rates, good), (rates * 2, good)], "no_such_law")
    assert fitted is None and errors is None and why.startswith("the law fit failed (")

    class Boom:
        def predict(self, rates, steps):
            raise RuntimeError("no")

    class Inf:
        def predict(self, rates, steps):
            return np.full(len(steps), np.inf)

    class Line:
        def predict(self, rates, steps):
            return np.asarray(steps, dtype=np.float64) * 2.0

    assert predict_final(Boom(), rates) is None and predict_final(Inf(), rates) is None
    final, steps, curve = predict_final(Line(), np.full(101, 0.1), points=5)
    assert steps == (1, 26, 50, 75, 100) and curve == (2.0, 52.0, 100.0, 150.0, 200.0)
    assert final == 200.0
    assert predict_final(Line(), np.full(4, 0.1))[1] == (1, 2, 3)  # fewer steps than points


def test_probe_curves_are_binned_into_at_most_32_points():
    from lrkit.plan._laws import binned_run_data

    y = np.linspace(3.0, 1.0, 100)  # 99 points after the first: windows of 4, 24 of them
    steps, means = binned_run_data(np.ones(100), y)
    assert len(steps) == 24 and steps[0] == 3 + 2 and steps[-1] == 97
    assert means[0] == pytest.approx(np.mean(y[1:][3:7]))
    steps, _ = binned_run_data(np.ones(33), np.linspace(3.0, 1.0, 33))
    assert len(steps) == 32 and list(steps) == list(range(32))  # 32 points: windows of 1
    steps, _ = binned_run_data(np.ones(34), np.linspace(3.0, 1.0, 34))
    assert len(steps) == 16  # 33 points: windows of 2


def _pr(stage, peak, losses, diverged=False):
    y = tuple(float(v) for v in losses)
    score = math.inf if diverged else float(np.mean(y[-1:]))
    return Probe(stage, peak, "linear", len(y), "", y, None, score, diverged)


def test_a_long_rung_that_diverged_everywhere_falls_back_a_factor_4_below_its_lowest():
    from lrkit.plan._ledger import _Ledger
    from lrkit.plan._rungs import _long_peak

    def run(schedule, steps):  # trains for 20 updates, then blows up at any rate
        return [2.0 - 0.01 * t for t in range(min(steps, 20))] + [math.nan] * max(0, steps - 20)

    led, notes = _Ledger(run, 1000, None), []
    probes, peak = _long_peak(led, [0.4, 0.2, 0.1, 0.05], 30, 300, "linear", 0.05, 0.2, notes)
    assert [q.stage for q in probes] == ["long"] * 3 and all(q.diverged for q in probes)
    assert [q.peak for q in probes] == pytest.approx([0.4, math.sqrt(0.4 * 0.05), 0.05])
    assert peak == pytest.approx(0.05 / 4)
    assert notes == [
        "long rung (30 updates each at 0.4, 0.141, 0.05): they scored alike too; the "
        "lowest, 0.0125 (never a higher rate on no evidence)"
    ]


def _flat(stage, peak, level):  # concave fallbacks: vertex returns a probe's own peak
    return _pr(stage, peak, (3.0, level))


def test_the_drift_is_not_read_from_a_rung_stuck_at_an_end_of_its_probes():
    """``_rung2_peak``: rung 1's reading at its lowest candidate (within 1e-9) or rung 2's
    at its highest is a bound, not a measure: the drift is not read from it (beta 0).
    Just inside the bounds, it is."""
    from lrkit.plan._evidence import vertex
    from lrkit.plan._rungs import _horizon, _rung2_peak

    cands = [0.4, 0.2, 0.1, 0.05]
    rung1 = [_flat("rung1", c, 1.0 + c) for c in cands]
    # rung 2 below rung 1's lowest: best in the middle, symmetric (its own peak, 0.025)
    rung2 = [_flat("rung2", 0.05, 2.0), _flat("rung2", 0.025, 1.0), _flat("rung2", 0.0125, 2.0)]
    eta2 = vertex(rung2)
    assert eta2 == pytest.approx(0.025)
    for eta1, drift in ((0.05, False), (0.05 * (1 + 0.5e-9), False), (0.05 * (1 + 4e-9), True)):
        notes = []
        got = _rung2_peak(rung1, rung2, eta1, cands, 20, 2000, True, notes)
        want = _horizon(eta1 if drift else None, eta2, 20, 2000)[0]
        assert got == pytest.approx(want, rel=1e-12), eta1
        assert (got < eta2 * 0.5) is drift  # beta = 1: (2000 / 40) ** -0.5 = 0.14
    # rung 2 at its highest probe (concave: its own peak, exactly): no drift either
    rung2 = [_flat("rung2", 0.2, 1.0), _flat("rung2", 0.1, 1.4), _flat("rung2", 0.05, 1.5)]
    assert vertex(rung2) == 0.2
    notes = []
    assert _rung2_peak(rung1, rung2, 0.8, cands, 20, 2000, True, notes) == 0.2
    assert "it shrank as h^-0.00 from rung 1" in notes[0]


def test_the_ledger_refuses_a_probe_beyond_its_cap():
    from lrkit.plan._ledger import _Ledger

    led = _Ledger(lambda s, n: [1.0] * n, 10, None)
    led.probe("rung1", 0.1, "linear", "s", 10)  # exactly the cap: allowed
    with pytest.raises(AssertionError, match=r"budget overrun \(10 \+ 1 > 10\)"):
        led.probe("rung1", 0.1, "linear", "s", 1)
    assert led.cost == 10 and len(led.probes) == 1


def test_identical_losses_are_refused_only_when_every_stable_probe_has_them():
    from lrkit.plan._rungs import _check_responds

    a, b = (2.0, 1.0, 0.5), (2.0, 1.2, 0.9)
    _check_responds([_pr("rung1", 0.4, a), _pr("rung1", 0.2, b), _pr("rung1", 0.1, b)])
    _check_responds([_pr("rung1", 0.4, b), _pr("rung1", 0.2, b), _pr("rung1", 0.1, a)])
    _check_responds([_pr("rung1", 0.4, b)])  # one probe: nothing to compare
    _check_responds([_pr("rung1", 0.4, b), _pr("rung1", 0.2, b, diverged=True)])
    with pytest.raises(ConfigError, match="peaks 0.4, 0.1 returned identical losses"):
        _check_responds(
            [_pr("rung1", 0.4, b), _pr("rung1", 0.2, a, diverged=True), _pr("rung1", 0.1, b)]
        )


def test_a_second_rung_that_diverged_everywhere_falls_back_4x_below_its_lowest():
    from lrkit.errors import NonFiniteError
    from lrkit.plan._rungs import _rung2_peak

    cands = [0.4, 0.2, 0.1, 0.05]
    rung1 = [_flat("rung1", c, 1.0 + c) for c in cands]
    rung2 = [_pr("rung2", c, (2.0, math.nan), diverged=True) for c in (0.2, 0.1, 0.05)]
    notes = []
    assert _rung2_peak(rung1, rung2, 0.2, cands, 10, 400, True, notes) == 0.05 / 4
    assert notes == ["no probe trained stably: falling back to 0.0125 (4x below the lowest)"]
    dead = [_pr("rung1", c, (2.0, math.nan), diverged=True) for c in cands]
    with pytest.raises(NonFiniteError, match=r"at peaks from 0\.4 down to 0\.05: the model"):
        _rung2_peak(dead, rung2, None, cands, 10, 400, True, [])


def test_a_shape_probe_that_diverges_keeps_the_default_and_its_warm_up():
    from lrkit.plan._ledger import _Ledger
    from lrkit.plan._shape_rule import _shape_rung

    def run(schedule, steps):  # the WSD probe (no decay to zero yet) blows up
        return [math.nan] if "wsd" in str(schedule) else [2.0 - 0.01 * t for t in range(steps)]

    led = _Ledger(run, 100, None)
    led.probes.append(_pr("rung2", 0.1, (2.0, 1.5, 1.0, 0.9)))
    led.probes.append(_pr("rung2", 0.05, (2.0, 1.6, 1.2, 1.0)))
    notes = []
    assert _shape_rung(led, "wsd", True, "linear", 200, 0.05, 0.2, notes) == ("linear", 0.05)
    assert notes == ["shape probe: wsd without warm-up at 0.1 diverged: keeping linear"]
    (shape,) = [q for q in led.probes if q.stage == "shape"]
    assert (shape.peak, shape.steps, shape.diverged, led.cost) == (0.1, 4, True, 1)
    notes = []  # one_cycle keeps its own warm-up: not "without warm-up"
    assert _shape_rung(led, "one_cycle", True, "linear", 200, 0.05, 0.2, notes)[0] == "linear"
    assert notes[0].startswith("shape probe (4 updates at peak 0.1): one_cycle ")
