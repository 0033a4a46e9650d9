"""The README's Python examples run as written (with a tiny model and data around them)."""

import os
import re

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TORCH_PRELUDE = """
import numpy as np, torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
loss_fn = torch.nn.functional.cross_entropy
xs = [torch.randn(32, 4) for _ in range(6)]
loader = [(x, (x[:, 0] + x[:, 1] > 0).long()) for x in xs]  # learnable
train_loader = loader
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
epochs = 2
"""

KERAS_PRELUDE = """
import numpy as np, keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
x = np.random.default_rng(0).random((64, 4)); y = x.sum(axis=1, keepdims=True)
"""


def _sections():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    out = {}
    for part in re.split(r"^## ", text, flags=re.M)[1:]:
        title = part.splitlines()[0].strip()
        blocks = re.findall(r"```python\n(.*?)```", part, flags=re.S)
        if blocks:
            out[title] = blocks
    return out


SECTIONS = _sections()


def test_readme_has_the_examples():
    assert {"Schedules are values", "PyTorch", "Keras 3", "JAX / optax"} <= set(SECTIONS)
    assert "Find a learning rate" in SECTIONS


@pytest.mark.parametrize("title", sorted(SECTIONS))
def test_readme_example_runs(title, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    prelude = KERAS_PRELUDE if title.startswith("Keras") else TORCH_PRELUDE
    if title.startswith("Keras"):
        code = "\n".join(SECTIONS[title]).replace("epochs=10", "epochs=2")
    else:
        code = "\n".join(SECTIONS[title])
    ns = {"np": np}
    exec(compile(prelude + code, f"README:{title}", "exec"), ns)
    if title == "Schedules are values":
        s = ns["s"]
        assert s(500) == 0.1 and str(s).startswith("warmup(cosine(")
    if title == "PyTorch":
        assert ns["opt"].param_groups[0]["lr"] == ns["lr"](6)
        momentum = ns["lrkit"].opposite(ns["lr"], 0.85, 0.95)
        assert ns["opt"].param_groups[0]["momentum"] == momentum(6)
    if title == "Find a learning rate":
        assert os.path.exists(tmp_path / "finder.png")
