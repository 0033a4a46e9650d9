"""Direct tests for core behaviours that the seed-5 mutation sample
(``benchmarks/mutation.py --seed 5``, ``benchmarks/results/mutation_seed5.md``)
showed no other test pinned."""

import lrkit
from lrkit.spec import parse


def test_list_parameters_print_as_lists_and_pairs_as_tuples():
    """``core.py:712``: a spec prints numbers with ``repr``, ints as ints, schedules as
    their spec, a list parameter as ``[...]`` (never Python's tuple ``(...)``) and a
    list of ``(step, value)`` points as ``[(step, value), ...]``."""
    cases = {
        lrkit.piecewise([0.3, 0.1], [10]): "piecewise(values=[0.3, 0.1], boundaries=[10])",
        lrkit.table([0.3, 0.1, 0.05]): "table(values=[0.3, 0.1, 0.05])",
        lrkit.multistep(1.0, milestones=[10, 20], gamma=0.1): (
            "multistep(start=1.0, gamma=0.1, milestones=[10, 20])"
        ),
        lrkit.interpolate([(0, 1.0), ("50%", 0.5), (100, 0.0)]): (
            "interpolate(points=[(0, 1.0), ('50%', 0.5), (100, 0.0)])"
        ),
        lrkit.warmup(lrkit.constant(1.0), 5, start=0.0): (
            "warmup(constant(value=1.0), steps=5, start=0.0)"
        ),
    }
    for s, text in cases.items():
        assert str(s) == text
        assert parse(text) == s
