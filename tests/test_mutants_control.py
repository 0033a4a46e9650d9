"""Direct tests for the framework-free control state machines (``lrkit.control``) that a
sampled mutation run (``benchmarks/mutation.py``) showed no other test pinned."""

import pytest

from lrkit.control import EarlyStopping, Plateau


def test_early_stopping_load_rejects_a_dict_without_state():
    """A dict without the ``'state'`` entry is refused with an error naming it (not a
    bare ``KeyError``), and the current state is left untouched."""
    es = EarlyStopping(patience=2)
    es.update(3.0)
    before = es.state_dict()
    with pytest.raises(ValueError, match="'state'"):
        es.load_state_dict({"config": before["config"]})
    with pytest.raises(ValueError, match="'state'"):
        es.load_state_dict(["state"])
    assert es.state_dict() == before


def test_early_stopping_round_trip_resumes_the_count():
    es = EarlyStopping(patience=2)
    for m in (3.0, 2.0, 2.5):
        es.update(m)
    other = EarlyStopping(patience=2)
    other.load_state_dict(es.state_dict())
    assert other.state_dict() == es.state_dict()
    assert other.update(2.1) is True  # second bad epoch after the best (2.0)


def test_plateau_load_rejects_a_dict_without_state():
    p = Plateau(patience=0, factor=0.5)
    p.update(3.0)
    p.update(3.0)
    before = p.state_dict()
    with pytest.raises(ValueError, match="'state'"):
        p.load_state_dict({"config": before["config"]})
    with pytest.raises(ValueError, match="'state'"):
        p.load_state_dict(["state"])
    assert p.state_dict() == before
    assert p.scale == 0.5
