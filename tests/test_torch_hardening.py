"""lrkit.torch: bad input, faults and corner cases end in a clear error or the right value."""

from __future__ import annotations

import copy
import json
import math
import random
import warnings

import pytest
import torch
from torch.optim import lr_scheduler as tl

import lrkit
from lrkit.control import EarlyStopping as PureEarlyStopping
from lrkit.errors import ConfigError, ConfigTypeError, NonFiniteError
from lrkit.torch import EarlyStopping, ReduceOnPlateau, Scheduler

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _sgd(lrs=(0.1,), **kw):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0], **kw)


def _snapshot(opt):
    """Everything a scheduler could change on an optimizer."""
    groups = [
        {
            k: (v.item(), "tensor") if isinstance(v, torch.Tensor) else v
            for k, v in g.items()
            if k != "params"
        }
        for g in opt.param_groups
    ]
    return groups, len(opt._optimizer_step_post_hooks), len(opt._optimizer_step_pre_hooks)


# ----------------------------------------------------------------------------- look-ahead


def test_steps_the_run_never_reaches_do_not_matter():
    s = lrkit.exponential(1e-7, gamma=1.2)  # not finite from step 3894 on
    opt = _sgd()
    sched = Scheduler(opt, s, total_steps=100)
    for n in range(1, 101):
        sched.step()
        assert opt.param_groups[0]["lr"] == s(n)
    with pytest.warns(UserWarning, match="past the end"):
        sched.step()  # past the end the schedule goes on (as in numpy, jax and keras)
    assert opt.param_groups[0]["lr"] == s(101)


def test_a_bad_value_raises_at_its_step_not_before_and_changes_nothing():
    s = lrkit.exponential(1e-7, gamma=1.2)
    opt = _sgd()
    sched = Scheduler(opt, s)  # no run length: checked block by block
    sched.step(3893)
    assert opt.param_groups[0]["lr"] == s(3893)
    with pytest.raises(NonFiniteError, match=r"'lr' \(param group 0\) gives inf at step 3894"):
        sched.step()
    assert sched.last_epoch == 3893 and opt.param_groups[0]["lr"] == s(3893)


def test_lookahead_block_jumping_backwards_gives_the_closed_form():
    s = lrkit.warmup(lrkit.cosine(0.1, 0.0, steps=20_000), steps=100)
    opt = _sgd()
    sched = Scheduler(opt, s)
    for target in (5000, 10, 4095, 4096, 4095, 12_345, 0, 8191, 8192, 3):
        sched.step(target)
        assert opt.param_groups[0]["lr"] == s(target), target
        sched.step()
        assert opt.param_groups[0]["lr"] == s(target + 1), target


@pytest.mark.parametrize(
    "make",
    [
        lambda o: Scheduler(o, {"lr": 0.1, "momentum": 5.0}, tensor_lr=True, follow_optimizer=True),
        lambda o: Scheduler(o, lrkit.linear(0.1, -0.1, steps=10), tensor_lr=True),
        lambda o: ReduceOnPlateau(o, 0.1, factor=1.5, tensor_lr=True, follow_optimizer=True),
        lambda o: ReduceOnPlateau(
            o, 0.1, start_step="warmup", tensor_lr=True, follow_optimizer=True
        ),
        lambda o: ReduceOnPlateau(o, {"lr": 0.1, "momentum": 5.0}, follow_optimizer=True),
        lambda o: Scheduler(o, 0.1, multipliers=[-1.0], tensor_lr=True, relative=True),
    ],
)
def test_a_failed_constructor_leaves_the_optimizer_untouched(make):
    opt = _sgd((0.1, 0.1), momentum=0.9)
    before = _snapshot(opt)
    with pytest.raises((ValueError, TypeError, FloatingPointError)):
        make(opt)
    assert _snapshot(opt) == before
    assert all(type(g["lr"]) is float for g in opt.param_groups)


