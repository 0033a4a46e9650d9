"""Direct tests for lrkit.torch.scheduler (issue 15, seed-13 training pass): the line no
test ran (``values()`` on a scheduler that does not schedule ``"lr"``) and the
survivors of the seed-13 training sample."""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import Scheduler


def _opt(**kw):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, **kw)


def test_values_needs_an_lr_schedule():
    """``values()`` is the scheduled ``"lr"``; a scheduler of ``weight_decay`` only has
    none, and says which keys it does schedule."""
    opt = _opt(weight_decay=0.01)
    s = Scheduler(opt, {"weight_decay": lrkit.cosine(0.01, steps=10)})
    with pytest.raises(ConfigError, match=r"key must be one of \['weight_decay'\], got 'lr'"):
        s.values()
    assert s.get_last_lr() == [0.1]
    assert opt.param_groups[0]["weight_decay"] == 0.01


# ------------------------------------------------------------------ every bound's edge
@pytest.mark.parametrize("name", ["epochs", "batches_per_epoch", "accumulation", "world_size"])
def test_total_steps_counts_start_at_one(name):
    from lrkit.torch import total_steps

    args = {"epochs": 2, "batches_per_epoch": 8, "accumulation": 1, "world_size": 1}
    assert (
        total_steps(**{**args, name: 1})
        == {
            "epochs": 8,
            "batches_per_epoch": 2,
            "accumulation": 16,
            "world_size": 16,
        }[name]
    )
    with pytest.raises(ConfigError, match=f"total_steps: {name} must be >= 1, got 0"):
        total_steps(**{**args, name: 0})


def test_total_steps_partial_updates():
    """ceil(b / W) batches per rank, ceil (or floor with partial='drop') of that / A."""
    from lrkit.torch import total_steps

    assert total_steps(3, 10, accumulation=4) == 9  # ceil(10/4) = 3 per epoch
    assert total_steps(3, 10, accumulation=4, partial="drop") == 6  # floor: 2
    assert total_steps(1, 10, accumulation=1, world_size=3) == 4  # ceil(10/3)
    assert total_steps(1, 10, accumulation=1, world_size=3, drop_last=True) == 3
    with pytest.raises(ValueError, match="makes no optimizer update"):
        total_steps(1, 3, accumulation=4, partial="drop")
    assert total_steps(1, 4, accumulation=4, partial="drop") == 1
    with pytest.raises(ValueError, match="leaves no batch per process"):
        total_steps(1, 3, world_size=4, drop_last=True)
    assert total_steps(1, 4, world_size=4, drop_last=True) == 1


def test_scheduler_durations_and_jumps_edges():
    s = Scheduler(_opt(), "cosine(0.1, steps='50%')", total_steps=1)
    assert s.total_steps == 1
    with pytest.raises(ConfigError, match="total_steps must be >= 1, got 0"):
        Scheduler(_opt(), "cosine(0.1, steps='50%')", total_steps=0)
    s = Scheduler(_opt(), "cosine(0.1, steps='2ep')", steps_per_epoch=1)
    assert s.steps_per_epoch == 1
    with pytest.raises(ConfigError, match="steps_per_epoch must be >= 1, got 0"):
        Scheduler(_opt(), "cosine(0.1, steps='2ep')", steps_per_epoch=0)
    opt = _opt()
    s = Scheduler(opt, lrkit.linear(1.0, 0.0, steps=10))
    s.step(5)
    s.step(0)  # back to the start
    assert opt.param_groups[0]["lr"] == 1.0
    with pytest.raises(ConfigError, match="epoch must be >= 0, got -1"):
        s.step(-1)


# ------------------------------------------------------------------ refusals, in words
def _two_groups():
    return torch.optim.SGD(
        [
            {"params": [torch.nn.Parameter(torch.zeros(1))]},
            {"params": [torch.nn.Parameter(torch.zeros(1))]},
        ],
        lr=0.1,
    )


