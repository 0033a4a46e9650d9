"""Project-level guarantees: a light import, the README's commands, the CLI entry point."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_import_lrkit_is_light():
    code = (
        "import sys, lrkit; "
        "s = lrkit.warmup(lrkit.cosine(0.1), steps=10).bind(total_steps=100); s(5); "
        "heavy = [m for m in ('torch', 'jax', 'keras', 'matplotlib', 'plotly', 'optax', "
        "'sklearn') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_ci_runs_the_readme_test_command():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
        ci = f.read()
    assert "bash scripts/test.sh" in readme
    assert "bash scripts/test.sh" in ci
    assert "bash scripts/setup.sh && .venv/bin/lrkit demo" in readme


def test_version_and_help():
    exe = os.path.join(os.path.dirname(sys.executable), "lrkit")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.strip().startswith("lrkit ")
    out = subprocess.run([exe], capture_output=True, text=True)
    assert out.returncode == 2
    assert "values" in out.stdout and "show" in out.stdout


def test_unknown_verb_is_one_line_exit_2():
    exe = os.path.join(os.path.dirname(sys.executable), "lrkit")
    out = subprocess.run([exe, "frobnicate"], capture_output=True, text=True)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr
    assert "frobnicate" in out.stderr


def test_py_typed_is_shipped():
    assert os.path.exists(os.path.join(ROOT, "src", "lrkit", "py.typed"))
