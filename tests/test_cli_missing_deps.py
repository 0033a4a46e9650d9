"""An optional library that a verb needs and that is not installed (``pip install lrkit``
gives numpy only): one line naming the extra that installs it, exit 2, no traceback,
and before any work. A library is made missing the way Python does it: ``None`` in
``sys.modules`` makes its import raise ModuleNotFoundError and ``find_spec`` answer None.
"""

from __future__ import annotations

import sys

import pytest

from lrkit._deps import EXTRAS, check_installed, missing_dependency
from lrkit.cli import main
from lrkit.errors import LrkitError, MissingDependencyError


def _one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err.strip()


@pytest.mark.parametrize(
    ("missing", "argv", "want"),
    [
        (
            "torch",
            ["plan", "--task", "quadratic", "--total", "200"],
            "lrkit: error: torch is needed for lrkit plan; install it with: "
            "pip install 'lrkit[torch]'",
        ),
        (
            "matplotlib",
            ["show", "cosine(0.1)", "--total", "10", "--out", "{tmp}/a.png"],
            "lrkit: error: matplotlib is needed for --out '{tmp}/a.png'; install it with: "
            "pip install 'lrkit[plot]'",
        ),
        (
            "plotly",
            ["show", "cosine(0.1)", "--total", "10", "--out", "{tmp}/a.html"],
            "lrkit: error: plotly is needed for --out '{tmp}/a.html'; install it with: "
            "pip install 'lrkit[plot]'",
        ),
        (
            "plotly",
            ["bench", "--task", "digits", "--schedule", "0.1", "--out", "{tmp}/b"],
            "lrkit: error: plotly is needed for report.html; install it with: "
            "pip install 'lrkit[plot]'",
        ),
        (
            "matplotlib",
            ["bench", "--task", "digits", "--schedule", "0.1", "--out", "{tmp}/b"],
            "lrkit: error: matplotlib is needed for the PNG figures (or give --no-png); "
            "install it with: pip install 'lrkit[plot]'",
        ),
        (
            "matplotlib",
            ["lab", "noise-floor", "--quick", "--out", "{tmp}/l"],
            "lrkit: error: matplotlib is needed for the lab's figures; install it with: "
            "pip install 'lrkit[plot]'",
        ),
    ],
)
def test_a_missing_library_is_one_line_naming_its_extra(
    missing, argv, want, tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, missing, None)
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert _one_line(argv, capsys) == want.format(tmp=tmp_path)
    assert list(tmp_path.iterdir()) == []  # refused before any work: nothing written


def test_without_the_figure_library_bench_runs_with_no_png(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    argv = ["bench", "--task", "quadratic", "--schedule", "0.1", "--epochs", "1"]
    assert main([*argv, "--no-png", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "results.json"]


def test_the_helpers():
    assert check_installed("json", "plot", "x") is None
    with pytest.raises(MissingDependencyError, match=r"no_such_lib_xyz is needed for a test; "):
        check_installed("no_such_lib_xyz.sub", "plot", "a test")
    e = missing_dependency(ModuleNotFoundError("No module named 'sklearn'", name="sklearn.base"))
    assert isinstance(e, LrkitError) and isinstance(e, ImportError)
    assert (
        str(e) == "sklearn is needed for this command; install it with: pip install 'lrkit[tasks]'"
    )
    # not an optional library of lrkit: a bug or the user's own import, left as it is
    assert missing_dependency(ModuleNotFoundError("No module named 'x'", name="x")) is None
    assert missing_dependency(ImportError("cannot import name 'y'")) is None
    # every extra named is one the package declares
    from pathlib import Path

    import tomllib

    py = Path(__file__).resolve().parents[1] / "pyproject.toml"
    extras = tomllib.loads(py.read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS.values()) <= set(extras)


def test_an_error_that_is_not_a_missing_library_keeps_its_traceback(monkeypatch):
    import lrkit.commands.values as values

    def boom(args):
        import no_such_module_of_lrkit_xyz  # noqa: F401

    monkeypatch.setattr(values, "run", boom)
    with pytest.raises(ModuleNotFoundError):
        main(["values", "cosine(0.1)", "--total", "3"])


def test_laws_without_scipy_name_the_extra(tmp_path, capsys, monkeypatch):
    import numpy as np

    from lrkit import laws

    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    run = laws.Run("cosine(0.1)", np.arange(0, 100, 10), 3.0 - 0.01 * np.arange(0, 100, 10))
    with pytest.raises(MissingDependencyError, match=r"pip install 'lrkit\[laws\]'"):
        laws.fit([run, run, run])
    csv = tmp_path / "r.csv"
    csv.write_text("step,lr,loss\n" + "".join(f"{t},0.1,{3 - 0.01 * t}\n" for t in range(50)))
    assert _one_line(["predict", "--run", str(csv)], capsys) == (
        "lrkit: error: scipy.optimize is needed for lrkit.laws.fit; install it with: "
        "pip install 'lrkit[laws]'"
    )
