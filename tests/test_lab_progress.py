"""``lrkit lab``'s progress bar: a tqdm counter of the lab's training runs on stderr,
shown on a terminal or with ``--progress``, never otherwise."""

import re

from lrkit.cli import main
from lrkit.labs import _common
from lrkit.labs.training import _train
from lrkit.tasks import get_task


def test_the_bar_counts_ticks_and_is_silent_when_disabled(capsys):
    with _common.progress("lab x", True):
        _common.tick("cosine(0.1)")
        _common.tick("constant(0.1)")
    err = capsys.readouterr().err
    assert re.search(r"lab x: 2 runs \[[0-9:]+, .*constant\(0\.1\)", err), err
    with _common.progress("lab y", False):
        _common.tick("a")
    assert capsys.readouterr().err == ""
    _common.tick("no bar")  # outside a bar: nothing to advance, no error
    assert capsys.readouterr().err == ""


def test_a_labs_training_run_ticks_the_bar(capsys):
    with _common.progress("lab t", True):
        res = _train(get_task("digits", 0), "constant(0.05)", 1, optimizer="sgd")
    assert len(res.history) == 1
    assert re.search(r"lab t: 1 runs .*constant\(0\.05\)", capsys.readouterr().err)


def test_cli_lab_progress_flag(tmp_path, capsys):
    argv = ["lab", "optimal-constant", "--quick", "--out", str(tmp_path)]
    assert main(argv) == 0
    assert "lab optimal-constant:" not in capsys.readouterr().err  # not a terminal: no bar
    assert main([*argv, "--progress"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"lab optimal-constant: 0 runs \[[0-9:]+", err), err
