"""The PyTorch example runs end to end with a tiny budget (and checks itself)."""

from __future__ import annotations

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_example_runs_with_tiny_budget(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "torch_train", ROOT / "examples" / "torch_train.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "example.png"
    # main() asserts that the applied lr/momentum (read back from the optimizer, across the
    # checkpoint and resume) equal the planned schedule at every step
    assert mod.main(["--epochs", "2", "--batch", "256", "--out", str(out), "--quiet"]) == 0
    assert out.stat().st_size > 10_000
