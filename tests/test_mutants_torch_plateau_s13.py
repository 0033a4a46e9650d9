"""Direct tests for lrkit.torch.plateau (issue 15, seed-13 training pass): the lines no
test ran (``reduce_metric``'s bad-metric errors, a ``min_lr`` list of the wrong length,
``EarlyStopping``'s model check and its checkpoint's ``best_model`` check) and the class
behind them, ``EarlyStopping``'s whole public surface (constructor attributes, the step
index, ``restore``, a checkpoint round-trip) pinned against its documented rules."""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.torch import EarlyStopping, ReduceOnPlateau
from lrkit.torch.plateau import reduce_metric


def _opt(groups: int = 1, lr: float = 1.0):
    params = [{"params": [torch.nn.Parameter(torch.zeros(1))]} for _ in range(groups)]
    return torch.optim.SGD(params, lr=lr)


# ------------------------------------------------------------------ reduce_metric
def test_reduce_metric_reads_a_one_element_tensor_and_plain_numbers():
    """Without an initialized process group the metric is returned as a float."""
    assert reduce_metric(torch.tensor(2.5)) == 2.5
    assert reduce_metric(torch.tensor([[0.25]], requires_grad=True) * 2) == 0.5
    assert reduce_metric(3) == 3.0
    assert reduce_metric("1.5") == 1.5
    assert reduce_metric(torch.tensor([4.0]), how="local") == 4.0


def test_reduce_metric_refuses_a_tensor_of_several_numbers():
    with pytest.raises(ConfigError, match=r"single number, got a tensor of shape \(2,\)"):
        reduce_metric(torch.tensor([1.0, 2.0]))
    with pytest.raises(ConfigError, match=r"got a tensor of shape \(0,\)"):
        reduce_metric(torch.tensor([]))


@pytest.mark.parametrize("bad", [True, False])
def test_reduce_metric_refuses_a_bool(bad):
    with pytest.raises(ConfigTypeError, match=f"metric must be a number, got {bad}"):
        reduce_metric(bad)


@pytest.mark.parametrize("bad", ["loss", None, [1.0]])
def test_reduce_metric_refuses_what_is_not_a_number(bad):
    with pytest.raises(ConfigTypeError, match="metric must be a number, got"):
        reduce_metric(bad)


def test_reduce_metric_with_a_single_process_group_is_the_local_value():
    """An initialized world of one: the value itself (no division)."""
    import torch.distributed as dist

    assert not dist.is_initialized()
    store = dist.HashStore()
    dist.init_process_group("gloo", store=store, rank=0, world_size=1)
    try:
        assert reduce_metric(torch.tensor(0.75)) == 0.75
        assert reduce_metric(-3.0, how="mean") == -3.0
    finally:
        dist.destroy_process_group()


# ------------------------------------------------------------------ ReduceOnPlateau
def test_min_lr_list_must_have_one_value_per_group():
    with pytest.raises(ConfigError, match=r"one per param group \(2\), got \[0.1\]"):
        ReduceOnPlateau(_opt(2), min_lr=[0.1])
    with pytest.raises(ConfigError, match=r"one per param group \(1\), got \(0.1, 0.2\)"):
        ReduceOnPlateau(_opt(1), min_lr=(0.1, 0.2))
    s = ReduceOnPlateau(_opt(2), min_lr=[0.1, 0.2])
    assert s.min_lrs == [0.1, 0.2]
    assert ReduceOnPlateau(_opt(3), min_lr=0.05).min_lrs == [0.05] * 3


def test_schedule_none_keeps_each_groups_rate_or_a_factor_one_when_relative():
    opt = _opt(2)
    opt.param_groups[1]["lr"] = 0.25
    s = ReduceOnPlateau(opt)
    assert [g["lr"] for g in opt.param_groups] == [1.0, 0.25]
    assert s.get_last_lr() == [1.0, 0.25]
    s.step()
    assert [g["lr"] for g in opt.param_groups] == [1.0, 0.25]
    opt2 = _opt(2, lr=0.5)
    ReduceOnPlateau(opt2, relative=True, patience=0, factor=0.5)
    assert [g["lr"] for g in opt2.param_groups] == [0.5, 0.5]


def test_start_step_must_be_an_int_or_warmup():
    with pytest.raises(
        ConfigTypeError, match="start_step must be an int >= 0 or 'warmup', got 'x'"
    ):
        ReduceOnPlateau(_opt(), start_step="x")


def test_the_config_carries_min_lr_and_start_step():
    s = ReduceOnPlateau(_opt(), min_lr=0.01, start_step=7, patience=3, factor=0.2)
    assert s.config.min_value == 0.01
    assert s.config.start_step == 7
    assert s.config.patience == 3
    assert s.config.factor == 0.2
    w = ReduceOnPlateau(_opt(), lrkit.warmup(lrkit.constant(1.0), 4), start_step="warmup")
    assert w.config.start_step == 4


