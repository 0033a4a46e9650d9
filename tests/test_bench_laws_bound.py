"""benchmarks/check_laws_bound.py's terms of the convex last-iterate bound, checked by
hand: a constant rate (closed form) and a short decaying schedule (the double sum
written out term by term)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

from check_laws_bound import predict, terms  # noqa: E402

from lrkit.laws import Run  # noqa: E402
from lrkit.laws.public import PEAK  # noqa: E402


def test_a_constant_rate_gives_half_and_half_the_harmonic_number():
    # eta_k = 1 (the peak): S_k = t - k + 1, Q_k = t - k + 1, so b1 = 1/2 and
    # b2 = 1/2 * sum_{k=1}^{t-1} 1 / (t - k) = H_{t-1} / 2
    eta = np.full(101, PEAK)
    run = Run(eta, np.array([10, 100]), np.array([1.0, 1.0]))
    f = terms(run)
    harmonic = [sum(1 / j for j in range(1, n)) for n in (10, 100)]
    assert f[:, 0] == pytest.approx([10.0, 100.0])
    assert f[:, 1] == pytest.approx([0.5, 0.5])
    assert f[:, 2] == pytest.approx([h / 2 for h in harmonic])


def test_a_decaying_schedule_matches_the_double_sum_written_out():
    rates = np.array([0.0, 1.0, 0.8, 0.5, 0.3, 0.1])  # eta_0 is never used
    run = Run(rates * PEAK, np.array([3, 5]), np.array([1.0, 1.0]))
    f = terms(run)
    for row, t in zip(f, (3, 5)):
        e = rates[1 : t + 1]
        s = [e[k:].sum() for k in range(t)]
        q = [(e[k:] ** 2).sum() for k in range(t)]
        b2 = 0.5 * sum(e[k] / s[k + 1] * q[k] / s[k] for k in range(t - 1))
        assert row == pytest.approx([s[0], q[0] / (2 * s[0]), b2])


def test_the_forms_use_their_own_noise_terms():
    f = np.array([[4.0, 0.5, 2.0]])
    p = np.array([1.0, np.log(2.0), 0.5, 0.1])  # L0 + 2 * 4^-0.5 = 2
    assert predict("bound", p, f)[0] == pytest.approx(2.0 + 0.1 * 2.5)
    assert predict("bound_last", p, f)[0] == pytest.approx(2.0 + 0.1 * 2.0)
    assert predict("bound_plain", p, f)[0] == pytest.approx(2.0 + 0.1 * 0.5)
