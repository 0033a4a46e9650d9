"""`lrkit values` and `lrkit show`: output, files, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lrkit
from lrkit.cli import main

LRKIT = str(Path(sys.executable).parent / "lrkit")  # the installed console script


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LRKIT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
        stdin=subprocess.DEVNULL,
    )


def _env() -> dict:
    import os

    env = dict(os.environ)
    env.setdefault("MPLBACKEND", "Agg")
    return env


SPEC = "warmup(cosine(0.1, 1e-5), steps='10%')"


def test_values_csv_exact_repr(capsys):
    assert main(["values", SPEC, "--total", "50"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "step,value" and len(out) == 51
    s = lrkit.parse(SPEC).bind(total_steps=50)
    for i, line in enumerate(out[1:]):
        step, text = line.split(",")
        assert int(step) == i
        assert text == repr(s(i))  # shortest repr that round-trips
        assert float(text) == s(i)


def test_values_json_exact(capsys):
    assert (
        main(
            [
                "values",
                "step(1.0, 0.1, every='1ep')",
                "--total",
                "7",
                "--steps-per-epoch",
                "3",
                "--format",
                "json",
            ]
        )
        == 0
    )
    got = json.loads(capsys.readouterr().out)
    expect = lrkit.step(1.0, 0.1, every=3)(np.arange(7)).tolist()
    assert got == expect and got[3] == 0.1 * 1.0 and got[6] == expect[6]


def test_values_through_the_console_script():
    r = _run("values", "cosine(1.0, steps=4)", "--total", "6")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.splitlines() == [
        "step,value",
        "0,1.0",
        f"1,{lrkit.cosine(1.0, steps=4)(1)!r}",
        "2,0.5",
        f"3,{lrkit.cosine(1.0, steps=4)(3)!r}",
        "4,0.0",
        "5,0.0",
    ]


def test_show_table(capsys):
    specs = ["cosine(1.0)", "step(1.0, 0.5, every=10)"]
    assert main(["show", *specs, "--total", "40"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["schedule", "peak", "peak", "step", "final", "mean", "half-life"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    cos = lines[2].split()
    assert cos[0] == "cosine(1.0)" and cos[1] == "1" and cos[2] == "0" and cos[-1] == "20"
    stp = lines[3].split()
    assert stp[-4:] == ["0", "0.125", "0.4688", "10"]


def test_show_png(tmp_path, capsys):
    out = tmp_path / "sub" / "chart.png"
    assert (
        main(
            ["show", "cosine(1.0)", "one_cycle(1.0)", "--total", "200", "--log", "--out", str(out)]
        )
        == 0
    )
    assert f"chart written to {out}" in capsys.readouterr().out
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_show_html_is_self_contained(tmp_path):
    out = tmp_path / "chart.html"
    r = _run("show", "cosine(1.0)", "sgdr(1.0, period='10%')", "--total", "300", "--out", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    # no external script: every <script> tag is inline (the bundle itself mentions URLs)
    tags = re.findall(r"<script[^>]*>", html)
    assert tags and not [t for t in tags if re.search(r"\bsrc\s*=", t)]
    assert "Plotly.newPlot" in html or "Plotly.react" in html
    assert len(html) > 1_000_000  # the plotly.js bundle is embedded (~4.5 MB)
    assert "cosine(1.0)" in html and "sgdr(1.0" in html  # both traces, labelled by spec


ERRORS = [
    (["values", "cosin(1)", "--total", "3"], "unknown schedule 'cosin' (did you mean 'cosine'?)"),
    (["values", "cosine(1)"], "the following arguments are required: --total"),
    (["values", "cosine(1)", "--total", "0"], "--total must be a positive number of steps, got 0"),
    (["values", "cosine(1)", "--total", "x"], "invalid int value: 'x'"),
    (["values", "cosine(1)", "--total", "3", "--format", "xml"], "invalid choice: 'xml'"),
    (["values", "cosine(1, steps='2ep')", "--total", "3"], "--steps-per-epoch K"),
    (["values", "cosine(1, steps=0)", "--total", "3"], "steps must be a positive duration"),
    (["values", "__import__('os').system('echo hi')", "--total", "3"], "only plain schedule names"),
    (["values", "cosine(1, steps=3", "--total", "3"], "invalid syntax"),
    (["show", "cosine(1)", "--total", "10", "--out", "chart.gif"], "out must end in .png"),
    (["show", "cosine(1)", "nope(2)", "--total", "10"], "unknown schedule 'nope'"),
    (["show", "--total", "10"], "the following arguments are required: SPEC"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], None),  # no verb: help on stdout, exit 2
]


@pytest.mark.parametrize("argv,fragment", ERRORS, ids=[" ".join(a) or "none" for a, _ in ERRORS])
def test_errors_in_process(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    cap = capsys.readouterr()
    if fragment is None:
        assert "usage: lrkit" in cap.out
        return
    lines = cap.err.splitlines()
    assert len(lines) == 1, cap.err
    assert lines[0].startswith("lrkit: error: ") and fragment in lines[0]
    assert "Traceback" not in cap.err
    assert cap.out == ""  # nothing printed before the error
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv,fragment",
    [ERRORS[0], ERRORS[1], ERRORS[5], ERRORS[7], ERRORS[9], ERRORS[12]],
    ids=["unknown", "missing-total", "unbound", "no-eval", "bad-out", "bad-verb"],
)
def test_errors_through_the_console_script(argv, fragment, tmp_path):
    r = subprocess.run(
        [LRKIT, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=_env(),
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and fragment in lines[0], r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_show_says_it_replaced_a_file(tmp_path, capsys):
    out = tmp_path / "chart.png"
    out.write_bytes(b"an older chart")
    assert main(["show", "cosine(1.0)", "--total", "20", "--out", str(out)]) == 0
    said = capsys.readouterr().out.splitlines()[-1]
    assert said == f"chart written to {out} (replaced the earlier file)"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_epochs_axis(tmp_path, capsys):
    out = tmp_path / "chart.png"
    argv = ["show", "cosine(1.0)", "--total", "20", "--steps-per-epoch", "5", "--epochs-axis"]
    assert main([*argv, "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"chart written to {out}"


def test_show_comment_never_reaches_a_label(tmp_path, capsys):
    # the comment hides another schedule; the row and the chart name what is plotted
    out = tmp_path / "chart.html"
    spec = "constant(10.0)  # cosine(0.1)"
    assert main(["show", spec, "--total", "10", "--out", str(out)]) == 0
    row = capsys.readouterr().out.splitlines()[2]
    assert row.split()[0] == "constant(10.0)" and "cosine" not in row and "#" not in row
    html = out.read_text(encoding="utf-8")
    assert '"name":"constant(10.0)"' in html and "cosine(0.1)" not in html


def test_plot_schedules_labels_a_spec_without_its_comment(tmp_path):
    from lrkit.plot import schedules

    out = tmp_path / "chart.html"
    schedules(["cosine(1.0)  # cosine(5.0)", lrkit.constant(2.0)], 10, str(out))
    html = out.read_text(encoding="utf-8")
    assert '"name":"cosine(1.0)"' in html and "cosine(5.0)" not in html
    assert '"name":"constant(value=2.0)"' in html
