"""The planner's documented values pinned broadly (issue 15, seed-5 pass).

Seeds 2-4 showed the planner (``lrkit.plan``) as the weakest module on fresh
mutation samples: most of its functions had tests of their outcome ("the plan
is near the optimum") but not of their values. These tests pin what
docs/plan.md and the docstrings state, through the public API: every argument
check (rule-by-rule messages and boundaries), the budget arithmetic (rules 1,
2 and 11), each probe's score (rule 4), the range test's schedule, the shape
probe (rule 8), the :class:`Plan`/:class:`Probe`/:class:`Trial` values and
:func:`shape_schedule`'s formulas. The peak-reading rules 5-7 are left to
their own tests (they are being changed).
"""

import math

import numpy as np
import pytest

import lrkit
from lrkit.combinators import warmup as warmup_of
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.plan import (
    ALL_SHAPES,
    SHAPES,
    Plan,
    Probe,
    Trial,
    as_trial,
    check_budget,
    shape_schedule,
)
from lrkit.schedules import constant, cosine, linear, one_cycle, wsd
from lrkit.tasks.quadratic import NoisyQuadratic

Q = NoisyQuadratic(dim=20, m=0.05, M=1.0, noise=0.5)


class _Called(Exception):
    """Raised by a run that must not be reached, or to show that it was."""


def _never(schedule, steps):
    raise _Called


def _recording(q=Q):
    """A run on the exact quadratic that records (steps, per-step rates) of every call."""
    seen = []

    def run(schedule, steps):
        seen.append((steps, np.asarray(schedule(np.arange(steps)), dtype=np.float64)))
        return q.expected_loss(schedule, steps)[:-1]

    run.seen = seen
    return run


# ---------------------------------------------------------------------------------------
# argument checks: each refused before any run, with the message docs/plan.md shows
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "err", "msg"),
    [
        ({"total_steps": True}, ConfigTypeError, "plan: total_steps must be an int, got True"),
        ({"total_steps": 400.0}, ConfigTypeError, "plan: total_steps must be an int, got 400.0"),
        (
            {"total_steps": 19},
            ConfigError,
            "plan: total_steps must be an int in [20, 2**53] (schedules count steps exactly "
            "up to 2**53), got 19",
        ),
        ({"total_steps": 2**53 + 1}, ConfigError, "2**53), got 9007199254740993"),
        ({"budget": True}, ConfigTypeError, "plan: budget must be a number, got True"),
        ({"budget": "0.5"}, ConfigTypeError, "plan: budget must be a number, got '0.5'"),
        ({"budget": math.nan}, ConfigTypeError, "plan: budget must be a number, got nan"),
        ({"budget": math.inf}, ConfigTypeError, "plan: budget must be a number, got inf"),
        ({"budget": -0.5}, ConfigError, "plan: budget must be > 0, got -0.5"),
        ({"warmup": -0.01}, ConfigError, "plan: warmup must be in [0, 0.5], got -0.01"),
        ({"warmup": 0.51}, ConfigError, "plan: warmup must be in [0, 0.5], got 0.51"),
        ({"warmup": None}, ConfigTypeError, "plan: warmup must be a number, got None"),
        ({"cooldown": -0.01}, ConfigError, "plan: cooldown must be in [0, 0.9], got -0.01"),
        ({"cooldown": 0.91}, ConfigError, "plan: cooldown must be in [0, 0.9], got 0.91"),
        ({"shapes": "zigzag"}, ConfigError, "got ['zigzag']"),
        ({"shapes": []}, ConfigError, "plan: shapes must be a non-empty list of"),
        ({"peaks": 1}, ConfigError, "plan: peaks must be an int in [2, 8], got 1"),
        ({"peaks": 9}, ConfigError, "plan: peaks must be an int in [2, 8], got 9"),
        ({"peaks": True}, ConfigError, "plan: peaks must be an int in [2, 8], got True"),
        ({"peaks": 4.0}, ConfigError, "plan: peaks must be an int in [2, 8], got 4.0"),
        ({"lr": 0.0}, ConfigError, "plan: lr must be a positive number or None, got 0.0"),
        ({"lr": math.inf}, ConfigError, "plan: lr must be a positive number or None, got inf"),
        ({"lr": math.nan}, ConfigError, "plan: lr must be a positive number or None, got nan"),
        ({"lr": True}, ConfigError, "plan: lr must be a positive number or None, got True"),
        ({"lr": "0.1"}, ConfigError, "plan: lr must be a positive number or None, got '0.1'"),
        ({"lr_range": 3.0}, ConfigTypeError, "plan: lr_range must be a pair (low, high)"),
        ({"lr_range": (1.0,)}, ConfigTypeError, "plan: lr_range must be a pair (low, high)"),
        ({"lr_range": ("a", "b")}, ConfigTypeError, "plan: lr_range must be a pair"),
        ({"lr_range": (0.0, 1.0)}, ConfigError, "lr_range must satisfy 0 < low < high"),
        ({"lr_range": (-1.0, 1.0)}, ConfigError, "lr_range must satisfy 0 < low < high"),
        ({"lr_range": (1.0, 1.0)}, ConfigError, "lr_range must satisfy 0 < low < high"),
        ({"lr_range": (1e-3, math.inf)}, ConfigError, "lr_range must satisfy 0 < low < high"),
        ({"use_laws": None}, ConfigError, "plan: use_laws must be True, False or 'auto'"),
        ({"use_laws": "never"}, ConfigError, "plan: use_laws must be True, False or 'auto'"),
    ],
)
def test_every_argument_is_checked_before_any_run(kwargs, err, msg):
    args = {"total_steps": 400, "budget": 0.5}
    args.update(kwargs)
    with pytest.raises(err) as e:
        lrkit.plan(_never, args.pop("total_steps"), **args)
    assert msg in str(e.value)


