"""Class-wide tests for lrkit.finder from the seed-16 training pass (issue 15).

The sweep is a small state machine; instead of one case per rule it is run against an
independent statement of its documented rules (module docstring of ``finder.sweep`` and
``SweepOptions``) on many seeded loss sequences: positive, negative, mixed, with a NaN,
an inf or an exhausted loader at a random step, every ``smooth`` / ``diverge`` edge.
Every recorded field of the result, the callback's arguments and the call count are
compared. The option checks are pinned at each boundary value.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.finder import LoaderExhausted, SweepOptions, sweep_lrs


def _rates(start, end, n, mode):
    if mode == "exp":
        return [start * (end / start) ** (i / (n - 1)) for i in range(n)]
    return [start + (end - start) * i / (n - 1) for i in range(n)]


def _reference(losses, start, end, n, mode, beta, d, exhaust_at):
    """The documented sweep, stated again: returns the expected result fields."""
    lrs = _rates(start, end, n, mode)
    out = {"lrs": [], "losses": [], "smoothed": [], "reason": "completed"}
    out["stop_lr"] = out["stop_loss"] = None
    avg, best, calls = 0.0, math.inf, 0
    for i, lr in enumerate(lrs):
        if i == exhaust_at:
            out["reason"], out["stop_lr"] = "exhausted", lr
            break
        calls += 1
        loss = losses[i]
        if not math.isfinite(loss):
            out["reason"], out["stop_lr"], out["stop_loss"] = "nonfinite", lr, loss
            break
        k = len(out["losses"])
        avg = beta * avg + (1.0 - beta) * loss
        sm = avg / (1.0 - beta ** (k + 1))
        out["lrs"].append(lr)
        out["losses"].append(loss)
        out["smoothed"].append(sm)
        if d is not None and k > 0 and sm > best + (d - 1.0) * abs(best):
            out["reason"], out["stop_lr"], out["stop_loss"] = "diverged", lr, loss
            break
        best = min(best, sm)
    out["calls"] = calls
    return out


def _case(seed):
    rng = random.Random(seed)
    n = rng.choice([2, 3, 5, 20, 40])
    mode = rng.choice(["exp", "linear"])
    start = rng.choice([1e-5, 1e-3]) if mode == "exp" else rng.choice([0.0, 1e-3])
    end = rng.choice([1.0, 10.0])
    beta = rng.choice([0.0, 0.5, 0.9, 0.98])
    d = rng.choice([None, 1.5, 2.0, 4.0])
    offset = rng.choice([0.0, -5.0, -0.5, 3.0])  # negative, mixed-sign and positive losses
    shape = rng.choice(["down-up", "flat", "noisy", "down", "blowup", "blowup"])
    ls = []
    for i in range(n):
        x = i / max(n - 1, 1)
        base = {
            "down-up": 2.0 * (x - 0.6) ** 2 * 10,
            "flat": 1.0,
            "noisy": 1.0,
            "down": 1 - x,
            "blowup": 0.05 * math.exp(9.0 * x) - x,
        }
        ls.append(base[shape] + offset + rng.gauss(0.0, 0.3 if shape == "noisy" else 0.02))
    exhaust_at = None
    r = rng.random()
    if r < 0.15:
        ls[rng.randrange(n)] = rng.choice([math.nan, math.inf, -math.inf])
    elif r < 0.3:
        exhaust_at = rng.randrange(n)
    return ls, start, end, n, mode, beta, d, exhaust_at


@pytest.mark.parametrize("seed", range(60))
def test_the_sweep_follows_its_documented_rules(seed):
    ls, start, end, n, mode, beta, d, exhaust_at = _case(seed)
    want = _reference(ls, start, end, n, mode, beta, d, exhaust_at)
    seen, cb = [], []
    lrs = iter(range(n))

    def step_fn(lr):
        i = next(lrs)
        seen.append(lr)
        if i == exhaust_at:
            raise LoaderExhausted(f"ran out at {i}")
        return ls[i]

    res = lrkit.find(
        step_fn,
        start=start,
        end=end,
        steps=n,
        mode=mode,
        smooth=beta,
        diverge=d,
        progress=False,
        callback=lambda *a: cb.append(a),
    )
    assert res.stop_reason == want["reason"]
    assert list(res.lrs) == pytest.approx(want["lrs"], rel=1e-12)
    assert list(res.losses) == want["losses"]
    assert list(res.smoothed) == pytest.approx(want["smoothed"], rel=1e-12, abs=1e-12)
    if want["stop_lr"] is None:
        assert res.stop_lr is None
    else:
        assert res.stop_lr == pytest.approx(want["stop_lr"], rel=1e-12)
    if want["stop_loss"] is None or not math.isnan(want["stop_loss"]):
        assert res.stop_loss == want["stop_loss"]
    else:
        assert math.isnan(res.stop_loss)
    assert res.calls == want["calls"]
    assert res.stop_detail == (f"ran out at {exhaust_at}" if want["reason"] == "exhausted" else "")
    assert [c[0] for c in cb] == list(range(len(want["losses"])))
    assert [c[2] for c in cb] == want["losses"]
    assert [c[3] for c in cb] == pytest.approx(want["smoothed"], rel=1e-12, abs=1e-12)
    assert seen[0] == start and len(seen) == want["calls"] + (want["reason"] == "exhausted")
    assert res.config == {
        "start": start,
        "end": end,
        "steps": n,
        "mode": mode,
        "smooth": beta,
        "diverge": d,
    }


def test_the_rates_include_both_ends_exactly_and_follow_the_formula():
    for start, end, n, mode in [
        (1e-7, 10.0, 100, "exp"),
        (0.0, 1.0, 5, "linear"),
        (0.3, 0.7, 2, "exp"),
    ]:
        got = sweep_lrs(start, end, n, mode)
        assert got[0] == start and got[-1] == end and len(got) == n
        assert got.tolist() == pytest.approx(_rates(start, end, n, mode), rel=1e-13)
        assert np.all(np.diff(got) > 0)


def test_the_sweep_options_at_their_boundaries():
    SweepOptions(steps=2)
    SweepOptions(start=0.0, mode="linear")
    SweepOptions(smooth=0.0)
    SweepOptions(diverge=None)
    SweepOptions(diverge=1.0001)
    SweepOptions(start=0.5, end=0.5000001)
    for bad, match in [
        ({"steps": 1}, "steps"),
        ({"start": 0.0}, r"start must be > 0 \(mode='exp'\), got 0\.0"),
        ({"start": -1e-3, "mode": "linear"}, r"start must be >= 0, got -0\.001"),
        ({"start": 1.0, "end": 1.0}, r"end must be > start, got start=1\.0, end=1\.0"),
        ({"smooth": 1.0}, "smooth"),
        ({"smooth": -0.1}, "smooth"),
        ({"diverge": 1.0}, "diverge"),
        ({"end": 0.0, "start": 0.0, "mode": "linear"}, "end"),
    ]:
        with pytest.raises(ConfigError, match=match):
            SweepOptions(**bad)
    with pytest.raises(ConfigTypeError, match="unknown sweep setting"):
        lrkit.find(lambda lr: 1.0, stepz=3)
    with pytest.raises(ConfigTypeError, match="options must be a SweepOptions"):
        lrkit.find(lambda lr: 1.0, {"steps": 3})
    with pytest.raises(ConfigTypeError, match="step_fn must be callable"):
        lrkit.find(3.0)
    # the defaults themselves are pinned in test_mutants_finder_s5.py
