"""Direct tests for behaviours of the framework-neutral range test (``lrkit.find`` and its
``FinderResult``) that a sampled mutation run (``benchmarks/mutation.py``) showed no
other test pinned. Public API only."""

import json

import numpy as np
import pytest

import lrkit


def _quadratic_sweep():
    # loss of one gradient step on f(w) = w^2 from w = 1: (1 - 2 lr)^2
    return lrkit.find(lambda lr: (1.0 - 2.0 * lr) ** 2, start=1e-4, end=1.0, steps=40)


@pytest.mark.parametrize("field", ["losses", "smoothed", "lrs"])
def test_loading_a_result_with_mismatched_lengths_is_refused(field):
    res = _quadratic_sweep()
    d = json.loads(json.dumps(res.to_dict()))
    assert lrkit.FinderResult.from_dict(d).lrs == pytest.approx(res.lrs)
    d[field] = d[field][:-1]
    with pytest.raises(ValueError, match="same length"):
        lrkit.FinderResult.from_dict(d)


def test_result_lengths_must_agree():
    with pytest.raises(ValueError, match="same length"):
        lrkit.FinderResult(np.geomspace(1e-3, 1, 5), np.ones(4), np.ones(5))


def _parabola_sweep(ratio):
    """A clean sweep over lr in [1e-4, 1] whose loss ``1 + c (log10 lr - x0)^2`` ends
    ``ratio`` x its fall above the minimum (fall = c (4 + x0)^2, end rise = c x0^2)."""
    r = ratio**0.5
    x0 = -4.0 * r / (1.0 + r)
    res = lrkit.find(
        lambda lr: 1.0 + 0.4 * (np.log10(lr) - x0) ** 2, start=1e-4, end=1.0, steps=60, smooth=0.0
    )
    assert res.stop_reason == "completed"
    return res


def test_never_diverged_warning_only_when_the_end_is_near_the_minimum():
    """docs/finder.md: *never diverged* when the sweep ends with the loss still near its
    minimum (within a quarter of the fall); a loss that climbed back by half its fall
    did show the rise, so no warning."""
    near = _parabola_sweep(0.1)
    assert any("never diverged" in w for w in near.warnings)
    risen = _parabola_sweep(0.5)
    assert not any("never diverged" in w for w in risen.warnings)
    assert risen.warnings == []