def test_run_must_be_callable():
    with pytest.raises(ConfigTypeError, match=r"plan: run must be callable as run\(schedule"):
        lrkit.plan(None, 400)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"total_steps": 20, "budget": 20.0},
        {"total_steps": np.int64(400)},
        {"warmup": 0.0},
        {"warmup": 0.5},
        {"cooldown": 0.0},
        {"cooldown": 0.9},
        {"peaks": 2},
        {"peaks": 8, "budget": 5.0},
        {"shapes": "wsd"},
        {"shapes": ALL_SHAPES},
        {"lr": 1e-300},
        {"lr_range": (1e-3, 1.1e-3)},
        {"use_laws": True},
        {"use_laws": False},
        {"budget": 1},
    ],
)
def test_the_edges_of_every_allowed_range_are_accepted(kwargs):
    """Accepted means the planner went on to call ``run`` (which raises to stop it)."""
    args = {"total_steps": 400, "budget": 0.5}
    args.update(kwargs)
    with pytest.raises(_Called):
        lrkit.plan(_never, args.pop("total_steps"), **args)


# ---------------------------------------------------------------------------------------
# the budget (rules 1, 2 and 11)
# ---------------------------------------------------------------------------------------
def test_check_budget_is_floor_of_budget_times_total_steps():
    assert check_budget(1000, 0.5) == 500
    assert check_budget(1000, 0.1234) == 123  # floor, not round
    assert check_budget(1000, 0.1239) == 123
    # budget x T computed in floats just below an integer is that integer (1e-9 slack)
    assert 0.57 * 100 < 57
    assert check_budget(100, 0.57, peaks=2, with_range=False) == 57
    assert check_budget(200, 0.38) == 76  # 16-step range test + 10 units of 6 updates


@pytest.mark.parametrize(
    ("total", "peaks", "with_range", "need"),
    [
        # a range test of max(16, round(0.2 need)) + (peaks + 6) units of 6 updates
        (200, 4, True, 76),
        (200, 2, True, 64),
        (200, 8, True, 105),  # 14 units: 105 - round(0.2 * 105) = 84; 104 - 21 = 83
        (1000, 8, True, 105),
        (200, 4, False, 60),
        (200, 3, False, 54),
    ],
)
def test_the_smallest_budget_and_its_error(total, peaks, with_range, need):
    assert check_budget(total, need / total, peaks, with_range) == need
    with pytest.raises(ConfigError) as e:
        check_budget(total, (need - 1) / total, peaks, with_range)
    msg = str(e.value)
    assert msg.startswith(f"plan: budget too small: {need - 1} extra updates allowed")
    assert f"the planner needs at least {need} (a " in msg
    assert ("range test and " in msg) is with_range
    assert f"{peaks + 3} probes); raise budget to >= {need / total:.3g}" in msg