# ----------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    "spec, kw, match",
    [
        (
            lrkit.linear(0.1, -0.1, steps=10),
            {},
            r"'lr' \(param group 0\) gives -0.0199\d* at step 6; lr must be >= 0",
        ),
        (
            {"lr": 0.1, "momentum": 5.0},
            {},
            r"'momentum' \(param group 0\) gives 5.0 at step 0; momentum must be in \[0, 1\)",
        ),
        (
            {"lr": 0.1, "weight_decay": lrkit.linear(1e-4, -1e-4, steps=100)},
            {},
            "weight_decay must be >= 0",
        ),
        ("cosine(start=-0.1)", {"total_steps": 10}, r"gives -0.1 at step 0"),
        (
            lrkit.linear(0.1, -0.1),
            {"total_steps": 1_000_000},
            r"gives -2.0000\d*e-07 at step 500001; lr must be >= 0",
        ),
    ],
)
def test_out_of_range_values_are_refused_at_construction(spec, kw, match):
    with pytest.raises(ConfigError, match=match):
        Scheduler(_sgd(momentum=0.9), spec, **kw)


def test_betas_and_multipliers_out_of_range():
    adam = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ConfigError, match=r"'beta1' \(param group 0\) gives 1.5 at step 0"):
        Scheduler(adam, {"lr": 0.1, "beta1": 1.5})
    with pytest.raises(ConfigError, match=r"'momentum' .* gives 1.0 at step 10"):
        Scheduler(adam, {"lr": 0.1, "momentum": lrkit.linear(0.9, 1.0, steps=10)})
    with pytest.raises(ConfigError, match=r"multipliers\['lr'\]\[0\] must be >= 0, got -1.0"):
        Scheduler(_sgd(), 0.1, multipliers=[-1.0])


# ----------------------------------------------------------------------------- groups


def test_a_param_group_added_later_raises_naming_it():
    opt = _sgd()
    sched = Scheduler(opt, lrkit.linear(0.1, 0.0, steps=10))
    sched.step()
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.5})
    assert sched.get_last_lr() == [0.09, 0.5]  # the groups' own values: never NaN
    with pytest.raises(ConfigError, match="param group 1 was added after the scheduler was built"):
        sched.step()
    with pytest.raises(ConfigError, match="param group 1 was added"):
        sched.get_lr()
    assert sched.last_epoch == 1 and opt.param_groups[1]["lr"] == 0.5


# ----------------------------------------------------------------------------- plateau rule


def _torch_plateau(metrics, **kw):
    opt = _sgd((1.0,))
    ref = tl.ReduceLROnPlateau(opt, **kw)
    out = []
    for m in metrics:
        ref.step(m)
        out.append(opt.param_groups[0]["lr"])
    return out


def _ours(metrics, **kw):
    opt = _sgd((1.0,))
    ours = ReduceOnPlateau(opt, **kw)
    out = []
    for m in metrics:
        ours.step(m)
        out.append(opt.param_groups[0]["lr"])
    return out, ours


@pytest.mark.parametrize("seed", range(12))
def test_max_mode_rel_threshold_at_least_one_matches_torch(seed):
    rng = random.Random(seed)
    kw = dict(
        mode="max",
        threshold_mode="rel",
        threshold=rng.choice([1.0, 1.5, 3.0, 0.5]),
        patience=rng.randint(0, 2),
        factor=0.5,
        cooldown=rng.randint(0, 1),
    )
    metrics = [rng.uniform(0.01, 5.0) * rng.choice([1, 1, 4]) for _ in range(60)]
    got, ours = _ours(metrics, **kw)
    assert got == _torch_plateau(metrics, **kw)
    assert ours.best == max(metrics) or kw["threshold"] > 0  # best is a real metric, never inf
    assert math.isfinite(ours.best)


