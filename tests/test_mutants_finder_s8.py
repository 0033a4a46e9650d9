"""Broad direct tests for the finder's documented values and errors (issue 15, seed 8).

Written *before* the seed-8 mutation sample was drawn, for the finder's parts that
no test pinned by value: the data cycle, :class:`FinderResult`'s construction and
serialization, the "too few points" reason, the ready schedules, ``auto``'s rule
and the report's wording. Every expected value comes from the documented rule.
"""

import json
import math

import numpy as np
import pytest

from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.finder import (
    MIN_POINTS,
    FinderResult,
    LoaderExhausted,
    find,
    sweep_lrs,
    zero_lag,
)
from lrkit.finder.cycle import Cycle


def _res(z, lo=1e-5, hi=10.0, **kw):
    z = np.asarray(z, dtype=np.float64)
    kw.setdefault("skip_start", 0)
    kw.setdefault("skip_end", 0)
    return FinderResult(sweep_lrs(lo, hi, len(z)), z, z, curve=z, **kw)


# ---------------------------------------------------------------- the data cycle
def test_cycle_iterates_its_data_again_for_every_pass_and_counts():
    c = Cycle.over([1, 2, 3])
    got = [next(c) for _ in range(7)]
    assert got == [1, 2, 3, 1, 2, 3, 1]
    assert c.served == 7 and c.passes == 3
    assert iter(c) is c


def test_cycle_numbers_its_passes_from_first():
    seen = []

    def make(p):
        seen.append(p)
        return [p * 10, p * 10 + 1]

    c = Cycle(make, first=5)
    assert [next(c) for _ in range(5)] == [50, 51, 60, 61, 70]
    assert seen == [5, 6, 7] and c.passes == 3 and c.served == 5


def test_a_one_shot_iterator_ends_the_sweep_with_loader_exhausted():
    c = Cycle.over(iter([1, 2]), name="data")
    assert [next(c), next(c)] == [1, 2]
    with pytest.raises(LoaderExhausted, match=r"the data ran out after 2 batches"):
        next(c)


def test_data_that_yields_nothing_is_a_config_error_naming_where():
    with pytest.raises(ConfigError, match=r"^find_lr: the loader yielded no batch$"):
        next(Cycle.over([]))
    with pytest.raises(ConfigError, match=r"^plan: the batches yielded no batch$"):
        next(Cycle.over([], name="batches", where="plan"))


def test_an_exhausted_cycle_stops_find_keeping_the_points():
    c = Cycle.over(iter(range(7)))
    res = find(lambda lr: 1.0 + 0.0 * next(c), start=1e-4, end=1.0, steps=20, smooth=0.0)
    assert res.stop_reason == "exhausted" and len(res) == 7 and res.calls == 7
    assert res.stop_lr == pytest.approx(float(sweep_lrs(1e-4, 1.0, 20)[7]))
    assert "ran out after 7 batches" in res.stop_detail


# ---------------------------------------------------------------- FinderResult
def test_a_result_refuses_an_unknown_stop_reason_and_a_bad_bandwidth():
    x = [1e-3, 1e-2, 1e-1]
    with pytest.raises(ConfigError, match=r"stop_reason must be one of .*'exhausted', got 'boom'"):
        FinderResult(x, x, x, stop_reason="boom")
    with pytest.raises(ConfigError, match="bandwidth"):
        FinderResult(x, x, x, bandwidth=0.0)
    with pytest.raises(ConfigError, match="bandwidth"):
        FinderResult(x, x, x, bandwidth=-0.1)
    with pytest.raises(ConfigError, match=r"same length, got 3, 2, 3"):
        FinderResult(x, x[:2], x)


def test_calls_default_to_the_recorded_steps_plus_a_non_finite_one():
    x = list(sweep_lrs(1e-3, 1.0, 12))
    assert FinderResult(x, x, x).calls == 12
    assert FinderResult(x, x, x, stop_reason="diverged", stop_lr=1.0).calls == 12
    assert FinderResult(x, x, x, stop_reason="nonfinite", stop_lr=2.0).calls == 13
    assert FinderResult(x, x, x, calls=40).calls == 40


@pytest.mark.parametrize(("steps", "want"), [(100, 5), (40, 2), (39, 1), (10, 1), (200, 10)])
def test_skip_start_defaults_to_5_percent_of_the_planned_steps_at_least_1(steps, want):
    x = list(sweep_lrs(1e-3, 1.0, 12))
    r = FinderResult(x, x, x, config={"steps": steps})
    assert r.skip_start == want and r.skip_end == 3