def test_a_short_run_caps_the_probes_at_half_its_length():
    """``l = min((C - n_f) // units, T // 2)``: T = 20 with a budget of 10 runs probes of
    10 updates (rung 1) and 20 (rung 2), not the 13 the budget alone would give."""
    run = _recording()
    p = lrkit.plan(run, 20, budget=10.0, use_laws=False)
    steps = [(q.stage, q.steps) for q in p.probes]
    # n_f = min(100, max(16, round(0.2 * 200))) = 40
    assert steps == [("range", 40)] + [("rung1", 10)] * 4 + [("rung2", 20)] * 3 + [("shape", 20)]
    assert p.cost == 40 + 40 + 60 + 20 == sum(s for s, _ in run.seen)


@pytest.mark.parametrize(
    ("total", "budget", "n_f", "ell"),
    [
        (1000, 0.5, 100, 33),  # C = 500: n_f = 100 (the cap), l = 400 // 12
        (1000, 0.2, 40, 13),  # C = 200: n_f = 0.2 C = 40, l = 160 // 12
        (400, 0.25, 20, 6),  # C = 100: n_f = 20, l = 80 // 12
    ],
)
def test_range_test_and_probe_lengths_follow_the_documented_formulas(total, budget, n_f, ell):
    p = lrkit.plan(_recording(), total, budget=budget, use_laws=False)
    steps = [(q.stage, q.steps) for q in p.probes]
    assert steps == (
        [("range", n_f)] + [("rung1", ell)] * 4 + [("rung2", 2 * ell)] * 3 + [("shape", 2 * ell)]
    )
    assert p.cost == n_f + 4 * ell + 8 * ell <= math.floor(budget * total)
    assert len(p.finder) <= n_f and p.finder.meta["optimizer_steps"] == n_f


def test_one_shape_uses_the_shape_probe_s_units_for_longer_probes():
    """With one shape there is no shape probe: ``l = (C - n_f) // (k + 6)``."""
    p = lrkit.plan(_recording(), 1000, budget=0.5, shapes=("cosine",), use_laws=False)
    steps = [(q.stage, q.steps, q.shape) for q in p.probes]
    assert steps == (
        [("range", 100, "exponential")]
        + [("rung1", 40, "cosine")] * 4
        + [("rung2", 80, "cosine")] * 3
    )
    assert p.shape == "cosine" and p.decided_by == "probes"
    assert "one shape allowed: no law needed" in p.notes


def test_no_room_for_the_shape_probe_drops_it_and_says_so():
    # lr given (no range test), 4 peaks: C = 65 gives 65 // 12 = 5 < 6 with the shape
    # probe, 65 // 10 = 6 without it
    p = lrkit.plan(_recording(), 200, budget=0.325, lr=0.1, use_laws=False)
    assert [(q.stage, q.steps) for q in p.probes] == [("rung1", 6)] * 4 + [("rung2", 12)] * 3
    assert p.cost == 60
    assert "no room for the shape probe in the budget: wsd is not run" in p.notes
    # at C = 72 the shape probe fits: 72 // 12 = 6
    p = lrkit.plan(_recording(), 200, budget=0.36, lr=0.1, use_laws=False)
    assert [q.stage for q in p.probes][-1] == "shape" and p.cost == 72


# ---------------------------------------------------------------------------------------
# the range test (rule 1) and the rungs' peaks (rules 2 and 3)
# ---------------------------------------------------------------------------------------
def test_the_range_test_is_an_exponential_sweep_from_low_to_high():
    run = _recording()
    p = lrkit.plan(run, 1000, budget=0.5, lr_range=(1e-4, 1.0), use_laws=False)
    n, rates = run.seen[0]
    assert n == 100 and p.probes[0].stage == "range" and p.probes[0].peak == 1.0
    np.testing.assert_allclose(rates, 1e-4 * 1e4 ** (np.arange(100) / 99), rtol=1e-9)
    assert p.probes[0].shape == "exponential"
    # the finder's result reads the same sweep (the rates it was given)
    np.testing.assert_allclose(p.finder.lrs, rates[: len(p.finder)], rtol=1e-9)


def test_rung1_brackets_the_range_test_minimum_and_rung2_halves_below_its_best():
    p = lrkit.plan(_recording(), 1000, budget=0.5, use_laws=False)
    s = p.finder.suggestion("minimum")
    ref = float(p.finder.lrs[s.index])
    r1 = [q for q in p.probes if q.stage == "rung1"]
    np.testing.assert_allclose([q.peak for q in r1], [ref * 2.0, ref, ref / 2, ref / 4])
    best = min(r1, key=lambda q: q.score).peak
    r2 = [q for q in p.probes if q.stage == "rung2"]
    np.testing.assert_allclose([q.peak for q in r2], [best, best / 2, best / 4])
    # the shape probe runs at the best second-rung probe's peak and length
    b2 = min(r2, key=lambda q: q.score)
    sp = p.probes[-1]
    assert (sp.stage, sp.shape, sp.peak, sp.steps) == ("shape", "wsd", b2.peak, b2.steps)


