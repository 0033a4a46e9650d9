"""The range test's documented formulas pinned broadly (issue 15, seed-5 pass).

The finder scored 40-75 % on fresh mutation samples: its outcome tests ("the
suggestion is near the optimum") let many one-line changes of its formulas
through. These tests hold each formula of the docstrings to an independent
computation: the sweep's rates (both modes), the bias-corrected EMA and the
divergence stop (strict, with ``|best|``), the stops on a non-finite loss and on
``LoaderExhausted``, the settings' checks, the lag-free curve (a weighted least
squares solved point by point, robust weights included) and ``step_noise``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.finder import (
    BANDWIDTH,
    LoaderExhausted,
    SweepOptions,
    as_loss,
    step_noise,
    sweep_lrs,
    sweep_options,
    zero_lag,
)


# ---------------------------------------------------------------------------------------
# the rates and the settings
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "steps"), [(1e-7, 10.0, 100), (1e-3, 2.0, 7), (0.5, 0.6, 2)]
)
def test_exp_rates_are_log_spaced_with_exact_ends(start, end, steps):
    got = sweep_lrs(start, end, steps)
    i = np.arange(steps)
    want = start * (end / start) ** (i / (steps - 1))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[0] == start and got[-1] == end and len(got) == steps


@pytest.mark.parametrize(("start", "end", "steps"), [(0.0, 1.0, 5), (0.1, 0.7, 13), (2.0, 3.0, 2)])
def test_linear_rates_are_evenly_spaced_with_exact_ends(start, end, steps):
    got = sweep_lrs(start, end, steps, "linear")
    np.testing.assert_allclose(got, start + (end - start) * np.arange(steps) / (steps - 1))
    assert got[0] == start and got[-1] == end


@pytest.mark.parametrize(
    ("kw", "err", "msg"),
    [
        ({"start": 0.0}, ConfigError, "find: start must be > 0 (mode='exp'), got 0.0"),
        ({"start": -1.0, "mode": "linear"}, ConfigError, "find: start must be >= 0, got -1.0"),
        ({"end": 1e-8}, ConfigError, "find: end must be > start, got start=1e-07, end=1e-08"),
        ({"end": 1e-7}, ConfigError, "find: end must be > start"),
        ({"steps": 1}, ConfigError, "steps"),
        ({"mode": "log"}, ConfigError, "mode"),
        ({"smooth": 1.0}, ConfigError, "smooth"),
        ({"smooth": -0.1}, ConfigError, "smooth"),
        ({"diverge": 1.0}, ConfigError, "diverge"),
        ({"diverge": 0.5}, ConfigError, "diverge"),
    ],
)
def test_sweep_settings_are_checked(kw, err, msg):
    with pytest.raises(err) as e:
        SweepOptions(**kw)
    assert msg in str(e.value)


def test_the_edges_of_the_settings_are_accepted_and_normalised():
    o = SweepOptions(start=0.0, end=1, steps=2, mode="linear", smooth=0.0, diverge=None)
    assert o.to_dict() == {
        "start": 0.0,
        "end": 1.0,
        "steps": 2,
        "mode": "linear",
        "smooth": 0.0,
        "diverge": None,
    }
    assert type(o.end) is float
    assert SweepOptions(diverge=1.0001).diverge == 1.0001
    assert SweepOptions().to_dict() == {
        "start": 1e-7,
        "end": 10.0,
        "steps": 100,
        "mode": "exp",
        "smooth": 0.98,
        "diverge": 4.0,
    }


def test_sweep_options_overrides_and_refuses_what_it_does_not_know():
    base = SweepOptions(steps=30)
    assert sweep_options(base) is base
    assert sweep_options(base, end=1.0) == SweepOptions(steps=30, end=1.0)
    assert sweep_options(steps=5).steps == 5 and sweep_options() == SweepOptions()
    with pytest.raises(ConfigTypeError, match=r"unknown sweep setting\(s\) foo, lr; allowed: "):
        sweep_options(lr=1.0, foo=2)
    with pytest.raises(ConfigTypeError, match=r"find: options must be a SweepOptions, got"):
        sweep_options({"steps": 5})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# the sweep: EMA, stops, bookkeeping
# ---------------------------------------------------------------------------------------
def _ema(losses, beta):
    a, out = 0.0, []
    for i, v in enumerate(losses):
        a = beta * a + (1 - beta) * v
        out.append(a / (1 - beta ** (i + 1)))
    return np.array(out)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.98])
def test_smoothed_is_the_bias_corrected_ema_of_the_losses(beta):
    rng = np.random.default_rng(1)
    losses = list(2.0 + rng.normal(0, 0.1, 40))
    it = iter(losses)
    res = lrkit.find(lambda lr: next(it), steps=40, smooth=beta, diverge=None, progress=False)
    np.testing.assert_allclose(res.losses, losses, rtol=0, atol=0)
    np.testing.assert_allclose(res.smoothed, _ema(losses, beta), rtol=1e-12)
    assert res.stop_reason == "completed" and res.calls == 40 and res.stop_lr is None


def _divergence_step(losses, beta, d):
    """The first i > 0 with smoothed_i > best + (d - 1)|best| (best: lowest smoothed before i)."""
    sm = _ema(losses, beta)
    best = math.inf
    for i, s in enumerate(sm):
        if i > 0 and s > best + (d - 1.0) * abs(best):
            return i
        best = min(best, s)
    return None


@pytest.mark.parametrize(
    ("losses", "beta", "d"),
    [
        ([1.0, 0.9, 0.8, 0.7, 1.5, 2.9, 3.5, 9.0], 0.0, 4.0),
        ([1.0, 0.5, 0.4, 0.3, 0.9, 1.21, 2.0], 0.0, 4.0),  # 1.21 > 0.3 * 4 = 1.2
        ([1.0, 0.5, 0.4, 0.3, 0.9, 1.2, 1.19, 50.0], 0.0, 4.0),  # 1.2 is not > 1.2
        ([-1.0, -2.0, -3.0, -2.0, -1.0, 0.5, 10.0], 0.0, 1.5),  # negative: b + (d-1)|b|
        ([-4.0, -4.0, -3.0, -2.5, -1.0, 9.0], 0.5, 1.5),
        ([2.0, 1.0, 0.5, 0.6, 0.8, 1.2, 3.0, 30.0, 300.0], 0.6, 2.0),
        ([5.0, 50.0, 1.0], 0.0, 4.0),  # the second point may already stop the sweep
    ],
)
def test_the_divergence_stop_is_the_documented_rule(losses, beta, d):
    it = iter(losses)
    res = lrkit.find(lambda lr: next(it), steps=len(losses), smooth=beta, diverge=d, progress=False)
    k = _divergence_step(losses, beta, d)
    assert k is not None
    assert res.stop_reason == "diverged" and len(res) == k + 1 == res.calls
    assert res.stop_lr == res.lrs[k] and res.stop_loss == losses[k]
    np.testing.assert_allclose(res.smoothed, _ema(losses[: k + 1], beta), rtol=1e-12)


def test_the_stop_watches_the_smoothed_best_not_one_lucky_batch():
    losses = [1.0, 1.0, 0.01, 1.0, 1.0, 1.0, 1.0, 1.0]  # one low outlier
    it = iter(losses)
    res = lrkit.find(lambda lr: next(it), steps=8, smooth=0.9, diverge=4.0, progress=False)
    assert res.stop_reason == "completed" and len(res) == 8
    assert _divergence_step(losses, 0.9, 4.0) is None


def test_a_non_finite_loss_stops_the_sweep_and_is_not_recorded():
    for bad in (math.nan, math.inf, -math.inf):
        seq = iter([3.0, 2.0, 1.5, bad, 1.0])
        res = lrkit.find(
            lambda lr, seq=seq: next(seq), steps=5, start=1e-3, end=1.0, progress=False
        )
        lrs = sweep_lrs(1e-3, 1.0, 5)
        assert res.stop_reason == "nonfinite" and len(res) == 3 and res.calls == 4
        assert res.stop_lr == lrs[3] and (res.stop_loss == bad or math.isnan(res.stop_loss))
        np.testing.assert_array_equal(res.lrs, lrs[:3])


def test_loader_exhausted_ends_the_sweep_keeping_its_points():
    def step(lr):
        if lr > 0.05:
            raise LoaderExhausted("the loader ran out after 3 batches")
        return 1.0

    res = lrkit.find(step, start=1e-3, end=1.0, steps=7, progress=False)
    lrs = sweep_lrs(1e-3, 1.0, 7)
    n = int(np.sum(lrs <= 0.05))
    assert res.stop_reason == "exhausted" and len(res) == n and res.calls == n
    assert res.stop_lr == lrs[n] and res.stop_loss is None
    assert res.stop_detail == "the loader ran out after 3 batches"


def test_callback_gets_every_recorded_step_and_config_the_settings():
    seen = []
    res = lrkit.find(
        lambda lr: 1.0 + lr,
        steps=6,
        start=0.0,
        end=1.0,
        mode="linear",
        smooth=0.5,
        callback=lambda *a: seen.append(a),
        progress=False,
    )
    assert [a[0] for a in seen] == list(range(6))
    np.testing.assert_allclose([a[1] for a in seen], sweep_lrs(0.0, 1.0, 6, "linear"))
    np.testing.assert_allclose([a[2] for a in seen], 1.0 + sweep_lrs(0.0, 1.0, 6, "linear"))
    np.testing.assert_allclose([a[3] for a in seen], res.smoothed)
    assert (
        res.config == SweepOptions(steps=6, start=0.0, end=1.0, mode="linear", smooth=0.5).to_dict()
    )
    with pytest.raises(ConfigTypeError, match=r"find: step_fn must be callable"):
        lrkit.find(3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("out", "want"),
    [(2, 2.0), (np.float32(0.5), 0.5), (np.array([1.5]), 1.5), (np.array([[0.25]]), 0.25)],
)
def test_as_loss_reads_one_number(out, want):
    assert as_loss(out, "find", 0.1) == want


@pytest.mark.parametrize(
    ("out", "msg"),
    [
        (np.array([1.0, 2.0]), "got a ndarray of shape (2,) at lr=0.1 (reduce it"),
        (np.zeros((2, 3)), "got a ndarray of shape (2, 3)"),
        (None, "got None (NoneType) at lr=0.1"),
        ("1.0x", "got '1.0x' (str) at lr=0.1"),
        ("1.0", "got '1.0' (str) at lr=0.1"),  # float() would read it
        (True, "got True (bool) at lr=0.1"),
        (np.bool_(False), "got np.False_ (bool) at lr=0.1"),
    ],
)
def test_as_loss_refuses_anything_else(out, msg):
    with pytest.raises(ConfigTypeError) as e:
        as_loss(out, "find", 0.1)
    assert msg in str(e.value)


# ---------------------------------------------------------------------------------------
# the lag-free curve and the noise level
# ---------------------------------------------------------------------------------------
def _loess(x, y, h, robust=0):
    """Independent LOESS: for each x0, weighted least squares of y on (1, x - x0)."""
    delta = np.ones(len(x))
    fit = y.copy()
    for it in range(robust + 1):
        out = []
        for x0 in x:
            w = np.exp(-0.5 * ((x - x0) / h) ** 2) * delta
            A = np.stack([np.ones_like(x), x - x0], axis=1) * np.sqrt(w)[:, None]
            coef, *_ = np.linalg.lstsq(A, y * np.sqrt(w), rcond=None)
            out.append(coef[0])
        fit = np.array(out)
        if it == robust:
            break
        r = y - fit
        s = np.median(np.abs(r))
        u = r / (6 * s)
        delta = np.where(np.abs(u) < 1, (1 - u**2) ** 2, 0.0)
    return fit


@pytest.mark.parametrize("robust", [0, 1, 2])
@pytest.mark.parametrize("bandwidth", [BANDWIDTH, 0.4, 0.01])
def test_zero_lag_is_a_gaussian_local_linear_regression(bandwidth, robust):
    rng = np.random.default_rng(7)
    lrs = np.geomspace(1e-5, 1.0, 41)
    y = 1.0 / (1 + 1e3 * lrs) + lrs**2 + rng.normal(0, 0.05, 41)
    y[30] += 1.0  # an outlier for the robust weights
    x = np.log10(lrs)
    h = max(bandwidth, 2 * float(np.median(np.abs(np.diff(x)))))  # at least two steps
    got = zero_lag(lrs, y, bandwidth, robust)
    np.testing.assert_allclose(got, _loess(x, y, h, robust), rtol=1e-8, atol=1e-10)


def test_zero_lag_in_linear_mode_uses_two_sweep_steps():
    rng = np.random.default_rng(3)
    lrs = np.linspace(0.0, 1.0, 30)
    y = (lrs - 0.6) ** 2 + rng.normal(0, 0.02, 30)
    h = 2 * (1.0 / 29)
    got = zero_lag(lrs, y, log=False)
    np.testing.assert_allclose(got, _loess(lrs, y, h), rtol=1e-8, atol=1e-10)
    assert zero_lag(lrs, y, bandwidth=5.0, log=False) == pytest.approx(got)  # no bandwidth


def test_zero_lag_leaves_out_unusable_points_and_short_series():
    lrs = np.array([0.0, 1e-3, 1e-2, 1e-1, 1.0, 10.0])
    y = np.array([1.0, 2.0, np.nan, 1.5, 1.2, 3.0])
    got = zero_lag(lrs, y)
    assert math.isnan(got[0]) and math.isnan(got[2])  # lr <= 0 in log mode; a NaN loss
    ok = [1, 3, 4, 5]
    np.testing.assert_allclose(got[ok], _loess(np.log10(lrs[ok]), y[ok], 2.0), rtol=1e-8)
    short = zero_lag([1e-3, 1e-2, -1.0], [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(short[:2], [4.0, 5.0])
    assert math.isnan(short[2])


def test_step_noise_is_the_scaled_mad_of_the_differences():
    rng = np.random.default_rng(0)
    y = np.cumsum(rng.normal(0, 1, 200)) * 0.01 + rng.normal(0, 0.3, 200)
    d = np.diff(y)
    want = 1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2)
    assert step_noise(y) == pytest.approx(want, rel=1e-12)
    assert step_noise([1.0]) == 0.0 and step_noise([]) == 0.0
    # differences 2, -1, 4: median 2, deviations 0, 3, 2: MAD 2
    assert step_noise([1.0, 3.0, 2.0, 6.0]) == pytest.approx(1.4826 * 2.0 / math.sqrt(2))


# ---------------------------------------------------------------------------------------
# seed-5 survivors (benchmarks/results/mutation_seed5.md), one test each
# ---------------------------------------------------------------------------------------
def test_the_chart_s_y_axis_starts_5_percent_of_its_span_below_the_lowest_point():
    """``figure.py:75``: the y range is ``(low - pad, cap)`` with ``low`` the lowest raw or
    lag-free point and ``pad = 0.05 (cap - low)``; a chart of one flat value at 0 (no
    span) is padded by 0.05 below it."""
    from lrkit.finder.figure import finder_figure

    def bowl(lr):
        return 3.0 + (math.log10(lr) + 3.0) ** 2 / 4 + 0.05 * math.sin(1e3 * lr)

    res = lrkit.find(bowl, start=1e-6, end=1.0, steps=60, smooth=0.0, progress=False)
    lo, cap = finder_figure(res).ylim
    low = min(float(np.min(res.losses)), float(np.nanmin(res.curve)))
    assert low < cap
    assert lo == pytest.approx(low - 0.05 * (cap - low), rel=1e-12)
    flat = lrkit.find(lambda lr: 0.0, steps=10, smooth=0.0, progress=False)
    assert finder_figure(flat).ylim == (-0.05, 0.0)
    one = lrkit.find(lambda lr: -2.0, steps=10, smooth=0.0, progress=False)
    # cap = t + max(t - m, |t|/4) = -2 + 0.5; pad = 0.05 x 0.5
    assert finder_figure(one).ylim == pytest.approx((-2.0 - 0.025, -1.5))


# ---------------------------------------------------------------------------------------
# the diagnosis and the report (written after seed 6's run: finder's other large file)
# ---------------------------------------------------------------------------------------
def _res(z, **kw):
    from lrkit.finder import FinderResult

    lrs = sweep_lrs(1e-5, 10.0, len(z))
    z = np.asarray(z, dtype=np.float64)
    kw.setdefault("skip_start", 0)
    kw.setdefault("skip_end", 0)
    return FinderResult(lrs, z, z, curve=z, config={"steps": len(z), "start": 1e-5}, **kw)


def test_diverged_at_once_is_a_rise_from_the_first_tenth():
    x = np.arange(61)
    rising = 1.0 + 0.5 * (x / 60.0) ** 2  # minimum at step 0, then up by 50 %
    res = _res(rising)
    w = res.warnings
    assert w[0] == (
        "diverged at once: the loss rises from the first steps; lower start (e.g. start=1.0e-07)"
    )
    assert not res.confident
    # the first tenth: a minimum before index max(3, 61 // 10) = 6 after a small fall
    for k, at_once in ((5, True), (6, False)):
        z = 1.0 + 0.5 * ((x - k) / 50.0) ** 2
        z[:k] = 1.0 + 0.3 * (k - x[:k]) / k
        got = any(s.startswith("diverged at once") for s in _res(z).warnings)
        assert got is at_once, k


def test_too_noisy_when_the_noise_passes_a_quarter_of_the_fall():
    """The raw loss's step-to-step noise (before the minimum) against the fall of the
    lag-free curve (median of its first 5 points to the median around its minimum)."""
    from lrkit.finder import FinderResult

    x = np.arange(61)
    curve = 1.0 + 0.2 * ((x - 40) / 20.0) ** 2  # falls by 0.8 to its minimum at 40
    saw = np.where(x % 2 == 0, 1.0, -1.0)
    lrs = sweep_lrs(1e-5, 10.0, 61)
    for amp in (0.2, 0.12, 0.05):
        raw = curve + amp * saw
        res = FinderResult(lrs, raw, raw, curve=curve, skip_start=0, skip_end=0)
        d = np.diff(raw[:41])
        noise = 1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2)
        fall = np.median(curve[:5]) - np.median(curve[38:43])
        got = [s for s in res.warnings if s.startswith("too noisy")]
        assert bool(got) == bool(noise > 0.25 * fall), (amp, noise, fall)
        if got:
            assert got[0].startswith(f"too noisy: the step-to-step noise of the loss ({noise:.3g})")
            assert f"comparable to its fall ({fall:.3g})" in got[0]
    # 2 amp / sqrt(2) x 1.4826 against a quarter of the fall: 0.2 and 0.12 noisy, 0.05 not
    assert [
        any(
            s.startswith("too noisy")
            for s in FinderResult(
                lrs, curve + a * saw, curve + a * saw, curve=curve, skip_start=0, skip_end=0
            ).warnings
        )
        for a in (0.2, 0.12, 0.05)
    ] == [True, True, False]


def test_an_exhausted_sweep_says_why_it_stopped():
    x = np.arange(40)
    z = 1.0 + ((x - 30) / 15.0) ** 2
    res = _res(z, stop_reason="exhausted", stop_lr=0.5, stop_detail="the loader ran out")
    w = [s for s in res.warnings if s.startswith("stopped early")]
    assert w == [
        "stopped early: the loader ran out; the sweep did not reach end — pass data that "
        "can be iterated again (a list, a DataLoader) or lower steps"
    ]


def test_the_report_lists_every_method_the_range_and_the_warnings():
    x = np.arange(61)
    z = 1.0 + ((x - 30) / 10.0) ** 2  # a clean bowl: minimum at 30, back up by 9
    res = _res(z, calls=61, seconds=1.25, stop_reason="diverged", stop_lr=10.0)
    lines = res.report().splitlines()
    assert lines[0] == (
        "range test: 61 points from lr=1e-05 (61 steps, 1.25 s), stopped: diverged at lr=10"
    )
    for line, m in zip(lines[1:5], ("auto", "steep", "valley", "minimum")):
        s = res.suggestion(m)
        want = "none" if s.lr is None else f"{s.lr:.3g}"
        assert line.startswith(f"  {m:<8} {want}")
    r = res.suggest_range()
    assert lines[5] == f"  range    {r[0]:.3g} .. {r[1]:.3g}  (cycle: base, peak)"
    assert lines[6] == f"  confident: {'yes' if res.confident else 'no'}"
    assert lines[7:] == [f"  warning: {w}" for w in res.warnings]
