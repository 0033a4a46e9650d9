"""Direct tests for plan survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit


def test_when_every_first_rung_probe_diverges_rung_two_starts_8x_below_the_lowest():
    """docs/plan.md: a probe that diverges scores +inf. When every first-rung probe
    diverged, the second rung is centred 8x below the lowest first-rung peak (its
    probes at that rate and 2x, 4x below it), not at the lowest peak that just failed."""

    def run(schedule, steps):
        lrs = np.asarray(schedule(np.arange(steps)), float)
        loss = 1.0 / (1.0 + np.arange(steps) * np.minimum(lrs, 0.1))
        bad = np.flatnonzero(lrs > 0.1)
        return list(loss if bad.size == 0 else loss[: bad[0]].tolist() + [float("nan")])

    p = lrkit.plan(run, 1000, lr=1.0, use_laws=False)
    rung1 = [q for q in p.probes if q.stage == "rung1"]
    low = min(q.peak for q in rung1)
    assert len(rung1) == 4 and low > 0.1 and all(q.diverged for q in rung1)
    rung2 = [q.peak for q in p.probes if q.stage == "rung2"]
    assert rung2 == pytest.approx([low / 8, low / 16, low / 32], rel=1e-12)
    assert p.peak <= 0.1