def test_skip_start_without_a_config_is_5_percent_of_the_recorded_points():
    x = list(sweep_lrs(1e-3, 1.0, 60))
    assert FinderResult(x, x, x).skip_start == 3
    assert FinderResult(x, x, x, skip_start=0, skip_end=0).skip_start == 0


def test_the_curve_of_a_linear_sweep_smooths_over_the_rate_itself():
    lrs = sweep_lrs(0.0, 1.0, 41, "linear")
    rng = np.random.default_rng(3)
    loss = 2.0 - lrs + 0.3 * lrs**2 + 0.05 * rng.standard_normal(41)
    r = FinderResult(lrs, loss, loss, config={"mode": "linear", "steps": 41})
    np.testing.assert_allclose(r.curve, zero_lag(lrs, loss, log=False), rtol=0, atol=1e-12)
    assert np.all(np.isfinite(r.curve))  # lr = 0 is usable on a linear axis
    e = FinderResult(lrs[1:], loss[1:], loss[1:], config={"mode": "exp"})
    np.testing.assert_allclose(e.curve, zero_lag(lrs[1:], loss[1:]), rtol=0, atol=1e-12)


def test_to_dict_stores_a_non_finite_stop_loss_as_text_and_from_dict_reads_it_back():
    x = list(sweep_lrs(1e-3, 1.0, 12))
    r = FinderResult(x, x, x, stop_reason="nonfinite", stop_lr=2.0, stop_loss=math.inf)
    d = r.to_dict()
    assert d["stop_loss"] == "inf" and d["kind"] == "lrkit.FinderResult" and d["version"] == 2
    back = FinderResult.from_dict(json.dumps(d))
    assert back.stop_loss == math.inf and back.stop_lr == 2.0 and back == r
    finite = FinderResult(x, x, x, stop_reason="diverged", stop_lr=1.0, stop_loss=3.5)
    assert finite.to_dict()["stop_loss"] == 3.5
    assert "stop_detail" not in finite.to_dict()


def test_a_nan_in_the_curve_is_stored_as_null_and_read_back_as_nan():
    x = [1e-3, 1e-2, 1e-1, 1.0]
    r = FinderResult(x, x, x, curve=[1.0, math.nan, 2.0, 3.0])
    d = r.to_dict()
    assert d["curve"] == [1.0, None, 2.0, 3.0]
    back = FinderResult.from_dict(d)
    assert math.isnan(back.curve[1]) and back.curve[2] == 2.0


def test_from_dict_refuses_what_to_dict_did_not_write():
    x = [1e-3, 1e-2, 1e-1]
    d = FinderResult(x, x, x).to_dict()
    with pytest.raises(ConfigError, match="version must be 1 or 2, got 3"):
        FinderResult.from_dict({**d, "version": 3})
    with pytest.raises(ConfigTypeError, match="config must be a dict"):
        FinderResult.from_dict({**d, "config": [1, 2]})
    with pytest.raises(ConfigError, match=r"missing key\(s\) losses, stop_reason"):
        FinderResult.from_dict({k: v for k, v in d.items() if k not in ("losses", "stop_reason")})
    with pytest.raises(ConfigError, match="must be a dict made by to_dict"):
        FinderResult.from_dict({**d, "kind": "other"})
    v1 = {k: v for k, v in d.items() if k not in ("curve", "version")}
    assert FinderResult.from_dict(v1) == FinderResult(x, x, x)  # version 1: no curve


def test_equal_results_compare_equal_wall_time_aside():
    x = [1e-3, 1e-2, 1e-1]
    a = FinderResult(x, x, x, seconds=1.0)
    assert a == FinderResult(x, x, x, seconds=9.0)
    assert a != FinderResult(x, [1.0, 2.0, 3.0], x)
    assert a != FinderResult(x, x, x, stop_reason="diverged", stop_lr=0.1)
    assert (a == "a result") is False
    with pytest.raises(TypeError):
        hash(a)


def test_replace_keeps_every_other_field():
    x = list(sweep_lrs(1e-3, 1.0, 12))
    r = FinderResult(x, x, x, calls=20, skip_start=2, skip_end=1, stop_detail="why")
    s = r.replace(meta={"a": 1})
    assert s.meta == {"a": 1} and r.meta == {}
    assert (s.calls, s.skip_start, s.skip_end, s.stop_detail) == (20, 2, 1, "why")


