"""The benchmark runner: applied rates, budgets, determinism, auto, aggregation, the CLI."""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
import pytest
import torch

import lrkit
from lrkit.bench import aggregate, parse_schedules, run_grid, table, train
from lrkit.cli import main
from lrkit.errors import ConfigError
from lrkit.tasks import get_task

pytestmark = pytest.mark.usefixtures("one_torch_thread")


SPE = 45  # digits: 1,438 / 32
HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def digits():
    return get_task("digits", seed=0)


def test_applied_rate_is_the_schedule_step_by_step(digits):
    s = lrkit.warmup(lrkit.cosine(0.05, 1e-4), steps="10%")
    r = train(digits, s, "sgd", epochs=2)
    total = 2 * SPE
    expected = s.bind(total_steps=total, steps_per_epoch=SPE)(np.arange(total))
    assert r.steps == total == len(r.lr)
    np.testing.assert_allclose(r.lr, expected, rtol=1e-12, atol=0)
    assert [h["epoch"] for h in r.history] == [1, 2]
    assert r.history[-1]["lr"] == r.lr[-1]
    assert r.final_metric == r.history[-1]["metric"]
    best = max(r.history, key=lambda h: h["metric"])
    assert (r.best_metric, r.best_epoch) == (best["metric"], best["epoch"])
    assert r.schedule == str(s) and not r.diverged and r.overhead_steps == 0


def test_epoch_durations_and_determinism(digits):
    a = train(digits, "step(0.05, gamma=0.1, every='1ep')", epochs=2, seed=0)
    b = train("digits", "step(0.05, gamma=0.1, every='1ep')", epochs=2, seed=0)
    assert a.lr[:SPE] == [0.05] * SPE and a.lr[SPE:] == pytest.approx([0.005] * SPE)
    assert a.history == b.history  # same seed: identical, bit for bit
    c = train(digits, "step(0.05, gamma=0.1, every='1ep')", epochs=2, seed=1)
    assert c.seed == 1 and c.history != a.history


def test_target_and_time_to_target(digits):
    r = train(digits, "constant(0.05)", epochs=2, target=0.5)
    first = next(h["epoch"] for h in r.history if h["metric"] >= 0.5)
    assert r.time_to_target == first
    assert train(digits, "constant(0.05)", epochs=1, target=1.0).time_to_target is None


@pytest.mark.parametrize("target", [1.01, 97, -0.1])
def test_accuracy_target_is_a_fraction(digits, target):
    with pytest.raises(ConfigError, match=r"target is an accuracy, a fraction in \[0, 1\]"):
        train(digits, "constant(0.05)", epochs=1, target=target)


def test_divergence_stops_and_is_flagged(digits):
    r = train(digits, "constant(1e6)", "sgd", epochs=3)
    assert r.diverged and r.steps < 3 * SPE and math.isnan(r.final_metric)
    d = r.to_dict()
    assert d["final_metric"] is None and json.dumps(d, allow_nan=False)


def test_extra_hyperparameters_go_through_the_scheduler(digits):
    from lrkit.bench import _scheduler

    model = digits.make_model()
    opt = digits.make_optimizer(model, "sgd", lr=0.1)
    mom = lrkit.linear(0.95, 0.85)
    sch = _scheduler(opt, lrkit.constant(0.1), {"momentum": mom}, 10, 5)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    for _ in range(5):
        opt.step()
        sch.step()
    assert opt.param_groups[0]["momentum"] == pytest.approx(mom.bind(total_steps=10)(5))
    r = train(digits, "constant(0.05)", epochs=1, extra={"momentum": "linear(0.9, 0.5)"})
    assert r.steps == SPE


def test_auto_is_the_plan_and_counts_its_cost(digits):
    """`auto` = lrkit.torch.plan on the fresh model (restored), its schedule, its cost counted."""
    r = train(digits, "auto", "sgd", epochs=2, finder_options={"budget": 1.0})
    f = r.finder
    assert r.schedule == "auto" and f is not None
    p = lrkit.plan.Plan.from_dict(f["plan"])
    assert f["steps"] == p.cost == r.overhead_steps and 0 < p.cost <= 2 * SPE
    assert p.cost == sum(pr.updates for pr in p.probes)  # the range test and every probe
    assert r.compute_steps == 2 * SPE + p.cost
    assert f["schedule"] == str(p.schedule) and f["peak"] == p.peak and f["shape"] == p.shape
    res = lrkit.FinderResult.from_dict(f["result"])  # the planner's own range test
    assert f["minimum_lr"] == res.suggest("minimum") and f["suggestion"] == res.suggest()
    np.testing.assert_allclose(r.lr, p.schedule(np.arange(2 * SPE)), rtol=1e-12, atol=0)
    # the same plan as lrkit.torch.plan on the task; the model is restored exactly, so
    # training after it equals the planned schedule trained directly
    import lrkit.torch as lt
    from lrkit.tasks import Epochs

    model = digits.make_model()
    opt = digits.make_optimizer(model, "sgd", lr=digits.default_lr)
    same = lt.plan(model, opt, digits.loss_fn, Epochs(digits), 2 * SPE, budget=1.0)
    assert str(same.schedule) == f["schedule"] and same.cost == p.cost
    direct = train(digits, p.schedule, "sgd", epochs=2)
    assert direct.history == r.history and direct.lr == r.lr