def test_a_reduction_changes_the_rate_at_once_and_a_state_dict_round_trips():
    opt = _opt()
    s = ReduceOnPlateau(opt, patience=0, factor=0.5)
    s.step(1.0)
    s.step(1.0)
    assert opt.param_groups[0]["lr"] == 0.5
    assert s.group_scales == [0.5]
    sd = s.state_dict()
    opt2 = _opt()
    s2 = ReduceOnPlateau(opt2, patience=0, factor=0.5)
    s2.load_state_dict(sd)
    assert s2.group_scales == [0.5]
    assert s2.plateau.scale == 0.5
    assert s2.state_dict()["group_scales"] == sd["group_scales"]
    s2.step(1.0)  # the second bad epoch after load: a further reduction
    assert opt2.param_groups[0]["lr"] == 0.25


# ------------------------------------------------------------------ EarlyStopping
def test_early_stopping_refuses_a_model_that_is_not_a_module():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got dict"):
        EarlyStopping(model={"w": torch.zeros(1)})


def test_early_stopping_attributes_after_construction():
    m = torch.nn.Linear(1, 1)
    es = EarlyStopping(model=m, distributed="local")
    assert es.model is m
    assert es.distributed == "local"
    assert es.restored is False
    assert es.best_model is None
    assert es.should_stop is False
    assert EarlyStopping().distributed == "mean"
    with pytest.raises(ConfigError, match="distributed"):
        EarlyStopping(distributed="sum")


def test_early_stopping_counts_calls_as_steps_unless_a_step_is_given():
    es = EarlyStopping(patience=5)
    es.step(3.0)
    es.step(2.0)
    assert es.best_step == 1
    es.step(1.0, step=40)
    assert es.best_step == 40
    assert es.best == 1.0
    es.step(0.5)  # the fourth call: index 3
    assert es.best_step == 3


def test_restore_loads_the_best_weights_into_the_given_model():
    torch.manual_seed(0)
    m = torch.nn.Linear(2, 1)
    es = EarlyStopping(patience=2, restore_best=True)
    es.step(1.0, model=m)
    best = {k: v.clone() for k, v in m.state_dict().items()}
    with torch.no_grad():
        m.weight.add_(1.0)
    assert es.step(2.0, model=m) is False
    other = torch.nn.Linear(2, 1)
    assert es.restore(other) is True
    assert es.restored is True
    torch.testing.assert_close(other.weight, best["weight"])
    assert es.restore() is False  # no model given nor held
    assert EarlyStopping().restore(other) is False  # no snapshot


def test_stopping_restores_the_best_weights_of_the_held_model():
    m = torch.nn.Linear(1, 1)
    with torch.no_grad():
        m.weight.fill_(1.0)
    es = EarlyStopping(patience=2, restore_best=True, model=m)
    es.step(1.0)
    with torch.no_grad():
        m.weight.fill_(5.0)
    assert es.step(2.0) is False
    assert es.step(2.0) is True
    assert es.restored is True
    assert float(m.weight.detach()) == 1.0


def test_early_stopping_state_dict_round_trips():
    m = torch.nn.Linear(1, 1)
    es = EarlyStopping(patience=3, restore_best=True, model=m)
    for v in (3.0, 2.0, 2.5):
        es.step(v)
    sd = es.state_dict()
    es2 = EarlyStopping(patience=3, restore_best=True, model=torch.nn.Linear(1, 1))
    es2.load_state_dict(sd)
    assert es2.best == 2.0
    assert es2.best_step == 1
    assert es2._calls == 3
    assert es2.state == es.state
    torch.testing.assert_close(es2.best_model["weight"], sd["best_model"]["weight"])
    assert es2.best_model["weight"] is not sd["best_model"]["weight"]  # a copy
    es2.step(2.6)
    es2.step(2.7)  # the third bad epoch: stop
    assert es2.should_stop


def test_early_stopping_checkpoint_needs_tensors_for_best_model():
    es = EarlyStopping(patience=3)
    es.step(1.0)
    sd = es.state_dict()
    sd["best_model"] = [1.0]
    with pytest.raises(
        ConfigTypeError, match=r"\['best_model'\] must map names to tensors, got list"
    ):
        EarlyStopping(patience=3).load_state_dict(sd)
    sd["best_model"] = {"w": 1.0}
    with pytest.raises(ConfigTypeError, match="must map names to tensors, got dict"):
        EarlyStopping(patience=3).load_state_dict(sd)


def test_restore_best_needs_a_model():
    es = EarlyStopping(restore_best=True)
    with pytest.raises(
        ValueError,
        match=r"restore_best=True needs the model, given as EarlyStopping\(model=\.\.\.\)",
    ):
        es.step(1.0)
    assert es._calls == 0  # refused before counting
    assert es.step(1.0, model=torch.nn.Linear(1, 1)) is False