# ---------------------------------------------------------------- too few points
def test_too_few_points_says_how_many_are_usable_and_why():
    z = 1.0 + (np.arange(12) - 6.0) ** 2 / 36.0
    r = _res(z, skip_start=1, skip_end=3)  # 12 - 1 - 3 = 8 usable
    s = r.suggestion("minimum")
    assert s.lr is None and s.index is None
    assert s.reason == (
        f"too few points: 8 usable of 12 recorded (need {MIN_POINTS} after skipping 1 "
        "at the start and 3 at the end); the sweep ended — lower start, or raise steps"
    )
    d = _res(z, skip_start=1, skip_end=0, stop_reason="diverged", stop_lr=0.5)
    # 12 - 1 = 11, minus the step that tripped the stop: 10 usable, just enough
    assert d.suggestion("minimum").lr is not None
    d2 = _res(z[:11], skip_start=1, skip_end=0, stop_reason="diverged", stop_lr=0.25)
    assert "9 usable of 11 recorded" in d2.suggestion("auto").reason
    assert "the sweep stopped (diverged) at lr=0.25" in d2.suggestion("auto").reason
    assert not d2.suggestion("auto")
    assert d2.warnings[0] == d2.suggestion("auto").reason and d2.confident is False


def test_a_linear_sweep_from_zero_starts_its_window_at_the_first_positive_rate():
    lrs = sweep_lrs(0.0, 1.0, 14, "linear")
    z = 1.0 + (np.arange(14) - 8.0) ** 2 / 64.0
    r = FinderResult(lrs, z, z, curve=z, skip_start=0, skip_end=0)
    cut = FinderResult(lrs, z, z, curve=z, skip_start=0, skip_end=4)
    assert "9 usable of 14" in cut.suggestion().reason  # 14 - 4, less the point at lr = 0
    m = r.suggestion("minimum")
    assert m.index == 8 and m.lr == pytest.approx(8 / 13)
    z0 = z.copy()
    z0[0] = -5.0  # the point at lr = 0 is never read, however low its loss
    assert FinderResult(lrs, z0, z0, curve=z0, skip_start=0, skip_end=0).suggest("minimum") == m.lr


# ---------------------------------------------------------------- the methods' values
def _bowl(n=61, at=40, width=12.0):
    x = np.arange(n, dtype=np.float64)
    return 1.0 + ((x - at) / width) ** 2


def test_minimum_reports_its_index_rate_and_curve_value():
    z = _bowl()
    r = _res(z)
    s = r.suggestion("minimum")
    assert s.method == "minimum" and s.index == 40
    assert s.lr == float(r.lrs[40]) and s.loss == 1.0 and bool(s)


def test_auto_is_a_decade_below_the_edge_when_that_is_below_the_minimum():
    z = _bowl(61, 40, 12.0)  # back at its start level (z[0] = 12.1) only past the sweep
    z[55:] = 20.0  # the edge: first point past the minimum back at the start level
    r = _res(z)
    lrs = r.lrs
    start = float(np.median(z[:6]))  # a tenth of 61 usable points
    edge_i = 40 + int(np.flatnonzero(z[40:] >= start)[0])
    assert edge_i == 55
    want = min(float(lrs[edge_i]) / 10.0, float(lrs[40]))
    s = r.suggestion("auto")
    assert s.lr == pytest.approx(want, rel=1e-12)
    near = int(np.argmin(np.abs(np.log(lrs) - math.log(want))))
    assert s.index == near and s.loss == float(z[near])


def test_auto_without_an_edge_is_the_minimum_over_root_ten():
    z = _bowl(61, 40, 40.0)  # never back to its start level
    r = _res(z)
    assert r.suggest("auto") == pytest.approx(float(r.lrs[40]) / math.sqrt(10.0), rel=1e-12)


def test_auto_is_the_minimum_when_the_edge_is_more_than_a_decade_above_it():
    z = _bowl(61, 40, 40.0)  # never back at its start level by itself
    z[51:] = 30.0  # the edge 11 steps (1.1 decades) above the minimum
    r = _res(z)  # 0.1 decade a step
    assert float(r.lrs[51]) / 10.0 > float(r.lrs[40])
    s = r.suggestion("auto")
    assert s.lr == pytest.approx(float(r.lrs[40]), rel=1e-12) and s.index == 40
    z[45:] = 30.0  # now 5 steps above: a decade below the edge is below the minimum
    r = _res(z)
    assert r.suggest("auto") == pytest.approx(float(r.lrs[45]) / 10.0, rel=1e-12)
    assert r.suggestion("auto").index == 35


