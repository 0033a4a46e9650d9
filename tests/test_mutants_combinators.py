"""Direct tests for combinator behaviours that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned. Public API only."""

import pytest

import lrkit


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
