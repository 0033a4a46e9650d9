"""The spec language: lrkit.parse, str(schedule), to_dict/from_dict."""

from __future__ import annotations

import json
import re

import pytest

import lrkit
from lrkit import SpecError, parse


def test_positional_and_keyword_arguments():
    a = parse("cosine(0.1, 1e-5, 100)")
    b = parse("cosine(start=0.1, end=1e-5, steps=100)")
    c = parse("cosine(0.1, steps=100, end=1e-5)")
    assert a == b == c == lrkit.cosine(0.1, 1e-5, steps=100)
    assert str(a) == "cosine(start=0.1, end=1e-05, steps=100)"


def test_numbers_with_arithmetic():
    s = parse("cosine(1e-3 * 2 ** 3, end=-(-1) / 4, steps=2 * 50 + 1 - 1)")
    assert s == lrkit.cosine(0.008, 0.25, steps=100)
    assert parse("cosine(2 ** 0.5, steps=8 / 2)") == lrkit.cosine(2**0.5, steps=4)
    assert parse("0.5") == lrkit.constant(0.5)
    assert parse("-1e-3 + 2e-3") == lrkit.constant(1e-3)


def test_strings_lists_tuples_and_booleans():
    assert parse("warmup(cosine(0.1, 1e-5), steps='5%')") == lrkit.warmup(
        lrkit.cosine(0.1, 1e-5), steps="5%"
    )
    assert parse('linear(1, 0, steps="2ep")').steps == "2ep"
    assert parse("multistep(1.0, 0.5, [10, 20])").milestones == (10, 20)
    assert parse("piecewise((1.0, 0.5), (10,))") == lrkit.piecewise([1.0, 0.5], [10])
    assert parse("interpolate([(0, 1), [10, 2]], 'cos')") == lrkit.interpolate(
        [(0, 1.0), (10, 2.0)], "cos"
    )
    assert parse("exponential(1, 0.5, staircase=True)").staircase is True
    assert parse("warmup(constant(1), 3, None)") == lrkit.warmup(lrkit.constant(1), 3)


def test_operators():
    s = parse("cosine(0.1, steps=10) * cosine(0.2, steps=3) + 1e-3")
    c1, c2 = lrkit.cosine(0.1, steps=10), lrkit.cosine(0.2, steps=3)
    assert s == c1 * c2 + 1e-3
    assert parse("2 * cosine(0.1, steps=10)") == 2 * c1
    assert parse("(constant(1) + constant(2)) * 3") == (lrkit.constant(1) + lrkit.constant(2)) * 3
    assert parse("constant(1) + (constant(2) + constant(3))") == lrkit.constant(1) + (
        lrkit.constant(2) + lrkit.constant(3)
    )
    # precedence: * binds tighter than +
    assert parse("constant(1) + constant(2) * 3") == lrkit.constant(1) + lrkit.constant(2) * 3


def test_whitespace_and_parse_of_a_schedule():
    s = lrkit.cosine(0.1, steps=3)
    assert parse("   cosine(0.1, steps=3)   ") == s
    assert parse(s) is s


def _err(text: str, *fragments: str) -> str:
    with pytest.raises(SpecError, match=".*".join(re.escape(f) for f in fragments)) as e:
        parse(text)
    msg = str(e.value)
    assert "\n" not in msg
    assert isinstance(e.value, ValueError)
    return msg


def test_unknown_name_with_did_you_mean():
    _err("cosin(0.1, steps=10)", "column 1", "unknown schedule 'cosin'", "did you mean 'cosine'")
    _err("warmup(cosnie(0.1), steps=3)", "column 8", "unknown schedule 'cosnie'", "'cosine'")
    _err("one_cycel(0.1)", "did you mean 'one_cycle'")
    msg = _err("zzz(1)", "column 1", "unknown schedule 'zzz'")
    assert "did you mean" not in msg
    _err("cosine(start=warmpu, steps=3)", "column 14", "unknown name 'warmpu'", "'warmup'")