def test_a_nonfinite_stop_before_the_curve_comes_back_is_the_edge():
    z = _bowl(61, 40, 40.0)  # never back at its start level
    r = _res(z, stop_reason="nonfinite", stop_lr=20.0)
    assert r.suggest("auto") == pytest.approx(min(20.0 / 10.0, float(r.lrs[40])), rel=1e-12)
    r2 = _res(z, lo=1e-5, hi=1e-3, stop_reason="nonfinite", stop_lr=2e-3)
    assert r2.suggest("auto") == pytest.approx(2e-4, rel=1e-12)


def test_valley_is_the_middle_of_the_longest_strictly_decreasing_run():
    z = np.concatenate([np.linspace(5.0, 1.0, 21), np.linspace(1.1, 3.0, 20)])
    r = _res(z)
    v = r.suggestion("valley")
    assert v.index == 10 and v.lr == float(r.lrs[10])  # the run is 0..20: its middle


def test_steep_is_the_most_negative_slope_over_log_lr():
    x = np.arange(61, dtype=np.float64)
    z = 2.0 - np.tanh((x - 20.0) / 4.0) + ((x - 45.0) / 15.0) ** 2 * (x > 45)
    r = _res(z)
    s = r.suggestion("steep")
    lrs = r.lrs
    g = np.gradient(z[:46], np.log10(lrs[:46]))
    assert s.index == int(np.argmin(g)) == 20


# ---------------------------------------------------------------- ready schedules
def test_one_cycle_from_the_range_peaks_at_max_and_starts_at_base():
    z = _bowl()
    r = _res(z)
    base, top = r.suggest_range()
    s = r.schedule("one_cycle", 1000)
    assert s.peak == top and s.div == pytest.approx(top / base)
    assert float(s(0)) == pytest.approx(base, rel=1e-9)
    assert r.schedule("one_cycle", 1000, div=5.0).div == 5.0


def test_cyclic_from_the_range_and_cosine_from_the_suggestion():
    r = _res(_bowl())
    base, top = r.suggest_range()
    c = r.schedule("cyclic", half_period=50)
    assert (c.low, c.high) == (base, top)
    w = r.schedule("cosine", 1000, warmup=100, end=1e-6)
    assert w.schedule.start == r.suggest() and w.schedule.end == 1e-6


def test_a_schedule_without_a_suggestion_says_why():
    flat_short = _res(np.ones(8))
    with pytest.raises(ConfigError, match=r"no range to build a 'one_cycle' .*too few points"):
        flat_short.schedule("one_cycle", 100)
    with pytest.raises(ConfigError, match=r"no suggestion to build a 'cosine' .*too few points"):
        flat_short.schedule("cosine", 100)
    rising = _res(1.0 + np.arange(40) / 39.0)
    with pytest.raises(ConfigError, match=r"no range to build a 'cyclic' .*does not fall"):
        rising.schedule("cyclic", 100)
    with pytest.raises(ConfigError, match="kind"):
        _res(_bowl()).schedule("linear", 100)


# ---------------------------------------------------------------- report and repr
def test_the_report_s_first_line_and_the_never_diverged_hint():
    z = _bowl(61, 58, 30.0)  # still falling at the end: never diverged
    r = _res(z, lo=1e-5, hi=1.0, calls=61, config={"start": 1e-5, "steps": 61})
    lines = r.report().splitlines()
    assert lines[0] == "range test: 61 points from lr=1e-05 (61 steps, 0.00 s), stopped: completed"
    assert any(w.endswith("raise end (e.g. end=1.0e+01)") for w in r.warnings)
    assert r.confident is False
    d = _res(_bowl(), stop_reason="diverged", stop_lr=0.5)
    assert d.report().splitlines()[0].endswith("stopped: diverged at lr=0.5")


def test_diverged_at_once_suggests_a_start_a_hundred_times_lower():
    z = 1.0 + np.arange(40, dtype=np.float64) ** 2 / 100.0
    r = _res(z, lo=1e-3, hi=1.0)
    assert r.warnings[0].endswith("lower start (e.g. start=1.0e-05)")


def test_repr_names_points_stop_suggestion_and_confidence():
    r = _res(_bowl(), stop_reason="diverged", stop_lr=0.5)
    lr = r.suggest()
    sure = "confident" if r.confident else "NOT confident"
    assert repr(r) == f"<FinderResult 61 points, diverged, suggestion {lr:.3g}, {sure}>"
    short = _res(np.ones(5))
    assert repr(short) == "<FinderResult 5 points, completed, suggestion none, NOT confident>"


