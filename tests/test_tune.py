"""lrkit.tune without Ray: spaces of schedules, the law rule, the Optuna pruner vs Median/SHA."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys

import numpy as np
import optuna
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.laws import Law
from lrkit.spec import parse
from lrkit.tune import LawRule, law_pruner, parse_space, predicted_finals, space

optuna.logging.set_verbosity(optuna.logging.WARNING)


# ---------------------------------------------------------------- space
def test_every_sampled_point_is_a_spec_that_round_trips_and_stays_in_range():
    s = space(peak=(1e-5, 3.0), warmup=(0.0, 0.1), cooldown=(0.1, 0.3))
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(400):
        text = s.sample(rng)
        sched = parse(text)
        assert str(sched) == text
        assert str(parse(str(sched))) == text
        seen.add(text.split("(")[0] if not text.startswith("warmup(") else text[7:].split("(")[0])
        v = sched.bind(total_steps=1000)(np.arange(1000))
        assert 1e-5 * 0.999 <= float(np.max(v)) <= 3.0 * 1.001
    assert seen == {"wsd", "cosine", "linear", "one_cycle", "step"}
    # random.Random works too, and a seed gives the same point
    assert s.sample(random.Random(3)) == s.sample(random.Random(3))


def test_spec_of_each_shape_is_the_schedule_it_names():
    s = space(peak=(0.01, 0.1))
    T = 1000
    pt = {"peak": 0.05, "warmup": 5, "cooldown": 20}
    want = {
        "wsd": lrkit.wsd(0.05, warmup="5%", decay="20%"),
        "cosine": lrkit.warmup(lrkit.cosine(0.05), steps="5%"),
        "linear": lrkit.warmup(lrkit.linear(0.05, 0.0), steps="5%"),
        "one_cycle": lrkit.one_cycle(0.05),
        "step": lrkit.warmup(lrkit.step(0.05, 0.1, every="40%"), steps="5%"),
    }
    for shape, sched in want.items():
        got = parse(s.spec({**pt, "shape": shape})).bind(total_steps=T)(np.arange(T))
        np.testing.assert_array_equal(got, sched.bind(total_steps=T)(np.arange(T)))
    # no warmup: the bare shape; peaks rounded to 3 significant digits
    assert s.spec({"shape": "cosine", "peak": 0.0123456, "warmup": 0}) == "cosine(start=0.0123)"


def test_log_uniform_peak_and_uniform_percents():
    s = space(["wsd"], peak=(1e-4, 1e-1), warmup=(0.0, 0.1), cooldown=(0.1, 0.3))
    rng = np.random.default_rng(1)
    peaks = []
    for _ in range(3000):
        sch = parse(s.sample(rng))
        peaks.append(sch.peak)
        assert 0 <= int(sch.warmup.rstrip("%")) <= 10 and 10 <= int(sch.decay.rstrip("%")) <= 30
    logs = np.log10(peaks)
    # log-uniform on [-4, -1]: a quarter of the decades in each quarter of the log range
    counts = np.histogram(logs, bins=4, range=(-4, -1))[0] / len(logs)
    np.testing.assert_allclose(counts, 0.25, atol=0.03)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"shapes": ["cosine", "exp"]}, "shapes"),
        ({"shapes": []}, "shapes"),
        ({"peak": (0.1, 0.01)}, "peak"),
        ({"peak": -1.0}, "peak"),
        ({"peak": float("nan")}, "peak"),
        ({"warmup": 0.7}, "warmup"),
        ({"warmup": (0.1, 0.05)}, "warmup"),
        ({"cooldown": (0.1, 0.2, 0.3)}, "cooldown"),
    ],
)
def test_bad_space_names_the_parameter(kwargs, name):
    with pytest.raises(ConfigError, match=f"space: {name}"):
        space(**kwargs)


def test_bad_types_are_config_type_errors():
    with pytest.raises(ConfigTypeError, match="space: peak"):
        space(peak="big")
    with pytest.raises(ConfigTypeError, match="space: warmup"):
        space(warmup=(0, "5%"))
    with pytest.raises(ConfigTypeError, match="narrow takes"):
        space().narrow(3)
    for bad in (5, None, 0.1):
        with pytest.raises(ConfigTypeError, match=f"space: shapes must be a name or names .*{bad}"):
            space(shapes=bad)


def test_a_space_whose_wsd_points_overrun_the_run_is_refused():
    # wsd(warmup='50%', decay='100%') cannot be bound to any run; '50%' + '50%' neither to
    # an odd one (45 updates: 23 + 23); such points used to fail only when a trial ran
    for w, c in ((0.5, 1.0), (0.5, 0.5), ((0.0, 0.3), (0.1, 0.8))):
        with pytest.raises(ConfigError, match=r"space: wsd needs warmup \+ cooldown < 1"):
            space(["cosine", "wsd"], warmup=w, cooldown=c)
    with pytest.raises(ConfigError, match=r"space: wsd needs warmup \+ cooldown < 1"):
        parse_space("shapes=wsd; warmup=0.5; cooldown=1.0")
    with pytest.raises(ConfigError, match=r"space: wsd needs warmup \+ cooldown < 1"):
        space(["cosine"], warmup=0.5, cooldown=0.5).narrow(
            lrkit.plan.Plan(
                schedule=lrkit.cosine(0.03).bind(total_steps=100),
                peak=0.03,
                shape="wsd",
                total_steps=100,
                budget=0.5,
                cost=10,
            )  # fmt: skip
        )
    space(["cosine"], warmup=0.5, cooldown=1.0)  # no wsd: the cooldown is not used
    # every point of the widest accepted spaces binds to runs of any length
    for w, c in (((0.0, 0.5), (0.01, 0.49)), ((0.0, 0.49), (0.5, 0.5)), (0.0, 1.0)):
        s = space(["wsd"], warmup=w, cooldown=c)
        for ww in range(s.warmup[0], s.warmup[1] + 1):
            for cc in range(s.cooldown[0], s.cooldown[1] + 1):
                text = s.spec({"shape": "wsd", "peak": 0.1, "warmup": ww, "cooldown": cc})
                for T in (2, 3, 7, 45, 101):
                    parse(text).bind(total_steps=T)(np.arange(T))


def test_narrow_by_a_finder_result_and_a_plan():
    from lrkit.finder import FinderResult
    from lrkit.plan import Plan

    lrs = np.geomspace(1e-5, 10, 200)
    x = np.log10(lrs)
    losses = 2.0 - 0.8 / (1 + np.exp(-3 * (x + 3))) + np.where(x > -0.5, (x + 0.5) ** 2 * 4, 0)
    res = FinderResult(lrs, losses, losses)
    base, top = res.suggest_range()
    n = space(peak=(1e-6, 10.0)).narrow(res)
    assert n.peak == (base, top)
    p = Plan(schedule=lrkit.cosine(0.03).bind(total_steps=100), peak=0.03, shape="linear",
             total_steps=100, budget=0.5, cost=10)  # fmt: skip
    m = space(["wsd", "cosine"], peak=(1e-4, 1.0)).narrow(p)
    assert m.shapes == ("linear", "wsd", "cosine")
    assert m.peak == pytest.approx((0.01, 0.09))


def test_parse_space_reads_the_cli_text():
    s = parse_space("shapes=wsd,cosine; peak=1e-3..1e-1; warmup=0.05; cooldown=0.1..0.2")
    assert s == space(["wsd", "cosine"], peak=(1e-3, 1e-1), warmup=0.05, cooldown=(0.1, 0.2))
    with pytest.raises(ConfigError, match="--space"):
        parse_space("peaks=1")
    with pytest.raises(ConfigError, match="--space: peak"):
        parse_space("peak=a..b")
    # a key given twice: the last one was used, the first silently dropped
    with pytest.raises(ConfigError, match=r"--space: shapes is given twice \('wsd' and 'cos"):
        parse_space("shapes=wsd; peak=0.1; shapes=cosine")


def test_optuna_suggest_gives_the_spec_of_its_params():
    s = space(peak=(1e-3, 1e-1), warmup=(0.0, 0.1), cooldown=(0.1, 0.3))
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(30):
        t = study.ask()
        text = s.suggest(t)
        assert str(parse(text)) == text and t.user_attrs["schedule"] == text
        assert text == s.spec({"warmup": 0, "cooldown": 10, **t.params})
        assert 1e-3 <= t.params["peak"] <= 1e-1
        study.tell(t, 0.0)


# ---------------------------------------------------------------- the law rule
# Curves drawn from a known Multi-Power Law (published-scale parameters), with noise:
# at 20-60 % of the run the WSD trial is behind the others' median, and it ends best.
LAW = Law("multi_power", dict(L0=2.5, A=0.66, alpha=0.42, B=770.0, C=0.53, beta=0.27, gamma=0.65))
T = 8000
SCHEDS = [
    "warmup(cosine(start=0.0003), steps='5%')",
    "step(start=0.0003, gamma=0.1, every='40%')",
    "warmup(step(start=0.0003, gamma=0.3, every='30%'), steps='5%')",
    "wsd(peak=0.0003, warmup='5%', decay='20%')",
]
STEPS = np.arange(40, T, 40)
RUNGS = (1600, 3200, 4800)


@pytest.fixture(scope="module")
def curves():
    rng = np.random.default_rng(0)
    return [
        LAW.predict(s, STEPS, total_steps=T) * (1 + 0.002 * rng.standard_normal(STEPS.size))
        for s in SCHEDS
    ]


def test_the_synthetic_wsd_trial_is_behind_mid_run_and_ends_best(curves):
    for r in RUNGS:
        i = int(np.searchsorted(STEPS, r))
        assert curves[3][i] > np.median([c[i] for c in curves[:3]])  # behind the median
    finals = [LAW.final(s, total_steps=T) for s in SCHEDS]
    assert np.argmin(finals) == 3


def _sweep(pruner, curves):
    """The four trials one after the other; should_prune at the rungs. Returns the step
    each trial was pruned at (None: ran to the end)."""
    study = optuna.create_study(pruner=pruner)
    out = []
    for s, c in zip(SCHEDS, curves):
        tr = study.ask()
        tr.set_user_attr("schedule", s)
        stop = None
        for step, v in zip(STEPS, c):
            tr.report(float(v), int(step))
            if step in RUNGS and tr.should_prune():
                stop = int(step)
                break
        if stop is None:
            study.tell(tr, float(c[-1]))
        else:
            study.tell(tr, state=optuna.trial.TrialState.PRUNED)
        out.append(stop)
    return out


def test_median_and_successive_halving_prune_the_wsd_trial_the_law_keeps_it(curves):
    median = _sweep(optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1600), curves)
    asha = _sweep(optuna.pruners.SuccessiveHalvingPruner(min_resource=1600, reduction_factor=2),
                  curves)  # fmt: skip
    assert median[3] == 1600 and asha[3] == 1600  # the best-final trial, killed early
    pruner = law_pruner(T, margin=0.002, grace=0.2)
    law = _sweep(pruner, curves)
    assert law[3] is None  # kept to the end
    assert law[0] is None  # the best when it ran
    assert law[1] is not None and law[2] is not None  # the law rule does stop trials
    preds = pruner.rule.preds
    assert min(preds, key=preds.get) == 3
    assert preds[3] == pytest.approx(LAW.final(SCHEDS[3], total_steps=T), rel=5e-3)


def test_losses_logged_during_warmup_do_not_make_the_law_untrusted():
    """The law does not model warmup (the fit leaves those points out): a trial's losses
    logged before its peak (here 1.3x its first loss after it, as a real warmup's are
    above the law's extrapolation or below it) do not count in the trust test, so the
    predictions are those of the points after warmup, not None (no pruning ever)."""
    rng = np.random.default_rng(0)
    seen, after_only = {}, {}
    for k, s in enumerate(SCHEDS):
        eta = lrkit.parse(s).bind(total_steps=T)(np.arange(T))
        peak = int(np.argmax(eta))
        after = STEPS[STEPS > peak]
        y = LAW.predict(s, after, total_steps=T) * (1 + 0.002 * rng.standard_normal(after.size))
        warm = STEPS[STEPS <= peak]
        seen[k] = (s, np.r_[warm, after], np.r_[np.full(warm.size, 1.3 * y[0]), y])
        after_only[k] = (s, after, y)
    assert sum(len(st) for _, st, _ in seen.values()) == len(SCHEDS) * len(STEPS)  # 30 more
    want = predicted_finals(after_only, T)
    assert want is not None and min(want, key=want.get) == 3  # the WSD trial ends best
    assert predicted_finals(seen, T) == want


def test_too_little_data_never_stops():
    rule = LawRule(1000, margin=0.0)
    rule.record("a", "cosine(0.1)", 300, 2.0)
    rule.record("b", "cosine(0.01)", 300, 9.0)
    assert rule.should_stop("b", 300) is False  # one point each: no fit
    assert predicted_finals({"a": ("cosine(0.1)", [300], [2.0])}, 1000) is None
    rule2 = LawRule(1000, grace=0.5)
    for t in range(10, 400, 10):
        rule2.record("a", "cosine(0.1)", t, 2.0 / t**0.1)
        rule2.record("b", "cosine(0.01)", t, 5.0 / t**0.05)
    assert rule2.should_stop("b", 390) is False  # before the grace fraction
    assert rule2.fits == 0


def test_a_trial_whose_loss_is_not_finite_is_stopped_at_once(curves):
    """A diverged trial (its loss NaN or inf) was never stopped by the law rule: its points
    were left out of the fit and its prediction made from its schedule alone, so it ran
    (and used its worker) to the end, whatever the margin. Now it stops at its first
    non-finite loss, grace or not (a diverged run does not recover)."""
    for bad in (float("nan"), float("inf")):
        rule = LawRule(T)
        rule.record("a", SCHEDS[0], 40, 3.0)
        assert rule.should_stop("a", 40) is False
        rule.record("a", SCHEDS[0], 80, bad)  # before the grace fraction, no fit possible
        assert rule.should_stop("a", 80) is True
        assert rule.fits == 0
        assert rule.should_stop("a", T - 1) is False  # the last update: nothing to save
    # in a real Optuna study, among trials the law describes
    pruner = law_pruner(T, margin=0.002, grace=0.2)
    study = optuna.create_study(pruner=pruner)
    for s, c in zip(SCHEDS[:2], curves[:2]):
        tr = study.ask()
        tr.set_user_attr("schedule", s)
        for step, v in zip(STEPS, c):
            tr.report(float(v), int(step))
        study.tell(tr, float(c[-1]))
    tr = study.ask()
    tr.set_user_attr("schedule", SCHEDS[3])
    pruned_at = None
    for step, v in zip(STEPS, curves[3]):
        tr.report(float(v) if step < 2400 else float("nan"), int(step))
        if tr.should_prune():
            pruned_at = int(step)
            break
    assert pruned_at == 2400


def test_a_diverged_trial_does_not_set_the_bar_for_the_others(curves):
    """A diverged trial (a peak 100x the others, NaN after two points) was left out of the
    fit but still predicted from its schedule alone: -14.3, a loss below 0, became the
    best prediction and every other trial was stopped (the WSD trial that ends best
    too). A trial whose last loss is not finite, and a prediction that is not a loss
    (<= 0: the law extrapolated past what it saw), are left out."""
    base = {k: (s, STEPS, c) for k, (s, c) in enumerate(zip(SCHEDS, curves))}
    want = predicted_finals(base, T)
    assert want is not None and min(want, key=want.get) == 3
    diverged = {**base, "div": ("cosine(0.03)", STEPS[:3], [3.0, float("nan"), float("nan")])}
    assert predicted_finals(diverged, T) == want
    rule = LawRule(T, margin=0.002)
    for key, (s, st, lo) in diverged.items():
        for step, loss in zip(st, lo):
            rule.record(key, s, int(step), float(loss))
    assert rule.should_stop(3, int(STEPS[-1]) - 40) is False  # the best-final trial is kept
    assert rule.should_stop(1, int(STEPS[-1]) - 40) is True  # the rule still works
    assert "div" not in rule.preds
    fits = rule.fits
    assert rule.should_stop(1, int(STEPS[-1]) - 40) is True
    assert rule.fits == fits  # no new point: no refit for the trial left out
    # a trial too short to be fitted whose prediction is below 0 is left out as well
    early = {**base, "new": ("cosine(0.03)", STEPS[:3], [3.0, 2.9, 2.8])}
    got = predicted_finals(early, T)
    assert got is not None and "new" not in got and got == want


def test_law_rule_validates_its_options():
    with pytest.raises(ConfigError, match="margin"):
        LawRule(100, margin=-0.1)
    with pytest.raises(ConfigError, match="law"):
        LawRule(100, law="power")
    with pytest.raises(ConfigError, match="total_steps"):
        LawRule(1)


def test_import_lrkit_and_lrkit_tune_load_neither_ray_nor_optuna():
    code = (
        "import sys, json, lrkit, lrkit.tune; "
        "print(json.dumps([m for m in ('ray', 'optuna', 'torch', 'scipy') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


# ---------------------------------------------------------------- optuna, two processes
def test_two_bench_processes_share_one_optuna_study_through_a_journal_file(tmp_path):
    """Two real OS processes (the CLI) on one journal file: every trial recorded once, and
    the process that finishes last reports all six and the study's best trial. (The one
    that finishes first waits for the trials running elsewhere, not for those the other
    process has yet to start: under load it may report four or five; docs/sweeps.md.)"""
    import os

    journal = tmp_path / "study.log"
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, *sys.path])}
    cmd = [sys.executable, "-m", "lrkit.cli", "bench", "--task", "digits", "--epochs", "1",
           "--backend", "optuna", "--storage", str(journal), "--trials", "3", "--no-png",
           "--space", "shapes=wsd,cosine; peak=0.01..0.3"]  # fmt: skip
    procs = [
        subprocess.Popen(
            [*cmd, "--out", str(tmp_path / f"o{i}")],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for i in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    best = [[ln for ln in o.splitlines() if ln.startswith("optuna study")][0] for o, _ in outs]
    full = [ln for ln in best if "6 trials finished (6 complete, 0 pruned, 3 here, 0 still" in ln]
    assert full, best  # at least the process that finished last saw every trial

    from lrkit.tune import open_storage

    storage = open_storage(str(journal))
    (summary,) = optuna.get_all_study_summaries(storage)
    study = optuna.load_study(study_name=summary.study_name, storage=storage)
    trials = study.get_trials()
    assert sorted(t.number for t in trials) == list(range(6))  # each recorded once
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    b = study.best_trial
    for line in full:
        assert f"best #{b.number} {b.user_attrs['schedule']} -> accuracy {b.value:.6g}" in line
    for i, line in enumerate(best):
        # a process that finished while the other was between trials reports what it saw:
        # its own three and those the other had finished (3 to 6), and the best of them
        m = re.search(
            r"optuna study \S+: ([3-6]) trials finished \(\1 complete, 0 pruned, 3 here, "
            r"0 still running\); best #(\d+) (.+) -> accuracy (\S+)$",
            line,
        )
        assert m, line
        (t,) = [t for t in trials if t.number == int(m[2])]
        assert (t.user_attrs["schedule"], f"{t.value:.6g}") == (m[3], m[4])
        runs = json.loads((tmp_path / f"o{i}" / "results.json").read_text())["runs"]
        assert len(runs) == 3  # each process's report holds its own three runs
        for r in runs:
            (t,) = [t for t in trials if t.user_attrs["schedule"] == r["schedule"]]
            assert t.value == r["final_metric"]
            assert float(m[4]) >= float(f"{r['final_metric']:.6g}")  # seen: not above best


def test_bench_optuna_prune_median_stops_the_poor_trial_and_reports_the_real_losses(
    tmp_path, capsys
):
    """--prune: the first seed reports its training loss per window; a trial the pruner
    stops is recorded as pruned, is not in the report, and its reports are its real losses."""
    from lrkit.cli import main

    journal = str(tmp_path / "study.log")
    storage = __import__("lrkit.tune", fromlist=["open_storage"]).open_storage(journal)
    study = optuna.create_study(storage=storage, study_name="p", direction="maximize")
    for peak in (0.1, 0.09, 1e-5):  # two good trials, then one that barely moves
        study.enqueue_trial({"shape": "cosine", "peak": peak, "warmup": 0})
    args = ["bench", "--task", "digits", "--epochs", "1", "--backend", "optuna", "--storage",
            journal, "--study", "p", "--trials", "3", "--prune", "median", "--no-png",
            "--space", "shapes=cosine; peak=1e-5..0.3; warmup=0..0",
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "3 trials finished (2 complete, 1 pruned, 3 here, 0 still running)" in out
    trials = optuna.load_study(study_name="p", storage=storage).get_trials()
    states = [t.state for t in trials]
    assert states == [optuna.trial.TrialState.COMPLETE] * 2 + [optuna.trial.TrialState.PRUNED]
    total = 45  # digits: one epoch of 45 updates, so one report per update
    stop = max(trials[2].intermediate_values)
    assert int(0.2 * total) <= stop < total  # not before the grace, before the end
    assert f"trial 2: {trials[2].user_attrs['schedule']} pruned at update {stop} of 45" in err
    runs = json.loads((tmp_path / "o" / "results.json").read_text())["runs"]
    assert len(runs) == 2  # the pruned trial is not reported as a finished run
    for t, r in zip(trials[:2], runs, strict=True):
        assert sorted(t.intermediate_values) == list(range(1, total + 1))
        assert [t.intermediate_values[k] for k in range(1, total + 1)] == pytest.approx(
            r["step_losses"], rel=1e-12
        )
        assert t.value == r["final_metric"]


def test_bench_optuna_reports_a_schedule_two_trials_sampled_once(tmp_path, capsys):
    """Two trials that sample the same spec: one report row of --seeds runs (seeds 0..n-1
    once each), not one schedule with twice the seeds and a std of identical runs."""
    from lrkit.cli import main

    journal = str(tmp_path / "study.log")
    storage = __import__("lrkit.tune", fromlist=["open_storage"]).open_storage(journal)
    study = optuna.create_study(storage=storage, study_name="d", direction="minimize")
    for peak in (0.1, 0.1, 0.05):
        study.enqueue_trial({"shape": "cosine", "peak": peak, "warmup": 0})
    args = ["bench", "--task", "quadratic", "--epochs", "1", "--backend", "optuna",
            "--storage", journal, "--study", "d", "--trials", "3", "--seeds", "2", "--no-png",
            "--space", "shapes=cosine; peak=0.01..0.3; warmup=0..0",
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "3 trials finished (3 complete, 0 pruned, 3 here, 0 still running)" in out
    assert "trial 1: cosine(start=0.1) -> loss" in err
    assert "the schedule of trial 0: reported once" in err
    trials = optuna.load_study(study_name="d", storage=storage).get_trials()
    assert trials[0].value == trials[1].value  # the study keeps both trials
    data = json.loads((tmp_path / "o" / "results.json").read_text())
    rows = {r["label"]: r for r in data["summary"]}
    assert sorted(rows) == ["cosine(start=0.05)", "cosine(start=0.1)"]
    for label, t in (("cosine(start=0.1)", trials[0]), ("cosine(start=0.05)", trials[2])):
        assert rows[label]["runs"] == 2 and rows[label]["seeds"] == [0, 1]
        finals = [r["final_metric"] for r in data["runs"] if r["label"] == label]
        assert rows[label]["final_std"] == pytest.approx(float(np.std(finals, ddof=1)))
        assert t.value == pytest.approx(float(np.mean(finals)), rel=1e-12)
    assert len(data["runs"]) == 4
    table = [ln for ln in out.splitlines() if ln.startswith("cosine(start=0.1)")]
    assert len(table) == 1 and table[0].split()[-1] == "0/2"  # 2 runs, none diverged


def test_bench_prune_law_is_the_law_rule_over_the_whole_run():
    from lrkit.commands._sweep import GRACE, make_pruner

    assert make_pruner("none", 100) is None
    law = make_pruner("law", 450)
    assert (law.rule.total_steps, law.rule.grace, law.rule.margin) == (450, GRACE, 0.01)


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--backend", "foo"], "argument --backend: invalid choice: 'foo'"),
        (["--schedule", "cosine(0.1)", "--storage", "x.log"], "--storage needs --backend optuna"),
        (["--backend", "optuna"], "--backend optuna needs --storage"),
        (["--backend", "optuna", "--storage", "/no/such/dir/j.log"], "does not exist"),
        (["--backend", "optuna", "--storage", "mongodb://h/db"], "an RDB URL starts with"),
        (["--backend", "optuna", "--storage", "j.log", "--schedule", "cosine(0.1)"], "drop --sch"),
        (["--backend", "optuna", "--storage", "j.log", "--trials", "-1"], "--trials must be"),
        (["--space", "shapes=exp"], "space: shapes must be among"),
        (["--schedule", "cosine(0.1)", "--trials", "3"], "--trials needs --space"),
        (["--space", "peak=0.1", "--trials", "0"], "--trials must be a positive int, got 0"),
        (["--space", "peak=1e39"], "--space: peak must be at most 3.403e+38, the largest rate"),
        (["--backend", "optuna", "--storage", "j.log", "--study", " "], "--study must be a name"),
        (
            ["--backend", "optuna", "--storage", "j.log", "--space", "peak=1e-3..1e39"],
            "--space: peak must be at most 3.403e+38",  # the trials ran with rate 1e39
        ),
        ([], "required: --schedule"),
        (["--schedule", "cosine(0.1)", "--prune", "law"], "--prune needs --backend optuna"),
        (
            ["--backend", "optuna", "--storage", "j.log", "--prune", "asha"],
            "invalid choice: 'asha'",
        ),
    ],
)
def test_bench_backend_options_fail_with_one_line(extra, fragment, tmp_path, monkeypatch, capsys):
    from lrkit.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["bench", "--task", "digits", "--out", str(tmp_path / "o"), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lrkit: error:") and fragment in err[0], err
    assert not (tmp_path / "o").exists()


def test_a_journal_under_a_file_is_named_as_such(tmp_path):
    # the journal's "folder" exists but is a file: say so, not "does not exist"
    from lrkit.errors import ConfigError
    from lrkit.tune import open_storage

    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ConfigError, match=r"notes\.txt is a file, not a folder"):
        open_storage(str(tmp_path / "notes.txt" / "j.log"))


def test_an_sqlite_database_given_as_a_path_is_named_with_its_url(tmp_path, capsys):
    """``--storage study.db`` (an SQLite database of Optuna's, given as a path): the error
    said it was "not an Optuna journal file (its first line is b'SQLite format 3\\x00...')".
    It says what the file is and the URL to give."""
    from lrkit.cli import main
    from lrkit.tune import open_storage, run_study

    db = tmp_path / "study.db"
    run_study(lambda t: 1.0, f"sqlite:///{db}", "s", 1)
    data = db.read_bytes()
    with pytest.raises(ConfigError, match=r"is an SQLite database.*sqlite:///"):
        open_storage(str(db))
    args = ["bench", "--task", "quadratic", "--backend", "optuna", "--storage", str(db),
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"lrkit: error: --storage {str(db)!r} is an SQLite database, not a journal file: "
        f"give it as a URL, sqlite:///{db}"
    ], err
    assert db.read_bytes() == data and not (tmp_path / "o").exists()


def _bench_refuses_storage(path, task, message, tmp_path, capsys):
    """``lrkit bench --backend optuna --storage PATH`` exits 2 with one line on stderr that
    says ``message``, before any trial: its output folder is never made."""
    from lrkit.cli import main

    out = tmp_path / "o"
    args = ["bench", "--task", task, "--backend", "optuna", "--storage", str(path),
            "--out", str(out)]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()


def test_a_journal_ending_in_a_partial_record_is_refused_before_optuna_appends(tmp_path, capsys):
    """A journal whose last record was cut short (its writer stopped mid-write, a full disk):
    Optuna skips that line when reading, then appends its next record right after it, and
    the merged line makes the whole journal unreadable (every trial of the study lost; the
    CLI crashed with a JSONDecodeError traceback). It is refused, the file left as it was."""
    from lrkit.tune import open_storage, run_study

    path = tmp_path / "j.log"
    run_study(lambda t: 1.0, str(path), "s", 1)
    data = path.read_bytes() + b'{"op_code": 5, "worker_id": "x'
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=r"j\.log' ends in a partial record"):
        open_storage(str(path))
    _bench_refuses_storage(path, "quadratic", "ends in a partial record", tmp_path, capsys)
    assert path.read_bytes() == data
    path.write_bytes(data[: data.rindex(b"\n") + 1])  # its last line removed: the study is back
    assert len(optuna.load_study(study_name="s", storage=open_storage(str(path))).trials) == 1


def test_a_law_that_does_not_fit_the_curves_is_not_trusted():
    # losses that rise and fall at random: no law describes them, so nothing is stopped
    rng = np.random.default_rng(0)
    steps = np.arange(20, 600, 20)
    curves = {
        k: (s, steps, 2.0 + 0.5 * rng.random(steps.size))
        for k, s in enumerate(
            ["cosine(0.1)", "wsd(0.1, warmup='5%', decay='20%')", "linear(0.05, 0)"]
        )
    }
    assert predicted_finals(curves, 1000) is None
    assert predicted_finals(curves, 1000, max_fit_error=1.0) is not None  # the same fit, trusted
    rule = LawRule(1000, margin=0.0, grace=0.0)
    for k, (s, st, lo) in curves.items():
        rule.update(k, s, st, lo)
    assert not any(rule.should_stop(k, 580) for k in curves)
    assert rule.fits == 1


def test_a_warmup_shorter_than_one_update_is_left_out_when_the_run_length_is_known(
    tmp_path, capsys
):
    """1 % of a 45-update run rounds to 0 updates, which `warmup` refuses: the space drops
    such a warm-up once it knows the run (this made the two-process Optuna test fail
    about half the time, whenever the sampler drew warmup=1)."""
    from lrkit.cli import main

    sp = parse_space(
        "shapes=cosine,linear,wsd; peak=0.1..0.1; warmup=0.01..0.01; cooldown=0.1..0.1"
    )
    assert sp.spec({"shape": "cosine", "peak": 0.1, "warmup": 1}, total_steps=45) == (
        "cosine(start=0.1)"
    )
    assert sp.spec({"shape": "cosine", "peak": 0.1, "warmup": 1}, total_steps=50) == (
        "warmup(cosine(start=0.1), steps='1%')"  # 0.5 update rounds up to one
    )
    assert sp.spec({"shape": "cosine", "peak": 0.1, "warmup": 1}) == (
        "warmup(cosine(start=0.1), steps='1%')"  # length unknown: kept as asked
    )
    for seed in range(20):  # every sampled spec evaluates on the 45-update run
        parse(sp.sample(random.Random(seed), total_steps=45)).bind(total_steps=45)(np.arange(45))
    study = optuna.create_study()
    study.enqueue_trial({"shape": "cosine"})
    trial = study.ask()
    assert sp.suggest(trial, total_steps=45) == "cosine(start=0.1)"
    assert trial.user_attrs["schedule"] == "cosine(start=0.1)"
    # the CLI's sampled grid knows the run: 1 epoch of digits, 45 updates
    space_text = "shapes=cosine; peak=0.1..0.1; warmup=0.01..0.01"
    args = ["bench", "--task", "digits", "--epochs", "1", "--no-png", "--trials", "1",
            "--space", space_text, "--out", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    runs = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert [r["schedule"] for r in runs] == ["cosine(start=0.1)"]


def test_bench_optuna_counts_the_trials_whose_runs_diverged(tmp_path, capsys):
    """A diverged run's metric is NaN, which Optuna records as a failed trial: the summary
    line counts them (it said "2 trials finished (0 complete, 0 pruned, ...)")."""
    from lrkit.cli import main

    args = ["bench", "--task", "digits", "--epochs", "1", "--backend", "optuna",
            "--storage", str(tmp_path / "j.log"), "--trials", "2", "--no-png",
            "--space", "shapes=cosine; peak=100..1000; warmup=0",
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert (
        "2 trials finished (0 complete, 0 pruned, 2 failed: a metric that is not finite, "
        "2 here, 0 still running); best none complete"
    ) in out
    from lrkit.tune import run_study

    got = run_study(lambda t: 1.0, str(tmp_path / "j2.log"), "s", 1)
    assert got["failed"] == 0 and got["complete"] == 1


def test_a_sampled_grid_smaller_than_trials_says_so(tmp_path, capsys):
    """--trials 4 of a space with one point: one schedule, and a note saying why."""
    from lrkit.cli import main

    args = ["bench", "--task", "quadratic", "--epochs", "1", "--no-png", "--trials", "4",
            "--space", "shapes=cosine; peak=0.1; warmup=0", "--out", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "note: --space gave 1 distinct schedule(s) in 400 samples, fewer than --trials 4" in err
    runs = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert [r["schedule"] for r in runs] == ["cosine(start=0.1)"]
    args[args.index("4")] = "1"
    assert main(args) == 0
    assert "note:" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "data", [b"hello, not a journal\n", b'{"a": 1}\n', b"[1]\n", b'{"op_code": 99}\n', b"\x80\n"]
)
def test_a_file_that_is_not_an_optuna_journal_is_one_error_line(data, tmp_path, capsys):
    from lrkit.tune import open_storage

    path = tmp_path / "notes.txt"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=r"--storage '.*notes.txt' is not an Optuna journal"):
        open_storage(str(path))
    _bench_refuses_storage(path, "digits", "is not an Optuna journal", tmp_path, capsys)
    assert path.read_bytes() == data  # left as it was


def test_run_study_checks_its_arguments_before_the_study(tmp_path):
    from lrkit.tune import run_study

    journal = str(tmp_path / "j.log")
    for kwargs, match in (
        ({"trials": 1.5}, "run_study: trials must be an integer, got 1.5"),
        ({"trials": True}, "run_study: trials must be an integer, got True"),
        ({"trials": -1}, "run_study: trials must be >= 0, got -1"),
        ({"study_name": ""}, "run_study: study_name must be a non-empty str, got ''"),
        ({"study_name": None}, "run_study: study_name must be a non-empty str, got None"),
        ({"wait": -1.0}, "run_study: wait must be >= 0, got -1.0"),
        ({"wait": float("nan")}, "run_study: wait must be a finite number"),
    ):
        args = {"study_name": "s", "trials": 1, **kwargs}
        with pytest.raises((ValueError, TypeError), match=match):
            run_study(lambda t: 1.0, journal, args.pop("study_name"), args.pop("trials"), **args)
    assert not (tmp_path / "j.log").exists()  # refused before any study was made
    # an integral float is an integer, as everywhere in lrkit
    assert run_study(lambda t: 1.0, journal, "s", 2.0)["mine"] == [0, 1]


def test_an_unreachable_ray_address_is_one_line_before_any_work(tmp_path, capsys):
    # Ray retried 'host:1' for many minutes (and ignored SIGTERM); now a TCP probe refuses it
    from lrkit.cli import main
    from lrkit.tune._ray import check_address

    for address in ("127.0.0.1:1", "ray://127.0.0.1:1"):
        with pytest.raises(ConfigError, match=f"--address '{address}' cannot be reached"):
            check_address(address)
        args = ["bench", "--task", "digits", "--schedule", "cosine(0.1)", "--backend", "ray",
                "--address", address, "--out", str(tmp_path / "o")]  # fmt: skip
        assert main(args) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"--address '{address}' cannot be reached" in err[0], err
        assert not (tmp_path / "o").exists()
    check_address("auto")  # left to Ray


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_a_trial_whose_process_was_killed_is_failed_not_waited_for(kind, tmp_path, capsys):
    """A bench process killed mid-trial left its trial RUNNING in the storage for ever:
    every later run_study on that study waited its whole ``wait`` (120 s for the CLI) for it
    and reported it "still running". A trial run by run_study records its process; a later
    run_study on the same host fails the trial of a process that is gone, without waiting."""
    import os

    from lrkit.tune import open_storage, run_study

    storage = f"sqlite:///{tmp_path / 's.db'}" if kind == "sqlite" else str(tmp_path / "j.log")
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, *sys.path])}
    code = (
        "import os, sys\n"
        "from lrkit.tune import run_study\n"
        "def objective(trial):\n"
        "    trial.report(1.0, 0)\n"
        "    os._exit(0)  # the process dies mid-trial, as under kill -9\n"
        f"run_study(objective, {storage!r}, 'crash', 1)\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    (dead,) = optuna.load_study(study_name="crash", storage=open_storage(storage)).get_trials()
    assert dead.state == optuna.trial.TrialState.RUNNING

    def bench_like(trial):  # a trial as lrkit bench makes them: with its schedule
        trial.set_user_attr("schedule", "cosine(0.1)")
        return 1.0

    # wait=30: before the fix this returned after 30 s with the dead trial "running"
    got = run_study(bench_like, storage, "crash", 1, wait=30.0)
    assert got["running"] == 0 and got["failed"] == 1 and got["abandoned"] == 1
    assert got["complete"] == 1 and got["mine"] == [1]
    trials = optuna.load_study(study_name="crash", storage=open_storage(storage)).get_trials()
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE"]
    # a process of another host or process namespace (a container with the host's name)
    # cannot be checked: never judged gone
    from lrkit.tune._optuna import _gone, _worker

    here, _, _ = _worker().rpartition(":")
    dead = 2**22 + 7  # above Linux's largest process id
    assert _gone(f"{here}:{dead}") is True
    assert _gone(f"{here.split(':')[0]}:pid:[1]:{dead}") is False
    assert _gone(f"another-host:{here.split(':', 1)[1]}:{dead}") is False
    # the trial of a live process (this one: run_study within a trial) is not failed
    seen: dict = {}

    def objective(trial):
        seen.update(run_study(lambda t: 1.0, storage, "crash", 0, wait=0.0))
        return bench_like(trial) + 1.0

    run_study(objective, storage, "crash", 1)
    assert seen["running"] == 1 and seen["abandoned"] == 1 and seen["failed"] == 1
    # the CLI's summary line says why the trial failed
    from lrkit.cli import main

    args = ["bench", "--task", "quadratic", "--epochs", "1", "--backend", "optuna",
            "--storage", storage, "--study", "crash", "--trials", "1", "--no-png",
            "--out", str(tmp_path / "o")]  # fmt: skip
    capsys.readouterr()
    assert main(args) == 0
    assert (
        "4 trials finished (3 complete, 0 pruned, 1 failed: 1 whose process ended mid-trial, "
        "1 here, 0 still running)"
    ) in capsys.readouterr().out


def test_processes_opening_one_new_sqlite_study_at_once_all_get_it(tmp_path, capsys):
    """`lrkit bench --backend optuna --storage sqlite:///new.db` started in two shells at
    once: both created Optuna's tables and one failed with "cannot open the database:
    (sqlite3.OperationalError) table studies already exists" (or a UNIQUE constraint on
    alembic_version), over several lines. open_storage retries while the other finishes."""
    import threading

    from lrkit.tune import open_storage

    for k in range(4):
        url = f"sqlite:///{tmp_path / f'r{k}.db'}"
        barrier, errors = threading.Barrier(3), []

        def opener(url=url, barrier=barrier, errors=errors):
            barrier.wait()
            try:
                open_storage(url)
            except ConfigError as e:
                errors.append(str(e))

        threads = [threading.Thread(target=opener) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        optuna.create_study(storage=url, study_name="s")  # a working database


def test_a_database_that_cannot_be_opened_is_one_line(tmp_path, capsys):
    from lrkit.cli import main

    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}"
    args = ["bench", "--task", "digits", "--backend", "optuna", "--storage", url,
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot open the database" in err[0], err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(url, tmp_path, capsys):
    """An in-memory SQLite URL was accepted: no other process (nor a rerun) sees its study,
    and each opening of the URL was another database, so --study's check of the run it
    holds looked at an empty one. It is refused in one line, before any work."""
    from lrkit.cli import main
    from lrkit.tune import open_storage

    with pytest.raises(ConfigError, match=r"an in-memory database.*sqlite:///study\.db"):
        open_storage(url)
    args = ["bench", "--task", "digits", "--backend", "optuna", "--storage", url,
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"lrkit: error: --storage {url!r}"), err
    assert not (tmp_path / "o").exists()
    open_storage(f"sqlite:///{tmp_path / 'study.db'}")  # a file is a database to share


def test_a_named_study_of_another_budget_or_task_is_refused(tmp_path, capsys):
    """--study NAME run again with another budget (or task, optimizer, seeds, momentum,
    weight decay) mixed incomparable trials in one study: the "best" it printed could be
    a trial of another run. The study records what its trials are; another run is
    refused, in one line, before any trial."""
    from lrkit.cli import main

    journal = str(tmp_path / "j.log")
    base = ["bench", "--task", "quadratic", "--backend", "optuna", "--storage", journal,
            "--study", "mine", "--trials", "1", "--no-png",
            "--space", "shapes=cosine; peak=0.01..0.1"]  # fmt: skip
    assert main([*base, "--epochs", "1", "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    assert main([*base, "--epochs", "2", "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lrkit: error: --study 'mine'"), err
    assert "epochs 1" in err[0] and "epochs 2" in err[0], err
    assert not (tmp_path / "b").exists()
    from lrkit.tune import open_storage

    study = optuna.load_study(study_name="mine", storage=open_storage(journal))
    assert len(study.trials) == 1  # nothing was added
    # the same run again joins it
    assert main([*base, "--epochs", "1", "--out", str(tmp_path / "c")]) == 0
    assert len(study.trials) == 2
    # another space: Optuna raised mid-trial ("CategoricalDistribution does not support
    # dynamic value space"), a traceback and a failed trial in the study
    base[base.index("shapes=cosine; peak=0.01..0.1")] = "shapes=wsd; peak=0.01..0.1"
    capsys.readouterr()
    assert main([*base, "--epochs", "1", "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--study 'mine' holds the trials of another run (space" in err[0]
    assert [t.state.name for t in study.trials] == ["COMPLETE", "COMPLETE"]
    # a study of the other direction is refused as such, and not claimed for this run
    from lrkit.tune import run_study

    run_study(lambda t: 1.0, journal, "max", 1, direction="maximize")
    base[base.index("mine")] = "max"
    assert main([*base, "--epochs", "1", "--out", str(tmp_path / "e")]) == 2
    assert "study 'max' there is a maximize study" in capsys.readouterr().err
    assert optuna.load_study(study_name="max", storage=open_storage(journal)).user_attrs == {}


def test_a_trial_that_raised_is_not_counted_as_a_metric_that_is_not_finite(tmp_path, capsys):
    """Every failed trial was summed up as "failed: a metric that is not finite", also one
    that raised (Ctrl-C in a trial, an error in the task). run_study counts the trials whose
    value was NaN apart, and the summary line names the three causes."""
    from lrkit.cli import main
    from lrkit.tune import run_study

    def nan(trial):
        return float("nan")

    def fails(trial):
        raise RuntimeError("a task error")

    for storage, name in ((str(tmp_path / "j.log"), "s"), (f"sqlite:///{tmp_path / 's.db'}", "b")):
        run_study(nan, storage, name, 1)
        with pytest.raises(RuntimeError, match="a task error"):  # Ctrl-C, a task's error
            run_study(fails, storage, name, 1)
    got = run_study(lambda t: 1.0, str(tmp_path / "j.log"), "s", 1)
    assert (got["failed"], got["not_finite"], got["abandoned"], got["complete"]) == (2, 1, 0, 1)
    # the CLI's summary line
    args = ["bench", "--task", "quadratic", "--epochs", "1", "--backend", "optuna",
            "--storage", storage, "--study", "b", "--trials", "1", "--no-png",
            "--space", "shapes=cosine; peak=0.01..0.1", "--out", str(tmp_path / "o")]  # fmt: skip
    capsys.readouterr()
    assert main(args) == 0
    assert (
        "3 trials finished (1 complete, 0 pruned, 2 failed: 1 a metric that is not finite, "
        "1 that raised, 1 here, 0 still running)"
    ) in capsys.readouterr().out


def test_bench_optuna_errors_are_one_line_on_the_real_stderr(tmp_path):
    """In a real process Optuna's own log lines went to stderr too: a refused study was
    "[I ...] Using an existing study ..." then the error line, and a task error inside a
    trial printed Optuna's warning with the whole traceback before the error line. The
    CLI's study prints only its own lines: a bad input is one line, status 2."""
    import os

    (tmp_path / "badtask.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})\n"
        "from plan_user_task import TinyRegression\n"
        "def make_task(seed=0):\n"
        "    task = TinyRegression(seed)\n"
        "    task.steps_per_epoch = 9  # its loader yields 8 batches\n"
        "    return task\n"
    )
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, *sys.path])}
    journal = str(tmp_path / "j.log")
    from lrkit.tune import run_study

    run_study(lambda t: 1.0, journal, "max", 1, direction="maximize")

    def bench(*extra):
        cmd = [sys.executable, "-m", "lrkit.cli", "bench", "--backend", "optuna", "--storage",
               journal, "--trials", "1", "--no-png", "--epochs", "1",
               "--space", "shapes=cosine; peak=0.01..0.1", *extra]  # fmt: skip
        p = subprocess.run(cmd, env=env, cwd=tmp_path, text=True, capture_output=True)
        return p.returncode, p.stderr.strip().splitlines()

    code, err = bench("--task", "quadratic", "--study", "max", "--out", str(tmp_path / "a"))
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("lrkit: error: --storage: study 'max' there is a maximize study")
    code, err = bench("--task", "badtask.py:make_task", "--out", str(tmp_path / "b"))
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("lrkit: error: task: train_loader(0) yielded 8 batches"), err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_bench_optuna_with_no_trial_completed_here_says_no_report_was_written(tmp_path, capsys):
    """When none of this process's trials completed (all pruned, or --trials 0 to read the
    study's best), no report is written: that was silent, and an earlier run's report in
    --out read as this one's. A note on stderr says so; the folder is left as it was."""
    from lrkit.cli import main

    out = tmp_path / "o"
    args = ["bench", "--task", "quadratic", "--epochs", "1", "--backend", "optuna",
            "--storage", str(tmp_path / "j.log"), "--no-png",
            "--space", "shapes=cosine; peak=0.01..0.1", "--out", str(out)]  # fmt: skip
    assert main([*args, "--trials", "1"]) == 0
    before = (out / "results.json").read_text()
    capsys.readouterr()
    assert main([*args, "--trials", "0"]) == 0
    got = capsys.readouterr()
    assert "1 trial finished (1 complete, 0 pruned, 0 here, 0 still running)" in got.out
    assert "results written" not in got.out
    note = f"note: no trial here ran to its end (pruned, or --trials 0): no report written in {out}"
    assert note in got.err
    assert (out / "results.json").read_text() == before


