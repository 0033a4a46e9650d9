"""lrkit.tune on a real local Ray (one Ray session for the module: num_cpus=2, no dashboard).

- the space as a Ray Tune param_space;
- ``lrkit bench --backend ray``: the same results as serial, cell for cell;
- the law stopper inside a real ``tune.Tuner``;
- PBT with exact resume: exploitation restores a checkpoint and continues the
  lrkit.torch.Scheduler with the mutated schedule (``on_mismatch="new"``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import numpy as np
import pytest
import ray
import torch
from ray import tune
from test_tune import LAW, SCHEDS, T

import lrkit
from lrkit.cli import main
from lrkit.spec import parse
from lrkit.tune import law_stopper, space

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module", autouse=True)
def ray_session():
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    # the trainables below live in this test module, which the workers cannot import
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.shutdown()


def test_param_space_resolves_to_a_spec_of_its_own_params():
    from ray.tune.search.variant_generator import generate_variants

    s = space(peak=(1e-3, 1e-1), warmup=(0.0, 0.1), cooldown=(0.1, 0.3))
    ps = s.to_ray()
    assert isinstance(ps["peak"], tune.search.sample.Float)
    assert isinstance(ps["shape"], tune.search.sample.Categorical)
    seen = set()
    for _ in range(40):
        for _, cfg in generate_variants(ps):
            text = cfg["schedule"]
            assert str(parse(text)) == text
            assert text == s.spec(cfg)
            assert 1e-3 <= cfg["peak"] <= 1e-1 and 0 <= cfg["warmup"] <= 10
            seen.add(cfg["shape"])
    assert seen == set(s.shapes)


def test_bench_backend_ray_gives_the_serial_results_cell_for_cell(tmp_path, capsys):
    base = ["bench", "--task", "digits", "--epochs", "2", "--seeds", "2", "--no-png",
            "--schedule", "warmup(cosine(0.1), steps='10%')",
            "--schedule", "wsd(0.1, warmup='5%', decay='20%')"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "serial")]) == 0
    serial_out = capsys.readouterr().out
    assert main([*base, "--out", str(tmp_path / "ray"), "--backend", "ray"]) == 0
    ray_out = capsys.readouterr().out
    a = json.loads((tmp_path / "serial" / "results.json").read_text())
    b = json.loads((tmp_path / "ray" / "results.json").read_text())
    assert len(a["runs"]) == len(b["runs"]) == 4
    for x, y in zip(a["runs"], b["runs"]):
        assert (x["label"], x["seed"]) == (y["label"], y["seed"])
        x.pop("wall_time"), y.pop("wall_time")
        assert x == y  # losses, applied rates, metrics: bit for bit
    assert [r["seed"] for r in a["runs"]] == [0, 0, 1, 1]
    # the same table (wall times aside)
    strip = [line[:60] for line in serial_out.splitlines()[:4]]
    assert strip == [line[:60] for line in ray_out.splitlines()[:4]]


def test_bench_backend_ray_runs_a_task_loaded_from_a_file(tmp_path, capsys):
    # a `path.py:function` task is a module only this process has: its code travels by value
    path = os.path.join(os.path.dirname(__file__), "plan_user_task.py")
    base = ["bench", "--task", f"{path}:make_task", "--epochs", "3", "--seeds", "2",
            "--no-png", "--schedule", "cosine(0.05)"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "serial")]) == 0
    assert main([*base, "--out", str(tmp_path / "ray"), "--backend", "ray"]) == 0
    capsys.readouterr()
    a = json.loads((tmp_path / "serial" / "results.json").read_text())["runs"]
    b = json.loads((tmp_path / "ray" / "results.json").read_text())["runs"]
    assert len(a) == len(b) == 2
    for x, y in zip(a, b):
        x.pop("wall_time"), y.pop("wall_time")
        assert x == y
    assert a[0]["step_losses"] != a[1]["step_losses"]  # two seeds, two different runs


def test_bad_address_is_one_line_exit_2(tmp_path, capsys):
    # Ray is already up in this process: --address is refused only when joining fails,
    # so test the option contract instead (needs --backend ray)
    rc = main(["bench", "--task", "digits", "--schedule", "cosine(0.1)", "--address", "x:1",
               "--out", str(tmp_path / "o")])  # fmt: skip
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["lrkit: error: --address needs --backend ray, got --backend serial"]


# ------------------------------------------------------------ the law stopper on Tune
# the known law and the four trials of test_tune's law-rule tests


def _replay(config):
    """A trial replaying its schedule's curve under the known law, one report per 160 steps."""
    steps = np.arange(160, T, 160)
    curve = LAW.predict(config["schedule"], steps, total_steps=T)
    for s, v in zip(steps, curve):
        tune.report({"loss": float(v), "step": int(s)})


