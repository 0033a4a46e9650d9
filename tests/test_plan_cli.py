"""``lrkit plan`` end to end, with a user's own task given as module:function."""

import json
import os
import subprocess
import sys

import pytest

from lrkit.cli import main
from lrkit.plan import Plan
from lrkit.tasks._load import load_task

HERE = os.path.dirname(os.path.abspath(__file__))


def test_plan_cli_with_a_module_function_task(tmp_path, capsys, monkeypatch):
    monkeypatch.syspath_prepend(HERE)
    out = tmp_path / "plan.json"
    code = main(["plan", "--task", "plan_user_task:make_task", "--total", "200", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "task tiny-regression (seed 0), optimizer sgd, 200 updates" in text
    assert "schedule: " in text
    p = Plan.from_dict(json.loads(out.read_text()))
    assert p.total_steps == 200 and 0 < p.cost <= 100
    assert str(p.schedule) in text
    # the printed plan is the plan made in Python on the same task
    task = load_task("plan_user_task:make_task")
    assert task.name == "tiny-regression" and task.metric_name == "loss"


def test_plan_cli_with_a_file_path_task_and_a_figure(tmp_path, capsys):
    fig = tmp_path / "plan.png"
    path = os.path.join(HERE, "plan_user_task.py")
    code = main(
        [
            "plan",
            "--task",
            f"{path}:make_task",
            "--total",
            "160",
            "--budget",
            "0.6",
            "--shapes",
            "wsd,cosine",
            "--out",
            str(fig),
        ]
    )
    assert code == 0
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "shape wsd" in capsys.readouterr().out  # one shape law-free: the default (first)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--task", "nope"], ["--task", "nope"]),
        (["--task", "plan_user_task:missing"], ["no attribute", "missing"]),
        (["--task", "no_such_module_xyz:f"], ["cannot import", "no_such_module_xyz"]),
        (["--task", "plan_user_task:not_a_task"], ["lacks", "make_model"]),
        (
            ["--task", "plan_user_task:make_task", "--total", "200", "--budget", "0.1"],
            ["budget too small"],
        ),
        (["--task", "plan_user_task:make_task", "--shapes", "zigzag"], ["--shapes", "zigzag"]),
        (["--task", "plan_user_task:make_task", "--out", "x.txt"], ["--out", "x.txt"]),
        (["--task", "plan_user_task:make_task", "--total", "5"], ["--total", "5"]),
    ],
)
def test_plan_cli_bad_input_is_one_line_exit_2(argv, words, capsys, monkeypatch):
    monkeypatch.syspath_prepend(HERE)
    assert main(["plan", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    for w in words:
        assert w in err


def test_plan_cli_as_a_process():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([HERE, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run(
        [sys.executable, "-m", "lrkit.cli", "plan", "--task", "plan_user_task:nope"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "nope" in out.stderr


def test_an_unwritable_output_is_refused_before_any_work(tmp_path):
    from lrkit.commands.plan import _check_outputs
    from lrkit.errors import OutputError

    (tmp_path / "f").write_text("a file")
    (tmp_path / "d.json").mkdir()
    for out, words in [
        (tmp_path / "f" / "p.json", "is a file, not a folder"),
        (tmp_path / "f" / "p.html", "is a file, not a folder"),
        (tmp_path / "d.json", "is an existing folder, not a file"),
    ]:
        with pytest.raises(OutputError, match=words):
            _check_outputs([str(out)])
    assert sorted(tmp_path.iterdir()) == [tmp_path / "d.json", tmp_path / "f"]


def test_plan_cli_writes_json_and_an_interactive_figure_into_new_folders(tmp_path, capsys):
    js, page = tmp_path / "a" / "plan.json", tmp_path / "b" / "c" / "plan.html"
    argv = ["plan", "--task", "quadratic", "--total", "200", "--out", str(js)]
    assert main([*argv, "--out", str(page)]) == 0
    p = Plan.from_dict(js.read_text())
    html = page.read_text()
    assert html.startswith("<!doctype html>") and "plotly" in html
    # the chosen schedule's trace: its rate at the last step drawn, and at step 0
    assert str(p.schedule)[:40] in html
    assert f"written: {page}" in capsys.readouterr().out


def test_plan_cli_on_the_built_in_quadratic(tmp_path, capsys):
    # its sampled minibatch loss ½Σhx² + ε·x went below 0, which the planner refuses;
    # the task reports the exact loss of the point (with the sampled gradient)
    out = tmp_path / "plan.json"
    assert main(["plan", "--task", "quadratic", "--total", "400", "--out", str(out)]) == 0
    p = Plan.from_dict(json.loads(out.read_text()))
    assert p.total_steps == 400 and 0 < p.cost <= 200
    # SGD on the quadratic is stable below 2/M = 2 (M = 1, the largest curvature)
    assert 0.02 < p.peak < 2.0
    assert "schedule: " in capsys.readouterr().out
