import json
import os
import subprocess
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="module")
def one_torch_thread():
    """The machine is shared: one torch thread for a module's tests (restored afterwards).

    Use with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
    """
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def run_keras_torch():
    """``run(script, stdin=None)``: run ``script`` in a fresh Python with the Keras torch
    backend (it cannot be switched in-process); assert it succeeded and return the JSON
    object printed on its last stdout line."""

    def run(script: str, stdin: str | None = None):
        res = subprocess.run(
            [sys.executable, "-c", script],
            input=stdin,
            capture_output=True,
            text=True,
            env=dict(os.environ, KERAS_BACKEND="torch"),
            timeout=300,
            check=False,
        )
        assert res.returncode == 0, res.stderr[-3000:]
        return json.loads(res.stdout.strip().splitlines()[-1])

    return run


@pytest.fixture
def draw_plateau_kwargs():
    """``draw(rng, factors, thresholds, max_cooldown)``: random ReduceLROnPlateau knobs
    ``mode, factor, patience, threshold, threshold_mode, cooldown`` drawn from ``rng`` (a
    ``random.Random``) in that order, for parity tests against PyTorch."""

    def draw(rng, factors, thresholds, max_cooldown):
        return dict(
            mode=rng.choice(["min", "max"]),
            factor=rng.choice(factors),
            patience=rng.randint(0, 4),
            threshold=rng.choice(thresholds),
            threshold_mode=rng.choice(["rel", "abs"]),
            cooldown=rng.randint(0, max_cooldown),
        )

    return draw


def ranks_exit_codes(argvs, timeout=120):
    """Start one process per argv (the ranks of a multi-process test, output discarded),
    wait for all of them and return their exit codes; any still running after
    ``timeout`` seconds is killed (a hang fails the test instead of the suite)."""
    procs = [
        subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for argv in argvs
    ]
    try:
        return [p.wait(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