def test_law_stopper_in_a_real_tuner_keeps_the_late_decaying_trial(tmp_path):
    stopper = law_stopper(T, margin=0.002, grace=0.3, refit=0.5)
    tuner = tune.Tuner(
        _replay,
        param_space={"schedule": tune.grid_search(SCHEDS)},
        tune_config=tune.TuneConfig(max_concurrent_trials=1),
        run_config=tune.RunConfig(stop=stopper, storage_path=str(tmp_path), verbose=0, name="law"),
    )
    grid = tuner.fit()
    last = {r.config["schedule"]: r.metrics["step"] for r in grid}
    assert last[SCHEDS[3]] == T - 160  # the WSD trial ran to the end
    assert last[SCHEDS[0]] == T - 160
    assert min(last[SCHEDS[1]], last[SCHEDS[2]]) < T - 160  # and the rule did stop one


# ------------------------------------------------------------ PBT with exact resume
STEPS_PER_ITER, ITERS, TOTAL = 5, 4, 20
PBT_SCHEDULES = ["cosine(0.05)", "wsd(0.08, warmup='10%', decay='30%')", "linear(0.02, 0.0)"]


def _pbt_trainable(config):
    from lrkit.torch import Scheduler

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    sched = Scheduler(opt, config["schedule"], total_steps=TOTAL)
    x = torch.linspace(-1, 1, 32).reshape(8, 4)
    y = x.sum(1, keepdim=True)
    restored_at, restored_from, it0 = None, None, 0
    ckpt = tune.get_checkpoint()
    if ckpt is not None:
        with ckpt.as_directory() as d:
            state = torch.load(os.path.join(d, "state.pt"))
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"], on_mismatch="new")
        restored_at, it0 = state["sched"]["step"], state["iter"]
        restored_from = state["schedule"]
    for it in range(it0, ITERS):
        applied, steps = [], []
        for _ in range(STEPS_PER_ITER):
            steps.append(sched.last_epoch)
            applied.append(opt.param_groups[0]["lr"])
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
            sched.step()
        with tempfile.TemporaryDirectory() as d:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "sched": sched.state_dict(), "iter": it + 1,
                        "schedule": config["schedule"]},
                       os.path.join(d, "state.pt"))  # fmt: skip
            record = {
                "trial": tune.get_context().get_trial_id(),
                "applied": applied,
                "steps": steps,
                "restored_at": restored_at,
                "restored_from": restored_from,
                "schedule": config["schedule"],
            }
            with open(config["log"], "a") as fh:  # the whole history, restores included
                fh.write(json.dumps(record) + "\n")
            tune.report({"score": -float(it)}, checkpoint=tune.Checkpoint.from_directory(d))


def test_pbt_exploit_restores_and_continues_the_mutated_schedule_exactly(tmp_path):
    from ray.tune.schedulers import PopulationBasedTraining

    log = tmp_path / "history.jsonl"
    pbt = PopulationBasedTraining(
        time_attr="training_iteration",
        perturbation_interval=2,  # one exploit, after iteration 2 of 4
        hyperparam_mutations={"schedule": tune.choice([PBT_SCHEDULES[2]])},  # always a new one
        resample_probability=1.0,
        quantile_fraction=0.5,
        synch=True,
    )
    tuner = tune.Tuner(
        _pbt_trainable,
        param_space={"schedule": tune.grid_search(PBT_SCHEDULES[:2]), "log": str(log)},
        tune_config=tune.TuneConfig(scheduler=pbt, metric="score", mode="max", reuse_actors=True),
        run_config=tune.RunConfig(storage_path=str(tmp_path), verbose=0, name="pbt"),
    )
    grid = tuner.fit()
    assert not grid.errors
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    restores, trials = 0, {}
    for row in rows:
        trials.setdefault(row["trial"], []).append(row)
        sched = lrkit.as_schedule(row["schedule"]).bind(total_steps=TOTAL)
        # the applied rate is the (possibly mutated) schedule at every step
        np.testing.assert_allclose(row["applied"], sched(np.array(row["steps"])), rtol=1e-12)
        first = row["restored_at"] is not None and row["restored_at"] == row["steps"][0]
        if first and row["restored_from"] != row["schedule"]:
            # exploited: continued a checkpoint of another schedule (on_mismatch="new")
            assert row["schedule"] == PBT_SCHEDULES[2]
            restores += 1
    assert len(trials) == 2
    for hist in trials.values():
        # no update lost or repeated across restores: steps 0..TOTAL-1 once each, in order
        assert [s for row in hist for s in row["steps"]] == list(range(TOTAL))
    assert restores >= 1  # PBT exploited at least once, continuing another schedule


