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


def _cliff(lr):
    """Falls until lr = 1e-3, then explodes (quadratically in log10 lr) past 1e-1."""
    x = np.log10(lr)
    return 2.0 - np.tanh(2.0 * (x + 3.0)) + 10.0 * max(0.0, x + 1.0) ** 2


@pytest.mark.parametrize("scale", [0.05, 1.0, 40.0])
def test_divergence_stop_does_not_depend_on_the_loss_scale(scale):
    """The stop rule ``smoothed > best + (diverge - 1)|best|`` is ``smoothed > diverge *
    best`` for a positive loss: multiplying the loss by a constant stops the sweep at
    the same step (a rule in absolute units would not)."""
    grid = dict(start=1e-5, end=10.0, steps=61)
    ref = lrkit.find(_cliff, **grid)
    res = lrkit.find(lambda lr: scale * _cliff(lr), **grid)
    assert ref.stop_reason == res.stop_reason == "diverged"
    assert len(res) == len(ref)
    assert res.stop_lr == ref.stop_lr
    # the stop itself: the first smoothed value above 4x the best before it
    sm = res.smoothed
    best = np.minimum.accumulate(sm)
    assert sm[-1] > 4.0 * best[-2]
    assert np.all(sm[1:-1] <= 4.0 * best[:-2])


def test_report_shows_the_suggested_range():
    res = lrkit.find(_cliff, start=1e-5, end=10.0, steps=61)
    rng = res.suggest_range()
    assert rng is not None
    # the first line is "range test: ..."; the range itself is on its own "range" line
    line = [ln for ln in res.report().splitlines() if ln.split()[:1] == ["range"]][-1]
    assert f"{rng[0]:.3g} .. {rng[1]:.3g}" in line
