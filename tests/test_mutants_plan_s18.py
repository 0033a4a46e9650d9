"""lrkit.plan's values (``Plan.report``, ``to_dict``/``from_dict`` of ``Plan``, ``Probe``
and ``Prediction``, ``as_trial``) against re-statements of their documented forms, over
the many plans of ``test_mutants_plan_s16.py``'s seeded problems (issue 15, training
seeds 15-19): every branch of the report (range test or not, a minimum or none, blind
notes first, diverged probes, predictions) and every field of the round trip (non-finite
losses and scores, missing optional keys, JSON text) is reached by some plan."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_mutants_plan_s16 import _cases, _plan

from lrkit.errors import ConfigError, ConfigTypeError, NonFiniteError
from lrkit.plan import Plan, Prediction, Probe, Trial, as_trial, shape_schedule


def _plans(seed, n=30):
    out = []
    for run, kw in _cases(n, seed):
        try:
            out.append(_plan(run, kw))
        except (ConfigError, NonFiniteError):
            continue
    return out


def _report(p):
    blind = [n for n in p.notes if n.startswith("no evidence")]
    lines = [f"plan for {p.total_steps} steps: {p.schedule}"]
    lines.append(f"  peak {p.peak:.3g}, shape {p.shape} (decided by {p.decided_by})")
    lines += ["  ! " + n for n in blind]
    frac = p.cost / p.total_steps
    lines.append(f"  cost: {p.cost} extra updates = {frac:.2f} of one run (budget {p.budget:g})")
    if p.finder is not None:
        s = p.finder.suggestion("minimum")
        at = "none" if s.index is None else f"{float(p.finder.lrs[s.index]):.3g}"
        lines.append(f"  range test: {len(p.finder.lrs)} points, loss minimum at lr {at}")
    for q in p.probes:
        if q.stage != "range":
            sc = "diverged" if q.diverged else f"{q.score:.4g}"
            lines.append(
                f"  {q.stage}: peak {q.peak:<9.3g} {q.shape:<9} {q.steps:>6} steps  score {sc}"
            )
    for pr in p.predictions:
        lines.append(f"  law: {pr.shape:<9} at {pr.peak:.3g} -> predicted final {pr.final:.4g}")
    lines += ["  - " + n for n in p.notes if n not in blind]
    return "\n".join(lines)


@pytest.mark.parametrize("part", range(2))
def test_report_lists_the_decision_its_cost_every_probe_and_every_note(part):
    seen = set()
    for p in _plans(1800 + part):
        assert p.report() == _report(p)
        seen |= {q.stage for q in p.probes} | {"div" for q in p.probes if q.diverged}
        seen |= {"blind-note" for n in p.notes if n.startswith("no evidence")}
        seen |= {"no-finder"} if p.finder is None else {"finder"}
    assert {"div", "blind-note", "no-finder", "finder", "rung2", "blind"} <= seen


def _same_dict(a, b):
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize("part", range(2))
def test_plans_round_trip_through_json_field_by_field(part):
    for p in _plans(1810 + part, 20):
        d = p.to_dict()
        assert d["kind"] == "lrkit.Plan" and d["version"] == 1
        text = json.dumps(d)  # JSON-safe: no NaN or inf literals
        assert "Infinity" not in text and "NaN" not in text
        q = Plan.from_dict(text)
        _same_dict(q.to_dict(), d)
        assert str(q.schedule) == str(p.schedule)
        assert (q.peak, q.shape, q.total_steps, q.budget, q.cost) == (
            p.peak,
            p.shape,
            p.total_steps,
            p.budget,
            p.cost,
        )
        assert (q.decided_by, q.notes, q.seconds, q.run_seconds) == (
            p.decided_by,
            p.notes,
            p.seconds,
            p.run_seconds,
        )
        assert len(q.probes) == len(p.probes)
        for a, b in zip(q.probes, p.probes):
            assert (a.stage, a.peak, a.shape, a.steps, a.schedule, a.diverged) == (
                b.stage,
                b.peak,
                b.shape,
                b.steps,
                b.schedule,
                b.diverged,
            )
            np.testing.assert_array_equal(a.losses, b.losses)  # NaN where NaN
            assert a.score == b.score and a.val_loss == b.val_loss
            assert all(isinstance(v, float) for v in a.losses)
        assert (q.finder is None) is (p.finder is None)
        if p.finder is not None:
            np.testing.assert_array_equal(q.finder.lrs, p.finder.lrs)
        assert q.overhead_seconds == max(p.seconds - p.run_seconds, 0.0)


def test_from_dict_fills_every_optional_key_with_its_default_and_refuses_others():
    s = shape_schedule("wsd", 0.1, 100)
    d = {
        "kind": "lrkit.Plan",
        "schedule": s.to_dict(),
        "peak": "0.1",
        "shape": "wsd",
        "total_steps": 100.0,
        "budget": 1,
        "cost": 7.0,
    }
    p = Plan.from_dict(d)
    assert (p.peak, p.total_steps, p.budget, p.cost) == (0.1, 100, 1.0, 7)
    assert type(p.total_steps) is int and type(p.cost) is int and type(p.budget) is float
    assert p.probes == () and p.finder is None and p.predictions == () and p.law is None
    assert p.decided_by == "probes" and p.notes == () and p.seconds == 0.0
    assert p.run_seconds == 0.0 and str(p.schedule) == str(s)
    for bad in ({**d, "kind": "lrkit.FinderResult"}, [d], "[1, 2]", None, {"peak": 1}):
        with pytest.raises(ConfigError, match="Plan.from_dict: d must be a dict made by"):
            Plan.from_dict(bad)


def test_probe_and_prediction_dicts_write_non_finite_numbers_as_text_and_read_them_back():
    inf, nan = math.inf, math.nan
    p = Probe("rung1", 0.5, "linear", 4, "x", (1.0, inf, -inf, nan), inf, -inf, True)
    d = p.to_dict()
    assert d["losses"][:3] == [1.0, "inf", "-inf"] and d["losses"][3] == "nan"
    assert (d["val_loss"], d["score"], d["diverged"]) == ("inf", "-inf", True)
    back = Probe.from_dict(json.loads(json.dumps(d)))
    assert back.losses[:3] == (1.0, inf, -inf) and math.isnan(back.losses[3])
    assert back.val_loss == inf and back.score == -inf and back.diverged is True
    q = Probe("rung1", 1, "linear", 4.0, "x", (2,), None, 2, 0)
    e = Probe.from_dict(q.to_dict())
    assert e.val_loss is None and type(e.peak) is float and type(e.steps) is int
    assert type(e.score) is float and e.diverged is False and type(e.losses[0]) is float
    pr = Prediction("wsd", 0.1, "s", inf, (1, 2), (3.0, nan))
    d = pr.to_dict()
    assert d == {
        "shape": "wsd",
        "peak": 0.1,
        "schedule": "s",
        "final": "inf",
        "steps": [1, 2],
        "curve": [3.0, "nan"],
    }
    back = Prediction.from_dict(json.loads(json.dumps(d)))
    assert back.final == inf and back.steps == (1, 2) and back.curve[0] == 3.0
    assert math.isnan(back.curve[1])
    short = Prediction.from_dict({"shape": "wsd", "peak": 1, "schedule": "s", "final": 2})
    assert short.steps == () and short.curve == () and short.final == 2.0


def test_as_trial_reads_each_form_and_counts_updates():
    rng = np.random.default_rng(1820)
    for _ in range(100):
        n = int(rng.integers(0, 8))
        y = [float(v) for v in rng.uniform(0, 2, n)]
        val = None if rng.random() < 0.5 else float(rng.uniform(0, 1))
        forms = [
            Trial(tuple(y), val),
            {"losses": y, "val_loss": val},
            (np.asarray(y), val),
        ]
        if val is None:
            forms += [y, np.asarray(y), {"losses": y}]
        for out in forms:
            t = as_trial(out, 8)
            assert t.losses == tuple(y) and t.val_loss == val and t.updates == n
            if n:
                with pytest.raises(ConfigError, match=f"returned {n} losses; it must run at most"):
                    as_trial(out, n - 1)
    with pytest.raises(ConfigTypeError, match="1-D sequence of per-step losses"):
        as_trial([[1.0, 2.0]], 5)
    with pytest.raises(ConfigTypeError, match="got str"):
        as_trial("abc", 5)
    with pytest.raises(ConfigError, match=r"without 'losses': keys \['loss'\]"):
        as_trial({"loss": [1.0]}, 5)
    with pytest.raises(ConfigTypeError, match="val_loss must be a number or None"):
        as_trial({"losses": [1.0], "val_loss": "low"}, 5)
    # a pair whose second item is not a number is a sequence of two losses
    assert as_trial((1.0, 2.0), 2).losses == (1.0, 2.0)
    assert as_trial(([1.0, 2.0], np.float32(0.5)), 2).val_loss == 0.5
