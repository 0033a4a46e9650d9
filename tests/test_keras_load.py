"""Loading a ``.keras`` model whose optimizer has an lrkit schedule, in a fresh process:
with ``import lrkit.keras`` it reloads with the same schedule; without it, Keras's
own error says which import fixes it (the ``load_with`` entry of the saved config)."""

import json
import os
import subprocess
import sys

import pytest

SAVE = """
import sys, keras, numpy as np, lrkit.keras
m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
opt = keras.optimizers.SGD(lrkit.keras.Schedule("cosine(0.1, steps=100)"))
m.compile(optimizer=opt, loss="mse")
m.fit(np.ones((8, 3)), np.ones((8, 1)), batch_size=4, verbose=0)
m.save(sys.argv[1])
"""

LOAD = """
import json, sys, keras
{imports}
m = keras.saving.load_model(sys.argv[1])
lr = m.optimizer._learning_rate  # the schedule object (learning_rate is its current value)
kind = type(lr).__module__ + "." + type(lr).__name__
print(json.dumps({{"type": kind, "spec": str(lr.schedule), "steps": int(m.optimizer.iterations),
                  "value": float(m.optimizer.learning_rate)}}))
"""


def _python(code, *args):
    env = dict(os.environ, KERAS_BACKEND="jax")
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("keras") / "m.keras")
    res = _python(SAVE, path)
    assert res.returncode == 0, res.stderr[-3000:]
    return path


def test_with_import_lrkit_keras_the_model_reloads_with_its_schedule(saved):
    import lrkit

    res = _python(LOAD.format(imports="import lrkit.keras"), saved)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["type"] == "lrkit.keras._schedule.Schedule"
    s = lrkit.cosine(0.1, steps=100)
    assert lrkit.parse(out["spec"]) == s
    # two updates were made (8 samples, batch 4) and the optimizer state reloaded
    assert out["steps"] == 2
    assert out["value"] == pytest.approx(float(s(2)), rel=1e-6)


def test_without_it_the_error_names_the_import_that_fixes_it(saved):
    # even after `import lrkit` (which does not import Keras): only lrkit.keras registers
    res = _python(LOAD.format(imports="import lrkit"), saved)
    assert res.returncode != 0
    err = res.stderr
    assert "Could not locate class 'Schedule'" in err
    assert "'load_with': 'import lrkit.keras before keras.saving.load_model'" in err