# ---------------------------------------------------------------- the chart, both renderings
def test_the_interactive_chart_s_traces_band_and_axes():
    from lrkit.finder.figure import finder_figure, to_plotly

    r = _res(_bowl(), stop_reason="diverged", stop_lr=0.5)
    fig = finder_figure(r, "title here")
    p = to_plotly(fig)
    lines, marks = p["data"][:3], p["data"][3:]
    assert [t["name"] for t in lines] == [s[0] for s in fig.series]
    assert all(t["mode"] == "lines" and t["x"] == list(fig.lrs) for t in lines)
    assert [t["opacity"] for t in lines] == [0.45, 0.6, 1.0]  # raw faint, the curve solid
    assert [t["name"] for t in marks] == [m[1] for m in fig.markers]
    assert all(t["mode"] == "markers" and t["marker"]["size"] == 11 for t in marks)
    assert [(t["x"], t["y"]) for t in marks] == [([m[2]], [m[3]]) for m in fig.markers]
    base, top = r.suggest_range()
    (band,) = p["layout"]["shapes"]
    assert (band["x0"], band["x1"], band["y0"], band["y1"]) == (base, top, 0, 1)
    assert band["yref"] == "paper" and band["line"] == {"width": 0}
    lay = p["layout"]
    assert lay["title"] == {"text": "title here"} and lay["xaxis"]["type"] == "log"
    assert lay["yaxis"]["range"] == [fig.ylim[0], fig.ylim[1]] and fig.ylim[0] < fig.ylim[1]
    assert lay["legend"] == {"font": {"size": 11}}
    nan = FinderResult([1e-3, 1e-2, 1e-1], [1.0, 2.0, 3.0], [1.0, math.nan, 3.0])
    assert to_plotly(finder_figure(nan))["data"][1]["y"] == [1.0, None, 3.0]  # JSON-safe


def test_the_matplotlib_chart_s_size_markers_band_and_limits():
    from lrkit.finder.figure import draw, finder_figure

    r = _res(_bowl(), stop_reason="diverged", stop_lr=0.5)
    fig = finder_figure(r)
    out = draw(fig)
    w, h = out.get_size_inches()
    assert (w, h, out.dpi) == (8.0, 4.5, 110.0)
    (ax,) = out.axes
    assert ax.get_xscale() == "log" and ax.get_ylim() == pytest.approx(fig.ylim)
    assert ax.get_xlabel() == "learning rate" and ax.get_ylabel() == "loss"
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == [s[0] for s in fig.series] + [
        m[1] for m in fig.markers
    ]
    assert [ln.get_alpha() for ln in lines[:3]] == [0.45, 0.6, 1.0]
    assert all(ln.get_markersize() == 8 for ln in lines[3:])
    for ln, m in zip(lines[3:], fig.markers):
        assert tuple(ln.get_xdata()) == (m[2],) and tuple(ln.get_ydata()) == (m[3],)
    assert ax.get_legend().get_texts()[0].get_fontsize() == 8
    (span,) = ax.patches
    assert span.get_label() == "range (base, max)"
    none = draw(finder_figure(_res(np.ones(5))))
    assert len(none.axes[0].patches) == 0 and len(none.axes[0].get_lines()) == 3


# ---------------------------------------------------------------- every method against its rule
# Plain-Python re-statements of the documented rules (lrkit.finder.suggest's docstrings),
# compared with the library on many seeded random curves.
def _ref_window(r):
    n = len(r.lrs)
    hi = n - r.skip_end
    if r.stop_reason == "diverged":
        hi = min(hi, n - 1)
    lo = r.skip_start
    if n and not r.lrs[0] > 0:
        first = next((i for i in range(n) if r.lrs[i] > 0), n)
        lo = max(lo, first)
    hi = max(hi, 0)
    return min(lo, hi), hi


def _ref_noise(x):
    d = np.diff(np.asarray(x, dtype=np.float64))
    if len(d) == 0:
        return 0.0
    return 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0)


def _ref_search(r):
    lo, hi = _ref_window(r)
    z = [float(v) for v in r.curve[lo:hi]]
    if len(z) < 3:
        return lo, hi
    sigma = _ref_noise(r.losses[lo:hi])
    m, p = math.inf, 0
    for k, zk in enumerate(z):
        if zk <= m:
            m, p = zk, k
        fall = max(z[: p + 1]) - m
        rise = zk - m
        if fall > 4 * sigma and rise > fall / 2 and rise > 2 * sigma:
            return lo, lo + k
    return lo, hi