def test_refusals_of_the_schedule_argument_name_the_problem():
    with pytest.raises(
        ConfigError, match=r"schedule mapping is empty; give at least \{'lr': \.\.\.\}"
    ):
        Scheduler(_opt(), {})
    with pytest.raises(
        ConfigError,
        match=r"multipliers given for 'momentum', which is not scheduled \(scheduled: \['lr'\]\)",
    ):
        Scheduler(_opt(), "cosine(0.1, steps=10)", multipliers={"momentum": [1.0]})
    with pytest.raises(
        ConfigError, match="tensor_lr must be None, True, False or 'auto', got 'yes'"
    ):
        Scheduler(_opt(), "cosine(0.1, steps=10)", tensor_lr="yes")


def test_refusals_of_a_key_the_param_groups_cannot_take():
    with pytest.raises(
        ConfigError,
        match="'beta1' needs an optimizer with betas, but param group 0 of SGD has none",
    ):
        Scheduler(_opt(), {"lr": 0.1, "beta1": 0.9})
    with pytest.raises(
        ConfigError, match=r"param group 0 of SGD has no key 'foo' \(keys: .*'beta1'/'beta2'"
    ):
        Scheduler(_opt(), {"lr": 0.1, "foo": 0.9})
    opt = _opt()
    opt.param_groups[0]["foo"] = "x"
    with pytest.raises(ConfigError, match="param group 0 key 'foo' holds 'x', not a number"):
        Scheduler(opt, {"lr": 0.1, "foo": 0.9})
    assert opt.param_groups[0]["foo"] == "x"


def test_groups_added_or_removed_after_construction_are_refused_by_count():
    opt = _opt()
    s = Scheduler(opt, "cosine(0.1, steps=10)")
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))]})
    with pytest.raises(
        ConfigError,
        match=r"param group 1 was added after the scheduler was built \(1 groups then, 2 now\)",
    ):
        s.step()
    opt = _two_groups()
    s = Scheduler(opt, "cosine(0.1, steps=10)")
    opt.param_groups.pop()
    with pytest.raises(
        ConfigError, match=r"1 param group\(s\) were removed .* \(2 groups then, 1 now\)"
    ):
        s.step()


# ------------------------------------------------------------------ checkpoint tables
def _sd():
    s = Scheduler(_opt(), "cosine(0.1, steps=10)")
    s.step()
    return s.state_dict()


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"schedules": {"lr": [1]}, "multipliers": {"lr": [1.0]}}, "spec strings"),
        (
            {"schedules": {"lr": ["cosine(0.1, steps=10)"]}, "multipliers": {"lr": [-0.5]}},
            "finite numbers >= 0",
        ),
        (
            {"schedules": {"lr": ["cosine(0.1, steps=10)"]}, "multipliers": {"lr": [float("inf")]}},
            "finite numbers",
        ),
        (
            {"schedules": {"lr": ["cosine(0.1, steps=10)"]}, "multipliers": {"lr": [True]}},
            "finite numbers",
        ),
        (
            {"schedules": {"lr": ["cosine(0.1, steps=10)"]}, "multipliers": {"lr": 1.0}},
            "finite numbers",
        ),
        (
            {"schedules": {3: ["cosine(0.1, steps=10)"]}, "multipliers": {"lr": [1.0]}},
            "spec strings",
        ),
    ],
)
def test_checkpoint_tables_are_checked_value_by_value(spec, words):
    sd = {**_sd(), "spec": spec}
    with pytest.raises(ConfigError, match=rf"must map keys to lists of {words}"):
        Scheduler(_opt(), "cosine(0.1, steps=10)").load_state_dict(sd)


def test_a_zero_multiplier_is_a_valid_checkpoint_value():
    opt = _opt()
    s = Scheduler(opt, "cosine(0.1, steps=10)", multipliers=[0.0])
    s.step()
    sd = s.state_dict()
    assert sd["spec"]["multipliers"] == {"lr": [0.0]}
    s2 = Scheduler(_opt(), "cosine(0.1, steps=10)", multipliers=[0.0])
    s2.load_state_dict(sd)
    assert s2.state_dict() == sd


