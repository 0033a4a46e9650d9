"""Direct tests for lrkit.combinators found by the seed-21 measurement sample (issue 15).

``Add.level`` and ``Subtract.level`` (both 1) decide that a sum or difference on the right
of ``+`` or ``-`` is printed in parentheses: ``a + (b - c)`` is a different tree from
``a + b - c`` (that is ``(a + b) - c``), so without them the printed spec would parse back
to another schedule. ``warmup(..., prefix=False)`` ramps to the schedule's first value,
``s(0)``, as timm's ``warmup_prefix=False`` does (its docstring), so the exp ramp's check
reads ``s(0)``, not the value at the end of the ramp."""

from __future__ import annotations

import pytest

import lrkit
from lrkit.errors import ConfigError
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


def test_an_exp_warmup_laid_over_the_schedule_checks_its_first_value():
    s = lrkit.linear(-1.0, 1.0, steps=10)  # s(0) = -1 < 0, s(6) = 0.2 would pass
    with pytest.raises(ConfigError, match=r"must be >= 0, got -1\.0"):
        lrkit.warmup(s, steps=6, shape="exp", start=0.1, prefix=False)
    up = lrkit.linear(0.4, -1.0, steps=10)  # s(0) = 0.4, s(6) = -0.44: the ramp aims at 0.4
    w = lrkit.warmup(up, steps=6, shape="exp", start=0.1, prefix=False)
    assert w(0) == pytest.approx(0.1) and w(3) == pytest.approx(0.2)
    assert w(6) == pytest.approx(-0.44)
