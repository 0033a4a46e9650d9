"""Direct tests for spec behaviours that the seed-5 mutation sample
(``benchmarks/mutation.py --seed 5``, ``benchmarks/results/mutation_seed5.md``)
showed no other test pinned."""

import pytest

import lrkit
from lrkit.spec import from_dict


@pytest.mark.parametrize(
    ("d", "where"),
    [
        ({"name": "custom"}, ""),
        ({"name": "custom", "fn": "lambda t: 0.1"}, ""),
        ({"name": "warmup", "schedule": {"name": "custom"}, "steps": 5}, " at schedule"),
    ],
)
def test_a_custom_schedule_cannot_be_read_from_a_dict(d, where):
    """``spec.py:306``: the refusal says why (a Python function) and what to do,
    with the path of a nested one."""
    with pytest.raises(lrkit.errors.ConfigError) as e:
        from_dict(d)
    assert str(e.value).startswith(f"from_dict{where}: custom(...) holds a Python function")
    assert "build it in Python with lrkit.custom(fn), or use table([...])" in str(e.value)
