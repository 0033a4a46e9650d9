"""Direct tests for combinator behaviours that the seed-5 mutation sample
(``benchmarks/mutation.py --seed 5``, ``benchmarks/results/mutation_seed5.md``)
showed no other test pinned."""

import numpy as np
import pytest

import lrkit


def test_the_peak_of_an_overlaid_warmup_includes_the_schedule_s_last_step():
    """``combinators.py:138``: the peak of ``warmup(..., prefix=False)`` is read over
    ``[0, length]``, both ends included: a rising ``linear(0.4, 1, steps=10)`` peaks at
    step 10 (value 1.0), not at step 9 (0.94). ``coupled_wd`` couples to that peak:
    ``0.01 x 1.0 / eta_t``."""
    rise = lrkit.warmup(lrkit.linear(0.4, 1.0, steps=10), 3, prefix=False)
    assert rise(10) == 1.0 and rise(9) == pytest.approx(0.94)
    wd = lrkit.coupled_wd(rise, 0.01)
    assert wd(10) == pytest.approx(0.01)
    assert wd(5) == pytest.approx(0.01 * 1.0 / 0.7)
    # the momentum mirror of the rate: low at the peak, high at the start
    mom = lrkit.opposite(rise, 0.85, 0.95)
    a0 = float(rise(0))  # the overlaid ramp's start, s(0) / 4
    assert a0 == pytest.approx(0.4 / 4)
    t = np.arange(11)
    want = 0.95 - 0.1 * (np.asarray(rise(t)) - a0) / (1.0 - a0)
    np.testing.assert_allclose(mom(t), want, rtol=1e-12)
    assert mom(10) == pytest.approx(0.85) and mom(9) > 0.85


def test_a_double_negation_prints_without_parentheses_and_round_trips():
    """``combinators.py:450``: unary minus binds tighter than ``*`` and ``+``, and as
    tightly as another unary minus: ``-(-s)`` prints ``--s``; ``-(s * 2)`` and
    ``-(s + 1)`` keep their parentheses. Each spec parses back to the same schedule."""
    s = lrkit.linear(1.0, 0.5, steps=10)
    neg = -s
    twice = -neg
    assert str(twice) == "--" + str(s)
    assert str(-(s * 2.0)) == f"-({s} * 2.0)"
    assert str(-(s + 1.0)) == f"-({s} + 1.0)"
    assert str(-s * 2.0) == f"-{s} * 2.0"
    for x in (twice, -(s * 2.0), -(s + 1.0), -s * 2.0):
        assert lrkit.spec.parse(str(x)) == x
        np.testing.assert_allclose(lrkit.spec.parse(str(x))(np.arange(12)), x(np.arange(12)))


@pytest.mark.parametrize("pct", [1.0, 0.5])
def test_normal_noise_is_the_inverse_normal_cdf_of_the_uniform_draw(pct):
    """``combinators.py:661`` (Acklam's inverse normal CDF): both distributions of
    :func:`lrkit.noise` use the same per-step uniform :math:`u` (the same seed), the
    normal one is :math:`\\Phi^{-1}(\\Phi(-p) + u(\\Phi(p) - \\Phi(-p)))` (a standard
    normal conditioned on :math:`|n| < p`), here against scipy's ``norm.ppf``."""
    from scipy.stats import norm

    t = np.arange(0, 20_000, 7)
    uni = lrkit.noise(lrkit.constant(1.0), pct=pct, seed=11, dist="uniform")(t) - 1.0
    nor = lrkit.noise(lrkit.constant(1.0), pct=pct, seed=11, dist="normal")(t) - 1.0
    u = (uni / pct + 1.0) / 2.0
    lo = norm.cdf(-pct)
    want = norm.ppf(lo + u * (1.0 - 2.0 * lo))
    np.testing.assert_allclose(nor, want, rtol=1e-7, atol=1e-9)
    assert np.all(np.abs(nor) < pct) and np.abs(nor).max() > 0.99 * pct