def test_unknown_keyword_with_did_you_mean():
    _err(
        "cosine(0.1, stepz=10)",
        "column 19",
        "cosine: unknown keyword 'stepz'",
        "did you mean 'steps'",
        "allowed: start, end, steps",
    )
    _err("one_cycle(1.0, steps=10, pct=0.3)", "unknown keyword 'pct'", "allowed: peak, steps")


def test_missing_argument():
    _err("cosine(steps=10)", "column 1", "cosine: missing required argument 'start'")
    _err(
        "linear(1.0, 0.0, steps=3) + step(1, 0.5)", "column 29", "missing required argument 'every'"
    )


def test_wrong_type_and_bad_value():
    _err("cosine('a', steps=10)", "column 1", "cosine: start must be a number", "got 'a' (str)")
    _err("cosine(True, steps=3)", "cosine: start must be a number", "got True")
    _err("cosine(0.1, steps=0)", "column 1", "cosine: steps must be a positive duration", "got 0")
    _err("cosine(0.1, steps=b'x')", "column 19", "unsupported literal b'x'")
    _err("multistep(1, 0.5, 10)", "multistep: milestones must be a list", "got 10")
    _err("cosine(0.1, steps=3) * 'x'", "column 1", "operators apply to schedules and numbers")


def test_syntax_errors_with_column():
    _err("cosine(0.1, steps=10", "spec error at column 7", "invalid syntax")
    _err("cosine(0.1,, steps=10)", "spec error at column 12", "invalid syntax")
    with pytest.raises(SpecError, match="empty spec"):
        parse("   ")


def test_everything_else_is_rejected_never_evaluated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pwned"
    bad = [
        ("__import__('os')", "unknown schedule '__import__'"),
        (f"__import__('os').system('touch {marker}')", "only plain schedule names can be called"),
        ("os.system('x')", "only plain schedule names can be called"),
        ("open('x', 'w')", "unknown schedule 'open'"),
        ("cosine(0.1, steps=10).start", "unsupported syntax Attribute"),
        ("cosine(0.1, steps=3).__class__", "unsupported syntax Attribute"),
        ("lambda: 1", "unsupported syntax Lambda"),
        ("[c for c in ()]", "unsupported syntax ListComp"),
        ("cosine(0.1, steps=3) if 1 else 2", "unsupported syntax IfExp"),
        ("{'a': 1}", "unsupported syntax Dict"),
        ("x", "unknown name 'x'"),
        ("x", "a value is a number, a quoted string or a schedule call such as cosine(...)"),
        ("cosine", "'cosine' is a schedule: call it, e.g. cosine(...)"),
        ("cosine(0.1, steps=inf)", "numbers must be finite, got 'inf'"),
        ("cosine(nan)", "numbers must be finite, got 'nan'"),
        ("cosine(*[1])", "*args is not supported"),
        ("cosine(**{'start': 1})", "**kwargs is not supported"),
        ("cosine(0.1, steps=10) ** 2", "only + - * / combine schedules"),
        ("cosine(0.1, steps=10) % 2", "only + - * / combine schedules"),
        ("cosine(0.1, steps=10) / 0", "the divisor must not be 0"),
        ("-'abc'", "unary minus/plus only applies to numbers and schedules"),
        ("cosine(1/0, steps=3)", "arithmetic error"),
        ("cosine(0.1, steps=10**10**10)", "arithmetic error"),  # no hang: powers in floats
        ("cosine(0.1, steps=10**400)", "arithmetic error"),
        ("[1, 2]", "a spec must describe a schedule"),
        ("'abc'", "a spec must describe a schedule"),
        ("cosine(start=0.1, start=0.2, steps=3)", "keyword 'start' given twice"),
    ]
    for text, frag in bad:
        with pytest.raises(SpecError, match=re.escape(frag)):
            parse(text)
    assert not marker.exists()
    assert list(tmp_path.iterdir()) == []


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError, match="parse: spec must be a string, got 3"):
        parse(3)