# ------------------------------------------------------------------ two groups, checkpoints
def _two(lr1: float = 0.5):
    return torch.optim.SGD(
        [
            {"params": [torch.nn.Parameter(torch.zeros(1))]},
            {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr1},
        ],
        lr=1.0,
    )


METRICS = [1.0, 2.0, 2.0, 2.0, 2.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def test_per_group_min_lr_follows_pytorch():
    """Each group reduces by PyTorch's rule on its own rate and its own ``min_lr``."""
    ours, theirs = _two(), _two()
    s = ReduceOnPlateau(ours, patience=1, factor=0.5, min_lr=[0.0, 0.3])
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(
        theirs, patience=1, factor=0.5, min_lr=[0.0, 0.3]
    )
    for m in METRICS:
        s.step(m)
        ref.step(m)
        assert [g["lr"] for g in ours.param_groups] == pytest.approx(
            [g["lr"] for g in theirs.param_groups], rel=1e-12
        )
        assert s.num_bad_epochs == ref.num_bad_epochs
        assert s.best == ref.best
    assert s.scale == s.group_scales[0] == theirs.param_groups[0]["lr"] == 0.0625
    assert s.base_lr() == [1.0, 0.5]


def test_a_checkpoint_without_group_scales_uses_the_plateau_scale_for_every_group():
    """Checkpoints written before per-group scales carry one scale: every group gets it."""
    s = ReduceOnPlateau(_two(), patience=1, factor=0.5, min_lr=[0.0, 0.3])
    for m in METRICS[:5]:
        s.step(m)
    sd = s.state_dict()
    assert sd["group_scales"] == [0.25, 0.5] and sd["min_lrs"] == [0.0, 0.3]
    old = {k: v for k, v in sd.items() if k != "group_scales"}
    opt = _two()
    s2 = ReduceOnPlateau(opt, patience=1, factor=0.5, min_lr=[0.0, 0.3])
    s2.load_state_dict(old)
    assert s2.group_scales == [0.25, 0.25]
    assert [g["lr"] for g in opt.param_groups] == [0.25, 0.3]  # the floor of group 1


def test_checkpoint_values_and_settings_are_checked():
    s = ReduceOnPlateau(_two(), patience=1, factor=0.5, min_lr=[0.0, 0.3])
    s.step(1.0)
    sd = s.state_dict()
    with pytest.raises(
        ConfigError, match=r"state_dict\['group_scales'\]\[0\] must be in \[0, 1\], got 1.5"
    ):
        ReduceOnPlateau(_two(), patience=1, factor=0.5, min_lr=[0.0, 0.3]).load_state_dict(
            {**sd, "group_scales": [1.5, 0.5]}
        )
    with pytest.raises(
        ConfigError, match=r"state_dict\['min_lrs'\]\[0\] must be in \[0, inf\], got -1.0"
    ):
        ReduceOnPlateau(_two(), patience=1, factor=0.5, min_lr=[0.0, 0.3]).load_state_dict(
            {**sd, "min_lrs": [-1.0, 0.3]}
        )
    for kw in ({"min_lr": [0.0, 0.2], "patience": 1}, {"min_lr": [0.0, 0.3], "patience": 2}):
        other = ReduceOnPlateau(_two(), factor=0.5, **kw)
        with pytest.raises(ConfigError, match="the checkpoint's plateau settings differs"):
            other.load_state_dict(sd)
        other.load_state_dict(sd, on_mismatch="new")
        assert other.best == 1.0


def test_early_stopping_restores_its_call_count_not_its_update_count():
    """Metrics before ``start_step`` are calls but not updates: a checkpoint keeps the
    call count (the next default step index); one without it (older) falls back to
    the update count."""
    es = EarlyStopping(patience=3, start_step=2)
    for m in (5.0, 4.0, 3.0):
        es.step(m)
    sd = es.state_dict()
    assert sd["calls"] == 3 and sd["state"]["num_updates"] == 1
    es2 = EarlyStopping(patience=3, start_step=2)
    es2.load_state_dict(sd)
    es2.step(1.0)  # the fourth call: index 3
    assert es2.best_step == 3
    old = EarlyStopping(patience=3, start_step=2)
    old.load_state_dict({k: v for k, v in sd.items() if k != "calls"})
    old.step(1.0)  # index = num_updates = 1: before start_step, ignored
    assert old.best_step == 2 and old.best == 3.0


def test_the_clock_warning_needs_two_reports_at_one_step_on_a_moving_schedule():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moving = ReduceOnPlateau(_opt(), lrkit.cosine(1.0, 0.0, steps=100))
        for _ in range(3):  # one report per step: no warning
            moving.step()
            moving.step(1.0)
        flat = ReduceOnPlateau(_opt())  # a constant base: nothing to move
        flat.step(1.0)
        flat.step(1.0)
    with pytest.warns(UserWarning, match="two metrics were reported at step 3 with no step"):
        moving.step(1.0)
