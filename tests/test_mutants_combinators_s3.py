"""Direct tests for combinator behaviours that a fresh sampled mutation run
(``benchmarks/mutation.py``, seed 3) showed no other test pinned."""

import numpy as np
import pytest

import lrkit
from lrkit.errors import LrkitError

M32 = 0xFFFFFFFF


def _lowbias32(x: int) -> int:
    """C. Wellons' published "lowbias32" integer hash (32-bit wrap-around)."""
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    return x ^ (x >> 16)


def _uniform_noise(seed: int, step: int, pct: float) -> float:
    """``(2u - 1) pct`` with ``u`` the top 24 bits of ``lowbias32(step ^ lowbias32(key))``
    over 2**24, the key being the seed folded to 32 bits: its low word xor its high word
    times 0x9E3779B9 (mod 2**32)."""
    key = (seed & M32) ^ (((seed >> 32) * 0x9E3779B9) & M32)
    u = (_lowbias32((step & M32) ^ _lowbias32(key)) >> 8) * 2.0**-24
    return (2.0 * u - 1.0) * pct


@pytest.mark.parametrize("seed", [2**31 + 12345, 2**32 - 1, 2**32 + 7, 2**62 + 2**33 + 5])
def test_uniform_noise_is_the_lowbias32_hash_of_step_and_folded_seed(seed):
    """``noise(..., dist="uniform")`` multiplies by ``1 + n_t`` with ``n_t`` from the
    hash of (seed, step), reproduced here from the published hash: a seed below 2**32
    is its own key (bit 31 included), a larger one folds its high word in."""
    pct = 0.25
    s = lrkit.noise(lrkit.constant(2.0), pct=pct, seed=seed, dist="uniform")
    t = np.arange(12)
    want = [2.0 * (1.0 + _uniform_noise(seed, int(k), pct)) for k in t]
    np.testing.assert_allclose(s(t), want, rtol=1e-15)


def test_coupled_wd_on_a_schedule_with_a_negative_peak_refuses_rather_than_returns():
    """``coupled_wd`` divides by the rate, floored at ``ref x 1e-300``. A schedule whose
    peak (the default ``ref``) is negative has no meaningful coupled weight decay: lrkit
    raises (today a ``NonFiniteError`` when evaluated), never returns a negative or
    zero-by-accident weight decay."""
    neg = -lrkit.constant(1.0, steps=5)
    for value in (0.0, 0.01):
        with pytest.raises(LrkitError):
            lrkit.coupled_wd(neg, value).bind(total_steps=5)(np.arange(5))
    # the positive counterpart: lr * wd stays value * ref
    s = lrkit.coupled_wd(lrkit.linear(1.0, 0.5, steps=10), 0.01)
    np.testing.assert_allclose(s(np.arange(10)) * np.linspace(1.0, 0.5, 11)[:10], 0.01, rtol=1e-12)


def test_noise_reaches_minus_pct_in_its_lowest_cell():
    """The draw's 24-bit cells run from u = 0: the lowest is -pct itself (the docstring says
    [-pct, pct), not an open interval). Seed 7's step 5,477,943 hashes to cell 0."""
    assert _uniform_noise(7, 5_477_943, 0.25) == -0.25
    uni = lrkit.noise(lrkit.constant(1.0), pct=0.25, seed=7, dist="uniform")
    assert uni(5_477_943) == 0.75
    normal = lrkit.noise(lrkit.constant(1.0), pct=0.25, seed=7, dist="normal")
    assert abs(normal(5_477_943) - 0.75) < 1e-9  # the inverse normal's accuracy
    assert all(0.75 <= v < 1.25 for v in uni(np.arange(5_477_940, 5_477_950)))
