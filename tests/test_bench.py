"""The benchmark runner: applied rates, budgets, determinism, auto, aggregation, the CLI."""

from __future__ import annotations

import json
import math
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


def test_auto_runs_the_finder_and_counts_its_cost(digits):
    r = train(digits, "auto", "sgd", epochs=1, finder_options={"steps": 60})
    f = r.finder
    assert r.schedule == "auto" and f is not None
    assert 0 < f["steps"] <= 60 and r.overhead_steps == f["steps"]
    assert r.compute_steps == SPE + f["steps"]
    res = lrkit.FinderResult.from_dict(f["result"])
    assert len(res.lrs) == len(res.losses) == len(res.smoothed) > 0
    peak = float(f"{res.suggest('minimum'):.3g}")
    assert f["peak"] == peak and f["minimum_lr"] == res.suggest("minimum")
    assert f["schedule"] == str(lrkit.one_cycle(peak))
    assert r.lr[0] == pytest.approx(peak / 25) and max(r.lr) <= peak
    # the finder restores the model: training after it equals one_cycle trained directly
    direct = train(digits, lrkit.one_cycle(peak), "sgd", epochs=1)
    assert direct.history == r.history and direct.lr == r.lr


def test_auto_range_rule(digits):
    r = train(digits, "auto", epochs=1, finder_options={"steps": 80, "rule": "range"})
    lo, hi = r.finder["range"]
    assert r.finder["schedule"] == str(lrkit.one_cycle(hi, div=hi / lo))
    with pytest.raises(ValueError, match="rule must be 'minimum', 'suggest' or 'range', got 'x'"):
        train(digits, "auto", epochs=1, finder_options={"steps": 30, "rule": "x"})


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
        (["--task", "digits", "--schedule", "cosinus(1)"], "cosinus"),
        (["--task", "digits", "--schedule", "0.1", "--epochs", "0"], "--epochs must be"),
    ],
)
def test_cli_bench_errors_one_line_exit_2(argv, msg, capsys, tmp_path):
    assert main(["bench", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1 and "Traceback" not in err


def test_threads_untouched_by_library(digits):
    n = torch.get_num_threads()
    train(digits, "constant(0.05)", epochs=1)
    assert torch.get_num_threads() == n
