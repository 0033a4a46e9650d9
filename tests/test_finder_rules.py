"""Direct tests of the finder's rules, each able to fail on a one-line change to it.

The issue-15 mutants (divergence rule on the smoothed loss, negative losses,
the bandwidth floor of linear sweeps, the ``skip_start`` default, the window
after a divergence stop) and the boundaries of every threshold.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.finder import (
    MIN_POINTS,
    FinderResult,
    LoaderExhausted,
    SweepOptions,
    find,
    step_noise,
    sweep_lrs,
    zero_lag,
)
from lrkit.finder.diagnose import FLAT
from lrkit.finder.suggest import divergence_edge, range_base_index, search_window, window

GRID = dict(start=1e-5, end=10.0, steps=61)  # lrs[i] = 10 ** (-5 + i / 10)


def bowl(lr):
    """Minimum 1.0 at lr = 1e-2 (index 30 of GRID), quadratic in log10(lr)."""
    return 1.0 + (math.log10(lr) + 2.0) ** 2


def result(loss, **kw):
    lrs = sweep_lrs(**GRID)[: len(loss)]
    loss = np.asarray(loss, dtype=float)
    kw.setdefault("config", {"steps": 61, "mode": "exp"})
    return FinderResult(lrs, loss, loss, **kw)


# ---------------------------------------------------------------- issue 15, item 1
def test_one_lucky_low_batch_does_not_stop_the_sweep():
    # the stop compares the smoothed loss with the best *smoothed* loss: a single raw
    # outlier far below the curve must not become the reference
    calls = []

    def step(lr):
        calls.append(lr)
        return 0.01 if len(calls) == 10 else bowl(lr)

    res = find(step, **GRID)  # default smooth=0.98, diverge=4
    assert res.stop_reason == "completed"
    assert res.suggest("minimum") == pytest.approx(1e-2, rel=0.26)


def test_noisy_sweeps_do_not_stop_before_the_minimum():
    for seed in range(20):
        rng = np.random.default_rng(seed)
        res = find(lambda lr, rng=rng: bowl(lr) * rng.lognormal(0.0, 0.5), **GRID)
        assert len(res) > 40, seed  # the minimum is at index 30


# ---------------------------------------------------------------- issue 15, item 2
def test_all_negative_losses_complete_and_suggest():
    res = find(lambda lr: bowl(lr) - 10.0, smooth=0.0, **GRID)
    assert res.stop_reason == "completed" and len(res) == 61
    assert res.suggest("minimum") == pytest.approx(1e-2, rel=1e-9)
    # and a negative loss that rises by 3x its magnitude does stop: -9 + 3 * 9 = 18
    res = find(lambda lr: 10.0 * bowl(lr) - 19.0, smooth=0.0, diverge=4.0, **GRID)
    lrs = sweep_lrs(**GRID)
    first = min(i for i in range(31, 61) if 10.0 * bowl(lrs[i]) - 19.0 > 18.0)
    assert res.stop_reason == "diverged" and len(res) == first + 1


# ---------------------------------------------------------------- issue 15, item 7
def test_zero_lag_smooths_linear_sweeps_too():
    rng = np.random.default_rng(0)
    lr = np.linspace(0.0, 1.0, 201)
    truth = 1.0 + (lr - 0.4) ** 2
    noise = 0.05 * rng.standard_normal(len(lr))
    z = zero_lag(lr, truth + noise, log=False)
    assert np.std(z - truth) < 0.6 * np.std(noise)
    # the floor is 2 sweep steps: a line is still kept exactly
    np.testing.assert_allclose(zero_lag(lr, 3.0 * lr, log=False), 3.0 * lr, atol=1e-9)


def test_zero_lag_bandwidth_floor_in_log_mode_is_two_steps():
    # 1 point per decade: the 0.15-decade bandwidth is below 2 steps (2 decades), so the
    # floor decides; with bandwidth=0.15 and with bandwidth=2.0 the result is the same
    lrs = np.geomspace(1e-6, 1.0, 7)
    y = np.array([3.0, 2.5, 2.6, 1.5, 1.7, 1.0, 2.0])
    np.testing.assert_allclose(zero_lag(lrs, y, 0.15), zero_lag(lrs, y, 2.0), rtol=1e-12)
    assert not np.allclose(zero_lag(lrs, y, 0.15), y)


# ---------------------------------------------------------------- issue 15, item 10
@pytest.mark.parametrize("steps, skip", [(100, 5), (61, 3), (300, 15), (19, 1), (10, 1)])
def test_skip_start_default_is_five_percent_of_the_planned_steps(steps, skip):
    res = FinderResult(sweep_lrs(1e-5, 1.0, 10), np.ones(10), np.ones(10), config={"steps": steps})
    assert res.skip_start == skip and res.skip_end == 3


def test_suggestions_never_read_the_skipped_start():
    # the lowest point of the curve lies in the first 3 (= 61 // 20) points: ignored
    loss = [bowl(lr) for lr in sweep_lrs(**GRID)]
    loss[:3] = [0.0, 0.0, 0.0]
    res = result(loss, curve=loss)
    assert res.skip_start == 3 and window(res)[0] == 3
    assert res.suggestion("minimum").index == 30


# ---------------------------------------------------------------- issue 15, item 11
def test_window_leaves_out_the_step_that_tripped_the_divergence_stop():
    loss = [bowl(lr) for lr in sweep_lrs(**GRID)][:40]
    div = result(loss, stop_reason="diverged", stop_lr=1.0, skip_start=0, skip_end=0)
    assert window(div) == (0, 39)
    done = result(loss, stop_reason="completed", skip_start=0, skip_end=0)
    assert window(done) == (0, 40)
    nan = result(loss, stop_reason="nonfinite", stop_lr=1.0, skip_start=0, skip_end=2)
    assert window(nan) == (0, 38)
    assert window(result(loss, stop_reason="diverged", skip_start=2, skip_end=3)) == (2, 37)


def test_window_of_a_linear_sweep_from_zero_starts_at_the_first_positive_rate():
    lrs = np.linspace(0.0, 1.0, 21)
    res = FinderResult(lrs, 1 + lrs, 1 + lrs, config={"steps": 21, "mode": "linear"}, skip_start=0)
    assert window(res) == (1, 18)


# ---------------------------------------------------------------- thresholds and boundaries
def test_min_points_boundary():
    loss = [bowl(lr) for lr in sweep_lrs(**GRID)]
    ok = result(loss[: MIN_POINTS + 2], skip_start=0, skip_end=2)  # exactly MIN_POINTS usable
    assert window(ok) == (0, MIN_POINTS) and "too few" not in ok.suggestion("valley").reason
    short = result(loss[: MIN_POINTS + 1], skip_start=0, skip_end=2)
    assert short.suggest("valley") is None and "too few points: 9 usable" in short.warnings[0]


def test_minimum_at_the_start_of_the_window_is_no_suggestion():
    rising = [float(i) for i in range(30)]
    res = result(rising, skip_start=0, skip_end=0)
    s = res.suggestion("minimum")
    assert s.lr is None and "never falls" in s.reason
    falling_once = [5.0, 1.0] + [1.0 + i for i in range(1, 28)]  # minimum at index 1
    res = result(falling_once, skip_start=0, skip_end=0)
    assert res.suggestion("minimum").index == 1
    assert res.suggest("steep") is None  # the steepest point needs 2 points before it


def test_auto_without_a_usable_minimum_is_valleys_rate():
    # the minimum is the window's first point (minimum and steep have none), but a
    # later stretch falls: auto falls back on valley, the only method that can answer
    z = [1.0] + [3.0 - 0.1 * i for i in range(8)] + [2.5 + 0.2 * i for i in range(21)]
    res = result(z, skip_start=0, skip_end=0)
    assert res.suggest("minimum") is None and res.suggest("steep") is None
    v, a = res.suggestion("valley"), res.suggestion("auto")
    assert 1 < v.index < 8  # inside the fall from index 1 (3.0) to 8 (2.3)
    assert (a.lr, a.index) == (v.lr, v.index) and a.lr == res.lrs[v.index]
    flat = result([1.0] + [2.0] * 29, skip_start=0, skip_end=0)
    a = flat.suggestion("auto")
    assert a.lr is None and a.reason == (
        "minimum: the loss never falls (its minimum is at the start); "
        "valley: no downhill valley in the loss"
    )


def test_range_base_is_where_the_fall_passes_ten_percent_for_good():
    # from 2.0 (top) down to 1.0 (min at index 30): the 10% line is 1.9.
    # a noise dip to 1.85 at index 5 is followed by a return above the line: not the base
    z = np.full(40, 2.0)
    z[5] = 1.85
    z[20:31] = np.linspace(2.0, 1.0, 11)  # 2.0, 1.9, 1.8, ... , 1.0
    z[31:] = 1.0 + 0.5 * np.arange(1, 10)
    res = result(z, curve=z, skip_start=0, skip_end=0)
    ib, im = range_base_index(res)
    assert im == 30 and ib == 21  # z[21] = 1.9: the first point of the final stretch <= 1.9
    base, top = res.suggest_range()
    assert (base, top) == (res.lrs[21], res.lrs[30]) and top == res.suggest("minimum")
    z[21] = 1.9 + 1e-9  # still (just) within 10%: the base moves on
    assert range_base_index(result(z, curve=z, skip_start=0, skip_end=0)) == (22, 30)


def test_steep_searches_from_ten_percent_of_the_fall():
    # a steep noise step on the flat start (2.00 -> 1.95, 5% of the fall) is not "steep"
    # (top 2.2, minimum 1.0: the 10% line is 2.08)
    z = np.full(40, 2.2)
    z[8:10] = 2.09  # a drop of 0.11 in one step, above the 10% line
    z[10:31] = np.linspace(2.09, 1.0, 21)  # the descent: 0.0545 per step
    z[31:] = 1.0 + 0.5 * np.arange(1, 10)
    res = result(z, curve=z, skip_start=0, skip_end=0)
    g = np.gradient(z[:31], np.log10(res.lrs[:31]))
    assert int(np.argmin(g)) in (7, 8)  # without the 10% rule, steep would be the noise step
    assert 11 <= res.suggestion("steep").index <= 30


def test_valley_needs_three_points():
    z = np.arange(30, dtype=float)
    z[11] = 9.5  # 10 > 9.5: the longest decreasing subsequence has 2 points
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert res.suggest("valley") is None and "no downhill valley" in res.suggestion("valley").reason
    z[12] = 9.0  # 10 > 9.5 > 9.0: three points, the middle one is index 11
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert res.suggestion("valley").index == 11


def cliff_curve(back_at):
    """3.0 flat, a slow fall to 1.0 at index 30, back at 3.0 (the start) at ``back_at``."""
    z = np.full(61, 3.0)
    z[10:31] = np.linspace(3.0, 1.0, 21)
    z[30 : back_at + 1] = np.linspace(1.0, 3.0, back_at - 29)
    z[back_at:] = 3.0 + 0.5 * np.arange(61 - back_at)
    return z


def test_auto_is_a_decade_below_the_divergence_edge():
    z = cliff_curve(33)  # blows up 0.3 decade past the minimum: the minimum is the edge
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert divergence_edge(res) == res.lrs[33] and res.suggest("minimum") == res.lrs[30]
    assert res.suggest() == pytest.approx(res.lrs[33] / 10, rel=1e-12)
    z = cliff_curve(38)  # back at the start level 0.8 decade later
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert divergence_edge(res) == res.lrs[38]
    assert res.suggest() == pytest.approx(res.lrs[28], rel=1e-12)
    z = cliff_curve(45)  # 1.5 decades: a decade below the edge is past the minimum
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert res.suggest() == res.suggest("minimum")  # never above where the loss stops falling


def test_the_start_level_is_the_median_of_the_first_tenth():
    z = cliff_curve(33)  # back at 3.0 at index 33, then 3.5, 4.0, ...
    z[:6] = [4.4, 4.2, 4.0, 3.8, 3.6, 3.4]  # the first tenth (6 of 61): median 3.9
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert divergence_edge(res) == res.lrs[35]  # the first point >= 3.9


def test_auto_without_an_edge_and_after_a_nan():
    z = cliff_curve(55)[:50]  # never back at the start level: no edge in the sweep
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert divergence_edge(res) is None
    assert res.suggest() == pytest.approx(res.suggest("minimum") / math.sqrt(10), rel=1e-12)
    res = result(z, curve=z, skip_start=0, skip_end=0, stop_reason="nonfinite", stop_lr=0.05)
    assert divergence_edge(res) == 0.05 and res.suggest() == pytest.approx(0.005)


def test_auto_falls_back_to_steep_and_valley():
    res = find(bowl, smooth=0.0, **GRID)
    assert res.suggestion().method == "auto"
    s = res.suggestion()
    assert s.index == int(np.argmin(np.abs(np.log(res.lrs) - math.log(s.lr))))


def test_flat_threshold_is_two_percent():
    z = 1.0 - 0.03 * np.exp(-(((np.arange(61) - 30) / 6.0) ** 2))  # a 3% dip
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert not any(w.startswith("flat curve") for w in res.warnings)
    assert FLAT == 0.02
    z = 1.0 - 0.015 * np.exp(-(((np.arange(61) - 30) / 6.0) ** 2))  # a 1.5% dip
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert any(w.startswith("flat curve") for w in res.warnings) and not res.confident


def test_never_diverged_warning_boundary():
    # ends at a quarter of the fall above the minimum: warned; clearly above: not
    x = np.arange(61)
    z = 1.0 + ((x - 45) / 20.0) ** 2  # fall 5.06, end 0.56 above the minimum (11%)
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert any(w.startswith("never diverged") for w in res.warnings)
    z = 1.0 + ((x - 38) / 10.0) ** 2  # fall 14.4, end 4.84 above the minimum (34%)
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert not any(w.startswith("never diverged") for w in res.warnings)


def test_step_noise_is_the_scaled_mad_of_differences():
    rng = np.random.default_rng(0)
    e = rng.standard_normal(20000)
    assert step_noise(5.0 - 0.001 * np.arange(20000) + 0.3 * e) == pytest.approx(0.3, rel=0.03)
    assert step_noise([1.0]) == 0.0


# ---------------------------------------------------------------- confident (issue 12)
def test_not_confident_when_the_range_base_lies_in_the_flat_noise():
    # the documentation's example: a noisy flat start, then a fall
    rng = np.random.default_rng(0)
    w_true = rng.normal(size=5)
    X = rng.normal(size=(512, 5))
    y = X @ w_true
    w = np.zeros(5)

    def step(lr):
        nonlocal w
        i = rng.integers(0, 512, 32)
        err = X[i] @ w - y[i]
        w = w - lr * X[i].T @ err / 32
        return float(np.mean(err**2))

    res = lrkit.find(step, start=1e-5, end=10, steps=100)
    base, top = res.suggest_range()
    assert top == res.suggest("minimum") and res.suggest() == divergence_edge(res) / 10
    assert not res.confident
    assert any("lies in the flat, noisy start" in w for w in res.warnings)


def test_a_clean_fall_places_the_base_confidently():
    def cliff(lr):
        x = math.log10(lr)
        return 2.0 - math.tanh(2.0 * (x + 3.0)) + 10.0 * max(0.0, x + 1.0) ** 2

    res = find(cliff, smooth=0.5, **GRID)
    assert res.confident and res.warnings == []


# ---------------------------------------------------------------- issue 10, items 14 and 15
def test_step_fn_returning_none_or_several_values_is_a_clear_error():
    with pytest.raises(ConfigTypeError, match=r"step_fn must return the loss as one number, got N"):
        find(lambda lr: None)
    with pytest.raises(ConfigTypeError, match=r"got a ndarray of shape \(2,\) at lr=1e-07"):
        find(lambda lr: np.array([1.0, 2.0]))
    assert len(find(lambda lr: np.array([[1.0]]), steps=5, diverge=None)) == 5  # one element


def test_linear_sweep_from_zero_emits_no_numpy_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = find(lambda lr: 1.0 + (lr - 0.3) ** 2, start=0.0, end=1.0, steps=51, mode="linear")
        res.report()
        assert res.suggest() is not None and res.suggest_range() is not None
        res.to_dict()
        res.plot(str(tmp_path / "lin.png"))


def test_a_generator_step_fn_that_runs_out_keeps_the_points():
    values = iter([bowl(lr) for lr in sweep_lrs(**GRID)][:35])

    def step(lr):
        try:
            return next(values)
        except StopIteration:
            raise LoaderExhausted("my data ran out after 35 batches") from None

    res = find(step, smooth=0.0, **GRID)
    assert res.stop_reason == "exhausted" and len(res) == 35 and res.calls == 35
    assert res.stop_detail == "my data ran out after 35 batches"
    assert res.stop_lr == pytest.approx(sweep_lrs(**GRID)[35])
    assert res.suggest("minimum") == pytest.approx(1e-2, rel=1e-9)
    assert any("stopped early: my data ran out" in w for w in res.warnings)
    back = FinderResult.from_dict(res.to_dict())
    assert back == res and back.stop_detail == res.stop_detail


def test_nonfinite_losses_stop_and_are_not_recorded():
    for bad in (math.nan, math.inf, -math.inf):
        res = find(lambda lr, bad=bad: bad if lr > 1e-3 else bowl(lr), smooth=0.0, **GRID)
        assert res.stop_reason == "nonfinite" and len(res) == 21 and res.calls == 22
        assert res.stop_loss is not None and not math.isfinite(res.stop_loss)


# ---------------------------------------------------------------- options and the value
def test_sweep_options_are_one_value_for_every_finder():
    opts = SweepOptions(start=1e-5, end=10.0, steps=61, smooth=0.0)
    a = find(bowl, opts)
    b = find(bowl, start=1e-5, end=10.0, steps=61, smooth=0.0)
    c = find(bowl, SweepOptions(steps=7), start=1e-5, end=10.0, steps=61, smooth=0.0)
    assert a == b == c and a.config == opts.to_dict()
    assert SweepOptions() == SweepOptions(1e-7, 10.0, 100, "exp", 0.98, 4.0)
    with pytest.raises(ConfigTypeError, match="unknown sweep setting"):
        find(bowl, stpes=10)
    with pytest.raises(ConfigTypeError, match="options must be a SweepOptions, got 1e-05"):
        find(bowl, 1e-5)
    with pytest.raises(ConfigError, match="end must be > start"):
        SweepOptions(start=1.0, end=0.5)


def test_the_result_is_frozen_and_pickles():
    import pickle

    res = find(bowl, smooth=0.0, **GRID)
    with pytest.raises(AttributeError):
        res.stop_reason = "completed"  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.lrs[0] = 1.0
    assert pickle.loads(pickle.dumps(res)) == res
    other = res.replace(meta={"task": "x"})
    assert other.meta == {"task": "x"} and res.meta == {}
    assert other == res.replace(meta={"task": "x"})


def test_reads_what_0_1_0_wrote():
    # a version-2 dict as lrkit 0.1.0 wrote it (no stop_detail)
    res = find(lambda lr: math.nan if lr > 1.0 else bowl(lr), smooth=0.9, **GRID)
    d = res.to_dict()
    assert "stop_detail" not in d and d["version"] == 2
    assert FinderResult.from_dict(d) == res
    with pytest.raises(ConfigError, match="version must be 1 or 2, got 3"):
        FinderResult.from_dict(dict(d, version=3))
    with pytest.raises(ConfigError, match="missing key"):
        FinderResult.from_dict({"kind": "lrkit.FinderResult", "lrs": []})


def test_range_needs_a_fall_of_more_than_one_step():
    z = np.full(40, 2.0)
    z[30] = 1.0  # from the top band straight to the minimum: base would equal max
    z[31:] = 1.0 + 0.5 * np.arange(1, 10)
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert res.suggest("minimum") == res.lrs[30] and res.suggest_range() is None
    z[29] = 1.5  # one point on the way down: base 29, max 30
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert res.suggest_range() == (res.lrs[29], res.lrs[30])


def test_search_window_is_cut_only_after_half_the_fall_is_given_back():
    z = np.concatenate(
        [
            np.linspace(2.0, 1.0, 21),  # falls to 1.0 at index 20
            np.linspace(1.0, 1.4, 6)[1:],  # gives back 40% of the fall (index 25)
            np.linspace(1.4, 0.8, 11)[1:],  # and falls further, to 0.8 at index 35
            np.linspace(0.8, 3.0, 26)[1:],  # then rises
        ]
    )
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert res.suggestion("minimum").index == 35
    z[25] = 1.6  # gives back 60%: the search ends there, the minimum is the first one
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert search_window(res) == (0, 25) and res.suggestion("minimum").index == 20


def test_methods_disagree_warning_at_100x():
    # a steady fall over 5 decades (valley at its middle) to a minimum at index 50
    i = np.arange(51)
    z = np.concatenate([2.0 - np.tanh((i - 25) / 8.0), 1.0 + 0.5 * np.arange(1, 11)])
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert res.suggestion("steep").index == res.suggestion("valley").index == 25
    ratio = res.suggest("minimum") / res.suggest("valley")
    assert 100 < ratio < 1000
    assert any(w.startswith(f"the methods disagree by {ratio:.0f}x") for w in res.warnings)
    k = np.arange(21)
    z = np.concatenate(
        [np.full(30, 3.0), 2.0 + np.cos(np.pi * k / 20), 1.0 + 0.5 * np.arange(1, 11)]
    )  # flat, then a fall over 2 decades: steep and valley 1 decade below the minimum
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert not any(w.startswith("the methods disagree") for w in res.warnings)


def test_divergence_is_checked_from_the_second_step():
    res = find(lambda lr: 1.0 if lr == 1e-5 else 100.0, smooth=0.0, **GRID)
    assert res.stop_reason == "diverged" and len(res) == 2 and res.stop_loss == 100.0


def test_diverged_at_once_when_the_minimum_is_in_the_first_tenth():
    z = np.concatenate([np.linspace(1.5, 1.0, 5), 1.0 + 0.1 * np.arange(1, 57)])  # min at 4
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert any(w.startswith("diverged at once") for w in res.warnings)
    z = np.concatenate([np.linspace(1.5, 1.0, 8), 1.0 + 0.1 * np.arange(1, 54)])  # min at 7
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert not any(w.startswith("diverged at once") for w in res.warnings)


def test_never_diverged_when_the_minimum_is_in_the_last_three_points():
    z = np.concatenate([np.linspace(5.0, 1.0, 59), [3.0, 4.0]])  # min at 58 of 61
    res = result(z, curve=z, skip_start=0, skip_end=0)
    assert any(w.startswith("never diverged") for w in res.warnings)


def test_sweep_end_must_exceed_start_and_calls_count_the_nonfinite_step():
    with pytest.raises(ConfigError, match="end must be > start, got start=1.0, end=1.0"):
        SweepOptions(start=1.0, end=1.0)
    lrs = sweep_lrs(**GRID)[:20]
    assert FinderResult(lrs, np.ones(20), np.ones(20), stop_reason="nonfinite").calls == 21
    assert FinderResult(lrs, np.ones(20), np.ones(20), stop_reason="diverged").calls == 20


# ---------------------------------------------------------------- the one figure
def test_figure_clips_the_spike_and_marks_where_values_were_read():
    from lrkit.finder.figure import finder_figure, to_plotly

    res = find(bowl, smooth=0.0, **GRID)
    fig = finder_figure(res, "t")
    # y axis ends at t + max(t - m, |t|/4): t = 10 (the first loss), m = curve minimum
    m = float(np.min(res.curve))
    top = max(float(np.max(res.losses[:31])), float(np.max(res.curve[:31])))
    assert fig.ylim[1] == pytest.approx(top + max(top - m, 0.25 * abs(top)))
    small = result(1.0 + 0.01 * np.array([bowl(lr) for lr in sweep_lrs(**GRID)]), skip_start=0)
    t = float(np.max(small.losses[:31]))
    assert finder_figure(small).ylim[1] == pytest.approx(t + 0.25 * t)  # |t|/4 wins
    marks = {m[0]: m[2:] for m in fig.markers}
    i = res.suggestion("minimum").index
    assert marks["minimum"] == (res.lrs[i], res.curve[i])  # on the lag-free curve
    lr = res.suggest()
    assert marks["auto"][0] == lr
    assert marks["auto"][1] == pytest.approx(
        np.interp(np.log(lr), np.log(res.lrs), res.curve), rel=1e-12
    )
    assert fig.band == res.suggest_range()
    z = cliff_curve(33)
    cliffy = result(z, curve=z, skip_start=0, skip_end=0)
    edge = [m for m in finder_figure(cliffy).markers if m[0] == "edge"]
    assert edge == [("edge", f"divergence edge {cliffy.lrs[33]:.3g}", cliffy.lrs[33], 3.0)]
    plotly = to_plotly(fig)
    assert plotly["layout"]["yaxis"]["range"] == list(fig.ylim)
    assert [t["name"] for t in plotly["data"]][3:] == [m[1] for m in fig.markers]


def test_every_caller_draws_the_same_figure(tmp_path):
    from lrkit.finder.figure import finder_figure, to_plotly
    from lrkit.report import finder_figure as report_figure

    res = find(bowl, smooth=0.5, **GRID)
    info = {"result": res.to_dict(), "steps": len(res), "wall_time": 0.0}
    assert report_figure(info, "x") == to_plotly(finder_figure(res, "x"))
    assert report_figure(res.to_dict(), "x") == to_plotly(finder_figure(res, "x"))
