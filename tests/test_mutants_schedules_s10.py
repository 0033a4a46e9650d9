"""Direct tests for schedules behaviours the seed-10 training sample found unpinned
(issue 15): ``wsd`` at and after its last step when the decay does not end at
``end`` (no decay, or a cosine of other than half a cycle), and ``sgdr``'s cycles
found from a logarithm (more than 4096 cycles before step 2**63: ``mult`` near 1)
against a direct re-statement of its formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit


@pytest.mark.parametrize("w", [0, 5])
def test_wsd_without_decay_holds_peak_to_its_last_step_then_end(w):
    s = lrkit.wsd(1.0, steps=100, warmup=w, decay=0, end=0.1)
    t = np.arange(w, 100)
    np.testing.assert_array_equal(s(t), np.ones(t.size))
    np.testing.assert_array_equal(s(np.array([100, 101, 1000])), [0.1, 0.1, 0.1])
    assert s.length == 100


@pytest.mark.parametrize("cycles", [1.0, 1.5, 0.25])
def test_wsd_cosine_decay_of_other_cycles_ends_at_end_from_its_last_step(cycles):
    """The decay :math:`g(f) = (1 - \\cos 2\\pi c f)/2`, :math:`f = (t - (T - D))/D`;
    a cosine that does not end at ``end`` (``cycles != 0.5``) is ``end`` from step T."""
    T, D, peak, end = 100, 20, 1.0, 0.1
    s = lrkit.wsd(peak, steps=T, warmup=0, decay=D, end=end, shape="cos", cycles=cycles)
    t = np.arange(T - D, T)
    f = (t - (T - D)) / D
    want = end + (peak - end) * (1.0 - (1.0 - np.cos(2.0 * math.pi * cycles * f)) / 2.0)
    np.testing.assert_allclose(s(t), want, rtol=1e-12)
    np.testing.assert_array_equal(s(np.array([T, T + 1, 10 * T])), [end] * 3)


def _sgdr_reference(t, start, end, period, mult, decay):
    """Cycle k starts at S_k = P (m^k - 1)/(m - 1) (a start within min(1e-9 (1 + S),
    1e-6) of a step restarts there) and lasts P m^k; the value is end + (start d^k -
    end)(1 + cos(pi (t - S_k)/(P m^k)))/2."""
    out = []
    k, s_k = 0, 0.0
    for x in t:
        while True:
            s_next = period * (mult ** (k + 1) - 1.0) / (mult - 1.0)
            if x >= s_next - min(1e-9 * (1.0 + s_next), 1e-6):
                k, s_k = k + 1, s_next
            else:
                break
        length = period * mult**k
        c = 1.0 + math.cos(math.pi * (x - s_k) / length)
        out.append(end + (start * decay**k - end) * c / 2.0)
    return np.array(out)


@pytest.mark.parametrize(("period", "mult"), [(10, 1.001), (3, 1.0005), (7, 1.002)])
def test_sgdr_with_a_mult_near_1_follows_its_formula_cycle_by_cycle(period, mult):
    s = lrkit.sgdr(1.0, 0.01, period=period, mult=mult, decay=0.97)
    assert s._cycles() is None  # the logarithm path, not the table of starts
    t = np.arange(0, 3000)
    want = _sgdr_reference(t, 1.0, 0.01, period, mult, 0.97)
    np.testing.assert_allclose(s(t), want, rtol=1e-9, atol=1e-12)
    i, st, length = s.cycle_index(t.astype(np.float64), np)
    assert np.all(np.diff(i) >= 0) and np.all((st <= t + 1e-6) & (t < st + length))