def test_param_space_schedule_takes_the_config_dict_without_a_deprecation_warning(caplog):
    """Ray Tune calls a ``sample_from`` function with the config dict; ``to_ray()``'s
    ``schedule`` read ``spec.config`` only, so Ray fell back to the deprecated spec-dict
    call and logged "sample_from functions that take a spec dict are deprecated" once per
    sampled point of every sweep."""
    import logging

    from ray.tune.search.variant_generator import generate_variants

    s = space(["wsd", "cosine"], peak=(1e-3, 1e-1), warmup=(0.0, 0.1), cooldown=(0.1, 0.3))
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            for _, cfg in generate_variants(s.to_ray()):
                assert cfg["schedule"] == s.spec(cfg)
    assert "deprecated" not in caplog.text, caplog.text


def test_a_task_error_in_a_ray_cell_is_the_serial_error_line(tmp_path, capsys):
    """A user's error raised inside a Ray task (a task whose loader yields fewer batches than
    its steps_per_epoch) came back as Ray's wrapper: the "one line" was the remote traceback
    flattened, with terminal colour codes. It is the error itself, as on the serial backend."""
    task = tmp_path / "short_task.py"
    src = open(os.path.join(os.path.dirname(__file__), "plan_user_task.py")).read()
    short = "def short(seed=0):\n    t = TinyRegression(seed)\n    t.steps_per_epoch = 9\n"
    task.write_text(src + "\n\n" + short + "    return t\n")  # its loader yields 8 batches
    base = ["bench", "--task", f"{task}:short", "--epochs", "1", "--seeds", "2", "--no-png",
            "--schedule", "cosine(0.05)"]  # fmt: skip
    lines = []
    for backend in ("serial", "ray"):
        assert main([*base, "--out", str(tmp_path / backend), "--backend", backend]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("lrkit: error: task: train_loader(0) yielded 8 batches"), err
        lines.append(err[-1])
        assert not (tmp_path / backend).exists()
    assert lines[0] == lines[1]


def test_param_space_of_a_known_run_length_gives_specs_that_bind_to_it():
    """``to_ray()`` made specs without the run's length: on a 45-update run a drawn warmup of
    1 % gave ``warmup(..., steps='1%')``, which rounds to 0 updates and which the trainable's
    Scheduler refuses (the trial errored). ``to_ray(total_steps)`` leaves such a warm-up out,
    as ``suggest(trial, total_steps)`` does for Optuna."""
    from ray.tune.search.variant_generator import generate_variants

    from lrkit.errors import ConfigError, ConfigTypeError

    s = space(["cosine", "linear", "wsd"], peak=0.1, warmup=(0.01, 0.01), cooldown=0.1)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    for _, cfg in generate_variants(s.to_ray()):  # the length unknown: kept as asked
        assert cfg["schedule"] == s.spec(cfg) and "'1%'" in cfg["schedule"]
    seen = set()
    for _ in range(10):
        for _, cfg in generate_variants(s.to_ray(total_steps=45)):
            assert cfg["schedule"] == s.spec(cfg, total_steps=45)
            lrkit.torch.Scheduler(opt, cfg["schedule"], total_steps=45)  # binds: no error
            seen.add(cfg["schedule"])
    assert "cosine(start=0.1)" in seen or "linear(start=0.1, end=0.0)" in seen
    assert not any("'1%'" in text and text.startswith("warmup(") for text in seen), seen
    with pytest.raises(ConfigError, match=r"space: total_steps must be >= 1, got 0"):
        s.to_ray(total_steps=0)
    with pytest.raises(ConfigTypeError, match=r"space: total_steps must be an integer"):
        s.spec({"shape": "cosine"}, total_steps="45")
