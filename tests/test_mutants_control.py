"""Direct tests for the framework-free control state machines (``lrkit.control``) that a
sampled mutation run (``benchmarks/mutation.py``) showed no other test pinned."""

import math

import pytest
import torch

from lrkit.control import EarlyStopping, Plateau


def test_early_stopping_load_rejects_a_dict_without_state():
    """A dict without the ``'state'`` entry is refused with an error naming it (not a
    bare ``KeyError``), and the current state is left untouched."""
    es = EarlyStopping(patience=2)
    es.update(3.0)
    before = es.state_dict()
    with pytest.raises(ValueError, match="'state'"):
        es.load_state_dict({"config": before["config"]})
    with pytest.raises(TypeError, match="must be a dict"):
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
    with pytest.raises(TypeError, match="must be a dict"):
        p.load_state_dict(["state"])
    assert p.state_dict() == before
    assert p.scale == 0.5


def test_plateau_counts_bad_epochs_from_zero_like_pytorch():
    """A fresh plateau has counted no bad epoch: with a metric that never beats the
    initial best (``inf``), the first reduction comes after ``patience + 1`` epochs,
    as in ``torch.optim.lr_scheduler.ReduceLROnPlateau``."""
    metrics = [math.inf] * 4 + [1.0, 1.0, 1.0, 1.0]
    for patience in (0, 1, 2):
        p = Plateau(patience=patience, factor=0.5)
        assert p.state_dict()["state"]["num_bad"] == 0
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        ref = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=patience, factor=0.5)
        for m in metrics:
            p.update(m)
            ref.step(m)
            assert p.scale == opt.param_groups[0]["lr"]


def test_early_stopping_counts_bad_epochs_from_zero():
    """``patience`` bad epochs in a row stop training, counted from a fresh state even
    when the very first metric does not improve on the initial best (``inf``)."""
    for patience in (1, 2, 3):
        es = EarlyStopping(patience=patience)
        assert es.state_dict()["state"]["num_bad"] == 0
        got = [es.update(math.inf) for _ in range(patience + 1)]
        assert got == [False] * (patience - 1) + [True, True]


def test_early_stopping_max_mode_needs_to_beat_best_by_min_delta():
    """mode="max", min_delta 0.1: 1.05 after 1.0 is not an improvement (a bad epoch),
    1.2 is; the same margin as in min mode."""
    from lrkit.control import EarlyStoppingConfig, early_stopping_init, early_stopping_update

    cfg = EarlyStoppingConfig(mode="max", patience=5, min_delta=0.1)
    st = early_stopping_update(cfg, early_stopping_init(cfg), 1.0)
    st = early_stopping_update(cfg, st, 1.05)
    assert not st.improved and st.num_bad == 1 and st.best == 1.0
    st = early_stopping_update(cfg, st, 1.2)
    assert st.improved and st.num_bad == 0 and st.best == 1.2 and st.best_index == 2


def test_early_stopping_max_mode_exactly_min_delta_better_is_not_an_improvement():
    from lrkit.control import EarlyStoppingConfig, early_stopping_init, early_stopping_update

    cfg = EarlyStoppingConfig(mode="max", patience=5, min_delta=0.5)
    st = early_stopping_update(cfg, early_stopping_init(cfg), 1.0)
    st = early_stopping_update(cfg, st, 1.5)  # exactly min_delta better (exact in binary)
    assert not st.improved and st.num_bad == 1 and st.best == 1.0
