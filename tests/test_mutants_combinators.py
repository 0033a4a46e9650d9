"""Direct tests for combinator behaviours that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned. Public API only."""

import pytest

import lrkit
from lrkit.errors import ConfigError


@pytest.mark.parametrize("cls", [lrkit.Mul, lrkit.Add])
def test_arithmetic_needs_a_schedule_operand(cls):
    with pytest.raises(TypeError, match="at least one operand must be a schedule"):
        cls(2.0, 3.0)
    name = cls.name
    with pytest.raises(TypeError, match="at least one operand must be a schedule"):
        lrkit.from_dict({"name": name, "left": 2.0, "right": 3.0})
    with pytest.raises(lrkit.SpecError, match="at least one operand must be a schedule"):
        lrkit.parse(f"{name}(2.0, 3.0)")
    # one schedule operand on either side is fine
    assert float(cls(lrkit.constant(2.0), 3.0)(0)) == (6.0 if cls is lrkit.Mul else 5.0)
    assert float(cls(2.0, lrkit.constant(3.0))(0)) == (6.0 if cls is lrkit.Mul else 5.0)


@pytest.mark.parametrize("w", [9, 10, 12])
def test_warmup_covering_the_run_leaves_the_schedule_one_step(w):
    """``bind``: a schedule after ``warmup`` runs for ``max(total - w, 1)`` steps, so a
    warmup that fills (or overfills) a 10-step run leaves the cosine a single step: its
    start at step ``w`` and its end (0) from ``w + 1`` on."""
    b = lrkit.warmup(lrkit.cosine(1.0), steps=w).bind(total_steps=10)
    assert b.to_dict()["schedule"]["steps"] == 1
    assert float(b(w)) == pytest.approx(1.0)
    assert float(b(w + 1)) == pytest.approx(0.0, abs=1e-15)
    # and with room left, the cosine gets exactly the rest: total - w = 4 steps
    b4 = lrkit.warmup(lrkit.cosine(1.0), steps=6).bind(total_steps=10)
    assert b4.to_dict()["schedule"]["steps"] == 4
    assert float(b4(8)) == pytest.approx(0.5)


def test_sequence_last_phase_gets_at_least_one_step_when_the_run_is_used_up():
    """Phases before the last use ``u`` steps; the last one runs ``max(N - u, 1)``."""
    s = lrkit.sequence(lrkit.linear(1.0, 0.5, steps=10), lrkit.cosine(1.0))
    b = s.bind(total_steps=10)  # u = N: the cosine gets 1 step (1.0, then 0.0)
    assert b.phases[1] == lrkit.cosine(1.0, steps=1)
    assert b.length == 11
    assert [float(v) for v in b([10, 11])] == pytest.approx([1.0, 0.0])
    b = lrkit.sequence(lrkit.linear(1.0, 0.5, steps=12), lrkit.cosine(1.0)).bind(total_steps=10)
    assert b.phases[1] == lrkit.cosine(1.0, steps=1)
    b = s.bind(total_steps=12)  # two steps left: cos(pi/2) half way
    assert b.phases[1] == lrkit.cosine(1.0, steps=2)
    assert [float(v) for v in b([10, 11, 12])] == pytest.approx([1.0, 0.5, 0.0])


def test_sequence_after_an_endless_phase_leaves_the_last_phase_unbound():
    """An earlier phase with no length: the last one is not given a step count."""
    s = lrkit.sequence(lrkit.exponential(1.0, gamma=0.5), lrkit.cosine(0.5))
    b = s.bind(total_steps=10)
    assert b.phases[1] == lrkit.cosine(0.5)
    assert b.spec() == "sequence(exponential(start=1.0, gamma=0.5), cosine(start=0.5))"
    # an earlier phase whose steps are left out can never get a length: bind says so
    with pytest.raises(ConfigError, match=r"phase 0 \(cosine\(start=1.0\)\) has no length"):
        lrkit.sequence(lrkit.cosine(1.0), lrkit.cosine(0.5)).bind(total_steps=10)


def test_peak_info_finds_a_peak_past_the_first_block_of_2_20_steps():
    """A schedule with no ``peak_step`` is scanned in blocks of ``2**20`` steps; the
    peak's step is the block start plus its index within the block."""
    from lrkit.combinators import KnownPeak, peak_info

    n = 2**20 + 10
    s = lrkit.linear(0.0, 1.0, steps=n) * lrkit.constant(2.0, steps=n)
    assert s.length == n
    assert not isinstance(s, KnownPeak)
    t_peak, peak, first, last = peak_info(s)
    assert (t_peak, peak, first, last) == (float(n), 2.0, 0.0, 2.0)


def test_sequence_of_one_phase_gives_it_the_whole_run():
    """No phase before the last (``u = 0``): the last one runs all ``N`` steps."""
    b = lrkit.sequence(lrkit.cosine(1.0)).bind(total_steps=10)
    assert b.phases[0] == lrkit.cosine(1.0, steps=10)
    assert b.length == 10
    assert b(5) == pytest.approx(0.5)


def test_sequence_peak_of_a_phase_rising_to_its_end_is_read_before_the_end():
    """A phase whose peak is at its own end step: that step belongs to the next
    phase, so the sequence's peak is the phase's last step (0.9 at step 9), not 1.0."""
    s = lrkit.sequence(lrkit.linear(0.0, 1.0, steps=10), lrkit.constant(0.5))
    assert s.peak_step() == 9
    summ = lrkit.summary(s, 20)
    assert summ.peak_step == 9 and summ.peak == pytest.approx(0.9)
