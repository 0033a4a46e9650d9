"""Direct tests for lrkit.combinators found by the seed-21 measurement sample (issue 15).

``Add.level`` and ``Subtract.level`` (both 1) decide that a sum or difference on the right
of ``+`` or ``-`` is printed in parentheses: ``a + (b - c)`` is a different tree from
``a + b - c`` (that is ``(a + b) - c``), so without them the printed spec would parse back
to another schedule."""

from __future__ import annotations

import lrkit
from lrkit.spec import parse


def test_a_sum_or_difference_on_the_right_of_plus_prints_in_parentheses():
    a, b, c = lrkit.constant(1.0), lrkit.cosine(1.0, steps=10), lrkit.linear(0.0, 1.0, steps=4)
    for x, text in [
        (a + (b - c), f"{a} + ({b} - {c})"),
        (a + (b + c), f"{a} + ({b} + {c})"),
        (a + (b - 0.5), f"{a} + ({b} - 0.5)"),
        ((a + b) + c, f"{a} + {b} + {c}"),
        ((a - b) + c, f"{a} - {b} + {c}"),
        (a - (b + c), f"{a} - ({b} + {c})"),
        (a - (b - c), f"{a} - ({b} - {c})"),
        ((a - b) - c, f"{a} - {b} - {c}"),
    ]:
        assert str(x) == text
        assert parse(str(x)) == x
