"""Every combinator evaluated with jax.numpy (what ``lrkit.jax`` runs) as with numpy (issue 15).

A combinator's ``_eval`` runs unchanged on numpy, jax.numpy and keras.ops; operations
that numpy forgives (a reshape to ``(-2,)``, which numpy 2.4 takes as ``(-1,)``) but
jax refuses, or a branch that only another namespace takes, show only when the
combinator is evaluated there. Each combinator (and both warm-up modes, every shape)
is compared with its numpy values, to jax's float32 precision.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import lrkit

N = 40
BASE = lrkit.linear(1.0, 0.2, steps=30)
CASES = [
    *(lrkit.warmup(BASE, steps=6, shape=k) for k in ("linear", "cos", "exp", "constant")),
    *(lrkit.warmup(BASE, steps=6, shape=k, prefix=False) for k in ("linear", "cos", "exp")),
    lrkit.warmup(BASE, steps=6, start=0.05, shape="cos"),
    lrkit.sequence(
        lrkit.linear(0.0, 1.0, steps=5),
        lrkit.truncate(lrkit.exponential(1.0, gamma=0.9), steps=10),
        lrkit.cosine(0.8, steps=15),
    ),
    lrkit.truncate(lrkit.exponential(1.0, gamma=0.9), steps=12),
    BASE * lrkit.cosine(1.0, steps=20) + 0.1,
    1.0 - BASE / 2.0,
    2.0 / (BASE + 1.0),
    -BASE + 1.5,
    lrkit.clip(BASE, low=0.3, high=0.8),
    lrkit.opposite(lrkit.sequence(lrkit.linear(0.1, 1.0, steps=8), BASE), 0.85, 0.95),
    lrkit.opposite(lrkit.one_cycle(1.0, steps=30), 0.85, 0.95),
    lrkit.coupled_wd(BASE, 0.01),
    lrkit.noise(BASE, pct=0.2, begin=3, until=25, seed=7),
    lrkit.noise(BASE, pct=0.2, seed=7, dist="uniform"),
]


@pytest.mark.parametrize("s", CASES, ids=lambda s: s.name)
def test_each_combinator_gives_the_same_values_in_jax(s):
    want = np.array([float(s(t)) for t in range(N)])
    got = np.asarray(s._eval(jnp.arange(N, dtype=jnp.float32), jnp), dtype=np.float64)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


ROUND = [
    *CASES,
    lrkit.warmup(lrkit.cosine(1.0), steps="5%", start=0.0, shape="cos"),
    lrkit.warmup(BASE, steps=6, shape="exp", start=0.01, prefix=False),
    lrkit.noise(lrkit.cosine(1.0), pct=0.3, begin="10%", until="50%", seed=2**40, dist="uniform"),
    lrkit.truncate(lrkit.cosine(1.0), steps="20%"),
    lrkit.coupled_wd(lrkit.cosine(1.0, steps=10), 0.05, ref=0.5, cap=0.2),
    lrkit.clip(lrkit.cosine(1.0, steps=10), high=0.4),
    lrkit.sequence(lrkit.linear(0.0, 1.0, steps="10%"), lrkit.cosine(1.0)),
]


@pytest.mark.parametrize("s", ROUND, ids=lambda s: s.name)
def test_each_combinator_round_trips_through_spec_and_dict(s):
    for back in (lrkit.parse(str(s)), lrkit.from_dict(s.to_dict())):
        assert back == s and str(back) == str(s)
    b = s.bind(50)  # relative durations resolve against a run of 50 steps
    again = lrkit.parse(str(b))
    assert [float(again(t)) for t in range(12)] == [float(b(t)) for t in range(12)]


def test_coupled_wd_of_zero_stays_zero_where_the_rate_reaches_zero():
    """value = 0 (allowed: no weight decay) is 0 at every step, also where the rate is 0:
    the rate is floored at a tiny positive number first, so 0 * ref / rate is never 0 / 0."""
    for ref in (None, 1.0, 0.5):
        wd = lrkit.coupled_wd(lrkit.linear(1.0, 0.0, steps=10), 0.0, ref=ref)
        assert [float(wd(t)) for t in range(12)] == [0.0] * 12
    small = lrkit.coupled_wd(lrkit.linear(0.5, 0.0, steps=4), 0.01)  # ref = 0.5 < 1
    assert float(small(4)) == pytest.approx(0.1)  # rate 0: the cap, 10 * value
