"""lrkit.torch.Scheduler: tensor learning rates for every optimizer configuration, and the
checkpoint's field checks (issue 15, seed 17 pass).

``tensor_lr=True`` turns float rates into 0-d float64 tensors updated in place, except
where PyTorch cannot take a tensor rate (``foreach=True, capturable=False``): there
``True`` raises before anything changes and ``"auto"`` keeps the float. Each case is
then stepped by the real optimizer, which is what would fail if the plan were wrong.
"""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import Scheduler


def _params():
    return [torch.nn.Parameter(torch.ones(2))]


CONFIGS = [
    (torch.optim.Adam, {"foreach": True, "capturable": False}, False),
    (torch.optim.Adam, {"foreach": False}, True),
    (torch.optim.Adam, {"fused": True}, True),
    (torch.optim.Adam, {}, True),
    (torch.optim.AdamW, {"foreach": True, "capturable": False}, False),
    (torch.optim.SGD, {}, True),
    (torch.optim.SGD, {"foreach": True}, True),
]


@pytest.mark.parametrize(("cls", "kw", "can"), CONFIGS)
@pytest.mark.parametrize("mode", [True, "auto"])
def test_tensor_lr_plan_for_every_optimizer_configuration(cls, kw, can, mode):
    opt = cls(_params(), lr=0.1, **kw)
    s = lrkit.linear(0.1, 0.05, steps=4)
    if not can and mode is True:
        with pytest.raises(ConfigError, match=r"param group 0: .*cannot take a tensor"):
            Scheduler(opt, s, tensor_lr=True)
        assert opt.param_groups[0]["lr"] == 0.1 and type(opt.param_groups[0]["lr"]) is float
        return
    sched = Scheduler(opt, s, tensor_lr=mode)
    lr = opt.param_groups[0]["lr"]
    if can:
        assert isinstance(lr, torch.Tensor) and lr.dtype == torch.float64 and lr.dim() == 0
    else:
        assert type(lr) is float
    for n in range(1, 5):
        opt.param_groups[0]["params"][0].grad = torch.ones(2)
        opt.step()  # the optimizer accepts what the plan chose
        sched.step()
        now = opt.param_groups[0]["lr"]
        assert float(now) == pytest.approx(float(s(n)))
        if can:
            assert now is lr  # updated in place: a compiled step is not recompiled
    assert sched.base_lrs == [0.1]
    assert [float(x) for x in sched.get_last_lr()] == pytest.approx([0.05])


def test_a_tensor_rate_given_by_the_user_is_kept_and_filled():
    t = torch.tensor(0.1)
    opt = torch.optim.SGD(_params(), lr=t)
    sched = Scheduler(opt, lrkit.linear(0.1, 0.0, steps=2))
    assert opt.param_groups[0]["lr"] is t and t.dtype == torch.float32
    sched.step()
    assert opt.param_groups[0]["lr"] is t and float(t) == pytest.approx(0.05)
    last = sched.get_last_lr()[0]
    assert last is not t and float(last) == pytest.approx(0.05)  # a clone, as PyTorch
    with pytest.raises(
        ConfigError, match="tensor_lr must be None, True, False or 'auto', got 'yes'"
    ):
        Scheduler(opt, lrkit.constant(0.1), tensor_lr="yes")


def _sd():
    opt = torch.optim.SGD(_params(), lr=0.1)
    s = Scheduler(opt, lrkit.cosine(0.1, steps=10), multipliers=[0.5])
    s.step(3)
    return s, s.state_dict()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"step": -1}, "step"),
        ({"step": True}, "step"),
        ({"opt_count": -2}, "opt_count"),
        ({"total_steps": 0}, "total_steps"),
        ({"steps_per_epoch": 0}, "steps_per_epoch"),
        ({"warned_past_end": 1}, "warned_past_end"),
        ({"spec": "cosine"}, "must be a dict"),
        ({"spec": {"schedules": {"lr": [3]}, "multipliers": {"lr": [0.5]}}}, "spec strings"),
        (
            {"spec": {"schedules": {"lr": ["x"]}, "multipliers": {"lr": [-0.5]}}},
            "finite numbers >= 0",
        ),
        (
            {"spec": {"schedules": {"lr": ["x"]}, "multipliers": {"lr": [True]}}},
            "finite numbers >= 0",
        ),
        ({"spec": {"schedules": {"lr": ["x"]}, "multipliers": {"lr": [float("nan")]}}}, ">= 0"),
        ({"spec": {"schedules": {"lr": "x"}, "multipliers": {"lr": [0.5]}}}, "spec strings"),
        ({"format": "other/1"}, "format 'other/1'"),
        ({"saved_by": "ReduceOnPlateau"}, "saved by ReduceOnPlateau"),
    ],
)
def test_each_checkpoint_field_is_checked_before_anything_changes(change, match):
    s, sd = _sd()
    s.step(5)
    lr = s.optimizer.param_groups[0]["lr"]
    with pytest.raises((ConfigError, TypeError), match=match):
        s.load_state_dict({**sd, **change})
    assert s.last_epoch == 5 and s.optimizer.param_groups[0]["lr"] == lr


