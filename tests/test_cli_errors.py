"""Every subcommand with bad arguments: exit 2, exactly one line on stderr, no traceback,
nothing written; and a bug (any other exception) keeps its traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lrkit.cli import VERBS, main

LRKIT = str(Path(sys.executable).parent / "lrkit")

DEEP = "+".join(["constant(0.1)"] * 1000)

# (argv, fragment of the one line); "FILE" is an existing file, "DIR" an existing folder
CASES = [
    # values
    (["values", "cosine(0.1)", "--total", "1000000000000000"], "--total must be at most"),
    (["values", DEEP, "--total", "3"], "nests deeper than"),
    (["values", "cosine(1)", "--total", "5", "--steps-per-epoch", "0"], "--steps-per-epoch must"),
    (["values", "cosine(1)", "--total", "-3"], "--total must be a positive number of steps"),
    # show
    (["show", "exponential(1.0, gamma=1.001)", "--total", "1000000"], "not finite"),
    (["show", "cosine(1)", "--total", "10", "--out", ""], "--out must name a file, got ''"),
    (["show", "cosine(1)", "--total", "10", "--out", "DIR/"], "--out must end in .png"),
    (["show", "cosine(1)", "--total", "10", "--out", "DIR.png"], "is an existing folder"),
    (["show", "cosine(1)", "--total", "10", "--out", "FILE/x.png"], "is a file, not a folder"),
    (["show", "cosine(1)", "--total", "10", "--epochs-axis"], "--epochs-axis needs"),
    (["show", DEEP, "--total", "3"], "nests deeper than"),
    (["show", "cosine(1)", "--total", "200000000"], "--total must be at most"),
    (["show", "cosine(1, steps='2ep')", "--total", "10"], "--steps-per-epoch K"),
    # find
    (["find", "--task", "digits", "--seed", "99999999999999999999"], "--seed must be an integer"),
    (["find", "--task", "digits", "--json", "DIR"], "--json: "),
    (["find", "--task", "digits", "--json", "FILE/r.json"], "is a file, not a folder"),
    (["find", "--task", "digits", "--out", "DIR.png"], "is an existing folder"),
    (["find", "--task", "digits", "--smooth", "1"], "--smooth must be in [0, 1)"),
    (["find", "--task", "digits", "--end", "nan"], "--end must be a finite number"),
    (["find", "--task", "digits", "--start", "1", "--end", "0.5"], "--end must be above"),
    (["find", "--task", "digits", "--diverge", "1"], "--diverge must be"),
    (["find", "--task", "digits", "--seed", "-1"], "--seed must be an integer"),
    (["find", "--task", "digits", "--steps", "9" * 20], "--steps must be at most"),
    (["find", "--task", "digits", "--end", "1e300"], "--end must be at most"),
    # bench
    (["bench", "--task", "digits", "--schedule", "0.1", "--momentum", "nan"], "--momentum must"),
    (["bench", "--task", "digits", "--schedule", "0.1", "--momentum", "1.5"], "--momentum must"),
    (["bench", "--task", "digits", "--schedule", "0.1", "--target", "nan"], "--target must"),
    (["bench", "--task", "digits", "--schedule", "0.1", "--target", "97"], "fraction in [0, 1]"),
    (["bench", "--task", "digits", "--schedule", "0.1", "--out", "FILE"], "is an existing file"),
    (["bench", "--task", "digits", "--schedule", "0.1", "--weight-decay", "-1"], "--weight-decay"),
    (["bench", "--task", "digits", "--schedule", "0.1", "--seeds", "0"], "--seeds must"),
    (["bench", "--task", "digits", "--schedule", "0.1", "--threads", "0"], "--threads must"),
    (["bench", "--task", "digits", "--schedule", DEEP], "nests deeper than"),
    (["bench", "--task", "cifar", "--schedule", "0.1"], "--task must be one of"),
    (
        [
            "bench",
            "--task",
            "digits",
            "--schedule",
            "exponential(1.0, gamma=1e10)",
            "--epochs",
            "1",
        ],
        "not finite",
    ),
    (["bench", "--task", "digits", "--schedule", "0.1", "--threads", "9" * 20], "--threads must"),
    (["bench", "--task", "digits", "--schedule", "0.1", "--epochs", "9" * 20], "--epochs must"),
    (["bench", "--task", "digits", "--schedule", "1e300", "--epochs", "1"], "largest rate"),
    # demo
    (["demo", "--lr", "1e300"], "--lr must be at most"),
    (["demo", "--epochs", "9" * 20], "--epochs must be at most"),
    (["demo", "--out", "FILE"], "is an existing file"),
    (["demo", "--lr", "nan"], "--lr must be a finite number"),
    (["demo", "--budget", "0"], "--budget must be > 0"),
    (["demo", "--seeds", "0"], "--seeds must be a positive int"),
    # lab
    (["lab", "nope"], "unknown lab 'nope'"),
    (["lab", "noise-floor", "--seed", "-2"], "--seed must be an integer"),
    (["lab", "noise-floor", "--out", "FILE"], "is an existing file"),
    # predict
    (["predict", "--run", "nope.csv", "cosine(0.1)"], "no such file 'nope.csv'"),
    (["predict", "--run", "FILE", "cosine(0.1)"], "the header must name columns"),
    (
        ["predict", "--run", "FILE", "cosine(0.1)", "--total", "5"],
        "--total must be an int in [10, ",
    ),
    # plan
    (["plan", "--task", "digits", "--total", "0"], "--total must be an integer >= 20"),
    (["plan", "--task", "nosuch:thing", "--total", "100"], "cannot import module 'nosuch'"),
    (["plan", "--task", "digits", "--total", "100", "--budget", "-1"], "--budget must be > 0"),
    (["plan", "--task", "digits", "--total", "100", "--out", "FILE/x.json"], "is a file, not a"),
    (["plan", "--task", "digits", "--total", "100", "--seed", "9" * 20], "seed must be below"),
    (["plan", "--task", "digits", "--total", "100", "--shapes", "foo"], "--shapes must list"),
    (["plan", "--task", "digits", "--total", "100", "--lr", "nan"], "--lr must be > 0"),
    # inf passed the CLI's own checks and was refused as "plan: budget/lr", not the flag
    (["plan", "--task", "digits", "--total", "100", "--budget", "inf"], "--budget must be > 0"),
    (["plan", "--task", "digits", "--total", "100", "--lr", "inf"], "--lr must be > 0"),
    # every verb: a missing or unknown option
    (["predict"], "required: --run"),
    (["plan"], "required: --task"),
    (["values"], "required"),
    (["show"], "required"),
    (["find"], "required: --task"),
    (["bench", "--task", "digits"], "required: --schedule"),
    (["demo", "--frobnicate"], "unrecognized arguments"),
    (["lab", "--seed", "x"], "invalid int value"),
]


def _argv(argv: list[str], tmp: Path) -> list[str]:
    (tmp / "FILE").write_text("keep me")
    (tmp / "DIR").mkdir(exist_ok=True)
    (tmp / "DIR.png").mkdir(exist_ok=True)
    out = []
    for a in argv:
        for name in ("FILE", "DIR"):
            if a.startswith(name):
                a = str(tmp / name) + a[len(name) :]
        out.append(a)
    return out


def test_every_verb_is_covered():
    covered = {argv[0] for argv, _ in CASES}
    assert covered == set(VERBS)


@pytest.mark.parametrize("argv,fragment", CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_arguments_exit_2_with_one_line(argv, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(_argv(argv, tmp_path)) == 2
    cap = capsys.readouterr()
    lines = cap.err.splitlines()
    assert len(lines) == 1, cap.err
    assert lines[0].startswith("lrkit: error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in cap.err and cap.out == ""
    # nothing written: only the fixtures are there, unchanged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DIR", "DIR.png", "FILE"]
    assert (tmp_path / "FILE").read_text() == "keep me"
    assert not list((tmp_path / "DIR").iterdir())


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "exponential(1.0, gamma=1.001)", "--total", "1000000"],
        ["values", DEEP, "--total", "3"],
        ["find", "--task", "digits", "--seed", "99999999999999999999"],
    ],
    ids=["non-finite", "deep", "seed"],
)
def test_through_the_console_script(argv, tmp_path):
    r = subprocess.run([LRKIT, *argv], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("exc", [ValueError("a bug"), TypeError("a bug"), KeyError("a bug")])
def test_a_bug_keeps_its_traceback(exc, monkeypatch):
    """Only lrkit's own error types are user errors; anything else propagates."""
    import lrkit.commands.values as values

    def broken(args):
        raise exc

    monkeypatch.setattr(values, "run", broken)
    with pytest.raises(type(exc), match="a bug"):
        main(["values", "cosine(1)", "--total", "3"])


def test_values_streams_large_totals(capsys):
    """Up to the bound the values are written in chunks; the first and last are right."""
    import lrkit

    assert main(["values", "linear(1.0, 0.0, steps=200000)", "--total", "200000"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 200001 and lines[1] == "0,1.0"
    s = lrkit.linear(1.0, 0.0, steps=200000)
    assert lines[-1] == f"199999,{s(199999)!r}" and lines[65537] == f"65536,{s(65536)!r}"
