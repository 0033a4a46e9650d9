"""Direct tests for spec survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import numpy as np

import lrkit
from lrkit.spec import parse


def test_unary_signs_on_a_schedule():
    """``-schedule`` negates it (``Neg``), ``+schedule`` is the schedule itself."""
    s = lrkit.cosine(0.1, steps=10)
    neg = parse("-cosine(0.1, steps=10)")
    assert neg == -s and np.allclose(neg(np.arange(10)), -s(np.arange(10)))
    assert parse("+cosine(0.1, steps=10)") == s
