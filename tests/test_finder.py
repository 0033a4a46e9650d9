"""The framework-neutral range test ``lrkit.find`` on synthetic curves with known answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import lrkit
from lrkit.finder import MIN_POINTS, FinderResult, _want_progress, find, sweep_lrs
from lrkit.finder import zero_lag as lrrkit_zero_lag
from lrkit.finder.suggest import divergence_edge, search_window

# 61 rates, 10 per decade: lrs[i] = 10 ** (-5 + i / 10)
GRID = dict(start=1e-5, end=10.0, steps=61)


def log10_index(lr: float) -> float:
    return (math.log10(lr) + 5.0) * 10.0


def test_sweep_rates_exp_and_linear():
    lrs = sweep_lrs(**GRID)
    assert len(lrs) == 61 and lrs[0] == 1e-5 and lrs[-1] == 10.0
    np.testing.assert_allclose(lrs, 10.0 ** (-5 + np.arange(61) / 10), rtol=1e-12)
    lin = sweep_lrs(0.0, 2.0, 5, "linear")
    assert lin.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_find_records_lrs_and_bias_corrected_ewma():
    seen = []
    rng = np.random.default_rng(0)
    vals = 1.0 + rng.random(20)

    def step(lr):
        seen.append(lr)
        return vals[len(seen) - 1]

    res = find(step, start=1e-3, end=1e-1, steps=20, smooth=0.9, diverge=None)
    assert res.stop_reason == "completed" and len(res) == 20 and res.calls == 20
    np.testing.assert_array_equal(res.lrs, np.array(seen))
    np.testing.assert_array_equal(res.losses, vals)
    avg, want = 0.0, []
    for i, v in enumerate(vals):
        avg = 0.9 * avg + 0.1 * v
        want.append(avg / (1 - 0.9 ** (i + 1)))
    np.testing.assert_allclose(res.smoothed, want, rtol=1e-14)
    assert res.smoothed[0] == vals[0]  # bias correction: no pull towards 0


def bowl(lr):
    """Minimum 1.0 at lr = 1e-2 (index 30), quadratic in log10(lr)."""
    return 1.0 + (math.log10(lr) + 2.0) ** 2


def test_known_minimum_and_divergence_stop():
    res = find(bowl, smooth=0.0, **GRID)
    # 1 + (x + 2)^2 > 4 first at x = -0.2 (index 48): recorded, then the sweep stops
    assert res.stop_reason == "diverged"
    assert len(res) == 49 and res.stop_lr == pytest.approx(10**-0.2)
    assert res.stop_loss == pytest.approx(bowl(10**-0.2))
    # "minimum" is the rate at the minimum of the curve itself (no /10)
    assert res.suggest("minimum") == pytest.approx(1e-2, rel=1e-9)
    assert res.suggestion("minimum").index == 30


def test_diverge_threshold_is_relative_to_best_smoothed_loss():
    res = find(bowl, smooth=0.0, diverge=2.0, **GRID)
    # 1 + (x + 2)^2 > 2 first at x = -0.9 (index 41)
    assert res.stop_reason == "diverged" and len(res) == 42
    assert find(bowl, smooth=0.0, diverge=None, **GRID).stop_reason == "completed"


def cliff(lr):
    """Steepest descent over log10(lr) at lr = 1e-3 (index 20); explodes past 1e-1."""
    x = math.log10(lr)
    return 2.0 - math.tanh(2.0 * (x + 3.0)) + 10.0 * max(0.0, x + 1.0) ** 2


def test_known_steepest_point_over_log_lr():
    res = find(cliff, smooth=0.0, **GRID)
    assert res.suggestion("steep").index == 20
    assert res.suggest("steep") == pytest.approx(1e-3, rel=1e-9)
    # the derivative over the raw rate (Lightning's PL#21141) would land far lower
    g_raw = np.gradient(res.smoothed[:40], res.lrs[:40])
    assert res.lrs[int(np.argmin(g_raw))] < 0.6e-3


def valley_curve(i: int) -> float:
    # indices 3..9 low and rising, 10..40 strictly falling from 1.0 to 0.2, then rising
    if i < 10:
        return 0.5 + 0.01 * i
    if i <= 40:
        return 1.0 - 0.8 * (i - 10) / 30
    return 0.2 + 0.3 * (i - 40)


def test_valley_is_middle_of_longest_decreasing_run():
    lrs = sweep_lrs(**GRID)
    loss = np.array([valley_curve(i) for i in range(61)])
    res = FinderResult(lrs, loss, loss, config={"steps": 61}, stop_reason="completed")
    # the longest strictly decreasing subsequence is indices 10..40 (31 points)
    assert res.suggestion("valley").index == 25
    assert res.suggest("valley") == lrs[25]


def test_auto_is_minimum_over_sqrt10_and_range_is_ordered():
    res = find(cliff, smooth=0.0, **GRID)
    lo = res.suggest("minimum")
    assert res.suggest() == pytest.approx(lo / math.sqrt(10), rel=1e-12)
    base, top = res.suggest_range()
    assert base < top < res.stop_lr
    assert top == lo  # the range's max is the rate at the minimum
    assert res.suggestions()["auto"] == res.suggest()


def test_nan_at_a_known_step_stops_and_is_never_used():
    calls = []

    def step(lr):
        calls.append(lr)
        return float("nan") if len(calls) == 41 else cliff(min(lr, 1e-2))

    res = find(step, smooth=0.9, **GRID)
    assert res.stop_reason == "nonfinite" and len(res) == 40 and res.calls == 41
    assert math.isnan(res.stop_loss) and res.stop_lr == calls[40]
    assert np.all(np.isfinite(res.losses)) and np.all(np.isfinite(res.smoothed))
    for m, lr in res.suggestions().items():
        assert lr is not None and math.isfinite(lr), m
        assert lr < res.lrs[len(res) - res.skip_end], m  # never the edge
    base, top = res.suggest_range()
    assert top < res.stop_lr


def test_inf_stops_too():
    res = find(lambda lr: math.inf if lr > 1e-2 else 1.0 / (1 + lr), smooth=0.0, **GRID)
    assert res.stop_reason == "nonfinite" and res.stop_loss == math.inf and len(res) == 31


def test_never_suggests_the_divergence_edge():
    # loss falls all the way until a sudden blow-up: the minimum sits right before the edge
    def step(lr):
        return 1e9 if lr > 1.0 else 1.0 / (1.0 + 100 * lr)

    res = find(step, smooth=0.0, **GRID)
    assert res.stop_reason == "diverged" and len(res) == 52
    edge = len(res) - 1
    for m in ("steep", "valley", "minimum"):
        assert res.suggestion(m).index <= edge - res.skip_end, m


def test_too_few_points_gives_no_suggestion_with_reason():
    res = find(lambda lr: 1.0 + 1e4 * lr, start=1e-3, end=10.0, steps=100, smooth=0.0)
    assert res.stop_reason == "diverged" and len(res) < MIN_POINTS + res.skip_start + res.skip_end
    for m in ("auto", "steep", "valley", "minimum"):
        s = res.suggestion(m)
        assert s.lr is None and not s and "too few points" in s.reason
    assert res.suggest() is None and res.suggest_range() is None and not res.confident
    assert "too few points" in res.warnings[0]
    with pytest.raises(ValueError, match="too few points"):
        res.schedule("one_cycle")
    with pytest.raises(ValueError, match="too few points"):
        res.schedule("cosine")


def test_flat_curve_warns_and_is_not_confident():
    rng = np.random.default_rng(1)
    res = find(lambda lr: 1.0 + 1e-3 * rng.standard_normal(), smooth=0.9, diverge=4.0, **GRID)
    assert res.stop_reason == "completed"
    assert not res.confident
    assert any(w.startswith("flat curve") and "widen the range" in w for w in res.warnings)


def test_diverged_at_once_and_never_diverged_warnings():
    rising = find(lambda lr: 1.0 + math.log10(lr / 1e-5), smooth=0.0, diverge=None, **GRID)
    assert any(w.startswith("diverged at once") and "lower start" in w for w in rising.warnings)
    assert rising.suggest("minimum") is None and rising.suggest("steep") is None
    falling = find(lambda lr: 1.0 / (1.0 + 1e3 * lr), smooth=0.0, **GRID)
    assert falling.stop_reason == "completed"
    assert any(w.startswith("never diverged") and "raise end" in w for w in falling.warnings)
    assert not falling.confident


def test_good_curve_is_confident():
    res = find(cliff, smooth=0.5, **GRID)
    assert res.warnings == [] and res.confident


def test_noisy_curve_warns():
    rng = np.random.default_rng(3)
    res = find(lambda lr: cliff(lr) + rng.standard_normal(), smooth=0.0, diverge=None, **GRID)
    assert any(w.startswith("too noisy") for w in res.warnings)


def test_linear_mode_suggestions_and_zero_start():
    res = find(
        lambda lr: 1.0 + (lr - 0.3) ** 2 * 10,
        start=0.0,
        end=1.0,
        steps=101,
        mode="linear",
        smooth=0,
    )
    assert res.lrs[0] == 0.0
    assert res.suggest("minimum") == pytest.approx(0.3)
    assert res.suggest("steep") is not None and res.suggest("steep") > 0


def test_to_dict_round_trip_through_json():
    res = find(lambda lr: float("nan") if lr > 1e-2 else cliff(lr), smooth=0.9, **GRID)
    d = json.loads(json.dumps(res.to_dict()))
    back = FinderResult.from_dict(d)
    assert back == res and math.isnan(back.stop_loss)
    assert back.suggestions() == res.suggestions()
    assert FinderResult.from_dict(json.dumps(res.to_dict())) == res
    assert d["version"] == 2 and d["curve"] == res.curve.tolist() and d["bandwidth"] == 0.15
    np.testing.assert_array_equal(back.curve, res.curve)
    # a version-1 dict (no curve) gets the curve recomputed from its losses
    old = {k: v for k, v in d.items() if k not in ("curve", "bandwidth")}
    assert FinderResult.from_dict(dict(old, version=1)) == res
    wider = FinderResult.from_dict(dict(old, bandwidth=0.3))
    assert wider.bandwidth == 0.3 and not np.allclose(wider.curve, res.curve)
    with pytest.raises(ValueError, match="bandwidth"):
        FinderResult(res.lrs, res.losses, res.smoothed, bandwidth=0)
    with pytest.raises(ValueError, match="curve must have one value"):
        FinderResult(res.lrs, res.losses, res.smoothed, curve=[1.0])
    with pytest.raises(ValueError, match="made by to_dict"):
        FinderResult.from_dict({"lrs": []})


def test_plot_png_html_and_figure(tmp_path):
    res = find(cliff, smooth=0.5, **GRID)
    png = res.plot(str(tmp_path / "f.png"))
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    html = res.plot(str(tmp_path / "f.html"))
    text = open(html, encoding="utf-8").read()
    assert "plotly" in text and "smoothed" in text and "lag-free curve" in text
    fig = res.plot()
    assert fig.axes[0].get_xscale() == "log"
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert "lag-free curve (suggestions)" in labels and "smoothed (online EMA, lags)" in labels
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_schedules_from_the_result():
    res = find(cliff, smooth=0.0, **GRID)
    base, top = res.suggest_range()
    oc = res.schedule("one_cycle", 1000)
    assert isinstance(oc, lrkit.OneCycle)
    assert oc.peak == top and oc.div == pytest.approx(top / base) and oc.steps == 1000
    assert oc(0) == pytest.approx(base)
    cyc = res.schedule("cyclic", half_period=50)
    assert cyc == lrkit.cyclic(base, top, half_period=50)
    cos = res.schedule("cosine", 500, warmup=20)
    assert cos == lrkit.warmup(lrkit.cosine(res.suggest(), 0.0, 500), steps=20)
    assert max(cos(np.arange(520))) == pytest.approx(res.suggest())
    unbound = res.schedule("one_cycle")
    assert unbound.bind(total_steps=300)(299) == pytest.approx(top / (top / base) / 1e4)
    with pytest.raises(ValueError, match="kind must be one of"):
        res.schedule("wsd")


def test_lrkit_namespace_and_callback():
    got = []
    res = lrkit.find(cliff, smooth=0.0, callback=lambda *a: got.append(a), **GRID)
    assert isinstance(res, lrkit.FinderResult)
    assert len(got) == len(res) and got[0] == (0, res.lrs[0], res.losses[0], res.smoothed[0])
    assert "suggestion" in repr(res) and "auto" in res.report()


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(steps=1), ValueError, "steps must be"),
        (dict(start=0.0), ValueError, "start must be > 0"),
        (dict(start=1.0, end=0.5), ValueError, "end must be > start"),
        (dict(smooth=1.0), ValueError, "smooth must be"),
        (dict(diverge=1.0), ValueError, "diverge must be"),
        (dict(mode="log"), ValueError, "mode must be one of"),
        (dict(steps=2.5), ValueError, "steps"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        find(cliff, **kwargs)


def test_bad_step_fn():
    with pytest.raises(TypeError, match="step_fn must be callable"):
        find(3.0)
    with pytest.raises(TypeError, match="step_fn must return the loss as one number, got None"):
        find(lambda lr: None)
    with pytest.raises(ValueError, match="method must be one of"):
        find(cliff, smooth=0.0, **GRID).suggest("fastest")


def test_step_fn_errors_propagate():
    def step(lr):
        if lr > 1e-3:
            raise RuntimeError("boom")
        return 1.0

    with pytest.raises(RuntimeError, match="boom"):
        find(step, **GRID)


def test_progress_only_when_interactive(monkeypatch):
    import sys

    class Tty:
        def isatty(self):
            return True

        def write(self, s):
            return len(s)

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stderr", Tty())
    monkeypatch.delenv("CI", raising=False)
    assert _want_progress(None) is True
    monkeypatch.setenv("CI", "true")
    assert _want_progress(None) is False
    assert _want_progress(True) is True and _want_progress(False) is False
    res = find(cliff, smooth=0.0, progress=True, **GRID)  # a bar into the fake terminal
    assert len(res) > 0


# ---------------------------------------------------------------- the lag-free curve
def test_zero_lag_keeps_lines_and_a_symmetric_minimum_exactly():
    lrs = sweep_lrs(**GRID)
    x = np.log10(lrs)
    line = 3.0 - 0.7 * x
    np.testing.assert_allclose(lrrkit_zero_lag(lrs, line), line, atol=1e-10)  # edges too
    bowl_y = 1.0 + (x + 2.0) ** 2
    z = lrrkit_zero_lag(lrs, bowl_y, bandwidth=0.2)
    # a local line on a parabola: the parabola shifted up by h^2 in the interior
    assert int(np.argmin(z)) == 30
    np.testing.assert_allclose(z[15:46], bowl_y[15:46] + 0.2**2, rtol=1e-9)
    # linear mode: x is the rate itself, with lr = 0 allowed
    lin = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(lrrkit_zero_lag(lin, 2 * lin + 1, log=False), 2 * lin + 1)
    assert np.isnan(lrrkit_zero_lag(lin, 2 * lin + 1)[0])  # no log10(0)
    assert lrrkit_zero_lag([1e-3, 1e-2], [2.0, 1.0]).tolist() == [2.0, 1.0]  # too few: as is


def test_zero_lag_robust_option_ignores_a_spike():
    lrs = sweep_lrs(**GRID)
    y = 2.0 - 0.1 * np.log10(lrs)
    y[30] = 50.0
    plain = lrrkit_zero_lag(lrs, y)
    robust = lrrkit_zero_lag(lrs, y, robust=2)
    assert plain[30] - (2.0 + 0.2) > 5.0
    assert abs(robust[30] - 2.2) < 1e-6


def test_zero_lag_does_not_extrapolate_a_line_far_beyond_its_weight():
    # three tight clusters of rates 0.23-1.25 decades apart, bandwidth 0.0095: with
    # robustness weights, the points left with weight near the lowest cluster are 24
    # bandwidths away (Gaussian weight ~1e-126) and 3e-7 decades apart. A line through
    # them is no evidence at that distance: the local mean is used (docstring), and the
    # curve stays within the losses' range (it was 2.3e5 with the 1e-12 bound)
    x = [-2.1992546950123844, -2.2001192669098217, -2.200508119843844, -2.199855028644774,
         -2.199443640796173, -3.4511735103975294, -3.4511736919398763, -3.4511731374059167,
         -3.4511739912365367, -3.4511729884448936, -3.680691243073669, -3.6806916001183856,
         -3.680691029031726, -3.68069129740217, -3.6806913909152565]  # fmt: skip
    y = [-1.4868135362240313, 0.6329444079170999, 0.8395427736663071, 0.9995124133694617,
         0.774408310739026, -0.3739554097786758, 85.75974339098208, -0.6955492856892487,
         -0.025318299526627754, -1.1199401602974126, 1.062227423171084, 0.6329880375315508,
         73.75790247773433, 1.2598999255966699, -2.6880340653297923]  # fmt: skip
    for robust in (2, 3):
        out = lrrkit_zero_lag(10.0 ** np.array(x), y, bandwidth=0.00946838211359032, robust=robust)
        assert np.all(np.isfinite(out))
        assert min(y) <= out.min() and out.max() <= max(y)
    # the guard's boundary: weight spread around x0 at 1e-6 of s0 s2 keeps the line
    # (a straight line is left as it is wherever its points carry weight on both sides)
    lrs = np.geomspace(1e-4, 1e-1, 31)
    line = 3.0 - np.log10(lrs)
    assert np.allclose(lrrkit_zero_lag(lrs, line, robust=2), line)


def noisy(f, seed=0, scale=0.02):
    rng = np.random.default_rng(seed)
    return lambda lr: f(lr) + scale * rng.standard_normal()


def test_default_smoothing_lags_but_the_suggestions_do_not():
    # the default online EMA (smooth=0.98) lags the loss by ~50 steps: its minimum is
    # far to the right of the true one; the lag-free curve puts it within one step
    for seed in range(3):
        res = find(noisy(bowl, seed), diverge=None, **GRID)
        assert abs(res.suggestion("minimum").index - 30) <= 1
        assert int(np.argmin(res.smoothed)) - 30 >= 10
        assert res.suggest("minimum") == pytest.approx(1e-2, rel=0.26)  # one step: 10^0.1
        res = find(noisy(cliff, seed), **GRID)
        assert abs(res.suggestion("steep").index - 20) <= 1
        edge = divergence_edge(res)
        want = res.suggest("minimum") / math.sqrt(10) if edge is None else edge / 10
        assert res.suggest("auto") == pytest.approx(min(want, res.suggest("minimum")), rel=1e-12)


def test_suggestions_ignore_what_follows_a_clear_rise():
    # falls to 0.5 at lr = 1e-2 (index 30), back to chance (2.3) by 1e-1, stays there,
    # then (a decoy, e.g. a lucky stretch of batches) drops to 0.1 past lr = 1
    def f(lr):
        x = math.log10(lr)
        if x <= -2.0:
            return 2.3 - 1.8 * (x + 5.0) / 3.0
        if x <= -1.0:
            return 0.5 + 1.8 * (x + 2.0)
        return 2.3 if x <= 0.0 else 0.1

    res = find(f, smooth=0.98, diverge=None, **GRID)
    assert res.stop_reason == "completed"
    assert abs(res.suggestion("minimum").index - 30) <= 1
    lo, hi = search_window(res)
    assert 30 < hi <= 40
    assert float(np.min(res.curve[hi:])) < float(np.min(res.curve[lo:hi]))  # the decoy
