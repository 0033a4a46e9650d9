"""Direct test for a spec-parser behaviour that a fresh sampled mutation run
(``benchmarks/mutation.py``, seed 3) showed no other test pinned."""

import pytest

from lrkit.spec import MAX_DEPTH, SpecError, parse


def _nested(levels: int) -> str:
    """``levels`` nested calls: ``levels - 1`` one-step warm-ups around ``constant(0.5)``."""
    text = "constant(0.5)"
    for _ in range(levels - 1):
        text = f"warmup({text}, 1)"
    return text


def test_a_spec_may_nest_max_depth_levels_and_no_more():
    """``MAX_DEPTH`` (100) levels of calls parse; one more is a ``SpecError`` that says
    so (a spec is data from a file or a command line: its depth is bounded before the
    parser recurses into it)."""
    assert MAX_DEPTH == 100
    s = parse(_nested(MAX_DEPTH))
    assert str(s) == _nested(MAX_DEPTH).replace("constant(0.5)", "constant(value=0.5)").replace(
        ", 1)", ", steps=1)"
    )
    # each one-step warm-up delays the schedule by one step: past them, the constant
    assert float(s(MAX_DEPTH + 5)) == 0.5
    with pytest.raises(SpecError, match=r"^spec error: the spec nests deeper than 100 levels$"):
        parse(_nested(MAX_DEPTH + 1))


def test_operators_count_as_levels_too():
    """A level is a call *or an operator*: ``constant(0.5) * 1.0 * ... * 1.0`` is a chain
    of left-nested products without a single bracket, one level per ``*``. With 99
    products (100 levels) it parses to the value 0.5; with 100 (101 levels) it is
    refused like a deep bracket nesting."""
    s = parse("constant(0.5)" + " * 1.0" * (MAX_DEPTH - 1))
    assert float(s(0)) == 0.5 and float(s(10**6)) == 0.5
    with pytest.raises(SpecError, match=r"^spec error at column 1: the spec nests deeper than 100"):
        parse("constant(0.5)" + " * 1.0" * MAX_DEPTH)