def test_auto_budget_too_small_is_refused_before_training(digits):
    with pytest.raises(ConfigError, match="budget too small: 22 extra updates"):
        train(digits, "auto", epochs=1)  # 45 updates x 0.5


def test_finder_one_cycle_is_lrkit_01s_auto(digits):
    from lrkit.bench import finder_one_cycle

    model = digits.make_model()
    opt = digits.make_optimizer(model, "sgd", lr=0.05)
    before = [t.clone() for t in model.parameters()]
    sched, info = finder_one_cycle(digits, model, opt, steps=80, rule="range")
    lo, hi = info["range"]
    assert info["schedule"] == str(sched) == str(lrkit.one_cycle(hi, div=hi / lo))
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    sched, info = finder_one_cycle(digits, model, opt, steps=60)
    peak = float(f"{lrkit.FinderResult.from_dict(info['result']).suggest('minimum'):.3g}")
    assert info["peak"] == peak and str(sched) == str(lrkit.one_cycle(peak))
    with pytest.raises(ConfigError, match="rule must be 'minimum', 'suggest' or 'range', got 'x'"):
        finder_one_cycle(digits, model, opt, steps=30, rule="x")


def test_run_grid_aggregate_and_table(digits):
    specs = ["constant(0.05)", "cosine(0.05)"]
    res = run_grid(digits, specs, seeds=2, epochs=1, labels=["const", "cos"], target=0.5)
    assert [(r.label, r.seed) for r in res] == [("const", 0), ("cos", 0), ("const", 1), ("cos", 1)]
    rows = aggregate(res)
    assert [r["label"] for r in rows] == ["const", "cos"]
    vals = [r.final_metric for r in res if r.label == "cos"]
    assert rows[1]["final_mean"] == pytest.approx(np.mean(vals))
    assert rows[1]["final_std"] == pytest.approx(np.std(vals, ddof=1))
    assert rows[0]["runs"] == 2 and rows[0]["seeds"] == [0, 1]
    text = table(rows)
    assert "const" in text and "cos" in text and "%" in text


def test_bad_input_fails_before_training(digits):
    with pytest.raises(ValueError, match="cosinus"):
        run_grid(digits, ["constant(0.1)", "cosinus(0.1)"], seeds=1, epochs=1)
    with pytest.raises(ValueError, match=r"epochs must be >= 1, got 0"):
        train(digits, "constant(0.1)", epochs=0)
    with pytest.raises(ValueError, match=r"seeds must be a positive count, got 0"):
        run_grid(digits, ["constant(0.1)"], seeds=0)
    assert parse_schedules([" auto ", "0.1"]) == ["auto", lrkit.constant(0.1)]


