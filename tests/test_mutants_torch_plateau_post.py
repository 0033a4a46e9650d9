"""Direct tests for per-group ``ReduceOnPlateau`` state that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned; values against PyTorch's
``ReduceLROnPlateau``."""

import pytest
import torch

from lrkit.torch import ReduceOnPlateau

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _opt(groups):
    ps = [torch.nn.Parameter(torch.zeros(1)) for _ in range(groups)]
    return torch.optim.SGD([{"params": [p]} for p in ps], lr=1.0)


def _run():
    """Two groups with min_lr [0.01, 0.02], patience 0, a loss that only rises."""
    mine, ref = _opt(2), _opt(2)
    s = ReduceOnPlateau(mine, min_lr=[0.01, 0.02], patience=0)
    t = torch.optim.lr_scheduler.ReduceLROnPlateau(ref, min_lr=[0.01, 0.02], patience=0)
    for v in (1.0, 2.0, 3.0, 4.0):
        s.step(v)
        t.step(v)
    assert [g["lr"] for g in mine.param_groups] == pytest.approx(
        [g["lr"] for g in ref.param_groups]
    )
    return s, mine


def test_the_shared_plateau_config_floor_is_the_first_groups_min_lr():
    """The lrs end at min_lr = [0.01, 0.02] (as PyTorch's); the one shared plateau
    config takes group 0's floor, and the shared state's scale is min_lr[0] / lr."""
    s, _ = _run()
    d = s.state_dict()
    assert d["plateau"]["scale"] == pytest.approx(0.01)
    assert s.config.min_value == 0.01


def test_a_state_without_group_scales_gives_every_group_the_shared_scale():
    """A state written before per-group scales existed (no ``group_scales``) loads with
    the shared scale for every group."""
    s, _ = _run()
    d = s.state_dict()
    d["group_scales"] = None
    fresh = ReduceOnPlateau(_opt(2), min_lr=[0.01, 0.02], patience=0)
    fresh.load_state_dict(d)
    assert fresh.state_dict()["group_scales"] == pytest.approx([0.01, 0.01])


def test_early_stopping_restores_the_best_weights_only_when_it_stops():
    """``restore_best``: the best weights are copied at each improvement and put back
    once, at the stop; a worse epoch before the stop leaves the model as it is."""
    from lrkit.torch import EarlyStopping

    model = torch.nn.Linear(1, 1, bias=False)
    es = EarlyStopping(patience=2, restore_best=True)
    with torch.no_grad():
        model.weight.fill_(1.0)
    assert es.step(1.0, model=model) is False  # best so far: weight 1
    with torch.no_grad():
        model.weight.fill_(5.0)
    assert es.step(2.0, model=model) is False  # worse, not stopped yet
    assert model.weight.item() == 5.0
    with torch.no_grad():
        model.weight.fill_(7.0)
    assert es.step(3.0, model=model) is True  # second bad epoch: stop, restore
    assert model.weight.item() == 1.0


def test_the_shared_plateau_state_is_group_0s_when_the_groups_floors_differ():
    """min_lr [0.5, 0] from lr 1, factor 0.1, a rising loss: group 0 is reduced once
    (to its floor 0.5, where a further cut changes nothing and is ignored, as in
    PyTorch), group 1 twice. The lrs match PyTorch's; the one shared plateau
    record (``state_dict()["plateau"]``, ``scale``) follows group 0, like ``scale``."""
    mine, ref = _opt(2), _opt(2)
    s = ReduceOnPlateau(mine, min_lr=[0.5, 0.0], patience=0)
    t = torch.optim.lr_scheduler.ReduceLROnPlateau(ref, min_lr=[0.5, 0.0], patience=0)
    for v in (1.0, 2.0, 3.0):
        s.step(v)
        t.step(v)
    lrs = [g["lr"] for g in mine.param_groups]
    assert lrs == pytest.approx([g["lr"] for g in ref.param_groups])
    assert lrs == pytest.approx([0.5, 0.01])
    assert s.group_scales == pytest.approx([0.1, 0.01])
    d = s.state_dict()["plateau"]
    assert d["scale"] == pytest.approx(0.1) and s.scale == pytest.approx(0.1)
    assert d["num_reductions"] == 1


def test_early_stopping_restore_without_a_snapshot_or_a_model_is_false():
    """``restore`` returns False, changing nothing, when there is no best snapshot yet
    or no model to load it into (neither given nor attached)."""
    from lrkit.torch import EarlyStopping

    model = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(3.0)
    es = EarlyStopping(patience=1, restore_best=True)
    assert es.restore(model) is False and model.weight.item() == 3.0  # no snapshot yet
    es.step(1.0, model=model)
    assert es.restore() is False and not es.restored  # a snapshot, but no model
    with torch.no_grad():
        model.weight.fill_(4.0)
    assert es.restore(model) is True and model.weight.item() == 3.0 and es.restored
