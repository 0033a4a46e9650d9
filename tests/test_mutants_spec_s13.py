"""Direct tests for lrkit.spec (issue 15, seed-13 training pass). Every line no test ran
was an error path: the class is "a refusal whose message no test read". Each refusal
is pinned here with its words (docs/spec.md: an error names where and why)."""

from __future__ import annotations

import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.spec import SpecError, from_dict, parse


def test_non_ascii_text_is_refused_at_its_column():
    with pytest.raises(SpecError, match=r"at column 26: only ASCII .* got 'é' \(U\+00E9\)"):
        parse("cosine(0.1, steps=10) * 2é")
    with pytest.raises(SpecError, match=r"at column 1: .* got 'λ' \(U\+03BB\)"):
        parse("λ")


def test_the_str_of_a_custom_schedule_is_refused_with_the_custom_message():
    """``str(custom(fn))`` is ``custom(<lambda>)``: not Python, and said so in words."""
    with pytest.raises(SpecError, match=r"^spec error: custom\(\.\.\.\) holds a Python function"):
        parse("custom(<lambda>)")
    with pytest.raises(SpecError, match=r"at column 1: custom\(\.\.\.\) holds a Python function"):
        parse("custom(1)")
    with pytest.raises(SpecError, match="invalid syntax"):
        parse("cosine(<lambda>)")


def test_deep_nesting_without_brackets_is_refused():
    """``- - ... - 1``: no brackets, so the cheap bound passes; at most 100 levels, a
    little deeper is caught on the tree (with a column), far deeper by the parser."""
    assert parse("-" * 100 + "1") == lrkit.constant(1.0)
    with pytest.raises(SpecError, match="at column 101: the spec nests deeper than 100 levels"):
        parse("-" * 101 + "1")
    with pytest.raises(SpecError, match="^spec error: the spec nests deeper than 100 levels$"):
        parse("-" * 3000 + "1")
    with pytest.raises(SpecError, match="^spec error: the spec nests deeper than 100 levels$"):
        parse("(" * 101 + "1" + ")" * 101)
    assert parse("(" * 99 + "1" + ")" * 99) == lrkit.constant(1.0)


def test_arithmetic_that_is_not_a_real_number_is_refused():
    with pytest.raises(SpecError, match=r"\(-8.0\) \*\* 0.5 is not a real number"):
        parse("(-8.0) ** 0.5")
    assert parse("(-8.0) ** 2") == lrkit.constant(64.0)
    assert parse("2 ** -1") == lrkit.constant(0.5)


@pytest.mark.parametrize(
    ("text", "op"), [("7 % 2", "Mod"), ("7 // 2", "FloorDiv"), ("1 @ 2", "MatMult")]
)
def test_unsupported_number_operators_are_named(text, op):
    with pytest.raises(SpecError, match=f"at column 1: unsupported operator {op}"):
        parse(text)


def test_from_dict_names_a_name_that_is_not_a_string_by_its_path():
    with pytest.raises(ConfigTypeError, match="^from_dict: name must be a string, got 3$"):
        from_dict({"name": 3})
    with pytest.raises(ConfigTypeError, match=r"^from_dict: phases\[1\]\.name must be a string"):
        from_dict(
            {
                "name": "sequence",
                "phases": [{"name": "constant", "value": 1.0, "steps": 5}, {"name": None}],
            }
        )
    with pytest.raises(
        ConfigTypeError, match=r"^from_dict: schedule\.name must be a string, got 7"
    ):
        from_dict({"name": "warmup", "schedule": {"name": 7}, "steps": 5})


def _nested(levels: int) -> dict:
    """``levels`` dicts: ``neg`` around ``neg`` ... around a constant."""
    d: dict = {"name": "constant", "value": 1.0}
    for _ in range(levels - 1):
        d = {"name": "neg", "schedule": d}
    return d


def test_from_dict_reads_at_most_100_nested_dicts():
    """As parse's 100 levels: 100 nested dicts are read, 101 are refused with the path."""
    assert from_dict(_nested(100))(0) == -1.0  # 99 negations of 1.0
    assert from_dict(_nested(99))(0) == 1.0  # 98
    with pytest.raises(
        ConfigError, match=r"nests deeper than 100 levels at schedule(\.schedule){99}$"
    ):
        from_dict(_nested(101))


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: parse("   "), SpecError, "^spec error: empty spec$"),
        (
            lambda: parse("cosine(0.1,"),
            SpecError,
            r"^spec error at column 7: invalid syntax in 'cosine\(0.1,'$",
        ),
        (
            lambda: from_dict([1]),
            ConfigTypeError,
            r"^from_dict: expected a dict with a 'name', got \[1\]$",
        ),
        (
            lambda: from_dict({"name": "cosin", "start": 1.0}),
            ConfigError,
            r"^from_dict: unknown schedule 'cosin' \(did you mean 'cosine'\?\)$",
        ),
        (
            lambda: from_dict({"name": "sequence", "phases": [{"name": "cosin"}]}),
            ConfigError,
            r"^from_dict: unknown schedule 'cosin' at phases\[0\] \(did you mean",
        ),
        (
            lambda: from_dict({"name": "sequence", "phases": [[1]]}),
            ConfigTypeError,
            r"^from_dict: expected a dict with a 'name' at phases\[0\], got \[1\]$",
        ),
    ],
)
def test_spec_refusals_name_the_problem(call, error, words):
    with pytest.raises(error, match=words):
        call()
