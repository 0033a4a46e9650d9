"""Direct tests for schedule behaviours that the seed-5 mutation sample
(``benchmarks/mutation.py --seed 5``, ``benchmarks/results/mutation_seed5.md``)
showed no other test pinned."""

import numpy as np
import pytest

import lrkit


@pytest.mark.parametrize(
    ("kw", "want"),
    [
        ({"steps": 100, "warmup": "5%", "decay": 20}, (5, 20)),
        ({"steps": 100, "warmup": 5, "decay": "20%"}, (5, 20)),
        ({"steps": "100%", "warmup": 5, "decay": 20}, (5, 20)),
        ({"steps": "100%", "warmup": "10%", "decay": 30}, (10, 30)),
    ],
)
def test_wsd_mixing_durations_in_steps_and_percent(kw, want):
    """``schedules.py:934``: wsd checks ``warmup + decay <= steps`` at construction only
    when all three are step counts; with a relative one it is checked once bound, and
    mixed forms give the same schedule as plain steps."""
    s = lrkit.wsd(1.0, **kw).bind(total_steps=100)
    w, d = want
    ref = lrkit.wsd(1.0, steps=100, warmup=w, decay=d)
    t = np.arange(100)
    np.testing.assert_array_equal(s(t), ref(t))
    assert s(w) == 1.0 and s(99) == pytest.approx(1.0 / d)


def test_tanh_follows_its_formula_between_the_ends():
    """``schedules.py:1028``: :math:`\\eta = e + (s - e)(1 - \\tanh(l(1-f) + u f))/2`,
    :math:`f = t/n`, with the defaults ``lower = -7``, ``upper = 3``."""
    for lower, upper, kw in ((-7.0, 3.0, {}), (-2.0, 5.0, {"lower": -2.0, "upper": 5.0})):
        s = lrkit.tanh(1.0, 0.1, steps=20, **kw)
        t = np.arange(20)
        f = t / 20
        want = 0.1 + 0.9 * (1 - np.tanh(lower * (1 - f) + upper * f)) / 2
        np.testing.assert_allclose(s(t), want, rtol=1e-12)
        assert s(20) == s(100) == 0.1  # the end, then held
