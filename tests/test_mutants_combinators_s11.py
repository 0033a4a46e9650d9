"""Direct tests for combinators survivors of the seed-11 measurement sample (issue 15):
how arithmetic on schedules prints (left-associative operators: only a right operand
of the same precedence, or a looser operand, gets parentheses)."""

from __future__ import annotations

import pytest

import lrkit

C = lrkit.cosine(1.0, 0.1)
E = lrkit.constant(0.5)
CS, ES = C.spec(), E.spec()


@pytest.mark.parametrize(
    ("sched", "text"),
    [
        ((C + E) + C, f"{CS} + {ES} + {CS}"),
        ((C - E) - C, f"{CS} - {ES} - {CS}"),
        ((C - E) + C, f"{CS} - {ES} + {CS}"),
        ((C * E) * C, f"{CS} * {ES} * {CS}"),
        ((C / E) / C, f"{CS} / {ES} / {CS}"),
        ((C * E) / C, f"{CS} * {ES} / {CS}"),
        ((C * E) + C, f"{CS} * {ES} + {CS}"),
        (2.0 * C * E, f"2.0 * {CS} * {ES}"),
        (C - (E - C), f"{CS} - ({ES} - {CS})"),
        (C / (E * C), f"{CS} / ({ES} * {CS})"),
        ((C + E) * C, f"({CS} + {ES}) * {CS}"),
        (C * (E + C), f"{CS} * ({ES} + {CS})"),
        (-(C + E), f"-({CS} + {ES})"),
        (-C * E, f"-{CS} * {ES}"),
    ],
)
def test_arithmetic_prints_with_only_the_parentheses_it_needs(sched, text):
    assert sched.spec() == text
    assert lrkit.parse(text) == sched  # and reads back as the same tree
