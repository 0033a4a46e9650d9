"""Direct tests for laws behaviours that the seed-8 mutation sample
(``benchmarks/mutation.py --seed 8``, ``benchmarks/results/mutation_seed8.md``)
showed no test pinned; written after that sample ran."""

import os

import pytest

from lrkit.errors import ConfigError
from lrkit.laws.public import NAMES, load_public


def test_load_public_names_a_missing_file(tmp_path):
    """``public.py:84``: a run file that is not there is a ConfigError naming its path,
    not a numpy ``FileNotFoundError`` from reading it."""
    want = os.path.join(os.fspath(tmp_path), "csv_25", f"{NAMES[0]}.csv")
    with pytest.raises(ConfigError, match=r"^load_public: no file ") as e:
        load_public(tmp_path, "25")
    assert repr(want) in str(e.value)
    (tmp_path / "csv_25").mkdir()
    (tmp_path / "csv_25" / f"{NAMES[0]}.csv").write_text("step,lr,loss\n0,0.1,3.0\n1,0.1,2.5\n")
    if len(NAMES) > 1:
        second = os.path.join(os.fspath(tmp_path), "csv_25", f"{NAMES[1]}.csv")
        with pytest.raises(ConfigError, match="no file") as e:
            load_public(tmp_path, "25")
        assert repr(second) in str(e.value)
