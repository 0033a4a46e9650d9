"""FinderResult as a value: construction rules, to_dict/from_dict for every kind of result,
and the schedules it builds (issue 15, seed 18 pass).

Uses the seeded results of ``test_mutants_finder_s17`` (every stop reason, skips, a
linear sweep from 0) so that the round trip and the builders see each kind of curve.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_mutants_finder_s17 import _result

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.finder import FinderResult
from lrkit.finder.smooth import BANDWIDTH, zero_lag


@pytest.mark.parametrize("seed", range(0, 120, 3))
def test_every_result_round_trips_through_its_dict_and_json(seed):
    res = _result(seed)[0]
    res = res.replace(stop_detail="why" if res.stop_reason == "exhausted" else "")
    for back in (
        FinderResult.from_dict(res.to_dict()),
        FinderResult.from_dict(json.dumps(res.to_dict())),
    ):
        assert back == res
        assert back.to_dict() == res.to_dict()
        assert back.suggestions() == res.suggestions()
        assert back.suggest_range() == res.suggest_range()
        assert back.warnings == res.warnings
    d = res.to_dict()
    assert ("stop_detail" in d) == (res.stop_reason == "exhausted")
    assert d["kind"] == "lrkit.FinderResult" and d["version"] == 2


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_a_nonfinite_stop_loss_survives_json(bad):
    lrs = np.geomspace(1e-4, 1.0, 12)
    loss = np.linspace(2.0, 1.0, 12)
    res = FinderResult(lrs, loss, loss, stop_reason="nonfinite", stop_lr=2.0, stop_loss=bad)
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["stop_loss"] == repr(bad)
    back = FinderResult.from_dict(d)
    assert back.stop_loss == bad or (math.isnan(bad) and math.isnan(back.stop_loss))
    assert back.calls == 13  # the non-finite loss was a call, not a recorded point


def test_version_1_dicts_recompute_the_curve_in_the_sweeps_mode():
    lrs = np.geomspace(1e-4, 1.0, 30)
    loss = 1.0 + 0.1 * np.sin(np.arange(30))
    d = FinderResult(lrs, loss, loss).to_dict()
    d["version"] = 1
    del d["curve"], d["bandwidth"]
    back = FinderResult.from_dict(d)
    np.testing.assert_allclose(back.curve, zero_lag(lrs, loss, BANDWIDTH))
    lin = np.linspace(0.0, 1.0, 30)
    d2 = FinderResult(lin, loss, loss, config={"mode": "linear", "steps": 30}).to_dict()
    d2["version"] = 1
    del d2["curve"]
    np.testing.assert_allclose(FinderResult.from_dict(d2).curve, zero_lag(lin, loss, log=False))
    for bad, match in [
        ({**d, "version": 3}, "version must be 1 or 2, got 3"),
        ({**d, "kind": "x"}, "made by to_dict"),
        ({k: v for k, v in d.items() if k != "losses"}, "missing key"),
    ]:
        with pytest.raises(ConfigError, match=match):
            FinderResult.from_dict(bad)
    with pytest.raises(ConfigTypeError, match="config must be a dict"):
        FinderResult.from_dict({**d, "config": [1]})


def test_construction_rules_and_defaults():
    lrs = np.geomspace(1e-4, 1.0, 12)
    loss = np.linspace(2.0, 1.0, 12)
    r = FinderResult(lrs, loss, loss)
    assert (r.skip_start, r.skip_end, r.calls) == (1, 3, 12)  # 12 // 20 = 0: at least 1
    assert FinderResult(lrs, loss, loss, config={"steps": 100}).skip_start == 5
    assert FinderResult(lrs, loss, loss, config={"steps": 39}).skip_start == 1
    assert FinderResult(lrs, loss, loss, config={"steps": 40}).skip_start == 2
    assert FinderResult(lrs, loss, loss, skip_start=0, skip_end=0).skip_start == 0
    assert len(r) == 12
    with pytest.raises(ConfigError, match="same length, got 12, 11, 12"):
        FinderResult(lrs, loss[:-1], loss)
    with pytest.raises(ConfigError, match="stop_reason must be one of"):
        FinderResult(lrs, loss, loss, stop_reason="stopped")
    with pytest.raises(ConfigError, match="must be >= 0, got -1, 0"):
        FinderResult(lrs, loss, loss, skip_start=-1, skip_end=0)
    with pytest.raises(ConfigError, match="must be >= 0, got 0, -1"):
        FinderResult(lrs, loss, loss, skip_start=0, skip_end=-1)
    with pytest.raises(
        ConfigError, match=r"curve must have one value per recorded lr \(12\), got 3"
    ):
        FinderResult(lrs, loss, loss, curve=[1.0, 2.0, 3.0])
    with pytest.raises(ConfigError, match="bandwidth"):
        FinderResult(lrs, loss, loss, bandwidth=0.0)
    assert not r.lrs.flags.writeable and not r.curve.flags.writeable
    a = np.array(lrs)
    r2 = FinderResult(a, loss, loss)
    a[0] = 5.0
    assert r2.lrs[0] == lrs[0]  # the result owns a copy


@pytest.mark.parametrize("seed", range(0, 120, 2))
def test_the_schedules_it_builds_read_its_suggestions(seed):
    res = _result(seed)[0]
    rng = res.suggest_range()
    if rng is None:
        with pytest.raises(ConfigError, match="no range to build a 'one_cycle' schedule"):
            res.schedule("one_cycle", 100)
        with pytest.raises(ConfigError, match="no range to build a 'cyclic' schedule"):
            res.schedule("cyclic", 100)
    else:
        base, top = rng
        oc = res.schedule("one_cycle", 100)
        assert oc == lrkit.one_cycle(top, 100, div=top / base)
        assert res.schedule("one_cycle", 100, div=5.0).div == 5.0
        assert res.schedule("cyclic", half_period=7) == lrkit.cyclic(base, top, 7)
    lr = res.suggest()
    if lr is None:
        with pytest.raises(ConfigError, match="no suggestion to build a 'cosine' schedule"):
            res.schedule("cosine", 100)
    else:
        got = res.schedule("cosine", 100, warmup=4, end=1e-6)
        assert got == lrkit.warmup(lrkit.cosine(lr, 1e-6, 100), 4)
    with pytest.raises(ConfigError, match="kind"):
        res.schedule("linear", 100)


def _ref_ylim(z, raw):
    ok = [i for i in range(len(z)) if math.isfinite(z[i])]
    if not ok:
        return None
    imin = min(ok, key=lambda i: (z[i], i))
    top = max(max(v for v in z[: imin + 1] if math.isfinite(v)), max(raw[: imin + 1]))
    cap = top + max(top - z[imin], 0.25 * abs(top))
    low = min(min(raw), min(z[i] for i in ok))
    pad = 0.05 * (cap - low) if cap > low else 0.05 * max(abs(low), 1.0)
    return low - pad, cap


def _on_curve(lrs, z, lr):
    xs = [math.log(a) for a, v in zip(lrs, z) if a > 0 and math.isfinite(v)]
    ys = [v for a, v in zip(lrs, z) if a > 0 and math.isfinite(v)]
    return float(np.interp(math.log(lr), xs, ys))


@pytest.mark.parametrize("seed", range(0, 120, 2))
def test_the_finder_figure_shows_what_its_docstring_says(seed):
    from lrkit.finder.figure import finder_figure, to_plotly
    from lrkit.finder.suggest import divergence_edge

    res, lrs, losses, z, _, _ = _result(seed)
    fig = finder_figure(res, title="t")
    want = []
    for m in ("auto", "steep", "valley", "minimum"):
        s = res.suggestion(m)
        if s.lr is not None:
            y = z[s.index] if s.lr == lrs[s.index] else _on_curve(lrs, z, s.lr)
            want.append((m, s.lr, y))
    edge = divergence_edge(res) if want else None
    if edge is not None and edge <= lrs[-1]:
        want.append(("edge", edge, _on_curve(lrs, z, edge)))
    assert [(m, x) for m, _, x, _ in fig.markers] == [(m, x) for m, x, _ in want]
    assert [y for *_, y in fig.markers] == pytest.approx([y for *_, y in want], rel=1e-12)
    ylim = _ref_ylim(z, losses)
    assert fig.ylim == pytest.approx(ylim, rel=1e-12)
    spikes = ylim is not None and max(losses) > ylim[1]
    assert fig.series[0][0] == "loss" + (" (spikes above the chart)" if spikes else "")
    assert [list(y) for _, y in fig.series] == [losses, losses, pytest.approx(z)]
    assert fig.band == res.suggest_range() and fig.title == "t"
    assert len(to_plotly(fig)["data"]) >= 3 + len(want)
