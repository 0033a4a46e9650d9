"""Direct tests for planner behaviours that sampled mutation runs (``benchmarks/mutation.py``,
seed 2's last open survivors and the fresh seed-3 sample) showed no other test pinned."""

import math

import numpy as np
import pytest

import lrkit


def test_rung2_stuck_at_its_top_probe_extrapolates_no_drift():
    """Rung 2 probes ``best1, best1/2, best1/4``; when its best lies at (or past) the
    top probe, the parabola is clamped there and the read is only a bound, so no
    drift from rung 1 is extrapolated: ``beta = 0`` and the plan's peak is rung 2's
    top probe (to 3 digits). The clamped read ``2**(log2(best1/2) + 1)`` is one ulp
    *below* ``best1`` here (lr = 0.01, best1 = lr / sqrt 2): the top-edge test must
    allow for that rounding, or a drift ``log2(eta1/eta2) = 0.3`` would lower the peak
    by ``(T/2l)**-0.15``.

    Scores exactly log-quadratic in log2(peak) with the optimum at ``best1 * 2**0.3``
    for both rungs: rung 1 reads it exactly (``eta1``), above its best probe."""
    lr = 0.01
    best1 = lr * 2.0**-0.5
    opt = best1 * 2.0**0.3

    def run(schedule, steps):
        peak = float(np.max(np.asarray(schedule(np.arange(steps)), float)))
        # falling over the probe (a flat probe ranks nothing, rule 7), same shape for all
        return [math.exp(0.3 * math.log2(peak / opt) ** 2) * (2 - k / steps) for k in range(steps)]

    top_read = 2.0 ** (math.log2(best1 / 2.0) + 0.5 * (math.log2(best1) - math.log2(best1 / 4.0)))
    assert top_read < best1  # the rounding the tolerance is there for

    p = lrkit.plan(run, 1000, lr=lr, use_laws=False)
    rung2 = sorted(q.peak for q in p.probes if q.stage == "rung2")
    assert rung2 == pytest.approx([best1 / 4.0, best1 / 2.0, best1], rel=1e-12)
    assert any(
        n.startswith("rung 1") and n.endswith(f"read between probes {opt:.3g}") for n in p.notes
    )
    (note,) = [n for n in p.notes if n.startswith("rung 2")]
    assert f"best peak {best1:.3g}; it shrank as h^-0.00" in note, note
    assert p.peak == float(f"{best1:.3g}")


def test_rung2_inside_its_probes_extrapolates_the_measured_drift():
    """The companion: a best peak that shrinks as ``h**-0.5`` with the probe length
    ``h`` (optimum ``c / sqrt(h)``), read exactly by both rungs inside their probes:
    ``beta = log2(eta1 / eta2) = 0.5`` and the plan's peak is
    ``eta2 * (T / 2l)**(-beta / 2)`` (to 3 digits)."""
    lr, total = 0.01, 1000

    def opt(steps):
        return lr * 2.0**0.2 * math.sqrt(50.0 / steps)

    def run(schedule, steps):
        peak = float(np.max(np.asarray(schedule(np.arange(steps)), float)))
        base = math.exp(0.3 * math.log2(peak / opt(steps)) ** 2)
        return [base * (2 - k / steps) for k in range(steps)]  # falling: rule 7

    p = lrkit.plan(run, total, lr=lr, use_laws=False)
    (ell,) = {q.steps for q in p.probes if q.stage == "rung1"}
    assert {q.steps for q in p.probes if q.stage == "rung2"} == {2 * ell}
    eta2 = opt(2 * ell)
    (note,) = [n for n in p.notes if n.startswith("rung 2")]
    assert f"best peak {eta2:.3g}; it shrank as h^-0.50" in note, note
    assert p.peak == float(f"{eta2 * (total / (2.0 * ell)) ** -0.25:.3g}")


def test_check_budget_defaults_to_the_planners_four_peaks():
    """``check_budget`` (the CLI's early check) answers as ``plan`` with its defaults
    (4 first-rung peaks, a range test). The range test takes ``max(16, 0.2 cap)``
    updates and every probe at least 6, over ``peaks + 6 = 10`` probe lengths: 76
    updates are the least (16 + 10 x 6); with 5 peaks it would be 82."""
    from lrkit.errors import ConfigError
    from lrkit.plan import check_budget

    def run(schedule, steps):  # a loss that depends on the rate (best at 1), and falls
        peak = float(np.max(np.asarray(schedule(np.arange(steps)), float)))
        return [1.0 + 1.0 / (1.0 + k) + 0.01 * abs(math.log10(peak)) for k in range(steps)]

    assert check_budget(1000, 0.076) == 76
    p = lrkit.plan(run, 1000, 0.076, use_laws=False)
    assert sum(q.steps for q in p.probes) <= 76
    with pytest.raises(ConfigError, match=r"needs at least 76 .*raise budget to >= 0\.076"):
        check_budget(1000, 0.075)
    with pytest.raises(ConfigError, match=r"needs at least 76 "):
        lrkit.plan(run, 1000, 0.075, use_laws=False)
    assert check_budget(1000, 0.082, peaks=5) == 82
    with pytest.raises(ConfigError, match=r"needs at least 82 "):
        check_budget(1000, 0.081, peaks=5)


