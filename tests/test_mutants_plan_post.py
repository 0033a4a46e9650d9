"""Direct test for the plan's first-rung candidates that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned."""

import numpy as np
import pytest

from lrkit.plan._rungs import _candidates


def test_candidates_without_a_reference_are_log_spaced_from_hi_over_10_to_lo_times_100():
    """No reference rate: ``peaks`` rates log-spaced from ``hi/10`` down to
    ``max(100 lo, hi/1e5)``."""
    got = _candidates(None, 3, 1e-6, 1.0, False)
    assert got == pytest.approx([0.1, 0.1 * (1e-3) ** 0.5, 1e-4], rel=1e-12)
    got = _candidates(None, 5, 1e-9, 1.0, False)  # 100 lo < hi/1e5: the floor is hi/1e5
    np.testing.assert_allclose(got, np.geomspace(0.1, 1e-5, 5), rtol=1e-12)


def test_a_range_test_without_a_minimum_hands_the_budget_to_the_blind_rung():
    """A range-test curve that rises then falls but never below its start: no
    minimum (``suggest()``, the valley, still answers), and no fall either, so
    docs/plan.md rule 1 applies: no rung is centred on the sweep's reading; the
    blind rung spreads ``peaks`` probes geometrically from ``lr_range[1] / 10``
    down four decades (until 2026-11-30 the first rung was centred on
    ``suggest() * sqrt(10)`` here)."""
    import lrkit
    from lrkit.plan._evidence import saw_fall

    lo, hi = 1e-6, 10.0

    def run(schedule, steps):
        lrs = np.asarray(schedule(np.arange(steps)), float)
        u = np.clip(np.log10(lrs / lo) / np.log10(hi / lo), 0.0, 1.0)
        return list(1.0 + 0.5 * np.sin(np.pi * u) + 0.05 * u)

    p = lrkit.plan(run, 1000, lr_range=(lo, hi))
    assert p.finder.suggestion("minimum").lr is None
    auto = p.finder.suggest()
    assert auto is not None
    assert p.notes[0].startswith("range test: no clear minimum")
    assert not saw_fall(p.finder)
    assert [q.stage for q in p.probes[1:]] == ["blind"] * 4
    blind = [q.peak for q in p.probes[1:]]
    assert blind == pytest.approx([1.0 * 10.0 ** (-4 * j / 3) for j in range(4)], rel=1e-12)
    assert any(n.startswith("the range test saw no fall") for n in p.notes)


@pytest.mark.parametrize("opt", [0.025, 0.01 * 2.0**-1.4])
def test_the_best_peak_is_read_on_the_three_probes_around_the_best(opt):
    """Scores exactly log-quadratic in log2(peak): the parabola through the best of
    the probes 2**1.5, 2**0.5, 2**-0.5, 2**-1.5 times lr and its two neighbours
    (moved inward at an edge) gives the optimum exactly. With the optimum at 2.5 lr
    the best is the highest probe (the three lowest would clamp the answer to the
    second highest); with it just above the lowest probe, the best is the lowest
    (that probe's own peak, or the three highest, would be wrong)."""
    import math

    import lrkit

    lr = 0.01

    def run(schedule, steps):
        # the loss halves over every probe (a probe that does not fall ranks nothing,
        # docs/plan.md rule 7); the factor is the same for probes of one length, so the
        # scores stay exactly log-quadratic in log2(peak)
        peak = float(np.max(np.asarray(schedule(np.arange(steps)), float)))
        fall = 2.0 - np.arange(steps) / steps
        return list(math.exp(0.3 * math.log2(peak / opt) ** 2) * fall)

    p = lrkit.plan(run, 1000, lr=lr)
    rung1 = sorted(q.peak for q in p.probes if q.stage == "rung1")
    assert rung1 == pytest.approx([lr * 2.0 ** (k - 1.5) for k in range(4)], rel=1e-12)
    note = f"read between probes {opt:.3g}"
    assert any(n.startswith("rung 1") and n.endswith(note) for n in p.notes), p.notes
    if opt > lr:
        assert p.peak == pytest.approx(opt, rel=1e-9)


def test_probe_curves_are_binned_in_equal_windows_ending_at_the_last_step():
    """100 losses: index 0 (before any update) is dropped, 99 remain; windows of
    ceil(99 / 32) = 4 points, 24 of them, the first 3 points left out (never the end);
    each stamped with its middle step (``start + 2``)."""
    from lrkit.plan._laws import binned_run_data

    losses = np.arange(100.0) + 1.0  # the loss measured after update k - 1 is k + 1
    steps, means = binned_run_data(np.ones(100), losses)
    assert len(steps) == len(means) == 24
    np.testing.assert_array_equal(steps, 5 + 4 * np.arange(24))
    # window k covers steps 3 + 4k .. 6 + 4k, whose losses are step + 2
    np.testing.assert_allclose(means, 3 + 4 * np.arange(24) + 1.5 + 2.0)


def test_a_pair_whose_second_item_is_a_bool_is_not_losses_and_val_loss():
    """``(losses, True)``: a bool is not a validation loss, so the pair is refused, naming
    what its second item must be."""
    from lrkit.errors import ConfigTypeError
    from lrkit.plan import Trial, as_trial

    with pytest.raises(ConfigTypeError, match=r"val_loss is not a number or None: True"):
        as_trial(([1.0, 2.0], True), 5)
    assert as_trial(([1.0, 2.0], 0.5), 5) == Trial(losses=(1.0, 2.0), val_loss=0.5)