def test_cli_bench_writes_table_json_report_and_pngs(tmp_path, capsys):
    out = tmp_path / "b"
    rc = main(
        [
            "bench",
            "--task",
            "digits",
            "--schedule",
            "constant(0.05)",
            "--schedule",
            "cosine(0.05)",
            "--epochs",
            "1",
            "--seeds",
            "1",
            "--target",
            "0.5",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "constant(0.05)" in text and "cosine(0.05)" in text and str(out) in text
    for name in ("report.html", "results.json", "lr.png", "metric.png", "loss.png"):
        assert (out / name).stat().st_size > 0
    data = json.loads((out / "results.json").read_text())
    assert data["task"]["name"] == "digits" and len(data["runs"]) == 2
    assert data["runs"][0]["lr"] == [0.05] * SPE
    html = (out / "report.html").read_text()
    assert html.count("Plotly.newPlot") == 1
    assert not re.search(r"<script[^>]*\ssrc=", html)  # self-contained
    assert (out / "lr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "argv, msg",
    [
        (["--task", "cifar", "--schedule", "0.1"], "--task must be one of"),
        (["--task", "plan_user_task:nope", "--schedule", "0.1"], "has no attribute 'nope'"),
        (["--task", "plan_user_task:not_a_task", "--schedule", "0.1"], "lacks make_model"),
        (["--task", "no_such_mod_xyz:f", "--schedule", "0.1"], "cannot import module"),
        (["--task", "digits", "--schedule", "auto", "--epochs", "1"], "--plan-budget 0.5: plan"),
        (["--task", "digits", "--schedule", "0.1", "--plan-budget", "0"], "--plan-budget must"),
        (["--task", "digits", "--schedule", "cosinus(1)"], "cosinus"),
        (["--task", "digits", "--schedule", "0.1", "--epochs", "0"], "--epochs must be"),
    ],
)
def test_cli_bench_errors_one_line_exit_2(argv, msg, capsys, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(HERE)
    assert main(["bench", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1 and "Traceback" not in err


def test_threads_untouched_by_library(digits):
    n = torch.get_num_threads()
    train(digits, "constant(0.05)", epochs=1)
    assert torch.get_num_threads() == n


def test_cli_bench_with_a_user_task_and_auto(tmp_path, capsys, monkeypatch):
    """--task module:function: the user's task, each seed rebuilt by the function, auto planned."""
    monkeypatch.syspath_prepend(HERE)
    out = tmp_path / "b"
    argv = ["bench", "--task", "plan_user_task:make_task", "--schedule", "auto"]
    argv += ["--schedule", "cosine(0.05)", "--epochs", "25", "--seeds", "2", "--no-png"]
    assert main([*argv, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    data = json.loads((out / "results.json").read_text())
    assert data["task"]["name"] == "tiny-regression" and data["task"]["metric"] == "loss"
    runs = data["runs"]
    assert [(r["label"], r["seed"]) for r in runs] == [
        ("auto", 0), ("cosine(0.05)", 0), ("auto", 1), ("cosine(0.05)", 1)
    ]  # fmt: skip
    from plan_user_task import make_task

    from lrkit.tasks._load import load_task

    for r in runs:  # every seed is the function's own task for that seed
        t = make_task(r["seed"])
        model = t.make_model()
        with torch.no_grad():
            init = sum(float(t.loss_fn(model(x), y)) for x, y in t.train_loader(0)) / 8
        assert r["history"][0]["val_loss"] < init  # scored on its training loss, trained
        assert r["steps"] == 200
    autos = [r for r in runs if r["label"] == "auto"]
    for r in autos:
        p = lrkit.plan.Plan.from_dict(r["finder"]["plan"])
        assert r["overhead_steps"] == p.cost <= 100
        assert f"auto (seed {r['seed']}): plan of {p.cost} extra updates" in text
        assert str(p.schedule) in text
    report = (out / "report.html").read_text()
    assert "The plan (auto) and its LR range test" in report
    assert any(f"{r['finder']['steps']} extra updates (range test and probe runs)" in report
               for r in autos)  # fmt: skip
    assert load_task("plan_user_task:make_task", seed=1).with_seed(0).seed == 0


def test_cli_bench_runs_the_built_in_quadratic(tmp_path, capsys):
    # bench refused it as "a numpy task without a torch model"; it has one
    from lrkit.tasks import get_task

    out = tmp_path / "q"
    argv = ["bench", "--task", "quadratic", "--schedule", "constant(0.3)", "--epochs", "2"]
    assert main([*argv, "--momentum", "0", "--seeds", "1", "--no-png", "--out", str(out)]) == 0
    run = json.loads((out / "results.json").read_text())["runs"][0]
    # the final loss is the exact loss after 200 plain SGD steps x <- x - lr (h x + eps),
    # replayed here from the task's own noise draws
    task = get_task("quadratic", seed=0)
    x = task.problem.x0.copy()
    for epoch in range(2):
        for eps, _ in task.train_loader(epoch):
            x = x - 0.3 * (task.problem.h * x + eps.numpy())
    assert run["final_metric"] == pytest.approx(task.problem.loss(x), rel=1e-9)
    assert "lrkit bench: quadratic (loss), sgd" in capsys.readouterr().err


@pytest.mark.parametrize(
    "specs, labels, twice",
    [
        (["constant(0.05)", "constant(0.05)"], None, "constant(value=0.05)"),
        (["auto", " auto "], None, "auto"),
        (["constant(0.05)", "cosine(0.05)"], ["a", "a"], "a"),
    ],
)
def test_run_grid_refuses_a_label_given_twice(digits, specs, labels, twice):
    # two schedules under one label would be merged into one row of 2 "runs" of seed 0
    with pytest.raises(ConfigError, match=re.escape(f"label {twice!r} is given twice")):
        run_grid(digits, specs, seeds=1, epochs=1, labels=labels)


def test_cli_bench_refuses_a_schedule_given_twice(tmp_path, capsys):
    argv = ["bench", "--task", "digits", "--epochs", "1", "--out", str(tmp_path / "b")]
    assert main([*argv, "--schedule", "constant(0.05)", "--schedule", "constant(0.05)"]) == 2
    err = capsys.readouterr().err
    assert "'constant(0.05)' is given twice" in err and err.count("\n") == 1
    assert not (tmp_path / "b").exists()


def test_run_grid_refuses_labels_that_are_not_text_and_a_seed_twice(digits):
    # an int label trained, then crashed in table() (len of an int), the results lost
    with pytest.raises(TypeError, match=r"run_grid: labels must be strings, got 1 \(int\)"):
        run_grid(digits, ["constant(0.05)"], seeds=1, epochs=1, labels=[1])
    # seed 0 twice: one row of 2 "runs" of the same seed, "± 0.00"
    with pytest.raises(ValueError, match=r"run_grid: seed 0 is given twice"):
        run_grid(digits, ["constant(0.05)"], seeds=[0, 0], epochs=1)
    with pytest.raises(TypeError, match=r"train: label must be a string, got 2 \(int\)"):
        train(digits, "constant(0.05)", epochs=1, label=2)


def test_run_grid_refuses_no_schedule_or_no_seed(digits):
    # both returned [] silently: nothing trained, table() printed "(no runs)"
    with pytest.raises(ValueError, match=r"run_grid: schedules is empty"):
        run_grid(digits, [], seeds=1, epochs=1)
    with pytest.raises(ValueError, match=r"run_grid: seeds is empty"):
        run_grid(digits, ["constant(0.05)"], seeds=[], epochs=1)


@pytest.mark.parametrize("momentum", [-0.5, 1.0, 1.5])
def test_train_momentum_out_of_range_names_the_parameter(digits, momentum):
    # torch said "Invalid momentum value: -0.5" / "Invalid beta parameter at index 0: 1.5"
    with pytest.raises(ValueError, match=rf"train: momentum must be >= 0 and < 1, got {momentum}"):
        train(digits, "constant(0.05)", epochs=1, momentum=momentum, optimizer="adam")


def test_a_nan_metric_is_never_the_best_epoch(monkeypatch):
    # evaluate gives a NaN metric at epoch 1 (finite training loss): the run stops, diverged;
    # best_epoch was 1 (the first record was taken whatever its value), the table's "1.0"
    task = get_task("digits", seed=0)
    monkeypatch.setattr(task, "evaluate", lambda model: {"loss": 1.0, "metric": math.nan})
    r = train(task, "constant(0.05)", epochs=2, target=0.5)
    assert r.diverged and len(r.history) == 1
    assert r.best_epoch is None and math.isnan(r.best_metric) and r.time_to_target is None
    row = aggregate([r])[0]
    assert math.isnan(row["best_epoch"]) and row["diverged"] == 1
    assert table([row]).splitlines()[2].split()[1:3] == ["nan", "-"]


def test_aggregate_updates_do_not_depend_on_which_seed_diverged():
    # "steps" was the first seed's: 5 when seed 0 diverged, 45 when seed 1 did
    from lrkit.bench import RunResult

    def run(seed, steps, diverged):
        return RunResult("digits", "s", "s", seed, "sgd", 1, 45, "accuracy", True,
                         steps=steps, diverged=diverged, final_metric=0.9)  # fmt: skip

    a = aggregate([run(0, 5, True), run(1, 45, False)])[0]
    b = aggregate([run(0, 45, False), run(1, 5, True)])[0]
    assert a["steps"] == b["steps"] == 45 and a["compute_steps"] == 45


def test_extra_cannot_replace_the_schedule(digits):
    # extra={"lr": 0.2} overrode the schedule silently: the run trained at 0.2 and was
    # reported as constant(value=0.05)
    with pytest.raises(ValueError, match=r"train: extra schedules 'lr'; the rate is `schedule`"):
        train(digits, "constant(0.05)", epochs=1, extra={"lr": 0.2})


def test_a_rate_the_optimizer_cannot_take_is_refused_before_any_training(digits):
    # linear(0.1, -0.1) failed in the Scheduler at step 46 (after the grid's earlier cells had
    # trained, all lost); cosine(1e40) failed in torch: "value cannot be converted to type
    # float without overflow"
    done = []
    msg = r"run_grid: schedule 'neg' gives -0.00222222 at step 46; a learning rate must be"
    with pytest.raises(ValueError, match=msg):
        run_grid(digits, ["constant(0.05)", "linear(0.1, -0.1)"], seeds=2, epochs=2,
                 labels=["ok", "neg"], on_result=done.append)  # fmt: skip
    assert done == []
    with pytest.raises(ValueError, match=r"train: schedule 'cosine\(.*\)' gives 1e\+40 at step 0"):
        train(digits, "cosine(1e40)", epochs=1)
    with pytest.raises(ValueError, match=r"at most 3\.403e\+38 \(the largest float32\)"):
        train(digits, "cosine(1e40)", epochs=1)


def test_run_grid_takes_lists_not_a_lone_string(digits):
    # a spec string was split into characters: "spec error ... unknown name 'c'"; labels="ab"
    # labelled two schedules 'a' and 'b'
    with pytest.raises(TypeError, match=r"run_grid: schedules must be a list of schedules, got "
                       r"'cosine\(0\.1\)'; write \['cosine\(0\.1\)'\]"):  # fmt: skip
        run_grid(digits, "cosine(0.1)", seeds=1, epochs=1)
    with pytest.raises(TypeError, match=r"run_grid: schedules must be a list of schedules"):
        run_grid(digits, lrkit.cosine(0.1), seeds=1, epochs=1)
    with pytest.raises(TypeError, match=r"run_grid: labels must be a list of strings, got 'ab'"):
        run_grid(digits, ["0.1", "0.2"], seeds=1, epochs=1, labels="ab")


def test_table_keeps_labels_apart_when_cutting_would_merge_them():
    # labels are cut to 48 characters: two that differ only after that showed as one name
    base = {"final_mean": 0.9, "final_std": 0.0, "metric_name": "accuracy", "runs": 1,
            "diverged": 0, "best_epoch": 1.0, "target": None, "time_to_target": None,
            "reached": 0, "wall_time": 1.0, "steps": 45, "overhead_steps": 0}  # fmt: skip
    a = "warmup(cosine(start=0.1, end=1e-05, steps=9500), steps=500)"
    b = "warmup(cosine(start=0.1, end=1e-05, steps=9500), steps=400)"
    text = table([{**base, "label": a}, {**base, "label": b}])
    assert a in text and b in text
    short = table([{**base, "label": a}, {**base, "label": "constant(0.1)"}])
    assert a[:47] + "…" in short and a not in short  # still cut when the names stay apart


@pytest.mark.parametrize("schedule", ["cosine(0.1)", "auto"])
def test_a_runs_wall_time_does_not_count_the_first_import_of_lrkit_torch(schedule):
    """The first train() of a process imported lrkit.torch (and for "auto", the planner)
    inside its clock: ~1.5 s added to the first run's wall_time, in every Ray worker
    (`lrkit bench --backend ray` showed "wall s" 16.8 vs 0.3 serial for the same cells).
    The modules a run uses are loaded before the clock starts."""
    import subprocess
    import sys

    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    code = (
        "import sys, time, types\n"
        "import lrkit.bench as b\n"
        "assert 'lrkit.torch' not in sys.modules\n"
        "seen = []\n"
        "def clock():\n"
        "    seen.append(sorted(m for m in sys.modules if m.startswith('lrkit.')))\n"
        "    return time.perf_counter()\n"
        "b.time = types.SimpleNamespace(perf_counter=clock)\n"
        "from lrkit.tasks import get_task\n"
        "task = get_task('quadratic')\n"
        f"b.train(task, {schedule!r}, epochs=2, seed=0, finder_options={{'budget': 1.0}})\n"
        "late = sorted(set(seen[-1]) - set(seen[0]))\n"
        "print('lrkit.torch' in seen[0], ','.join(late) or '-')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, *sys.path])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    torch_loaded, late = out.stdout.split()
    assert torch_loaded == "True"
    # no module of lrkit imported while the clock ran, but the planner's own (planning
    # is a run's time, by design)
    mods = [] if late == "-" else late.split(",")
    assert all(m.startswith(("lrkit.plan.", "lrkit.laws")) for m in mods), late
    assert not mods or schedule == "auto", late