# ------------------------------------------------------------------ tensor learning rates
def _torch_takes_a_tensor_lr(name, kw) -> bool:
    p = torch.nn.Parameter(torch.ones(2))
    p.grad = torch.ones(2)
    try:  # PyTorch refuses in the constructor or at the first step
        getattr(torch.optim, name)([p], lr=torch.tensor(0.1), **kw).step()
    except ValueError as e:
        assert "lr as a Tensor is not supported" in str(e)
        return False
    return True


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("SGD", {"foreach": True}),
        ("SGD", {"foreach": False}),
        ("Adam", {"foreach": True, "capturable": False}),
        ("Adam", {"foreach": False}),
        ("Adam", {"fused": True}),
        ("Adam", {"foreach": None}),
        ("AdamW", {"foreach": True}),
    ],
)
def test_tensor_lr_is_refused_exactly_where_pytorch_refuses_it(name, kw):
    """``tensor_lr=True`` on CPU: lrkit refuses the optimizers whose step PyTorch
    refuses with a tensor rate (foreach without capturable), and only those."""
    p = torch.nn.Parameter(torch.ones(2))
    opt = getattr(torch.optim, name)([p], lr=0.1, **kw)
    if _torch_takes_a_tensor_lr(name, kw):
        s = Scheduler(opt, "cosine(0.1, steps=10)", tensor_lr=True)
        assert isinstance(opt.param_groups[0]["lr"], torch.Tensor)
        s.step()
    else:
        with pytest.raises(
            ConfigError, match=r"capturable=False\) cannot take a tensor learning rate"
        ):
            Scheduler(opt, "cosine(0.1, steps=10)", tensor_lr=True)


def test_a_capturable_optimizer_takes_a_tensor_lr():
    """capturable=True: PyTorch takes a tensor rate with foreach (on CPU its step then
    needs the params on an accelerator, a separate matter), so lrkit does not refuse."""
    opt = torch.optim.Adam(
        [torch.nn.Parameter(torch.ones(2))], lr=0.1, foreach=True, capturable=True
    )
    Scheduler(opt, "cosine(0.1, steps=10)", tensor_lr=True)
    assert isinstance(opt.param_groups[0]["lr"], torch.Tensor)


def test_get_lr_is_one_value_per_group():
    opt = torch.optim.SGD(
        [
            {"params": [torch.nn.Parameter(torch.zeros(1))]},
            {"params": [torch.nn.Parameter(torch.zeros(1))]},
        ],
        lr=0.1,
    )
    s = Scheduler(opt, "linear(1.0, 0.0, steps=10)", multipliers=[1.0, 0.5])
    s.step(4)
    assert s.get_lr() == pytest.approx([0.6, 0.3])


def test_scheduler_total_steps_is_refused_by_the_scheduler_itself():
    """``total_steps=0`` is refused by name by the Scheduler (not only later by bind),
    with an absolute schedule too."""
    for spec in ("cosine(0.1, steps=10)", "cosine(0.1, steps='50%')"):
        with pytest.raises(ConfigError, match="^Scheduler: total_steps must be >= 1, got 0$"):
            Scheduler(_opt(), spec, total_steps=0)


def test_a_bad_value_after_step_zero_raises_when_reached_not_at_construction():
    """A schedule that never ends, with no total_steps, is checked at step 0 on
    construction; a value that is bad later (here a negative rate at step 1:
    0.25 - 0.1 * 3**t) raises when the run gets there, before anything changes."""
    endless = lrkit.constant(0.25) - lrkit.step(0.1, gamma=3.0, every=1)
    opt = _opt()
    s = Scheduler(opt, endless)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.15)
    with pytest.raises(ConfigError, match="at step 1"):
        s.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.15)
    with pytest.raises(ConfigError, match="at step 0"):
        Scheduler(_opt(), lrkit.constant(0.05) - lrkit.step(0.1, gamma=3.0, every=1))