def test_every_probe_is_its_shape_at_its_peak_with_the_run_s_warmup():
    run = _recording()
    p = lrkit.plan(run, 1000, budget=0.5, lr=0.05, use_laws=False, warmup=0.01)
    for q, (steps, rates) in zip(p.probes, run.seen):
        w = min(round(0.01 * 1000), steps // 2)  # 10 updates
        w = 0 if q.stage == "shape" else w  # the shape probe has none (docs/plan.md rule 8)
        want = shape_schedule(q.shape, q.peak, steps, 0.01, 0.2, warmup_steps=w)
        np.testing.assert_allclose(rates, want(np.arange(steps)), rtol=1e-12)
        assert q.schedule == str(want)
        assert float(np.max(rates)) == pytest.approx(q.peak, rel=1e-12)


# ---------------------------------------------------------------------------------------
# the score (rule 4) and the cost of probes that stop early
# ---------------------------------------------------------------------------------------
def test_the_score_is_the_mean_of_the_last_tenth_of_the_losses():
    p = lrkit.plan(_recording(), 1000, budget=0.5, lr=0.05, use_laws=False)
    for q in p.probes:
        n = max(1, round(0.1 * q.steps))
        assert q.score == pytest.approx(float(np.mean(q.losses[-n:])), rel=1e-12)
        assert not q.diverged and q.val_loss is None and q.updates == q.steps


def test_a_probe_that_stops_early_or_goes_non_finite_diverges_and_costs_what_it_ran():
    def run(schedule, steps):
        peak = float(np.max(schedule(np.arange(steps))))
        losses = list(Q.expected_loss(schedule, steps)[:-1])
        if peak > 0.15:  # the highest probes: stopped after 3 updates
            return losses[:3]
        if peak > 0.1:  # the next: full length, but its last loss is inf
            return losses[:-1] + [math.inf]
        return losses

    p = lrkit.plan(run, 1000, budget=0.5, lr=0.1, use_laws=False)
    r1 = {q.peak: q for q in p.probes if q.stage == "rung1"}
    top, second = r1[max(r1)], sorted(r1)[-2]
    assert top.peak > 0.15 and top.updates == 3 and top.diverged and top.score == math.inf
    assert 0.1 < second < 0.15 and r1[second].diverged and r1[second].score == math.inf
    assert r1[second].updates == r1[second].steps
    assert all(not r1[k].diverged for k in r1 if k < 0.1)
    assert p.cost == sum(q.updates for q in p.probes)


def test_a_non_finite_val_loss_diverges_and_a_finite_one_is_the_score():
    def run(schedule, steps):
        peak = float(np.max(schedule(np.arange(steps))))
        losses = tuple(Q.expected_loss(schedule, steps)[:-1])
        return {"losses": losses, "val_loss": math.nan if peak > 0.15 else peak + 1.0}

    p = lrkit.plan(run, 1000, budget=0.5, lr=0.1, use_laws=False)
    for q in p.probes:
        if q.peak > 0.15:
            assert q.diverged and q.score == math.inf and math.isnan(q.val_loss)
        else:
            assert not q.diverged and q.score == q.val_loss == pytest.approx(q.peak + 1.0)


def test_callback_sees_every_probe_in_order():
    got = []
    p = lrkit.plan(_recording(), 400, budget=0.5, callback=got.append, use_laws=False)
    assert tuple(got) == p.probes


# ---------------------------------------------------------------------------------------
# the shape probe (rule 8)
# ---------------------------------------------------------------------------------------
def _area_run(sign):
    """Per-step loss 1 - sign * (cumulative rate)/(t + 1) * 0.5: with sign = +1 more lr area
    is better (WSD wins), with -1 worse (linear stays); deterministic, so the paired
    difference over the score window has a tiny standard error."""

    def run(schedule, steps):
        eta = np.asarray(schedule(np.arange(steps)), dtype=np.float64)
        mean = np.cumsum(eta) / np.arange(1, steps + 1)
        return 2.0 - sign * mean * 5.0 + 0.01 * np.cos(np.arange(steps))

    return run


def test_the_shape_probe_replaces_the_default_only_when_it_scores_lower():
    win = lrkit.plan(_area_run(+1), 1000, budget=0.5, lr=0.05, use_laws=False)
    base = min((q for q in win.probes if q.stage == "rung2"), key=lambda q: q.score)
    sp = win.probes[-1]
    assert sp.stage == "shape" and sp.score < base.score
    assert win.shape == "wsd" and win.decided_by == "probes"
    assert win.schedule == shape_schedule("wsd", win.peak, 1000, warmup=0.0)  # a stable start
    lose = lrkit.plan(_area_run(-1), 1000, budget=0.5, lr=0.05, use_laws=False)
    sp = lose.probes[-1]
    assert sp.stage == "shape" and sp.shape == "wsd"
    assert lose.shape == "linear" and lose.schedule == shape_schedule("linear", lose.peak, 1000)
    assert any(n.startswith("shape probe (") and n.endswith("keeping linear") for n in lose.notes)
    assert "laws off: keeping the probes' shape linear" in lose.notes


def test_the_shape_probe_is_the_shape_farthest_in_lr_area_from_the_first():
    p = lrkit.plan(_recording(), 1000, budget=0.5, shapes=("wsd", "cosine", "constant"))
    # areas: wsd ~0.875, cosine ~0.5, constant ~0.975: cosine is farthest from wsd
    assert p.probes[-1].shape == "cosine"
    assert {q.shape for q in p.probes if q.stage.startswith("rung")} == {"wsd"}


def test_use_laws_auto_on_quick_probes_skips_the_fit():
    p = lrkit.plan(_recording(), 400, budget=0.5)
    assert p.predictions == () and p.law is None
    assert any(n.startswith("laws skipped: the probes took") for n in p.notes)


def test_the_law_s_predictions_are_its_curves_of_each_shape_at_the_peak():
    """Rule 9's evidence: one :class:`Prediction` per shape, of ``shape_schedule(shape,
    peak, T)`` at the (unrounded) peak, its curve the fitted law's prediction at 40
    steps spread over the run, ``final`` its last point; ``law`` is the fitted law's
    ``to_dict()`` plus its errors on the probes."""
    from lrkit.laws import Law

    def run(schedule, steps):
        eta = np.asarray(schedule(np.arange(steps)), float)
        return list(2.0 + 1.0 / (1.0 + np.cumsum(eta)) ** 0.5)

    shapes = ("wsd", "linear", "cosine", "constant", "one_cycle")
    p = lrkit.plan(run, 2000, lr=0.1, use_laws=True, shapes=shapes)
    assert [q.shape for q in p.predictions] == list(shapes)
    law = Law.from_dict({k: v for k, v in p.law.items() if k != "probe_errors"})
    assert law.law == "multi_power"  # the planner's law when none is named
    assert set(p.law["probe_errors"]) == {
        "mean_rel",
        "mean_rel_runs",
        "worst_rel",
        "r2",
        "mae",
        "rmse",
    }
    steps = tuple(int(v) for v in np.unique(np.linspace(1, 1999, 40).round()))
    for q in p.predictions:
        s = shape_schedule(q.shape, q.peak, 2000)
        assert q.schedule == str(s) and q.steps == steps
        assert float(f"{q.peak:.3g}") == p.peak
        np.testing.assert_allclose(q.curve, law.predict(s, list(steps)), rtol=1e-12)
        assert q.final == q.curve[-1]


# ---------------------------------------------------------------------------------------
# the values: Trial, Probe, Plan
# ---------------------------------------------------------------------------------------
def test_as_trial_reads_every_documented_form():
    assert as_trial(Trial((1.0, 2.0), 0.5), 2) == Trial((1.0, 2.0), 0.5)
    assert as_trial({"losses": [1, 2]}, 3) == Trial((1.0, 2.0), None)
    assert as_trial({"losses": np.array([1.0]), "val_loss": np.float32(0.25)}, 1) == Trial(
        (1.0,), 0.25
    )
    assert as_trial(([1.0, 2.0, 3.0], 0.5), 3) == Trial((1.0, 2.0, 3.0), 0.5)
    assert as_trial(np.array([1.0, 2.0]), 2) == Trial((1.0, 2.0), None)
    assert as_trial([], 2) == Trial((), None) and Trial(()).updates == 0
    assert Trial((1.0, 2.0, 3.0)).updates == 3


@pytest.mark.parametrize(
    ("out", "steps", "err", "msg"),
    [
        (
            {"loss": [1.0]},
            2,
            ConfigError,
            "plan: run returned a dict without 'losses': keys ['loss']",
        ),
        ([1.0, 2.0, 3.0], 2, ConfigError, "plan: run(schedule, 2) returned 3 losses; it must run"),
        ([[1.0, 2.0]], 2, ConfigTypeError, "got shape (1, 2)"),
        (1.5, 2, ConfigTypeError, "got shape ()"),
        (["a", "b"], 2, ConfigTypeError, "got list"),
        (([1.0, 2.0], "x"), 2, ConfigTypeError, "val_loss is not a number or None: 'x'"),
    ],
)
def test_as_trial_refuses_what_is_not_per_step_losses(out, steps, err, msg):
    with pytest.raises(err) as e:
        as_trial(out, steps)
    assert msg in str(e.value)


def _probe(**kw):
    d = {
        "stage": "rung1",
        "peak": 0.1,
        "shape": "linear",
        "steps": 4,
        "schedule": "linear(0.1, 0.0)",
        "losses": (2.0, 1.5, 1.0, 0.5),
        "val_loss": None,
        "score": 0.5,
        "diverged": False,
    }
    d.update(kw)
    return Probe(**d)


def test_probe_round_trips_through_json_with_non_finite_numbers():
    import json

    for p in (
        _probe(),
        _probe(losses=(2.0, math.inf), score=math.inf, diverged=True),
        _probe(losses=(2.0, math.nan), val_loss=math.nan, score=math.inf, diverged=True),
        _probe(val_loss=0.75, score=0.75, stage="shape", shape="wsd"),
    ):
        d = json.loads(json.dumps(p.to_dict()))
        assert d["stage"] == p.stage and d["steps"] == p.steps and d["diverged"] is p.diverged
        q = Probe.from_dict(d)
        assert q.updates == p.updates == len(p.losses)
        for a, b in zip((q.score, q.val_loss, *q.losses), (p.score, p.val_loss, *p.losses)):
            assert (a is None and b is None) or (math.isnan(a) and math.isnan(b)) or a == b
    assert _probe(losses=(2.0, math.inf)).to_dict()["losses"] == [2.0, "inf"]


def test_plan_report_lists_every_probe_and_the_cost_fraction():
    s = shape_schedule("linear", 0.1, 100)
    probes = (
        _probe(stage="range", shape="exponential"),
        _probe(stage="rung1", peak=0.2, score=math.inf, diverged=True),
        _probe(stage="rung2", peak=0.05, steps=8, score=0.4321),
    )
    p = Plan(s, 0.1, "linear", 100, 0.5, 25, probes=probes, notes=("a note",))
    lines = p.report().splitlines()
    assert lines[0] == f"plan for 100 steps: {s}"
    assert lines[1] == "  peak 0.1, shape linear (decided by probes)"
    assert lines[2] == "  cost: 25 extra updates = 0.25 of one run (budget 0.5)"
    assert "range" not in p.report().split("(budget 0.5)")[1].split("rung1")[0]
    assert lines[3].startswith("  rung1: peak 0.2") and lines[3].endswith("score diverged")
    assert lines[4].startswith("  rung2: peak 0.05") and lines[4].endswith("score 0.4321")
    assert lines[5] == "  - a note" and len(lines) == 6


def test_plan_report_names_the_range_test_s_minimum():
    from lrkit.finder import FinderResult

    p = lrkit.plan(_recording(), 1000, budget=0.5, use_laws=False)
    s = p.finder.suggestion("minimum")
    at = float(p.finder.lrs[s.index])
    line = f"  range test: {len(p.finder)} points, loss minimum at lr {at:.3g}"
    assert p.report().splitlines()[3] == line
    lrs = np.geomspace(1e-4, 1.0, 30)
    rising = FinderResult(lrs, 1.0 + lrs, 1.0 + lrs)  # the minimum is at the start
    q = Plan(p.schedule, p.peak, p.shape, 1000, 0.5, p.cost, finder=rising)
    assert q.report().splitlines()[3] == "  range test: 30 points, loss minimum at lr none"


def test_plan_plot_draws_each_probe_and_prediction_left_and_the_schedule_right(tmp_path):
    s = shape_schedule("linear", 0.1, 100)
    probes = (
        _probe(stage="range", shape="exponential"),
        _probe(stage="rung1", peak=0.2),
        _probe(stage="rung1", peak=0.3, losses=(), score=math.inf, diverged=True),
        _probe(stage="rung2", peak=0.05, steps=8),
    )
    from lrkit.plan import Prediction

    preds = (Prediction("wsd", 0.1, "wsd(...)", 0.4, (1, 50, 99), (1.0, 0.6, 0.4)),)
    p = Plan(s, 0.1, "linear", 100, 0.5, 25, probes=probes, predictions=preds)
    fig = p.plot()
    a, b = fig.axes
    assert [ln.get_label() for ln in a.get_lines()] == [
        "rung1 linear 0.2",
        "rung2 linear 0.05",
        "law: wsd",
    ]
    np.testing.assert_array_equal(a.get_lines()[2].get_xdata(), [1, 50, 99])
    np.testing.assert_array_equal(a.get_lines()[1].get_ydata(), [2.0, 1.5, 1.0, 0.5])
    (chosen,) = b.get_lines()
    assert chosen.get_label() == "chosen: linear"
    np.testing.assert_allclose(chosen.get_ydata(), s(np.arange(100)))
    assert b.get_title() == str(s)[:70] and a.get_title() == "probes and predictions"
    assert fig.get_size_inches().tolist() == [11.0, 4.2]
    out = p.plot(str(tmp_path / "p.svg"))
    assert out.endswith("p.svg") and open(out).read(100).lstrip().startswith("<?xml")
    with pytest.raises(ConfigError):
        p.plot(str(tmp_path / "p.txt"))


def test_plan_round_trips_and_refuses_what_to_dict_did_not_make():
    s = shape_schedule("wsd", 0.1, 100)
    p = Plan(s, 0.1, "wsd", 100, 0.5, 25, probes=(_probe(),), decided_by="law", notes=("n",))
    q = Plan.from_dict(p.to_dict())
    assert q == p and q.schedule == s and q.decided_by == "law" and q.notes == ("n",)
    import json

    assert Plan.from_dict(json.dumps(p.to_dict())) == p
    for bad in ({"kind": "lrkit.Probe"}, [1, 2], {"peak": 0.1}):
        with pytest.raises(ConfigError, match=r"Plan.from_dict: d must be a dict made by"):
            Plan.from_dict(bad)
    assert p.overhead_seconds == 0.0
    assert Plan(s, 0.1, "wsd", 100, 0.5, 25, seconds=2.0, run_seconds=0.5).overhead_seconds == 1.5
    assert Plan(s, 0.1, "wsd", 100, 0.5, 25, seconds=0.5, run_seconds=2.0).overhead_seconds == 0.0


# ---------------------------------------------------------------------------------------
# shape_schedule: the formulas of its docstring, against lrkit's own schedules
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("T", [20, 101, 1000])
@pytest.mark.parametrize(
    ("warmup", "cooldown"), [(0.05, 0.2), (0.0, 0.0), (0.001, 0.001), (0.3, 0.5)]
)
def test_shape_schedule_is_the_documented_composition(T, warmup, cooldown):
    w = max(1, round(warmup * T)) if warmup > 0 else 0
    d = max(1, round(cooldown * T)) if cooldown > 0 else 0
    t = np.arange(T)
    want = {
        "wsd": wsd(0.3, steps=T, warmup=min(w, T - d), decay=d),
        "cosine": warmup_of(cosine(0.3, 0.0), w) if w else cosine(0.3, 0.0),
        "linear": warmup_of(linear(0.3, 0.0), w) if w else linear(0.3, 0.0),
        "one_cycle": one_cycle(0.3),
        "constant": warmup_of(constant(0.3), w) if w else constant(0.3),
    }
    for shape in ALL_SHAPES:
        got = shape_schedule(shape, 0.3, T, warmup, cooldown)
        ref = want[shape].bind(total_steps=T)
        assert str(got) == str(ref), shape
        np.testing.assert_allclose(got(t), ref(t), rtol=1e-12, atol=0, err_msg=shape)
        assert got.is_bound


def test_shape_schedule_values_from_the_formulas():
    T = 100  # w = 5, D = 20
    t = np.arange(T)
    lin = shape_schedule("linear", 1.0, T)(t)
    assert lin[4] == pytest.approx(5 / 6)  # warm-up: (t + 1) / (w + 1)
    assert float(np.max(lin)) == pytest.approx(1.0) and lin[-1] < 0.02
    ws = shape_schedule("wsd", 1.0, T)(t)
    np.testing.assert_allclose(ws[5:80], 1.0)  # stable until the last D = 20 steps
    np.testing.assert_allclose(ws[80:], (T - t[80:]) / 20)
    const = shape_schedule("constant", 1.0, T)(t)
    np.testing.assert_allclose(const[5:], 1.0)
    assert const[0] == pytest.approx(1 / 6)
    assert shape_schedule("one_cycle", 1.0, T)(0) == pytest.approx(1 / 25)


def test_shape_schedule_warmup_steps_override_and_unknown_shapes():
    s = shape_schedule("linear", 1.0, 50, warmup=0.4, warmup_steps=3)
    assert str(s) == str(warmup_of(linear(1.0, 0.0), 3).bind(total_steps=50))
    # warm-up steps are capped at T - 1 (the last step is the peak)
    for shape, base in (("linear", linear(1.0, 0.0)), ("constant", constant(1.0))):
        for ws in (9, 10, 50):
            s = shape_schedule(shape, 1.0, 10, warmup_steps=ws)
            assert str(s) == str(warmup_of(base, 9).bind(total_steps=10)), (shape, ws)
        s = shape_schedule(shape, 1.0, 10, warmup_steps=8)
        assert str(s) == str(warmup_of(base, 8).bind(total_steps=10))
    s = shape_schedule("cosine", 1.0, 50, warmup_steps=-4)  # negative: no warm-up
    assert str(s) == str(cosine(1.0, 0.0).bind(total_steps=50))
    for bad in ("zigzag", "exponential", ""):
        with pytest.raises(ConfigError, match=r"plan: shape must be one of linear, wsd"):
            shape_schedule(bad, 1.0, 50)
    assert SHAPES == ("linear", "wsd", "cosine", "one_cycle")
    assert ALL_SHAPES == (*SHAPES, "constant")


# ---------------------------------------------------------------------------------------
# seed-5 survivors (benchmarks/results/mutation_seed5.md), one test each
# ---------------------------------------------------------------------------------------
def test_a_given_lr_below_the_best_says_a_higher_peak_might_be_better():
    """``_core.py:597``: with ``lr`` given, when the second rung's best peak is read at the
    highest candidate, the notes say so; never after a range test (which brackets the
    rates from above), nor when the best lies inside the candidates."""
    note = "the best peak is the highest candidate: a higher one might be better"
    low = lrkit.plan(_recording(), 1000, lr=1e-3, use_laws=False)
    r2 = [q for q in low.probes if q.stage == "rung2"]
    assert min(r2, key=lambda q: q.score).peak == max(q.peak for q in low.probes)
    assert note in low.notes
    inside = lrkit.plan(_recording(), 1000, lr=0.5, use_laws=False)
    assert note not in inside.notes
    # after a range test whose best probe is also its highest: no such note
    ranged = lrkit.plan(_recording(), 1000, lr_range=(1e-6, 1e-2), use_laws=False)
    r1 = [q for q in ranged.probes if q.stage == "rung1"]
    assert min(r1, key=lambda q: q.score).peak == max(q.peak for q in r1)
    assert note not in ranged.notes


def test_progress_needs_a_fall_beyond_twice_the_sample_standard_error():
    """``_core.py:651``: :func:`progressed`'s standard error is
    :math:`\\sqrt{(s^2_{head} + s^2_{tail})/w}` with *sample* variances (``ddof=1``).
    20 losses: ``w = 2``; head (2, 1): :math:`s^2 = 0.5`; a flat tail: 0; se = 0.5. A
    fall of 0.9 < 2 se is not progress (with population variances, 0.25, it would be:
    2 se = 0.71); a fall of 1.1 is."""
    from lrkit.plan._evidence import progressed

    def probe(tail):
        losses = (2.0, 1.0) + (1.2,) * 16 + (tail, tail)
        return Probe("rung2", 0.1, "linear", 20, "", losses, None, tail, False)

    assert not progressed(probe(0.6))  # head mean 1.5, fall 0.9
    assert progressed(probe(0.4))  # fall 1.1 > 2 x 0.5
    assert progressed(probe(0.5 - 1e-9)) and not progressed(probe(0.5))  # fall 1.0: strict
    # the same with the spread in the tail: a flat head (1.5, 1.5), tail (0.1, 1.1)
    spread = (1.5, 1.5) + (1.2,) * 16 + (0.1, 1.1)
    assert not progressed(Probe("rung2", 0.1, "linear", 20, "", spread, None, 0.6, False))
    spread = (1.5, 1.5) + (1.2,) * 16 + (-0.1, 0.9)  # fall 1.1
    assert progressed(Probe("rung2", 0.1, "linear", 20, "", spread, None, 0.4, False))
