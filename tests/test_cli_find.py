"""``lrkit find --task NAME|module:function``: suggestions printed, files written, errors exit 2."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import lrkit
from lrkit.cli import main


def test_find_on_digits_prints_suggestions_and_writes_files(tmp_path, capsys):
    png, js = tmp_path / "f.png", tmp_path / "f.json"
    rc = main(["find", "--task", "digits", "--steps", "60", "--out", str(png), "--json", str(js)])
    out = capsys.readouterr().out
    assert rc == 0
    for word in ("auto", "steep", "valley", "minimum", "chosen range", "suggested learning rate"):
        assert word in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    res = lrkit.FinderResult.from_dict(json.loads(js.read_text()))
    assert res.meta["task"] == "digits" and len(res) <= 60
    assert f"{res.suggest():.3g}" in out
    assert f"peak of a decaying schedule: {res.suggest('minimum'):.3g}" in out


HERE = os.path.dirname(os.path.abspath(__file__))


def test_find_with_a_user_task(tmp_path, capsys, monkeypatch):
    """--task module:function runs the range test on the user's model, same as find_lr."""
    import torch

    import lrkit.torch as lt
    from lrkit.tasks import forever

    monkeypatch.syspath_prepend(HERE)
    js = tmp_path / "f.json"
    argv = ["find", "--task", "plan_user_task:make_task", "--steps", "50", "--json", str(js)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "task tiny-regression (seed 0), optimizer sgd" in out
    res = lrkit.FinderResult.from_dict(json.loads(js.read_text()))
    from plan_user_task import make_task

    task = make_task(0)
    model = task.make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        direct = lt.find_lr(model, opt, task.loss_fn, forever(task), start=1e-7, end=10.0,
                            steps=50)  # fmt: skip
    np.testing.assert_allclose(res.losses, direct.losses, rtol=1e-6)
    assert f"suggested learning rate: {direct.suggest():.3g}" in out


def test_find_is_deterministic_for_a_seed(tmp_path):
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for p in paths:
        assert (
            main(["find", "--task", "digits", "--steps", "40", "--seed", "1", "--json", str(p)])
            == 0
        )
    a, b = (json.loads(p.read_text()) for p in paths)
    assert a["losses"] == b["losses"]


def test_find_html_and_adamw(tmp_path, capsys):
    html = tmp_path / "f.html"
    rc = main(
        ["find", "--task", "digits", "--optimizer", "adamw", "--steps", "40", "--out", str(html)]
    )
    assert rc == 0 and "plotly" in html.read_text(encoding="utf-8")
    assert "optimizer adamw" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["find", "--task", "nope"], "task must be one of"),
        (["find", "--task", "plan_user_task:nope"], "has no attribute 'nope'"),
        (["find", "--task", "plan_user_task:not_a_task"], "lacks make_model"),
        (["find", "--task", "no_such_mod_xyz:f"], "cannot import module"),
        (["find", "--task", "a:b:"], "module:function"),
        (["find", "--task", "digits", "--steps", "0"], "--steps must be a positive int, got 0"),
        (["find", "--task", "digits", "--steps", "13"], "--steps must be at least 14 (a sug"),
        (["find", "--task", "digits", "--out", "x.txt"], "--out must end in"),
        (["find", "--task", "digits", "--start", "0"], "start must be > 0"),
        (["find", "--task", "digits", "--mode", "linear", "--start", "-1"], "start must be >= 0"),
        (["find", "--task", "digits", "--optimizer", "rmsprop"], "invalid choice"),
        (["find"], "--task"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, message, capsys, monkeypatch):
    monkeypatch.syspath_prepend(HERE)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_failed_json_write_keeps_the_result(tmp_path):
    """The result is saved elsewhere (and the error says where) when --json fails late."""
    import argparse
    import re

    from lrkit.commands.find import _write
    from lrkit.errors import OutputError

    res = lrkit.find(lambda lr: 1.0 + (lr - 0.01) ** 2, start=1e-4, end=1.0, steps=30)
    target = tmp_path / "r.json"
    target.mkdir()  # became a folder after the options were checked
    args = argparse.Namespace(json=str(target), out=None)
    with pytest.raises(OutputError, match=r"the result was saved to \S+") as e:
        _write(args, res, "digits", "sgd")
    saved = re.search(r"saved to (\S+)", str(e.value)).group(1)
    with open(saved, encoding="utf-8") as f:
        assert json.load(f) == json.loads(json.dumps(res.to_dict()))


def test_a_linear_sweep_may_start_at_zero(tmp_path, capsys):
    """SweepOptions takes start=0 with mode="linear"; the CLI refused it ("--start must be
    > 0, got 0")."""
    js = tmp_path / "r.json"
    argv = ["find", "--task", "quadratic", "--mode", "linear", "--start", "0", "--end", "1"]
    assert main([*argv, "--steps", "20", "--json", str(js)]) == 0
    res = lrkit.FinderResult.from_dict(json.loads(js.read_text()))
    assert res.config["mode"] == "linear" and res.config["start"] == 0.0
    assert res.lrs[0] == 0.0 and res.lrs[1] == pytest.approx(1 / 19)
    assert "range test: " in capsys.readouterr().out
