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
from lrkit.finder import find
from lrkit.plan import ALL_SHAPES, shape_schedule
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
    from lrkit.plan._core import saw_fall

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
    from lrkit.plan._core import _law_dict
    from lrkit.plan._laws import fit_probes, predict_final

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