def _ref_minimum(r):
    lo, hi = _ref_search(r)
    if hi <= lo:
        return None
    z = [float(v) for v in r.curve[lo:hi]]
    k = z.index(min(z))
    return None if k == 0 else lo + k


def _ref_edge(r, imin):
    lo, hi = _ref_window(r)
    first = r.curve[lo : lo + max(3, (hi - lo) // 10)]
    start = float(np.median(first))
    for i in range(imin, hi):
        if r.curve[i] >= start:
            return float(r.lrs[i])
    return r.stop_lr if r.stop_reason == "nonfinite" else None


def _ref_valley(r):
    lo, hi = _ref_search(r)
    z = [float(v) for v in r.curve[lo:hi]]
    n = len(z)
    length, prev = [1] * n, [-1] * n
    for k in range(n):
        for j in range(k):
            if z[j] > z[k] and length[j] + 1 > length[k]:
                length[k], prev[k] = length[j] + 1, j
    if n == 0 or max(length) < 3:
        return None
    e = length.index(max(length))
    chain = [e]
    while prev[chain[-1]] >= 0:
        chain.append(prev[chain[-1]])
    chain.reverse()
    return lo + chain[len(chain) // 2]


def _ref_steep(r, imin):
    lo, _ = _ref_search(r)
    if imin is None or imin - lo < 2:
        return None
    seg = np.asarray(r.curve[lo : imin + 1])
    g = np.gradient(seg, np.log10(r.lrs[lo : imin + 1]))
    itop = int(np.argmax(seg))
    top, bottom = float(seg[itop]), float(seg[-1])
    j0 = next(j for j in range(itop, len(seg)) if seg[j] <= top - 0.1 * (top - bottom))
    j = j0 + int(np.argmin(g[j0:]))
    return lo + j if g[j] < 0 else None


def _ref_range(r, imin):
    lo, _ = _ref_search(r)
    if imin is None or imin - lo < 2:
        return None
    z = [float(v) for v in r.curve[lo : imin + 1]]
    itop = z.index(max(z))
    drop = z[itop] - z[-1]
    if not drop > 0:
        return None
    last = max(i for i in range(itop, len(z)) if z[i] > z[itop] - 0.1 * drop)
    ib = last + 1
    if ib >= imin - lo:
        return None
    return float(r.lrs[lo + ib]), float(r.lrs[imin])


def _random_result(seed, amp=1.0):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(25, 70))
    x = np.arange(n, dtype=np.float64)
    at = rng.uniform(-0.3, 1.1) * n  # below 0: a curve that never falls
    z = 1.0 + amp * ((x - at) / rng.uniform(0.1, 0.5) / n) ** 2
    z = z + amp * rng.uniform(0.0, 0.3) * rng.standard_normal(n)
    if seed % 3 == 0:
        z[int(rng.integers(n // 2, n)) :] += rng.uniform(1.0, 20.0)  # a blow-up
    raw = z + rng.uniform(0.0, 0.5) * rng.standard_normal(n)
    reason = ("completed", "diverged", "nonfinite", "exhausted")[seed % 4]
    stop = None if reason == "completed" else 50.0
    return FinderResult(
        sweep_lrs(1e-5, 10.0, n),
        raw,
        raw,
        curve=z,
        stop_reason=reason,
        stop_lr=stop,
        skip_start=int(rng.integers(0, 4)),
        skip_end=int(rng.integers(0, 4)),
    )


@pytest.mark.parametrize("seed", range(60))
def test_every_method_follows_its_documented_rule(seed):
    from lrkit.finder.suggest import search_window, window

    r = _random_result(seed)
    assert window(r) == _ref_window(r)
    assert search_window(r) == _ref_search(r)
    lo, hi = _ref_window(r)
    if hi - lo < MIN_POINTS:
        assert r.suggestions() == dict.fromkeys(("auto", "steep", "valley", "minimum"))
        assert r.suggest_range() is None
        return
    imin = _ref_minimum(r)
    got = r.suggestion("minimum")
    assert got.index == imin
    if imin is not None:
        assert got.lr == float(r.lrs[imin]) and got.loss == float(r.curve[imin])
    v = _ref_valley(r)
    assert r.suggestion("valley").index == v
    assert r.suggestion("steep").index == _ref_steep(r, imin)
    assert r.suggest_range() == _ref_range(r, imin)
    if imin is not None:
        edge = _ref_edge(r, imin)
        lr_min = float(r.lrs[imin])
        want = lr_min / math.sqrt(10.0) if edge is None else min(edge / 10.0, lr_min)
    else:
        want = None if v is None else float(r.lrs[v])
    assert r.suggest("auto") == (None if want is None else pytest.approx(want, rel=1e-12))


def _ref_warnings(r):
    """The kinds of warning docs/finder.md lists, by the documented rules, with their figures."""
    lo, hi = _ref_window(r)
    out = []

    def end(flat):
        if r.stop_reason == "exhausted":
            out.append(("stopped early", None))
        if r.stop_reason == "completed" and not flat:
            sm = r.curve[lo:hi]
            imin = int(np.argmin(sm))
            drop = float(max(sm[: imin + 1]) - sm[imin])
            if imin >= len(sm) - 3 or sm[-1] < sm[imin] + 0.25 * drop:
                out.append(("never diverged", None))

    if hi - lo < MIN_POINTS:
        out.append(("too few points", f"{hi - lo} usable"))
        end(True)
        return out
    sm, raw = r.curve[lo:hi], r.losses[lo:hi]
    imin = int(np.argmin(sm))
    top = float(max(sm[: imin + 1]))
    drop, rise = top - float(sm[imin]), float(max(sm[imin:]) - sm[imin])
    scale = max(abs(top), abs(float(sm[imin])), 1e-12)
    noise = _ref_noise(raw[: imin + 1] if imin >= 5 else raw)
    flat = False
    if imin < max(3, (hi - lo) // 10) and rise > max(0.02 * scale, 4 * noise):
        out.append(("diverged at once", None))
    elif drop < 0.02 * scale:
        out.append(("flat curve", f"falls by only {100 * drop / scale:.1f}%"))
        flat = True
    else:
        lead = float(np.median(sm[: min(5, imin + 1)]))
        fall = max(lead - float(np.median(sm[max(0, imin - 2) : imin + 3])), 0.0)
        if noise > 0.25 * fall:
            out.append(("too noisy", f"({noise:.3g}) is comparable to its fall ({fall:.3g})"))
    if not out:
        im = _ref_minimum(r)
        rng_ = _ref_range(r, im)
        if rng_ is not None:
            ib = int(np.flatnonzero(r.lrs == rng_[0])[0])
            z = r.curve
            lead = float(np.median(z[lo : lo + max(3, (ib - lo) // 4 + 1)]))
            nz = _ref_noise(r.losses[lo : im + 1])
            if not (lead - z[ib] >= 2 * nz and z[ib] - z[im] > 2 * nz):
                out.append(("the range's base", f"max/base = {rng_[1] / rng_[0]:.0f}"))
    end(flat)
    a, pos = r.suggest(), r.lrs[r.lrs > 0]
    if a is not None and a < pos.min():  # below every swept rate: not measured
        out.append(("auto ", f"(the lowest is {pos.min():.3g})"))
    parts = [r.suggest(m) for m in ("steep", "valley", "minimum")]
    got = [p for p in parts if p is not None]
    if len(got) >= 2 and max(got) / min(got) > 100:
        out.append(("the methods disagree", f"by {max(got) / min(got):.0f}x"))
    return out


@pytest.mark.parametrize("seed", range(60))
def test_the_warnings_follow_their_documented_rules(seed):
    amp = 10.0 ** np.random.default_rng(1000 + seed).uniform(-2.5, 0.5)
    r = _random_result(seed, amp)
    want = _ref_warnings(r)
    got = r.warnings
    assert [w[: len(k)] for w, (k, _) in zip(got, want)] == [k for k, _ in want]
    assert len(got) == len(want)
    for w, (_, figure) in zip(got, want):
        assert figure is None or figure in w
    assert r.confident == (r.suggest() is not None and not want)


# ---------------------------------------------------------------- the lag-free curve, long sweeps
def test_zero_lag_of_a_long_sweep_is_the_same_regression_at_every_point():
    """Sweeps longer than the 512-row blocks the curve is computed in: every point is
    still the intercept of its own Gaussian-weighted line (an independent lstsq each)."""
    rng = np.random.default_rng(11)
    n = 1100
    lrs = np.geomspace(1e-6, 1.0, n)
    x = np.log10(lrs)
    y = 1.0 / (1.0 + 1e3 * lrs) + lrs**2 + rng.normal(0, 0.05, n)
    got = zero_lag(lrs, y)
    want = np.empty(n)
    for i, x0 in enumerate(x):
        sw = np.sqrt(np.exp(-0.5 * ((x - x0) / 0.15) ** 2))
        a = np.stack([np.ones(n), x - x0], axis=1) * sw[:, None]
        want[i] = np.linalg.lstsq(a, y * sw, rcond=None)[0][0]
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_zero_lag_with_no_spread_in_the_rates_is_the_mean():
    """All points at one rate: no line can be fitted, the local fit is the (weighted) mean."""
    y = np.array([1.0, 2.0, 4.0, 5.0])
    np.testing.assert_allclose(zero_lag([0.1] * 4, y), 3.0, rtol=1e-12)
    np.testing.assert_allclose(zero_lag([0.5] * 4, y, log=False), 3.0, rtol=1e-12)


def test_a_method_that_is_not_a_name_is_a_config_error():
    r = _res(_bowl())
    for bad in (["auto"], 3, None, "Auto"):
        with pytest.raises(ConfigError, match=r"method must be one of 'auto', 'steep', 'valley'"):
            r.suggest(bad)


def test_a_config_without_planned_steps_skips_5_percent_of_the_recorded_points():
    x = list(sweep_lrs(1e-3, 1.0, 80))
    assert FinderResult(x, x, x, config={"steps": None}).skip_start == 4
    assert FinderResult(x, x, x, config={"start": 1e-3}).skip_start == 4


def test_the_chart_marks_the_edge_only_inside_the_sweep():
    from lrkit.finder.figure import finder_figure, to_plotly

    z = _bowl(61, 40, 40.0)
    beyond = _res(z, stop_reason="nonfinite", stop_lr=20.0)  # edge = the NaN's rate, past 10
    kinds = [m[0] for m in finder_figure(beyond).markers]
    assert "edge" not in kinds and kinds[0] == "auto"
    assert beyond.suggest("auto") == pytest.approx(min(2.0, float(beyond.lrs[40])))
    z[51:] = 30.0
    inside = _res(z)
    (edge,) = [m for m in finder_figure(inside).markers if m[0] == "edge"]
    assert edge == ("edge", f"divergence edge {inside.lrs[51]:.3g}", inside.lrs[51], 30.0)
    at_end = _res(_bowl(61, 40, 40.0), stop_reason="nonfinite", stop_lr=10.0)
    marks = [m for m in finder_figure(at_end).markers if m[0] == "edge"]
    assert [m[2] for m in marks] == [10.0]  # a NaN at the last rate: marked
    nan = FinderResult([1e-3, 1e-2, 1e-1], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], curve=[math.nan] * 3)
    fig = finder_figure(nan)
    assert fig.ylim is None and fig.markers == () and fig.band is None
    assert "range" not in to_plotly(fig)["layout"]["yaxis"]


def test_the_report_gives_each_missing_suggestion_its_reason_unless_too_short():
    rising = _res(1.0 + np.arange(40) / 39.0)
    lines = rising.report().splitlines()
    why = "(the loss never falls (its minimum is at the start))"
    assert lines[4] == f"  minimum  none {why} (where the loss stops falling: a schedule's peak)"
    assert lines[2].startswith("  steep    none (the loss never falls")
    short = _res(_bowl(8, 4, 2.0)).report().splitlines()
    assert short[1] == "  auto     none       (default: a constant rate, a decade below divergence)"
    assert short[-2:] == ["  confident: no", f"  warning: {_res(_bowl(8, 4, 2.0)).warnings[0]}"]


def test_the_chart_of_an_all_zero_loss_still_has_a_y_range():
    """cap = low = 0: the pad falls back to 5 % of max(|low|, 1), so the axis is not empty."""
    from lrkit.finder.figure import finder_figure

    zero = np.zeros(20)
    r = FinderResult(sweep_lrs(1e-4, 1.0, 20), zero, zero, curve=zero)
    assert finder_figure(r).ylim == pytest.approx((-0.05, 0.0))
    low = np.full(20, -4.0)
    r = FinderResult(sweep_lrs(1e-4, 1.0, 20), low, low, curve=low)
    # cap = t + max(t - m, |t|/4) = -4 + 1 = -3 > low: the pad is 5 % of the span
    assert finder_figure(r).ylim == pytest.approx((-4.05, -3.0))
