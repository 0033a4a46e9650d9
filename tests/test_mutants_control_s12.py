"""Direct tests for control survivors of the seed-12 measurement sample (issue 15)."""

from __future__ import annotations

import numpy as np

from lrkit import control


def test_plain_turns_mappings_into_str_keyed_dicts_of_plain_values():
    """``_plain`` (what checkpoint comparisons and their messages read): mappings become
    dicts with str keys, sequences lists, real numbers floats (bools stay bools)."""
    got = control._plain({1: np.float32(0.5), "a": (1, 2), "b": {"c": True}})
    assert got == {"1": 0.5, "a": [1.0, 2.0], "b": {"c": True}}
    assert type(got["1"]) is float and got["b"]["c"] is True