EXAMPLES = [
    lrkit.cosine(0.1, 1e-5, steps=100),
    lrkit.warmup(lrkit.cosine(0.1, 1e-5), steps="5%"),
    lrkit.warmup(lrkit.constant(1.0), steps="2ep", start=0.0, shape="cos"),
    lrkit.exponential(1.0, half_life="10%", every=3, staircase=True),
    lrkit.multistep(1.0, 0.1, milestones=[0, "50%", "75%"]),
    lrkit.piecewise([1.0, 0.5, 0.25], boundaries=[10, "3ep"]),
    lrkit.interpolate([(0, 0.0), ("10%", 1.0), (100, 0.0)], kind="cos"),
    lrkit.sequence(lrkit.constant(0.1, steps=5), lrkit.linear(0.1, 0.0)),
    lrkit.one_cycle(1.0, three_phase=True, anneal="linear", pct_start=0.25),
    lrkit.wsd(1.0, steps=100, warmup="5%", decay=20, shape="sqrt"),
    lrkit.clip(lrkit.sgdr(1.0, period=10, mult=2, decay=0.5), low=0.1),
    lrkit.opposite(lrkit.one_cycle(1.0), 0.8, 0.9),
    lrkit.coupled_wd(lrkit.cosine(1.0), 0.01, cap=0.1),
    (lrkit.cosine(0.1) + 1e-5) * lrkit.linear(0.0, 1.0, steps=10),
    lrkit.cyclic(0.1, 1.0, half_period="1ep", mode="exp_range", gamma=0.99),
    lrkit.inverse_time(1.0, 0.5, every=2, staircase=True) + lrkit.inverse_sqrt(1.0, 10),
    lrkit.step(1.0, 0.5, "2ep") * 2,
    lrkit.polynomial(1.0, 0.0, power=2.0),
]


@pytest.mark.parametrize("s", EXAMPLES, ids=str)
def test_round_trips(s):
    assert parse(str(s)) == s
    assert parse(s.spec()) == s
    assert repr(s) == str(s)
    d = s.to_dict()
    assert lrkit.from_dict(d) == s
    assert lrkit.from_dict(json.loads(json.dumps(d))) == s
    assert lrkit.as_schedule(str(s)) == lrkit.as_schedule(d) == s


def test_to_dict_shape():
    s = lrkit.warmup(lrkit.cosine(0.1, 1e-5), steps="5%")
    assert s.to_dict() == {
        "name": "warmup",
        "schedule": {"name": "cosine", "start": 0.1, "end": 1e-5},
        "steps": "5%",
    }
    assert lrkit.sequence(lrkit.constant(1.0)).to_dict() == {
        "name": "sequence",
        "phases": [{"name": "constant", "value": 1.0}],
    }


def test_from_dict_errors_and_mappings():
    from collections import OrderedDict
    from types import MappingProxyType

    assert lrkit.from_dict(MappingProxyType({"name": "constant", "value": 1})) == lrkit.constant(1)
    assert lrkit.from_dict(OrderedDict(name="constant", value=1)) == lrkit.constant(1)
    assert lrkit.from_dict("cosine(1, steps=3)") == lrkit.cosine(1, steps=3)
    with pytest.raises(ValueError, match=re.escape("needs a 'name' key, got keys ['value']")):
        lrkit.from_dict({"value": 1})
    with pytest.raises(ValueError, match="unknown schedule 'cosin'.*did you mean 'cosine'"):
        lrkit.from_dict({"name": "cosin", "start": 1})
    with pytest.raises(ValueError, match="cosine: unknown key 'stepz'; allowed: start, end, steps"):
        lrkit.from_dict({"name": "cosine", "start": 1, "stepz": 3})
    with pytest.raises(TypeError, match="expected a dict with a 'name', got 3"):
        lrkit.from_dict(3)
    with pytest.raises(ValueError, match="cosine: steps must be a positive duration"):
        lrkit.from_dict({"name": "cosine", "start": 1, "steps": 0})


def test_as_schedule():
    assert lrkit.as_schedule(0.1) == lrkit.constant(0.1)
    with pytest.raises(TypeError, match="expected a schedule, a number, a spec string or a dict"):
        lrkit.as_schedule(True)
