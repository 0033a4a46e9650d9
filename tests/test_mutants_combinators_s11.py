"""Direct tests for combinators survivors of the seed-11 measurement sample (issue 15):
how arithmetic on schedules prints (left-associative operators: only a right operand
of the same precedence, or a looser operand, gets parentheses)."""

from __future__ import annotations

import numpy as np
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


def test_truncate_binds_a_wrapped_schedule_without_length_to_the_truncation():
    """``truncate``: "A wrapped ``steps`` left out runs to the truncation", and
    eta_t = s(min(t, n))."""
    s = lrkit.truncate(lrkit.cosine(1.0, 0.1), 10)
    assert not s.is_bound
    b = s.bind(total_steps=100)
    assert b.spec() == "truncate(cosine(start=1.0, end=0.1, steps=10), steps=10)"
    t = np.arange(14)
    want = lrkit.cosine(1.0, 0.1, steps=10)(np.minimum(t, 10))
    np.testing.assert_allclose(b(t), want, rtol=0, atol=0)
    done = lrkit.truncate(lrkit.cosine(1.0, 0.1, steps=20), 10)
    assert done.bind(total_steps=100) is done  # nothing to bind: the same object


def test_a_middle_phase_of_a_sequence_runs_on_its_own_clock():
    """``sequence``: phase ``i`` (not the last) sees ``t - offset_i``, clipped to its
    length; a decaying middle phase is read at its own local step, not the run's."""
    s = lrkit.sequence(
        [lrkit.linear(1.0, 0.0, steps=10), lrkit.linear(0.8, 0.0, steps=10), lrkit.constant(0.5)]
    )
    t = np.array([0, 5, 10, 15, 19, 20, 30])
    assert s(t) == pytest.approx([1.0, 0.5, 0.8, 0.4, 0.08, 0.5, 0.5], abs=1e-12)
