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
