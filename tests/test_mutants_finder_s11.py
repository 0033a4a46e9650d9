"""Direct tests for finder survivors of the seed-11 measurement sample (issue 15)."""

from __future__ import annotations

import numpy as np

from lrkit.finder import FinderResult
from lrkit.finder.suggest import window


def test_the_window_is_empty_at_zero_when_skip_end_exceeds_the_points():
    """``window``'s ``[lo, hi)`` indexes the recorded points: never negative. With more
    points skipped at the end than were recorded (a sweep cut short), it is the empty
    window at 0, and no suggestion reads a point."""
    lrs = np.geomspace(1e-4, 1e-2, 3)
    loss = np.array([2.0, 1.5, 1.2])
    for reason in ("completed", "diverged"):
        res = FinderResult(
            lrs, loss, loss, stop_reason=reason, skip_start=0, skip_end=5,
            config={"steps": 3, "mode": "exp"},
        )  # fmt: skip
        assert window(res) == (0, 0)
        assert res.suggest("minimum") is None