def test_max_mode_rel_threshold_one_keeps_the_rate_on_improvement():
    # -inf * (1 - 1) was NaN: every metric looked bad, the rate fell at once
    got, ours = _ours([1.0, 2.5, 6.0], mode="max", threshold=1.0, patience=0, factor=0.5)
    assert got == [1.0, 1.0, 1.0] and ours.best == 6.0


def test_min_value_with_eps_zero_matches_torch_and_stops_reducing():
    metrics = [1.0] * 30
    kw = dict(patience=0, factor=0.5, eps=0.0, min_lr=0.1)
    want = _torch_plateau(metrics, **kw)
    got, ours = _ours(metrics, **kw)
    assert got == want
    changes = sum(1 for a, b in zip([1.0, *want], want) if b != a)
    assert ours.plateau.num_reductions == changes == 4  # 1 -> .5 -> .25 -> .125 -> .1
    assert ours.scale == 0.0625  # the floor stops the scale: events there change nothing


# ----------------------------------------------------------------------------- checkpoints


def _plateau_run():
    opt = _sgd((0.1, 0.05))
    sched = ReduceOnPlateau(
        opt,
        lrkit.cosine(0.1, 0.0, steps=100),
        patience=0,
        factor=0.5,
        relative=False,
        multipliers=[1.0, 0.5],
    )
    for m in (3.0, 3.0, 3.0):
        sched.step()
        sched.step(m)
    return opt, sched


def test_a_plateau_checkpoint_is_refused_by_a_plain_scheduler():
    _, sched = _plateau_run()
    sd = sched.state_dict()
    plain = Scheduler(_sgd((0.1, 0.05)), lrkit.cosine(0.1, 0.0, steps=100), multipliers=[1.0, 0.5])
    with pytest.raises(ConfigError, match="saved by ReduceOnPlateau"):
        plain.load_state_dict(sd)
    old = {k: v for k, v in sd.items() if k != "saved_by"}  # written before saved_by existed
    with pytest.raises(ConfigError, match="saved by ReduceOnPlateau"):
        plain.load_state_dict(old)
    assert plain.last_epoch == 0


def test_old_checkpoints_without_saved_by_still_load():
    opt, sched = _plateau_run()
    sd = json.loads(json.dumps(sched.state_dict()))
    del sd["saved_by"]
    opt2 = _sgd((0.1, 0.05))
    sched2 = ReduceOnPlateau(
        opt2, lrkit.cosine(0.1, 0.0, steps=100), patience=0, factor=0.5, multipliers=[1.0, 0.5]
    )
    sched2.load_state_dict(sd)
    assert (
        sched2.group_scales == sched.group_scales
        and opt2.param_groups[1]["lr"] == opt.param_groups[1]["lr"]
    )


