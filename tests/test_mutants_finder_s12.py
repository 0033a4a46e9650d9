"""Direct tests for finder survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.finder import FinderResult, sweep_lrs


def test_a_fall_of_exactly_two_percent_is_not_flat():
    """docs/finder.md: a *flat curve* is one whose smoothed loss falls by **less than**
    2 % (of the larger of its top and its minimum). A fall of exactly 2 % (50 -> 49,
    exact in floating point: 0.02 x 50 == 1.0) is not flat; a hair less is."""
    assert 0.02 * 50.0 == 1.0
    lrs = sweep_lrs(start=1e-5, end=10.0, steps=61)
    for dip, flat in ((1.0, False), (0.999, True)):
        z = 50.0 - dip * np.maximum(0.0, 1.0 - np.abs(np.arange(61) - 30) / 10.0)
        res = FinderResult(
            lrs, z, z, curve=z, skip_start=0, skip_end=0, config={"steps": 61, "mode": "exp"}
        )  # fmt: skip
        assert float(z.max() - z.min()) == pytest.approx(dip, abs=1e-12)
        assert (float(z.max() - z.min()) == 1.0) is not flat
        assert any(w.startswith("flat curve") for w in res.warnings) is flat