def test_the_law_switches_shape_only_for_a_gain_beyond_the_margin():
    """The law picks a shape other than the default only when its predicted final loss
    is lower by more than the margin ``max(fit error, 0.5 %) x`` the default's. Here
    (a loss that falls with the summed rate, ``2 + (1 + sum eta)**-0.5``) the law
    predicts ``constant`` best, but by less than 0.5 % of ``wsd``'s loss: the plan
    keeps ``wsd``, and says so."""

    def run(schedule, steps):
        eta = np.asarray(schedule(np.arange(steps)), float)
        return list(2.0 + 1.0 / (1.0 + np.cumsum(eta)) ** 0.5)

    shapes = ("wsd", "linear", "cosine", "constant", "one_cycle")
    p = lrkit.plan(run, 2000, lr=0.1, shapes=shapes, use_laws=True)
    final = {q.shape: q.final for q in p.predictions}
    assert set(final) == set(shapes)
    best = min(final, key=final.get)
    assert best != "wsd"
    assert 0.0 < final["wsd"] - final[best] < 0.005 * final["wsd"]
    assert p.shape == "wsd"
    (note,) = [n for n in p.notes if n.startswith("law (fit error")]
    assert note.endswith("keeping wsd")
    assert f"best predicted {best} {final[best]:.4g}, wsd {final['wsd']:.4g}" in note


@pytest.mark.parametrize("shape", ["cosine", "linear", "constant"])
def test_a_warmup_in_steps_longer_than_the_run_ends_at_the_peak_on_the_last_step(shape):
    """``warmup_steps`` (the planner's probes) is clamped to ``T - 1``: a 10-step
    schedule asked for 50 warm-up steps warms up over 9, linearly from ``peak / 10``
    and reaching the peak on its last step (so the warmed-up shape still shows)."""
    from lrkit.plan import shape_schedule

    s = shape_schedule(shape, 0.1, 10, warmup_steps=50)
    assert str(s).startswith("warmup(") and str(s).endswith(", steps=9)")
    np.testing.assert_allclose(s(np.arange(10)), 0.1 * np.arange(1, 11) / 10, rtol=1e-12)


def test_no_warmup_in_steps_gives_the_bare_shape():
    """``warmup_steps=0``: no warm-up at all, the cosine starts at its peak."""
    from lrkit.plan import shape_schedule

    s = shape_schedule("cosine", 0.1, 10, warmup_steps=0)
    assert str(s) == "cosine(start=0.1, steps=10)"
    t = np.arange(10)
    np.testing.assert_allclose(s(t), 0.05 * (1 + np.cos(np.pi * t / 10)), rtol=1e-12)
    # one step of warm-up (half the peak), then the cosine over the 9 steps left
    s = shape_schedule("cosine", 0.1, 10, warmup_steps=1)
    assert str(s) == "warmup(cosine(start=0.1, steps=9), steps=1)"
    want = [0.05, *(0.05 * (1 + np.cos(np.pi * np.arange(9) / 9)))]
    np.testing.assert_allclose(s(t), want, rtol=1e-12)


def test_probe_curves_too_short_or_not_finite_are_not_fitted():
    """A probe curve gives the law data only with at least 4 points after the first
    (the loss before any update) and every loss finite and > 0; otherwise ``None``."""
    from lrkit.plan._laws import binned_run_data

    assert binned_run_data(np.ones(4), [5.0, 4.0, 3.0, 2.0]) is None  # 3 points remain
    steps, means = binned_run_data(np.ones(5), [5.0, 4.0, 3.0, 2.0, 1.5])
    np.testing.assert_array_equal(steps, [0, 1, 2, 3])
    np.testing.assert_array_equal(means, [4.0, 3.0, 2.0, 1.5])
    for bad in (math.nan, math.inf, 0.0, -1.0):
        assert binned_run_data(np.ones(6), [5.0, 4.0, bad, 3.0, 2.0, 1.5]) is None
    # losses below 1 are fine (> 0 is the rule, not >= 1)
    _, means = binned_run_data(np.ones(5), [0.9, 0.8, 0.7, 0.6, 0.5])
    np.testing.assert_allclose(means, [0.8, 0.7, 0.6, 0.5], rtol=1e-15)


def test_overhead_is_the_wall_time_outside_run():
    """``overhead_seconds = max(seconds - run_seconds, 0)``: the planner's own time
    (range-test reading, bookkeeping), never negative (clock granularity)."""
    import time

    from lrkit.plan import Plan

    def run(schedule, steps):
        time.sleep(0.01)
        peak = float(np.max(np.asarray(schedule(np.arange(steps)), float)))
        return [1.0 + 1.0 / (1.0 + k) + 0.01 * abs(math.log10(peak)) for k in range(steps)]

    p = lrkit.plan(run, 1000, 0.1, use_laws=False)
    assert p.run_seconds >= 0.01 * len(p.probes)
    assert p.seconds > p.run_seconds
    assert p.overhead_seconds == p.seconds - p.run_seconds > 0.0
    q = Plan(
        **{**{f: getattr(p, f) for f in p.__dataclass_fields__}, "seconds": 1.0, "run_seconds": 1.5}
    )
    assert q.overhead_seconds == 0.0