@pytest.mark.parametrize(
    "path, value, exc, match",
    [
        (
            ("group_scales",),
            [math.nan, 0.5],
            ConfigError,
            r"group_scales'\]\[0\] must be a finite number, got nan",
        ),
        (
            ("group_scales",),
            [-2.0, 0.5],
            ConfigError,
            r"group_scales'\]\[0\] must be in \[0, 1\], got -2.0",
        ),
        (("group_scales",), ["0.5", 0.5], ConfigTypeError, "must be a number, got '0.5'"),
        (("group_scales",), [0.5], ConfigError, "must have 2 items"),
        (("plateau", "scale"), "0.5", ConfigTypeError, r"\['scale'\] must be a number, got '0.5'"),
        (
            ("plateau", "best"),
            math.nan,
            ConfigError,
            r"\['best'\] must be a finite number, got nan",
        ),
        (("plateau", "num_bad"), -1, ConfigError, r"\['num_bad'\] must be in \[0, "),
        (("step",), 10**30, ConfigError, r"\['step'\] must be in \[0, 9007199254740992\]"),
        (("step",), 2.5, ConfigTypeError, r"\['step'\] must be an integer"),
        (("spec",), None, ConfigTypeError, r"\['spec'\] must be a dict, got None"),
        (("opt_count",), "x", ConfigTypeError, r"\['opt_count'\] must be an integer, got 'x'"),
        (("warned_past_end",), "no", ConfigTypeError, "must be True or False"),
        (("surprise",), 1, ConfigError, r"unknown fields \['surprise'\]"),
        (("plateau_config", "patience"), 3, ConfigError, "plateau settings differs"),
        (("min_lrs",), [0.1, 0.1], ConfigError, "plateau settings differs"),
    ],
)
def test_every_checkpoint_field_is_checked_before_anything_changes(path, value, exc, match):
    opt, sched = _plateau_run()
    sd = copy.deepcopy(sched.state_dict())
    d = sd
    for p in path[:-1]:
        d = d[p]
    d[path[-1]] = value
    opt2 = _sgd((0.1, 0.05))
    sched2 = ReduceOnPlateau(
        opt2, lrkit.cosine(0.1, 0.0, steps=100), patience=0, factor=0.5, multipliers=[1.0, 0.5]
    )
    sched2.step()
    before = (_snapshot(opt2), sched2.last_epoch, sched2.group_scales, sched2.plateau)
    with pytest.raises(exc, match=match):
        sched2.load_state_dict(sd)
    assert (_snapshot(opt2), sched2.last_epoch, sched2.group_scales, sched2.plateau) == before
    sched2.step()  # still usable
    assert sched2.last_epoch == 2


def test_the_one_mismatch_policy_new_keeps_the_constructed_settings():
    _, sched = _plateau_run()
    sd = sched.state_dict()
    opt2 = _sgd((0.1, 0.05))
    sched2 = ReduceOnPlateau(
        opt2, lrkit.cosine(0.1, 0.0, steps=100), patience=5, factor=0.5, multipliers=[1.0, 0.5]
    )
    sched2.load_state_dict(sd, on_mismatch="new")
    assert sched2.config.patience == 5 and sched2.group_scales == sched.group_scales


def test_early_stopping_checkpoint_from_another_configuration():
    es = EarlyStopping(patience=2, min_delta=0.1)
    for m in (1.0, 0.95):
        es.step(m)
    sd = es.state_dict()
    other = EarlyStopping(patience=5)
    with pytest.raises(ConfigError, match="config differs from the one constructed"):
        other.load_state_dict(sd)
    assert other.state.num_updates == 0
    other.load_state_dict(sd, on_mismatch="new")
    assert other.config.patience == 5 and other.state.best == 1.0
    bad = copy.deepcopy(sd)
    bad["state"]["num_bad"] = "1"
    with pytest.raises(ConfigTypeError, match=r"\['num_bad'\] must be an integer"):
        EarlyStopping(patience=2, min_delta=0.1).load_state_dict(bad)
    pure = PureEarlyStopping(patience=2)
    with pytest.raises(ConfigError, match="config differs"):
        pure.load_state_dict({"config": {"patience": 3}, "state": sd["state"]})


# ----------------------------------------------------------------------------- follow_optimizer


def test_follow_optimizer_resume_mid_iteration():
    s = lrkit.linear(0.1, 0.0, steps=20)
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = Scheduler(opt, s, follow_optimizer=True)
    for _ in range(5):
        opt.step()
        sched.step()
    opt.step()  # the 6th update happened; the checkpoint is taken before sched.step()
    sd = json.loads(json.dumps(sched.state_dict()))
    assert sd["opt_count"] == 6 and sd["step"] == 5
    opt2 = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
    sched2 = Scheduler(opt2, s, follow_optimizer=True)
    sched2.load_state_dict(sd)
    assert sched2.state_dict() == sd
    sched.step()
    sched2.step()
    assert sched2.last_epoch == sched.last_epoch == 6
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == s(6)


# ----------------------------------------------------------------------------- migration


