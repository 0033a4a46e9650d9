"""Direct tests for range-test behaviours that sampled mutation runs (``benchmarks/mutation.py``,
seed 2's last open survivor and the fresh seed-3 sample) showed no other test pinned."""

import math

import numpy as np
import pytest

from lrkit.finder import FinderResult, step_noise


def _flat_then_falling(
    a: float, zb: float, knee: float = 3.25
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """40 rates; a lag-free curve flat at 4 for 12 points, ``zb`` at point 12, then a
    straight fall from ``knee`` to 2 (points 13-28) and a rise to 6.125; the raw losses
    are that curve plus ``a`` on every odd point (an exact zigzag: every value but
    ``zb``, on an even point, is a multiple of 2**-10)."""
    n = 40
    z = np.empty(n)
    z[:12] = 4.0
    z[12] = zb
    z[13:29] = knee - np.arange(1, 17) / 16 * (knee - 2.0)
    z[29:] = 2.0 + np.arange(1, 12) * 0.375
    losses = z + np.where(np.arange(n) % 2 == 1, a, 0.0)
    return np.geomspace(1e-4, 1.0, n), losses, z


def _noise(losses: np.ndarray) -> float:
    """The documented robust step noise, 1.4826 MAD(diff) / sqrt(2)."""
    d = np.diff(losses)
    return 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0)


def test_the_range_base_is_on_the_descent_when_its_fall_is_exactly_twice_the_noise():
    """The base's "flat, noisy start" warning needs a fall from the start's level
    *under* twice the raw step noise: at exactly twice it, the base counts as on the
    descent (no warning, a confident result); one ulp less of fall, and it is warned.

    The curve (given, as a framework wrapper or ``from_dict`` does) is flat at 4 over
    the start, so the lead level is 4; the base is point 12 (the first point below
    4 - 0.1 x (4 - 2)); the noise is read on the raw losses from ``skip_start = 2``
    to the minimum (point 28)."""
    a = 0.1875
    _, losses, _ = _flat_then_falling(a, 3.6)
    zb = 4.0 - 2.0 * step_noise(losses[2:29])
    _, losses, _ = _flat_then_falling(a, zb)  # the fixed point: the noise no longer moves
    noise = step_noise(losses[2:29])
    assert noise == _noise(losses[2:29])
    assert 4.0 - zb == 2.0 * noise  # exactly at the boundary (all exact in float64)

    lrs, losses, z = _flat_then_falling(a, zb)
    res = FinderResult(lrs, losses, losses, config={"steps": 40}, curve=z)
    base, top = res.suggest_range()
    assert (base, top) == (lrs[12], lrs[28])
    assert res.warnings == []
    assert res.confident

    up = float(np.nextafter(zb, 5.0))  # the fall is one ulp short of twice the noise
    lrs, losses, z = _flat_then_falling(a, up)
    res = FinderResult(lrs, losses, losses, config={"steps": 40}, curve=z)
    assert step_noise(losses[2:29]) == noise
    assert 4.0 - up < 2.0 * noise
    (warning,) = res.warnings
    assert warning.startswith(f"the range's base {lrs[12]:.3g} lies in the flat, noisy start")
    assert f"the loss's noise {noise:.3g}" in warning
    assert not res.confident


def test_the_range_base_is_in_the_noise_when_its_fall_to_the_minimum_is_twice_the_noise():
    """The other half of the rule: the fall from the base to the minimum must be *more*
    than twice the noise. The curve drops from 4 straight to the base, then falls only
    slightly to the minimum 2: at exactly twice the noise the base is warned about;
    one ulp more of fall, and it is not."""
    a = 0.2060546875
    _, losses, _ = _flat_then_falling(a, 2.6, knee=2.375)
    zb = 2.0 + 2.0 * step_noise(losses[2:29])
    _, losses, _ = _flat_then_falling(a, zb, knee=2.375)
    noise = step_noise(losses[2:29])
    assert noise == _noise(losses[2:29])
    assert zb - 2.0 == 2.0 * noise

    lrs, losses, z = _flat_then_falling(a, zb, knee=2.375)
    res = FinderResult(lrs, losses, losses, config={"steps": 40}, curve=z)
    assert res.suggest_range() == (lrs[12], lrs[28])
    (warning,) = res.warnings
    assert warning.startswith(f"the range's base {lrs[12]:.3g} lies in the flat, noisy start")
    assert not res.confident

    up = float(np.nextafter(zb, 5.0))
    lrs, losses, z = _flat_then_falling(a, up, knee=2.375)
    res = FinderResult(lrs, losses, losses, config={"steps": 40}, curve=z)
    assert step_noise(losses[2:29]) == noise
    assert res.warnings == []
    assert res.confident


