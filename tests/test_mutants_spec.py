"""Direct tests for spec behaviours that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned. Public API only."""

import pytest

import lrkit
from lrkit.spec import MAX_DEPTH, SpecError, label, parse


def test_label_strips_comments_on_every_line():
    """``label`` drops ``# ...`` comments (not a ``#`` inside a string) and joins the
    remaining non-empty lines with single spaces."""
    assert label("constant(10.0)  # cosine(0.1)") == "constant(10.0)"
    assert label("cosine(1.0,  # the peak\n  steps=100)  # to the end") == "cosine(1.0, steps=100)"
    assert label("# only a note\nconstant(0.5)\n# and another") == "constant(0.5)"
    assert label("constant(0.5,\n# hold\nsteps=10)") == "constant(0.5, steps=10)"
    assert label("constant(0.5, steps=10)\n# a long note") == "constant(0.5, steps=10)"
    assert label("warmup(cosine(1.0, steps=100), steps='10%')") == (
        "warmup(cosine(1.0, steps=100), steps='10%')"
    )
    text = "sequence(\n  constant(1.0, steps=5),  # hold\n  cosine(1.0, steps=10),\n)"
    assert parse(label(text)) == parse(text)


def test_bracket_nesting_is_allowed_up_to_max_depth():
    """Brackets nested exactly ``MAX_DEPTH`` deep are read; one more is refused."""
    ok = "(" * MAX_DEPTH + "0.5" + ")" * MAX_DEPTH
    assert parse(ok) == lrkit.constant(0.5)
    deep = "(" * (MAX_DEPTH + 1) + "0.5" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(SpecError, match=f"nests deeper than {MAX_DEPTH} levels"):
        parse(deep)
    assert parse("((0.5))") == lrkit.constant(0.5)


def test_nesting_is_measured_before_parsing_even_with_sibling_brackets():
    """``[[0], [[0], [[0], ...]]]``: brackets close and reopen at every level, and the
    nesting still counts one per level: the cheap pre-parse bound refuses it (the
    message without a column), before Python's parser builds the deep tree."""
    from lrkit.spec import MAX_DEPTH, SpecError, parse

    def nested(n):
        return "0" if n == 0 else "[[0], " + nested(n - 1) + "]"

    with pytest.raises(SpecError) as e:
        parse("interpolate(" + nested(MAX_DEPTH + 20) + ")")
    assert str(e.value) == f"spec error: the spec nests deeper than {MAX_DEPTH} levels"


def test_from_dict_refuses_a_dict_nested_deeper_than_max_depth():
    from lrkit.errors import ConfigError
    from lrkit.spec import MAX_DEPTH, from_dict

    d = {"name": "constant", "value": 0.1}
    for _ in range(MAX_DEPTH):  # refused at the 101st level, before building anything
        d = {"name": "warmup", "schedule": d, "steps": 1}
    with pytest.raises(ConfigError, match=rf"nests deeper than {MAX_DEPTH} levels at schedule\."):
        from_dict(d)


def test_many_sibling_brackets_are_not_nesting():
    """150 points are 150 bracket pairs side by side, nesting 3 deep: accepted."""
    pts = ", ".join(f"({i}, {1.0 / (i + 1)})" for i in range(150))
    s = parse(f"interpolate([{pts}])")
    assert s(149) == pytest.approx(1.0 / 150) and s(0) == 1.0