def test_a_subnormal_peak_is_refused_by_the_space_itself(tmp_path, capsys):
    """``--space peak=1e-320`` was accepted, then every point failed to parse as a spec:
    "spec error at column 8: step: start must be 0 or of magnitude >= 2.2e-308", naming
    neither --space nor peak (on --backend optuna: inside the first trial, after the study
    was made). The space refuses it, naming peak."""
    from lrkit.cli import main

    with pytest.raises(ConfigError, match=r"space: peak must be .*2\.2250738585072014e-308.*"
                       r"got 1e-320"):  # fmt: skip
        space(peak=(1e-320, 0.1))
    space(peak=(2.2250738585072014e-308, 0.1)).sample(random.Random(0))  # normal: fine
    for extra in ([], ["--backend", "optuna", "--storage", str(tmp_path / "j.log")]):
        args = ["bench", "--task", "quadratic", "--space", "peak=1e-320", "--trials", "1",
                "--no-png", "--out", str(tmp_path / "o"), *extra]  # fmt: skip
        assert main(args) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("lrkit: error: space: peak must be"), err
    assert not (tmp_path / "j.log").exists() or "op_code" not in (tmp_path / "j.log").read_text()


def test_a_named_study_of_trials_not_made_by_bench_is_refused(tmp_path, capsys):
    """--study naming a study of the user's own objective (trials without a schedule) was
    claimed and joined: its "best" was one of those trials, printed as "best #0 None -> loss
    0". It is refused in one line, before any trial; a study of bench trials is joined."""
    from lrkit.cli import main
    from lrkit.tune import open_storage, run_study

    journal = str(tmp_path / "j.log")
    run_study(lambda t: t.suggest_float("x", 0.0, 1.0) * 0.0, journal, "own", 2)
    args = ["bench", "--task", "quadratic", "--epochs", "1", "--backend", "optuna",
            "--storage", journal, "--trials", "1", "--no-png",
            "--space", "shapes=cosine; peak=0.01..0.1", "--out", str(tmp_path / "o")]  # fmt: skip
    assert main([*args, "--study", "own"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "lrkit: error: --study 'own' holds 2 complete trial(s) that lrkit bench did not make "
        "(no schedule); give another --study"
    ], err
    study = optuna.load_study(study_name="own", storage=open_storage(journal))
    assert len(study.trials) == 2 and study.user_attrs == {}
    assert not (tmp_path / "o").exists()
    # bench trials of a study that records no run (as lrkit 0.1.0 made them): joined
    store = open_storage(journal)
    old = optuna.create_study(storage=store, study_name="old")
    old.enqueue_trial({"shape": "cosine", "peak": 0.05, "warmup": 0})
    space(["cosine"], peak=(0.01, 0.1)).suggest(trial := old.ask(), 100)
    old.tell(trial, 0.5)
    assert main([*args, "--study", "old"]) == 0
    assert "2 trials finished (2 complete" in capsys.readouterr().out