def _late_base(fourth: float) -> FinderResult:
    """A base 12 points into the window (point 14, ``skip_start = 2``): the start's
    level is the median of the first ``max(3, 12 // 4 + 1) = 4`` usable points,
    ``4, 4.125, 3.75`` and ``fourth``; the curve then stays at 4 (within 10 % of the
    fall from the top 4.125) up to the base 3.45, falls straight to 2 (point 28) and
    rises; the raw losses add 0.1875 on every odd point (noise 0.243)."""
    n = 40
    z = np.full(n, 4.0)
    z[2:6] = [4.0, 4.125, 3.75, fourth]
    z[14] = 3.45
    z[15:29] = 3.25 - np.arange(1, 15) / 14 * 1.25
    z[29:] = 2.0 + np.arange(1, 12) * 0.375
    losses = z + np.where(np.arange(n) % 2 == 1, 0.1875, 0.0)
    return FinderResult(np.geomspace(1e-4, 1.0, n), losses, losses, config={"steps": n}, curve=z)


def test_the_start_level_of_a_late_base_is_the_median_of_its_first_quarter():
    """With the fourth point at 3.625 the start's level is the median of four points,
    (3.75 + 4) / 2 = 3.875, and the base's fall from it, 0.425, is under twice the
    noise (0.487): warned. The median of three would be 4 (a fall of 0.55: not
    warned). With the fourth point at 4 the level is 4 and nothing is warned."""
    res = _late_base(3.625)
    noise = _noise(res.losses[2:29])
    assert 3.875 - 3.45 < 2.0 * noise < 4.0 - 3.45
    assert res.suggest_range() == (res.lrs[14], res.lrs[28])
    (warning,) = res.warnings
    assert warning.startswith(f"the range's base {res.lrs[14]:.3g} lies in the flat, noisy start")
    assert f"the loss's noise {noise:.3g}" in warning

    res = _late_base(4.0)
    assert res.suggest_range() == (res.lrs[14], res.lrs[28])
    assert res.warnings == []


def test_steep_searches_the_descent_only_not_a_dip_before_the_top():
    """``steep`` is the steepest point of the curve over log10(lr) from where the loss
    has covered 10 % of its fall from its top: a dip of the noisy start before the top
    (3 -> 2 -> back up to the top 4, steeper than anything after) is not searched.
    The fall from 4 has steps 0.1 x 6, 0.3, 0.5, then smaller ones: over equal log
    spacing the central difference is steepest at point 17 (0.3 + 0.5), which is where
    numpy's gradient of the descent has its minimum too. The raw losses are noisy
    enough (noise 0.42) that the dip is no fall for the search window."""
    n = 40
    lrs = np.geomspace(1e-4, 1.0, n)
    z = np.full(n, 3.0)
    z[6:11] = [2.0, 2.5, 3.0, 3.5, 4.0]
    fall = [0.1] * 6 + [0.3, 0.5] + [0.1] * 5 + [0.05] * 8
    z[11:32] = 4.0 - np.cumsum(fall)
    z[32:] = z[31] + 0.5 * np.arange(1, n - 31)
    losses = z + np.where(np.arange(n) % 2 == 1, 0.5, 0.0)
    res = FinderResult(lrs, losses, losses, config={"steps": n}, curve=z)
    assert res.suggestion("minimum").index == 31
    g = np.gradient(z[2:32], np.log10(lrs[2:32]))
    assert int(np.argmin(g)) + 2 == 6 - 1  # the dip is the steepest point overall
    j0 = 13  # the first point after the top at or below 4 - 0.1 x (4 - 1.7) = 3.77
    assert z[j0 - 1] > 4.0 - 0.1 * (4.0 - z[31]) >= z[j0]
    assert int(np.argmin(g[j0 - 2 :])) + j0 == 17  # the descent's steepest point
    s = res.suggestion("steep")
    assert (s.index, s.lr) == (17, lrs[17])


def test_negative_skips_are_refused_naming_both_values():
    """``skip_start`` and ``skip_end`` count points left out: either one negative is a
    ``ConfigError`` giving both values; 0 is allowed for each."""
    from lrkit.errors import ConfigError

    lrs, losses, z = _flat_then_falling(0.1875, 3.5)
    for start, end in ((-1, 3), (2, -1), (-1, -1)):
        with pytest.raises(
            ConfigError,
            match=rf"^FinderResult: skip_start and skip_end must be >= 0, got {start}, {end}$",
        ):
            FinderResult(lrs, losses, losses, skip_start=start, skip_end=end)
    res = FinderResult(lrs, losses, losses, skip_start=0, skip_end=0)
    assert (res.skip_start, res.skip_end) == (0, 0)


def test_zero_lag_at_a_single_rate_is_the_mean_loss():
    """Every loss recorded at one rate: the local line has no slope to fit (zero
    spread in log lr), and the weighted least-squares fit is the weighted mean,
    here the plain mean (equal weights)."""
    from lrkit.finder import zero_lag

    losses = [1.0, 2.0, 3.0, 4.0, 6.0]
    np.testing.assert_allclose(zero_lag(np.full(5, 0.01), losses), np.full(5, 3.2), rtol=1e-15)
