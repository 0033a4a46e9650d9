"""Direct tests for ``lrkit.laws.Law`` serialisation that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned."""

import json

import numpy as np
import pytest

from lrkit.errors import ConfigTypeError
from lrkit.laws import Law

PARAMS = {"L0": 2.0, "A": 0.5, "alpha": 0.5, "C": 1.0, "lam": 0.9}


@pytest.mark.parametrize("bad", [[1, 2], "law", None, 3.0])
def test_law_from_dict_refuses_what_is_not_a_dict(bad):
    with pytest.raises(ConfigTypeError, match=r"Law.from_dict: expected a dict, got "):
        Law.from_dict(bad)


def test_law_to_dict_turns_info_into_plain_json_types():
    """Tuples become lists, numpy scalars Python numbers (inside lists too)."""
    law = Law("momentum", PARAMS, info={"r2": np.float64(0.5), "ranges": (1, np.int64(2))})
    d = law.to_dict()
    assert d["info"] == {"r2": 0.5, "ranges": [1, 2]}
    assert type(d["info"]["r2"]) is float
    assert type(d["info"]["ranges"]) is list
    assert type(d["info"]["ranges"][1]) is int
    assert json.loads(json.dumps(d)) == d
    assert Law.from_dict(d) == law