def test_a_checkpoint_round_trips_and_its_spec_decides_a_mismatch():
    s, sd = _sd()
    assert sd["spec"] == {
        "schedules": {"lr": [str(lrkit.cosine(0.1, steps=10))]},
        "multipliers": {"lr": [0.5]},
    }
    opt = torch.optim.SGD(_params(), lr=0.1)
    t = Scheduler(opt, lrkit.cosine(0.1, steps=10), multipliers=[0.5])
    t.load_state_dict(sd)
    assert t.last_epoch == 3 and opt.param_groups[0]["lr"] == pytest.approx(
        0.5 * float(lrkit.cosine(0.1, steps=10)(3))
    )
    other = Scheduler(
        torch.optim.SGD(_params(), lr=0.1), lrkit.cosine(0.1, steps=12), multipliers=[0.5]
    )
    with pytest.raises(ConfigError, match="schedule"):
        other.load_state_dict(sd)
    other.load_state_dict(sd, on_mismatch="new")
    assert other.last_epoch == 3
    assert other.optimizer.param_groups[0]["lr"] == pytest.approx(
        0.5 * float(lrkit.cosine(0.1, steps=12)(3))
    )
    rel = Scheduler(torch.optim.SGD(_params(), lr=0.1), lrkit.cosine(1.0, steps=10), relative=True)
    assert rel.state_dict()["spec"]["relative"] is True
    with pytest.raises(ConfigError):
        s.load_state_dict(rel.state_dict())


def test_follow_optimizer_counts_only_real_updates_through_any_path():
    import pickle
    import random

    s = lrkit.linear(1.0, 0.0, steps=40)
    opt = torch.optim.SGD(_params(), lr=1.0)
    sched = Scheduler(opt, s, follow_optimizer=True)
    rng = random.Random(17)
    real = 0
    for i in range(30):
        if rng.random() < 0.7:  # an update that happened (else: skipped, as GradScaler does)
            opt.step()
            real += 1
        sched.step()
        assert sched.last_epoch == real and opt.param_groups[0]["lr"] == pytest.approx(
            float(s(real))
        )
        assert sched.state_dict()["opt_count"] == real
        if i == 10:  # a jump sets the count too
            sched.step(20)
            real = 20
            assert opt.param_groups[0]["lr"] == pytest.approx(float(s(20)))
    # mid-iteration checkpoint: the optimizer stepped, the scheduler not yet
    opt.step()
    sd = sched.state_dict()
    assert sd["opt_count"] == real + 1 and sd["step"] == real
    opt2 = torch.optim.SGD(_params(), lr=1.0)
    again = Scheduler(opt2, s, follow_optimizer=True)
    again.load_state_dict(sd)
    assert again.state_dict() == sd
    again.step()
    assert again.last_epoch == real + 1
    copy = pickle.loads(pickle.dumps(sched))  # the hook is registered again on the copy
    copy.optimizer.step()
    copy.step()
    assert copy.last_epoch == real + 2
    sched.close()
    opt.step()
    sched.step()
    assert sched.last_epoch == real + 1  # closed: the hook no longer counts
    sched.close()  # twice is fine
    plain = Scheduler(torch.optim.SGD(_params(), lr=1.0), s)
    plain.step()
    plain.step()
    assert plain.last_epoch == 2 and plain.state_dict()["opt_count"] == 0
