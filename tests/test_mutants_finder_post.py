"""Direct tests for the range test's chart data, progress bar and curve-shape warnings
that a sampled mutation run (``benchmarks/mutation.py``) showed no other test pinned."""

import math
import sys

import numpy as np
import pytest

import lrkit
from lrkit.finder.diagnose import warnings
from lrkit.finder.figure import finder_figure


def test_figure_markers_sit_on_the_curve_at_their_rate():
    """Each marker's y is the lag-free curve read at its rate: the recorded value at a
    recorded rate, else log-linear interpolation (``auto`` is derived, not recorded)."""
    res = lrkit.find(
        lambda lr: 1.0 + 0.4 * (np.log10(lr) + 1.0) ** 2, start=1e-4, end=1.0, steps=60, smooth=0.0
    )
    lrs, curve = np.asarray(res.lrs), np.asarray(res.curve)
    markers = {m[0]: m for m in finder_figure(res).markers}
    assert markers["auto"][2] not in list(lrs)
    for _name, _, lr, y in markers.values():
        assert y == pytest.approx(float(np.interp(math.log(lr), np.log(lrs), curve)), rel=1e-12)
        if lr in list(lrs):
            assert y == curve[list(lrs).index(lr)]


def test_progress_true_without_tqdm_says_how_to_install_it(monkeypatch):
    """``progress=True`` asked explicitly and tqdm missing: an ImportError naming the fix."""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r"progress=True needs tqdm.*lrkit\[tasks\]"):
        lrkit.find(lambda lr: 1.0, start=1e-4, end=1.0, steps=10, progress=True)
    res = lrkit.find(lambda lr: 1.0, start=1e-4, end=1.0, steps=10, progress=None)
    assert len(res.lrs) == 10


def test_diverged_at_once_needs_a_rise_of_two_percent_of_the_loss_level():
    """A loss that only rises is "diverged at once" when the rise exceeds
    ``FLAT = 2 %`` of the loss's level (and the step noise): at level 100 a rise of
    1 (1 %) is not, a rise of 5 (5 %) is."""
    small = lrkit.find(lambda lr: 100.0 + 1.0 * lr, start=1e-4, end=1.0, steps=60, smooth=0.0)
    assert not any(w.startswith("diverged at once") for w in warnings(small))
    big = lrkit.find(lambda lr: 100.0 + 5.0 * lr, start=1e-4, end=1.0, steps=60, smooth=0.0)
    assert warnings(big)[0].startswith("diverged at once")


def test_too_noisy_compares_the_noise_with_the_fall_not_with_the_level():
    """A noisy sweep whose loss sits 10 above zero: the fall (start level minus the
    minimum's level, about 1.7) is what the noise (about 0.6) is compared with, so the
    "too noisy" warning and its numbers are the same as without the offset."""
    import numpy as np

    import lrkit

    def sweep(offset):
        rng = np.random.default_rng(0)

        def f(lr):
            return offset + 2.0 / (1.0 + (lr / 1e-2) ** 2) + (lr / 0.3) ** 4 + 0.8 * rng.normal()

        return lrkit.find(f, start=1e-4, end=1.0, steps=100, progress=False)

    plain, high = sweep(0.0).warnings, sweep(10.0).warnings
    assert len(high) == 1 and high[0].startswith("too noisy:")
    assert "is comparable to its fall (1.72)" in high[0]
    assert high == plain


def test_the_chart_shades_the_suggested_range_from_base_to_max():
    """``plot()`` shades the span ``suggest_range() = (base, max)`` on the lr axis."""
    import lrkit

    def f(lr):
        return 1.0 / (1.0 + (lr / 1e-2) ** 2) + (lr / 0.3) ** 4

    res = lrkit.find(f, start=1e-4, end=1.0, steps=60, progress=False)
    base, top = res.suggest_range()
    assert base < top
    (span,) = res.plot().axes[0].patches
    x = span.get_patch_transform().transform(span.get_path().vertices)[:, 0]
    assert min(x) == pytest.approx(base) and max(x) == pytest.approx(top)


def test_robust_smoothing_of_a_curve_it_fits_exactly_stays_exact():
    """A constant loss: most of the first fit's residuals are exactly 0 (their median is 0),
    so the robustness iterations stop (no reweighting by a zero scale): the curve is the loss."""
    import numpy as np

    from lrkit.finder.smooth import zero_lag

    lrs = np.geomspace(1e-4, 1.0, 50)
    for robust in (1, 2):
        np.testing.assert_allclose(zero_lag(lrs, np.full(50, 2.0), robust=robust), 2.0, rtol=1e-12)


def test_chart_cap_is_read_up_to_the_minimum_only():
    """The chart's y cap (``clip_limits``) is set by the curve and the raw losses up to
    the curve's minimum: top + max(top - minimum, 25 % of top). A loss that only rises
    has its minimum at the first point, so the rise after it does not lift the cap."""
    from lrkit.finder.figure import clip_limits

    res = lrkit.find(lambda lr: 1.0 + 10.0 * lr, start=1e-3, end=1.0, steps=40, smooth=0.0)
    z, raw = np.asarray(res.curve), np.asarray(res.losses)
    assert int(np.nanargmin(z)) == 0 and z[1] > max(z[0], raw[0])
    top = max(z[0], raw[0])
    assert clip_limits(res)[1] == pytest.approx(top + max(top - z[0], 0.25 * top), rel=1e-12)


def test_chart_cap_of_a_valley_counts_the_raw_losses_before_the_minimum():
    """A valley (minimum mid-sweep) with one raw spike at the second point, higher than
    anything before the minimum: that raw value is the top, not the smoothed curve."""
    from lrkit.finder.figure import clip_limits

    res = lrkit.find(
        lambda lr: 1.0 + (math.log10(lr) + 1.5) ** 2 + (3.0 if 1.05e-3 < lr < 1.2e-3 else 0.0),
        start=1e-3, end=1.0, steps=60, smooth=0.0, diverge=None,
    )  # fmt: skip
    z, raw = np.asarray(res.curve), np.asarray(res.losses)
    imin = int(np.nanargmin(z))
    assert 10 < imin < 50 and raw[1] > np.nanmax(z[: imin + 1])
    assert raw[1] == raw[: imin + 1].max() > raw[0]
    top = raw[1]
    assert clip_limits(res)[1] == pytest.approx(top + max(top - z[imin], 0.25 * top), rel=1e-12)
