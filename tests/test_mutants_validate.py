"""Direct tests for the shared validation and duration rules (``lrkit._validate``) that
a sampled mutation run (``benchmarks/mutation.py``) showed no other test pinned.
Public API only: durations are observed through ``bind`` and ``to_dict``."""

import pytest

import lrkit
from lrkit.errors import ConfigError


@pytest.mark.parametrize(
    "pct, total, steps",
    [("50%", 3, 2), ("25%", 10, 3), ("5%", 30, 2), ("10%", 30, 3), ("50%", 5, 3), ("3%", 50, 2)],
)
def test_percent_duration_rounds_to_the_nearest_step_half_up(pct, total, steps):
    """``bind`` documents percentages "rounded to the nearest step": ``floor(p/100 N + ½)``
    (1.5 -> 2 and 2.5 -> 3, not banker's rounding and not truncation)."""
    p = float(pct[:-1])
    assert steps == int(p / 100 * total + 0.5)
    bound = lrkit.warmup(lrkit.constant(1.0), steps=pct, start=0.0).bind(total_steps=total)
    assert bound.to_dict()["steps"] == steps


def test_percent_duration_changes_the_values():
    """cosine over "50%" of 3 steps is a 2-step cosine: ``½(1 + cos(π t/2))`` at t = 1."""
    s = lrkit.cosine(1.0, steps="50%").bind(total_steps=3)
    assert s.to_dict()["steps"] == 2
    assert float(s(1)) == pytest.approx(0.5)
    assert float(s(2)) == pytest.approx(0.0, abs=1e-15)


def test_a_duration_of_exactly_2_53_steps_is_allowed_and_one_more_is_not():
    """Durations are capped at ``2**53`` (the largest step a float64 counts exactly):
    ``2**53`` itself is accepted, ``2**53 + 1`` is refused with the limit named."""
    assert lrkit.cosine(1.0, steps=2**53).length == 2**53
    assert lrkit.cosine(1.0, steps=float(2**53)).length == 2**53
    with pytest.raises(ConfigError, match=r"cosine: steps must be at most 2\*\*53"):
        lrkit.cosine(1.0, steps=2**53 + 1)


def test_a_duration_of_100_percent_is_the_whole_run_and_more_is_refused():
    import lrkit
    from lrkit.errors import ConfigError

    assert lrkit.cosine(0.1, steps="100%").bind(total_steps=50).length == 50
    with pytest.raises(ConfigError, match=r"must be at most 100% of the run, got '100.5%'"):
        lrkit.cosine(0.1, steps="100.5%")
