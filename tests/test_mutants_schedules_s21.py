"""Direct tests for lrkit.schedules found by the seed-21 measurement sample (issue 15).

SGDR with ``mult > 1`` finds the cycle of a step by bisection in a table of cycle starts
(``_cycles``) when there are at most 4096 cycles before step 2**63, and from a logarithm
otherwise. In float64 both give the same cycles; in float32 (jax's default) the logarithm
misplaces steps next to a restart by one cycle (a value near ``end`` where ``start`` is due),
where the table does not. lrkit.jax promises float32 values within ~1e-6 of the float64 ones
(its module docstring): this pins that promise at every step of a long run."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

import lrkit


def test_sgdr_with_mult_is_float32_exact_at_every_restart_in_jax():
    s = lrkit.sgdr(1.0, 0.0, period=1, mult=1.1)
    steps = np.arange(2_000_000)
    want = np.asarray(s(steps))
    got = np.asarray(lrkit.jax.schedule(s, total_steps=2_000_000)(jnp.asarray(steps)))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