def test_relative_keeps_each_groups_rate_like_pytorch():
    s = lrkit.warmup(lrkit.cosine(1.0, 0.0, steps=90), steps=10)
    o1, o2 = _sgd((1e-4, 1e-3)), _sgd((1e-4, 1e-3))
    ref = tl.LambdaLR(o1, lambda t: s(t))
    ours = Scheduler(o2, s, relative=True)
    for _ in range(100):
        assert [g["lr"] for g in o2.param_groups] == [g["lr"] for g in o1.param_groups]
        o1.step()
        o2.step()
        ref.step()
        ours.step()
    # resume: the initial values are kept in the optimizer (initial_lr, as PyTorch does)
    o3 = _sgd((1e-4, 1e-3))
    o3.load_state_dict(o2.state_dict())
    again = Scheduler(o3, s, relative=True)
    again.load_state_dict(ours.state_dict())
    assert [g["lr"] for g in o3.param_groups] == [g["lr"] for g in o2.param_groups]


def test_one_schedule_over_groups_with_different_rates_warns():
    with pytest.warns(
        UserWarning, match="different 'lr' values \\[0.0001, 0.001\\].*relative=True"
    ):
        Scheduler(_sgd((1e-4, 1e-3)), lrkit.cosine(1e-3, 0.0, steps=100))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Scheduler(_sgd((1e-4, 1e-3)), lrkit.cosine(1e-3, 0.0, steps=100), multipliers=[0.1, 1.0])
        Scheduler(_sgd((1e-3, 1e-3)), lrkit.cosine(1e-3, 0.0, steps=100))
        ReduceOnPlateau(_sgd((1e-4, 1e-3)))


def test_a_schedule_longer_than_the_run_warns():
    with pytest.warns(UserWarning, match=r"runs for 1000 steps, but total_steps=500"):
        Scheduler(_sgd(), lrkit.cosine(0.1).bind(total_steps=1000), total_steps=500)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Scheduler(_sgd(), lrkit.cosine(0.1), total_steps=500)
        Scheduler(_sgd(), lrkit.cosine(0.1, steps=400), total_steps=500)  # ends early, holds


def test_plateau_stepped_only_per_epoch_warns_once():
    opt = _sgd()
    sched = ReduceOnPlateau(opt, lrkit.cosine(0.1, 0.0, steps=100), patience=5)
    sched.step(1.0)
    with pytest.warns(UserWarning, match="with no step\\(\\) in between") as rec:
        for _ in range(5):
            sched.step(1.0)  # PyTorch's habit: the base schedule never moves
    assert len(rec) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drop_in = ReduceOnPlateau(_sgd())  # a constant base: per-epoch only is right
        for _ in range(5):
            drop_in.step(1.0)


def test_plateau_drop_in_with_relative_keeps_each_groups_rate():
    o1, o2 = _sgd((0.1, 0.01)), _sgd((0.1, 0.01))
    ref = tl.ReduceLROnPlateau(o1, patience=0, factor=0.5)
    ours = ReduceOnPlateau(o2, relative=True, patience=0, factor=0.5)
    for m in (1.0, 1.0, 0.5, 0.5, 0.5):
        ref.step(m)
        ours.step(m)
        assert [g["lr"] for g in o2.param_groups] == [g["lr"] for g in o1.param_groups]


def test_the_advice_for_an_added_group_works():
    opt = _sgd()
    sched = Scheduler(opt, lrkit.linear(1.0, 0.0, steps=10), relative=True)  # keeps initial_lr
    for _ in range(4):
        sched.step()
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.05})
    new = Scheduler(opt, lrkit.linear(1.0, 0.0, steps=10), relative=True)
    new.load_state_dict(sched.state_dict(), on_mismatch="new")
    assert new.last_epoch == 4
    assert [g["lr"] for g in opt.param_groups] == [0.1 * 0.6, 0.05 * 0.6]
