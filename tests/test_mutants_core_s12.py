"""Direct tests for core survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import pytest

import lrkit
from lrkit import core


def test_core_as_schedule_returns_a_schedule_as_is_and_converts_the_rest():
    """``lrkit.core.as_schedule`` (kept for callers; forwards to the spec layer): a
    schedule is returned as is, a number becomes ``constant``, a spec is parsed."""
    s = lrkit.cosine(0.1, steps=10)
    assert core.as_schedule(s) is s
    assert core.as_schedule(0.5) == lrkit.constant(0.5)
    assert core.as_schedule("cosine(0.1, steps=10)") == s


def test_steps_of_refuses_an_unbound_duration():
    """``steps_of``: evaluation only runs on bound durations; a percentage that was
    never bound is an internal error, not a value."""
    assert core.steps_of(12) == 12
    with pytest.raises(AssertionError, match="not bound"):
        core.steps_of("10%")
