"""Direct tests for core behaviours that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned. Public API only."""

import numpy as np
import pytest

import lrkit


def test_spec_prints_a_wrapped_schedule_first_and_without_its_name():
    """The first parameter, when it is a schedule, is written positionally; every
    other parameter as ``name=value``."""
    s = lrkit.warmup(lrkit.cosine(1.0, steps=100), steps=10)
    assert s.spec() == "warmup(cosine(start=1.0, steps=100), steps=10)"
    assert str(s) == s.spec()
    assert lrkit.parse(s.spec()) == s


@pytest.mark.parametrize("steps", [[0, 1, 2], [[0, 1], [2, 3]], np.arange(5)])
def test_a_constant_value_is_broadcast_to_the_shape_of_the_steps(steps):
    """Step arrays of any shape give a float64 array of that shape, even for a
    schedule whose value does not depend on the step."""
    for s in (lrkit.constant(0.5), lrkit.constant(0.5, steps=3)):
        out = s(steps)
        assert isinstance(out, np.ndarray)
        assert out.shape == np.shape(steps)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, np.full(np.shape(steps), 0.5))
        out[...] = 7.0  # a fresh, writable array each call
        assert s(0) == 0.5


def test_a_formula_that_ignores_the_step_is_broadcast_to_the_steps_shape():
    """``Schedule.__call__`` broadcasts what ``_eval`` returns to the shape of the
    steps (docs/core.md: a schedule is a dataclass with one formula), so a formula
    that returns a 0-d value still gives one value per step. Not registered: the
    spec registry stays as it is."""
    from dataclasses import dataclass

    from lrkit.core import Real, Schedule

    @dataclass(frozen=True, repr=False)
    class Flat(Schedule):
        name = "flat_probe"
        value: Real

        def _eval(self, t, xp):
            return xp.asarray(self.value)

    s = Flat(0.25)
    out = s([1, 2, 3])
    assert out.shape == (3,)
    np.testing.assert_array_equal(out, [0.25, 0.25, 0.25])
    out[0] = 1.0  # writable: a copy, not a read-only broadcast view
    assert s([[0, 1]]).shape == (1, 2)
    assert s(4) == 0.25


def test_a_non_finite_value_is_reported_at_its_first_step():
    """1e300 * 10**t overflows from step 9: the error names step 9, the first one."""
    from lrkit.errors import NonFiniteError

    s = lrkit.exponential(1e300, gamma=10.0)
    with pytest.raises(NonFiniteError, match=r"is not finite at step 9;"):
        s(np.arange(12))
    with pytest.raises(NonFiniteError, match=r"is not finite at step 10;"):
        s(np.arange(10, 14))
