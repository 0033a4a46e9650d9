"""Adversarial use of the range-test finder and its result (hardening pass)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.finder import FinderResult, find, zero_lag


def _toy(lr: float) -> float:
    return 1.0 / (1.0 + 1e3 * lr) + (lr / 1e-1) ** 2


@pytest.fixture(scope="module")
def res() -> FinderResult:
    return find(_toy, start=1e-6, end=10, steps=100, smooth=0.0)


def test_replace_recomputes_the_curve_from_new_losses_or_bandwidth(res):
    """replace(losses=...) kept the old lag-free curve: the suggestions read a curve of
    other losses."""
    doubled = res.replace(losses=2.0 * res.losses + 1.0)
    np.testing.assert_allclose(doubled.curve, 2.0 * res.curve + 1.0, rtol=1e-12)
    assert doubled == FinderResult.from_dict({**res.to_dict(), **_lists(doubled), "curve": None})
    wide = res.replace(bandwidth=0.5)
    np.testing.assert_allclose(wide.curve, zero_lag(res.lrs, res.losses, 0.5))
    assert not np.allclose(wide.curve, res.curve)
    given = res.replace(losses=res.losses + 1.0, curve=res.curve)  # an explicit curve stays
    np.testing.assert_array_equal(given.curve, res.curve)
    assert res.replace(meta={"a": 1}).curve is not None
    np.testing.assert_array_equal(res.replace(meta={"a": 1}).curve, res.curve)


def _lists(r: FinderResult) -> dict:
    return {"losses": r.losses.tolist()}


@pytest.mark.parametrize(
    ("field", "i", "value", "words"),
    [
        ("losses", 50, math.nan, r"losses must be finite .*, got losses\[50\] = nan"),
        ("losses", 3, math.inf, r"losses must be finite .*, got losses\[3\] = inf"),
        ("lrs", 2, math.inf, r"lrs must be finite and >= 0, got lrs\[2\] = inf"),
        ("lrs", 0, -1e-3, r"lrs must be finite and >= 0, got lrs\[0\] = -0.001"),
    ],
)
def test_a_result_refuses_non_finite_losses_and_bad_rates(res, field, i, value, words):
    """A NaN loss was accepted and the minimum was read at it (argmin of a curve with NaN)."""
    a = {"lrs": res.lrs.copy(), "losses": res.losses.copy()}
    a[field][i] = value
    with pytest.raises(ConfigError, match=words):
        FinderResult(a["lrs"], a["losses"], res.smoothed)
    d = {**res.to_dict(), field: [None if math.isnan(v) else v for v in a[field].tolist()]}
    if field == "losses" and math.isnan(value):
        with pytest.raises(ConfigError, match=r"losses\[50\] = nan"):
            FinderResult.from_dict(d)  # a JSON null


@pytest.mark.parametrize(
    ("kw", "error", "words"),
    [
        ({"stop_lr": "1e-3"}, ConfigTypeError, "stop_lr must be a number or None, got '1e-3'"),
        ({"stop_lr": True}, ConfigTypeError, "stop_lr must be a number or None, got True"),
        ({"stop_loss": "x"}, ConfigTypeError, "stop_loss must be a number or None, got 'x'"),
        ({"skip_start": True}, ConfigTypeError, "skip_start must be an integer, got True"),
        ({"skip_end": 2.5}, ConfigError, "skip_end must be an integer, got 2.5"),
        ({"calls": -3}, ConfigError, "calls must be >= 0, got -3"),
        ({"seconds": math.nan}, ConfigError, "seconds must be a finite number, got nan"),
        ({"meta": [1]}, ConfigTypeError, r"meta must be a dict, got \[1\] \(list\)"),
        ({"config": "x"}, ConfigTypeError, r"config must be a dict, got 'x' \(str\)"),
    ],
)
def test_a_result_refuses_bad_fields_naming_them(res, kw, error, words):
    with pytest.raises(error, match="FinderResult: " + words):
        FinderResult(res.lrs, res.losses, res.smoothed, **kw)


def test_a_non_finite_stop_loss_is_still_accepted(res):
    r = FinderResult(
        res.lrs,
        res.losses,
        res.smoothed,
        stop_reason="nonfinite",
        stop_lr=20.0,
        stop_loss=-math.inf,
    )
    assert FinderResult.from_dict(r.to_dict()).stop_loss == -math.inf
    nan = r.replace(stop_loss=math.nan)
    assert math.isnan(FinderResult.from_dict(nan.to_dict()).stop_loss)


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (
            {"lrs": "abc"},
            ConfigTypeError,
            "FinderResult: lrs must be a list or array of numbers, got 'abc'",
        ),
        ({"losses": [1.0, "a"]}, ConfigTypeError, "FinderResult: losses must be a list or array"),
        (
            {"stop_loss": "bad"},
            ConfigError,
            "from_dict: stop_loss must be a number, null, 'nan', 'inf' or '-inf', got 'bad'",
        ),
        (
            {"skip_start": "x"},
            ConfigTypeError,
            "FinderResult: skip_start must be an integer, got 'x'",
        ),
        ({"meta": [1]}, ConfigTypeError, r"FinderResult: meta must be a dict"),
    ],
)
def test_from_dict_refuses_corrupted_fields_in_words(res, change, error, words):
    """These raised bare ValueError/TypeError from numpy or dict() ('could not convert string
    to float: ...', 'cannot convert dictionary update sequence ...')."""
    with pytest.raises(error, match=words):
        FinderResult.from_dict({**res.to_dict(), **change})


def test_from_dict_refuses_text_that_is_not_json():
    with pytest.raises(ConfigError, match=r"^FinderResult.from_dict: d is not valid JSON \("):
        FinderResult.from_dict("not json")


def test_a_cyclic_schedule_is_bound_to_the_steps_given(res):
    """schedule("cyclic", 1000) dropped steps: the '10%' half period stayed relative and
    the schedule could not be evaluated (one_cycle and cosine were bound)."""
    base, top = res.suggest_range()
    s = res.schedule("cyclic", 1000)
    assert s.is_bound and s.half_period == 100
    assert [s(0), s(100), s(200), s(50)] == pytest.approx([base, top, base, (base + top) / 2])
    assert not res.schedule("cyclic").is_bound  # no steps: bind it later
    assert res.schedule("cyclic", 1000, half_period=30).half_period == 30


def test_find_refuses_a_callback_that_is_not_callable_before_any_step():
    calls = []

    def step(lr):
        calls.append(lr)
        return 1.0

    with pytest.raises(ConfigTypeError, match="find: callback must be callable .*, got 5"):
        find(step, callback=5)
    assert calls == []


def test_to_dict_is_json_safe_with_numpy_values_in_meta_and_config(res):
    """A numpy scalar in meta or config made to_dict() unserializable ('Object of type
    float32 is not JSON serializable'), though it is documented as JSON-safe."""
    import json

    r = res.replace(
        meta={"acc": np.float32(0.5), "ids": np.arange(2), "n": [np.int64(3)]},
        config={**res.config, "steps": np.int64(100)},
    )
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["meta"] == {"acc": 0.5, "ids": [0, 1], "n": [3]}
    assert d["config"]["steps"] == 100 and type(d["config"]["steps"]) is int
    back = FinderResult.from_dict(d)
    assert back == r and back.suggestions() == res.suggestions()


@pytest.mark.parametrize("level", [0.3, 0.7, 2.5])
@pytest.mark.parametrize("mode", ["exp", "linear"])
def test_a_constant_loss_gives_no_suggestion(level, mode):
    """A step_fn that does not train (loss exactly constant): the curve's local fits differ
    by ~1e-16 and the methods read that rounding as a fall — minimum 7.7e-7 and auto 9.3e-8,
    below the sweep's start 1e-7 (0.3, exp), valley 0.082 (0.3, linear)."""
    kw = {"mode": "linear", "start": 1e-3, "end": 1.0} if mode == "linear" else {}
    res = find(lambda lr: level, **kw)
    assert np.ptp(res.curve) < 1e-14 * level * 100  # rounding only
    assert res.suggestions() == dict.fromkeys(("auto", "steep", "valley", "minimum"))
    assert res.suggest_range() is None and not res.confident
    assert res.suggestion("auto").reason == (
        "minimum: the loss never falls (its minimum is at the start); "
        "valley: no downhill valley in the loss"
    )
    assert any(w.startswith("flat curve") for w in res.warnings)


@pytest.mark.parametrize("progress", ["no", 0, 1.0])
def test_find_refuses_a_progress_that_is_not_a_bool_or_none(progress):
    """progress="no" was truthy: it asked for a progress bar."""
    with pytest.raises(ConfigTypeError, match=r"^find: progress must be True or False, got "):
        find(lambda lr: 1.0, progress=progress)
    assert len(find(lambda lr: 1.0, steps=20, progress=np.bool_(False))) == 20


def test_a_loss_beyond_float64_stops_the_sweep_as_non_finite():
    """A Python int of 10**400 raised OverflowError out of find (float() of it)."""
    res = find(lambda lr: 10**400 if lr > 1e-3 else 1.0, steps=50)
    assert res.stop_reason == "nonfinite" and res.stop_loss == math.inf
    assert res.stop_lr == pytest.approx(float(res.lrs[-1]) * 10 ** (8 / 49))
    assert find(lambda lr: -(10**400), steps=20).stop_loss == -math.inf


def test_replace_keeps_a_given_curve_unless_what_it_reads_changes(res):
    z = np.linspace(2.0, 1.0, len(res))
    own = FinderResult(res.lrs, res.losses, res.smoothed, config=res.config, curve=z)
    np.testing.assert_array_equal(own.replace(config={**res.config, "diverge": 5.0}).curve, z)
    np.testing.assert_array_equal(own.replace(meta={"a": 1}).curve, z)
    linear = own.replace(config={**res.config, "mode": "linear"})  # x = lr, not log10(lr)
    np.testing.assert_allclose(linear.curve, zero_lag(res.lrs, res.losses, log=False))


def _falling(lr: float) -> float:
    return 1.0 / (1.0 + 1e3 * lr) + (lr / 1e-1) ** 2  # falls from 1e-4, minimum near 1.5e-2


def test_a_sweep_starting_in_the_descent_says_so_not_flat_noisy_start():
    """Started at 3e-3 the noiseless curve falls from the first usable point: the range's
    base is the second one, and the warning said it 'lies in the flat, noisy start of the
    curve' — there is neither a flat start nor noise; the sweep started too late."""
    res = find(_falling, start=3e-3, end=10, smooth=0.0)
    base, top = res.suggest_range()
    lo = res.skip_start
    assert base == res.lrs[lo + 1] and not res.confident
    (w,) = res.warnings
    assert w == (
        f"the range's base {base:.3g} is where the usable points begin: the loss already falls "
        f"at the first one (lr={res.lrs[lo]:.3g}), so max/base = {top / base:.0f} is not "
        f"measured; lower start (e.g. start={res.lrs[lo] / 100:.1e})"
    )
    assert "noisy" not in w
    lin = find(
        lambda lr: 1 / (1 + 50 * lr) + (lr / 0.5) ** 4,
        mode="linear",
        start=0.0,
        end=1.0,
        smooth=0.0,
    )
    assert lin.warnings[0].endswith(
        "sweep with mode='exp' (a linear sweep has few points at small rates)"
    )
    assert find(_falling, start=1e-6, end=10, smooth=0.0).confident  # a flat start: fine


@pytest.mark.parametrize(
    ("steps", "error", "words"),
    [
        ("abc", ConfigTypeError, r"config\['steps'\] must be an integer, got 'abc'"),
        (-5, ConfigError, r"config\['steps'\] must be >= 1, got -5"),
    ],
)
def test_from_dict_refuses_a_corrupted_planned_step_count(res, steps, error, words):
    """config['steps'] = 'abc' raised "invalid literal for int() with base 10: 'abc'"."""
    d = res.to_dict()
    with pytest.raises(error, match="^FinderResult: " + words):
        FinderResult.from_dict({**d, "config": {**d["config"], "steps": steps}, "skip_start": None})
    assert FinderResult.from_dict({**d, "config": {**d["config"], "steps": 100.0}}) == res


@pytest.mark.parametrize(
    ("kw", "error", "words"),
    [
        ({"bandwidth": math.nan}, ConfigError, "bandwidth must be a finite number, got nan"),
        ({"bandwidth": -1.0}, ConfigError, "bandwidth must be > 0, got -1.0"),
        ({"bandwidth": "0.2"}, ConfigTypeError, "bandwidth must be a number, got '0.2'"),
        ({"robust": -1}, ConfigError, "robust must be >= 0, got -1"),
        ({"robust": 1.5}, ConfigError, "robust must be an integer, got 1.5"),
        ({"robust": True}, ConfigTypeError, "robust must be an integer, got True"),
    ],
)
def test_zero_lag_refuses_bad_settings(kw, error, words):
    """bandwidth=nan returned an all-NaN curve, robust=-1 the losses unsmoothed, both
    silently; -1 as bandwidth was taken as the two-step minimum."""
    lrs = np.geomspace(1e-4, 1.0, 30)
    with pytest.raises(error, match="^zero_lag: " + words):
        zero_lag(lrs, 1.0 / (1.0 + 100 * lrs), **kw)


def test_zero_lag_refuses_lrs_and_losses_of_different_lengths():
    with pytest.raises(
        ConfigError, match="^zero_lag: lrs and losses must have the same length, got 30 and 10$"
    ):
        zero_lag(np.geomspace(1e-4, 1.0, 30), np.ones(10))


@pytest.mark.parametrize(
    ("kind", "kw", "words"),
    [
        (
            "one_cycle",
            {"warmup": "10%"},
            "warmup is for kind='cosine', got warmup='10%' with kind='one_cycle'",
        ),
        ("cyclic", {"warmup": 50}, "warmup is for kind='cosine', got warmup=50 with kind='cyclic'"),
        (
            "one_cycle",
            {"half_period": 5},
            "half_period is for kind='cyclic', got half_period=5 with kind='one_cycle'",
        ),
        (
            "cosine",
            {"half_period": "10%"},
            "half_period is for kind='cyclic', got half_period='10%' with kind='cosine'",
        ),
    ],
)
def test_schedule_refuses_an_option_of_another_kind(res, kind, kw, words):
    """schedule('one_cycle', warmup='10%') returned a one_cycle without any sign that the
    warmup was dropped."""
    with pytest.raises(ConfigError, match="^FinderResult.schedule: " + words + "$"):
        res.schedule(kind, 1000, **kw)


def test_schedule_cosine_without_warmup_and_the_defaults(res):
    """warmup=0 was refused ('steps must be a positive duration'): no way to ask for none."""
    import lrkit

    bare = res.schedule("cosine", 1000, warmup=0)
    assert bare == lrkit.cosine(res.suggest(), 0.0, 1000)
    assert res.schedule("cosine", 1000) == lrkit.warmup(
        lrkit.cosine(res.suggest(), 0.0, 1000), "5%"
    )
    base, top = res.suggest_range()
    assert res.schedule("cyclic") == lrkit.cyclic(base, top, "10%")
    with pytest.raises(ConfigError, match="warmup=0 .none. takes no warmup arguments, got start"):
        res.schedule("cosine", 1000, warmup=0, start=0.1)


def test_diverged_at_once_in_a_linear_sweep_from_zero_does_not_ask_for_a_lower_start():
    """It said 'lower start (e.g. start=0.0e+00)' for a sweep that starts at 0."""
    res = find(lambda lr: 1.0 + lr, mode="linear", start=0.0, end=1.0)
    lo = res.skip_start
    assert res.warnings == [
        "diverged at once: the loss rises from the first steps; lower end (the first usable "
        f"rate of this linear sweep is {res.lrs[lo]:.3g}), or sweep with mode='exp'"
    ]
    exp = find(lambda lr: 1.0 + lr * 1e6, start=1e-6, end=1.0, diverge=None)
    assert exp.warnings == [
        "diverged at once: the loss rises from the first steps; lower start (e.g. start=1.0e-08)"
    ]


def test_auto_below_every_swept_rate_is_not_confident():
    """The loss diverges within a decade of the start: auto (a decade below the edge) was
    1.47e-4 for a sweep from 3e-4, a rate never measured, with confident=True and its chart
    marker drawn at the curve's first value."""
    res = find(
        lambda lr: 1.0 / (1.0 + 1e3 * lr) + (lr / 3e-3) ** 2,
        start=3e-4,
        end=1.0,
        smooth=0.0,
        steps=200,
    )
    auto = res.suggest()
    from lrkit.finder.suggest import divergence_edge

    assert auto == divergence_edge(res) / 10  # a decade below the edge: below the sweep
    assert auto < res.lrs[0] and not res.confident
    assert res.warnings == [
        f"auto {auto:.3g} lies below the swept rates (the lowest is {res.lrs[0]:.3g}): the loss "
        f"was not measured there; lower start (e.g. start={auto / 10:.1e})"
    ]
    wider = find(
        lambda lr: 1.0 / (1.0 + 1e3 * lr) + (lr / 3e-3) ** 2,
        start=1e-5,
        end=1.0,
        smooth=0.0,
        steps=200,
    )
    assert wider.confident and wider.suggest() > wider.lrs[0]  # a sweep from lower: measured


def test_the_report_says_what_the_default_read_when_the_sweep_never_diverged():
    """`lrkit find` said "a decade below divergence" for a sweep that stopped "completed"
    without diverging; the default is then the minimum / sqrt(10)."""
    lrs = np.geomspace(1e-5, 1.0, 60)
    level = 0.5 + 2.0 / (1.0 + lrs / 1e-3)  # falls, then levels off: no divergence
    calm = FinderResult(lrs, level, level)
    line = next(ln for ln in calm.report().splitlines() if ln.startswith("  auto"))
    assert "the minimum / sqrt(10): the sweep never diverged" in line
    low = calm.suggestion("minimum").lr
    assert calm.suggest() == pytest.approx(low / math.sqrt(10), rel=0.2)  # the grid's nearest
    bowl = 0.5 + 2.0 / (1.0 + lrs / 1e-3) + (lrs / 0.05) ** 2  # back above its start by 1.0
    blown = FinderResult(lrs, bowl, bowl)
    line = next(ln for ln in blown.report().splitlines() if ln.startswith("  auto"))
    assert "a decade below divergence" in line
