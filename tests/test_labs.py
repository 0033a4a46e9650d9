"""The labs (at the reduced "ci" budget), the noisy quadratic task and ``lrkit lab``."""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
import pytest

import lrkit
from lrkit.cli import main
from lrkit.labs import BUDGETS, LABS, VERDICTS, LabResult, get_lab, run_lab
from lrkit.tasks.quadratic import NoisyQuadratic, make_task

PNG = b"\x89PNG\r\n\x1a\n"
NAMES = [
    "noise-floor",
    "half-life",
    "optimal-constant",
    "decay-speed",
    "restarts",
    "warmup",
    "momentum-decay",
    "weight-decay",
    "batch-scaling",
    "range-test",
    "super-convergence",
    "d2z",
    "cooldown",
    "schedule-free",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("labs")
    return {name: (run_lab(name, str(out), budget="ci", seed=0), out) for name in NAMES}


# ------------------------------------------------------------------ registry and results


def test_registry_has_the_labs_in_order():
    assert list(LABS) == NAMES
    for lab in LABS.values():
        assert lab.claim and lab.setup and lab.needs in ("numpy", "torch")
    assert BUDGETS == ("full", "ci")


@pytest.mark.parametrize("name", NAMES)
def test_every_lab_returns_a_complete_result(results, name):
    res, out = results[name]
    assert isinstance(res, LabResult)
    assert res.name == name and res.claim == LABS[name].claim
    assert res.verdict in VERDICTS
    assert res.budget == "ci" and res.seed == 0
    assert res.numbers and res.summary
    assert res.figures
    # what the lab checks before any work (Lab.outputs) is what it writes
    names = {os.path.basename(f) for f in res.figures} | {f"{name}.json"}
    assert names == set(LABS[name].outputs)
    for f in res.figures:
        assert os.path.dirname(os.path.abspath(f)) == os.path.abspath(out)
        with open(f, "rb") as fh:
            assert fh.read(8) == PNG
    with open(os.path.join(out, f"{name}.json")) as fh:
        saved = json.load(fh)
    assert saved["verdict"] == res.verdict and saved["name"] == name
    text = str(res)
    assert text.startswith(f"lab {name}: {res.verdict.upper()}")


def test_optimal_constant_best_rate_and_contraction(results):
    res, _ = results["optimal-constant"]
    n = res.numbers
    m, M = n["m"], n["M"]
    assert n["optimal_constant_lr"] == pytest.approx(2 / (m + M), rel=1e-6)
    assert abs(n["best_measured_lr"] - 2 / (m + M)) < n["grid_spacing"]
    assert n["contraction_theory"] == pytest.approx((M - m) / (M + m), rel=1e-6)
    assert n["contraction_measured_at_optimum"] == pytest.approx((M - m) / (M + m), abs=1e-3)
    assert n["max_abs_error_over_sweep"] < 0.02
    assert res.verdict == "reproduced"


def test_noise_floor_grows_with_rate_and_matches_closed_form(results):
    res, _ = results["noise-floor"]
    n = res.numbers
    rates = sorted(float(k) for k in n["floor_measured"])
    meas = [n["floor_measured"][str(x)] for x in rates]
    theo = [n["floor_theory"][str(x)] for x in rates]
    assert all(b > a for a, b in zip(meas, meas[1:]))
    for a, b in zip(meas, theo):
        assert a == pytest.approx(b, rel=0.15)
    assert all(v < min(meas) for v in n["decay_final"].values())
    assert res.verdict == "reproduced"


def test_half_life_same_half_life_meets_at_drops(results):
    n = results["half-life"][0].numbers
    assert n["half_life_step"] == n["half_life_exponential"]
    assert n["max_rel_diff_at_drops"] == 0
    lo, hi = n["lr_ratio_step_over_exp_range"]
    assert lo == pytest.approx(1.0) and 1.0 < hi < 2.0  # within one drop factor 1/gamma
    assert n["final_rel_difference"] > 0


def test_momentum_decay_high_momentum_loses_under_fast_decay(results):
    n = results["momentum-decay"][0].numbers
    assert n["ratio_high_momentum_over_matched_fast"] > 1.5
    assert n["ratio_high_momentum_over_plain_slow"] < 1.2


def test_restarts_beat_the_fast_exponential(results):
    n = results["restarts"][0].numbers
    f = n["fraction_in_best_basin"]
    assert f["sgdr (4 cycles)"] > f["exponential (half-life 10%)"] + 0.1
    assert all(0.0 <= v <= 1.0 for v in f.values())


def test_weight_decay_effective_regularization(results):
    n = results["weight-decay"][0].numbers
    const, coupled = list(n["effective_reg_end_over_start"])
    # cosine from η to η/100: with constant λ the product falls ~100x; coupled it is held
    # constant until the 10λ cap binds at the very end
    assert n["effective_reg_end_over_start"][const] == pytest.approx(0.01, rel=0.02)
    assert n["effective_reg_mid_over_start_coupled"] == pytest.approx(1.0, abs=1e-9)
    assert n["effective_reg_end_over_start"][coupled] == pytest.approx(0.1, rel=0.02)


def test_decay_speed_fast_decay_underfits(results):
    n = results["decay-speed"][0].numbers
    assert n["underfits"] is True
    fast, slow, cos = list(n["final_train_loss"])
    assert n["final_train_loss"][fast] > 10 * n["final_train_loss"][cos]


def test_batch_scaling_linear_rule_closer_than_no_scaling(results):
    n = results["batch-scaling"][0].numbers
    assert n["scaled_lr"] == pytest.approx(lrkit.scale_lr(0.01, 128, base_batch=16))
    assert abs(n["gap_linear_rule_pp"]) < n["gap_no_scaling_pp"]


def test_range_test_suggestion_inside_the_sweep(results):
    n = results["range-test"][0].numbers
    assert n["suggested_lr"] is not None and 1e-4 < n["suggested_lr"] < 10
    lo, hi = n["suggested_range"]
    assert lo < hi
    assert 0 <= n["accuracy_at_suggestion"] <= 1


def test_warmup_and_super_convergence_numbers(results):
    w = results["warmup"][0].numbers
    assert set(w["final_val_bpc"]) == {"no warmup", "warmup 10%"}
    assert all(v > 0 for v in w["final_val_bpc"].values())
    s = results["super-convergence"][0].numbers
    assert 0 < s["step_final_accuracy"][0] <= 1
    assert s["tolerance"] == pytest.approx(1 / 359, rel=1e-3)


# ------------------------------------------------------------------ lab errors and CLI


def test_schedule_free_numbers_follow_its_rule(results):
    from lrkit.labs.schedulefree import PLAN_BUDGET, SETUPS

    res, _ = results["schedule-free"]
    n = res.numbers
    assert set(n) == {"mnist1d", "charlm"}
    assert n["mnist1d"]["steps"] == 80 and n["charlm"]["steps"] == 80
    matches = []
    for name, v in n.items():
        assert v["metric"] == ("accuracy" if name == "mnist1d" else "bpc")
        sign = 1 if name == "mnist1d" else -1
        diff = sign * (v["sf_finals"][0] - v["plan_finals"][0])
        # the finals are reported to 4 significant digits: half a unit of the last digit each
        rounding = sum(
            0.5 * 10 ** (math.floor(math.log10(abs(x))) - 3)
            for x in (v["sf_finals"][0], v["plan_finals"][0])
        )
        assert v["sf_minus_plan_better_is_positive"] == pytest.approx(diff, abs=rounding + 1e-6)
        assert v["se"] == 0  # one seed at the ci budget
        assert v["matches"] == (diff >= -SETUPS[name]["tol"])
        assert 0 < v["plan_extra_updates"][0] <= PLAN_BUDGET[1] * v["steps"]
        lrkit.parse(v["plan_schedules"][0])  # a spec that parses
        matches.append(v["matches"])
    want = "reproduced" if all(matches) else "partly" if any(matches) else "not reproduced"
    assert res.verdict == want


def test_schedule_free_lab_evaluates_the_averaged_weights():
    """_EvalSwap runs the task's evaluation on schedule-free's averaged point x (its
    ``eval()`` mode) and returns the optimizer to ``train()`` mode after."""
    import schedulefree
    import torch

    from lrkit.labs.schedulefree import _EvalSwap

    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    opt = schedulefree.AdamWScheduleFree(model.parameters(), lr=0.1, warmup_steps=0)
    opt.train()
    x = torch.randn(16, 3)
    for _ in range(5):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
    train_w = model.weight.detach().clone()
    opt.eval()
    avg_w = model.weight.detach().clone()
    opt.train()
    assert not torch.allclose(train_w, avg_w)
    seen = []

    class Task:
        name = "t"

        def evaluate(self, m):
            seen.append(m.weight.detach().clone())
            return {"loss": 0.0, "metric": 0.0}

    wrapped = _EvalSwap(Task(), opt)
    assert wrapped.name == "t"
    wrapped.evaluate(model)
    torch.testing.assert_close(seen[0], avg_w)
    torch.testing.assert_close(model.weight.detach(), train_w)
    assert opt.param_groups[0]["train_mode"]


def test_unknown_lab_did_you_mean():
    with pytest.raises(ValueError, match=r"unknown lab 'restart'; did you mean 'restarts'\?"):
        get_lab("restart")
    with pytest.raises(ValueError, match="unknown lab 'xyz'"):
        get_lab("xyz")
    # an unrelated word gets no guess (at difflib's 0.5 cutoff it got 'batch-scaling')
    with pytest.raises(ValueError, match=r"^unknown lab 'nothing' \(labs: noise-floor, "):
        get_lab("nothing")


def test_bad_budget_and_seed(tmp_path):
    with pytest.raises(ValueError, match="budget must be 'full' or 'ci', got 'fast'"):
        run_lab("optimal-constant", str(tmp_path), budget="fast")
    with pytest.raises(ValueError, match="seed must be a non-negative int, got -1"):
        run_lab("optimal-constant", str(tmp_path), seed=-1)


@pytest.mark.parametrize("seed", [2**63 - 3, 2**63 - 1, 2**70])
def test_a_seed_the_lab_cannot_count_up_from_is_refused_before_any_work(tmp_path, seed, capsys):
    # the full labs train seeds seed, seed + 1, seed + 2: seed + 1 >= 2**63 failed in get_task
    # after the first seed's runs
    msg = f"lab batch-scaling: seed must be an int in [0, 2**63 - 3), got {seed}"
    with pytest.raises(ValueError, match=re.escape(msg)):
        run_lab("batch-scaling", str(tmp_path), seed=seed)
    assert os.listdir(tmp_path) == []
    argv = ["lab", "batch-scaling", "--seed", str(seed), "--out", str(tmp_path)]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "--seed must be an integer in [0, 2**63 - 3)" in err


def test_cli_lists_all_labs(capsys):
    assert main(["lab"]) == 0
    out = capsys.readouterr().out
    for name, lab in LABS.items():
        assert f"{name}" in out and lab.claim in out
    assert len([ln for ln in out.splitlines() if ln.split(" ")[0] in LABS]) == len(NAMES)


def test_cli_unknown_lab_exit_2(capsys):
    assert main(["lab", "warmpu"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "did you mean 'warmup'?" in err


def test_cli_runs_a_lab_quick(tmp_path, capsys):
    assert main(["lab", "half-life", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "lab half-life: REPRODUCED" in out
    assert (tmp_path / "half-life.png").exists() and (tmp_path / "half-life.json").exists()


def test_cli_lab_help_names_the_files_it_writes(capsys):
    # a lab writes NAME.json and its figures (test above), not a results.json
    with pytest.raises(SystemExit) as e:
        main(["lab", "--help"])
    assert e.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "NAME.json" in out and "results.json" not in out


# ------------------------------------------------------------------ the noisy quadratic


def test_quadratic_spectrum_and_validation():
    q = NoisyQuadratic(dim=5, m=0.1, M=10.0, spectrum="log")
    assert q.h[0] == pytest.approx(0.1) and q.h[-1] == pytest.approx(10.0)
    assert np.allclose(np.diff(np.log(q.h)), np.log(10.0) / 2)
    q = NoisyQuadratic(spectrum=[3.0, 1.0, 2.0], noise=0)
    assert q.dim == 3 and q.m == 1.0 and q.M == 3.0
    with pytest.raises(ValueError, match="M must be >= m, got m=2.0, M=1.0"):
        NoisyQuadratic(m=2.0, M=1.0)
    with pytest.raises(ValueError, match="spectrum must be"):
        NoisyQuadratic(spectrum="cubic")
    with pytest.raises(ValueError, match="spectrum must be positive"):
        NoisyQuadratic(spectrum=[1.0, -1.0])
    with pytest.raises(ValueError, match="noise"):
        NoisyQuadratic(noise=-1.0)
    with pytest.raises(ValueError, match=r"x0 must be a number or 3 numbers \(one per coord"):
        NoisyQuadratic(dim=3, x0=[1.0, 2.0])
    with pytest.raises(ValueError, match="x0 must be finite, got nan"):
        NoisyQuadratic(dim=3, x0=float("nan"))
    assert NoisyQuadratic(dim=3, x0=[1.0, 2.0, 3.0]).x0.tolist() == [1.0, 2.0, 3.0]


def test_quadratic_noise_free_is_exact_gradient_descent():
    q = NoisyQuadratic(spectrum=[0.5, 2.0], noise=0.0, x0=[1.0, -2.0])
    e = q.expected_loss(lrkit.constant(0.3), 10)
    x = np.array([1.0, -2.0])
    for t in range(10):
        assert e[t] == pytest.approx(0.5 * np.sum(q.h * x * x), rel=1e-12)
        x = x - 0.3 * q.h * x
    s = q.sgd(0.3, 10, runs=3)
    assert np.allclose(s[:, 0], e) and np.allclose(s[:, 2], e)


def test_quadratic_expected_loss_reaches_the_closed_form_floor():
    q = NoisyQuadratic(dim=4, m=0.5, M=1.0, noise=2.0, batch_size=4)
    for lr in (0.1, 0.5, 1.5):
        e = q.expected_loss(lr, 2000)
        expected = sum(lr * 2.0 * h / (2 * 4 * (2 - lr * h)) for h in q.h)
        assert e[-1] == pytest.approx(expected, rel=1e-9)
        assert q.noise_floor(lr) == pytest.approx(expected, rel=1e-12)
    assert q.noise_floor(2.0) == math.inf


def test_quadratic_sampled_matches_expected_with_momentum():
    q = NoisyQuadratic(dim=3, m=0.2, M=1.0, noise=0.5)
    lr = lrkit.cosine(0.2, 0.01)
    e = q.expected_loss(lr, 200, momentum=0.9, every=50)
    s = q.sgd(lr, 200, momentum=0.9, runs=4000, seed=3, every=50)
    assert s.shape == (5, 4000)
    mean = s.mean(axis=1)
    se = s.std(axis=1) / np.sqrt(4000)
    assert np.all(np.abs(mean - e) < 5 * se + 1e-12)


def test_quadratic_task_api_through_torch():
    import torch

    from lrkit.tasks import get_task

    task = get_task("quadratic", seed=1, dim=3, m=0.5, M=2.0, noise=1.0, steps_per_epoch=4)
    assert task.name == "quadratic" and task.steps_per_epoch == 4
    assert task.higher_is_better is False
    model = task.make_model()
    opt = task.make_optimizer(model, "sgd", lr=0.1)
    batches = list(task.train_loader(0))
    assert len(batches) == 4
    x0 = model.x.detach().clone()
    eps, y = batches[0]
    opt.zero_grad()
    loss = task.loss_fn(model(eps), y)
    # the reported loss is the exact loss of the point (never negative) ...
    assert loss.item() == pytest.approx(task.problem.loss(x0.numpy()), rel=1e-12)
    loss.backward()
    opt.step()
    h = torch.tensor(task.problem.h)
    # ... and its gradient the sampled one, h*x + eps
    assert torch.allclose(model.x.detach(), x0 - 0.1 * (h * x0 + eps))
    ev = task.evaluate(model)
    assert ev["loss"] == pytest.approx(task.problem.loss(model.x.detach().numpy()))
    # batch order depends on (seed, epoch) only
    again = list(task.train_loader(0))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(batches, again))
    assert make_task(seed=1).with_seed(2).seed == 2
    with pytest.raises(ValueError, match="unknown option 'depth'"):
        get_task("quadratic", depth=3)


def test_a_torch_lab_leaves_the_callers_torch_threads(tmp_path):
    # the labs train on one thread (their documented timings); run_lab left the caller's
    # process on one thread afterwards
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        run_lab("super-convergence", str(tmp_path), budget="ci")
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(n)
