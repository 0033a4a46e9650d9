"""lrkit.torch.Scheduler: keys, state, resume, tensors, AMP, edges."""

from __future__ import annotations

import copy
import io
import json
import pickle
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.optim import lr_scheduler as tl

import lrkit
from lrkit.torch import Scheduler, total_steps
from lrkit.torch.scheduler import BLOCK

torch.set_num_threads(1)


def _sgd(lr=0.1, momentum=0.9, groups=1, wd=0.0):
    ps = [torch.nn.Parameter(torch.ones(3)) for _ in range(groups)]
    return torch.optim.SGD([{"params": [p]} for p in ps], lr=lr, momentum=momentum, weight_decay=wd)


def _adam(**kw):
    return torch.optim.Adam([torch.nn.Parameter(torch.ones(3))], **kw)


def _train_step(opt):
    for g in opt.param_groups:
        for p in g["params"]:
            p.grad = torch.full_like(p, 0.5)
    opt.step()


# ----------------------------------------------------------------------------- basics


def test_is_lr_scheduler_and_applies_step0_at_construction():
    opt = _sgd(lr=123.0)
    s = lrkit.warmup(lrkit.cosine(1.0, 0.0), steps=4, start=0.2).bind(total_steps=20)
    sched = Scheduler(opt, s)
    assert isinstance(sched, tl.LRScheduler)
    assert opt.param_groups[0]["lr"] == 0.2 == s(0)
    assert sched.get_last_lr() == [0.2]
    assert sched.last_epoch == 0
    seen = []
    for _ in range(20):
        _train_step(opt)
        sched.step()
        seen.append(opt.param_groups[0]["lr"])
    assert seen == [s(n) for n in range(1, 21)]
    assert sched.get_lr() == [s(20)]
    assert sched.base_lrs == [123.0]


def test_many_keys_momentum_weight_decay_and_lists():
    opt = _sgd(groups=2, wd=1e-4)
    lr = lrkit.one_cycle(0.5, steps=100)
    sched = Scheduler(
        opt,
        {
            "lr": [lr, lr * 0.1],
            "momentum": lrkit.opposite(lr, 0.85, 0.95),
            "weight_decay": lrkit.linear(1e-4, 1e-5, steps=100),
        },
    )
    for n in range(5):
        g0, g1 = opt.param_groups
        assert g0["lr"] == lr(n)
        assert g1["lr"] == (lr * 0.1)(n)
        assert g0["momentum"] == g1["momentum"] == lrkit.opposite(lr, 0.85, 0.95)(n)
        assert g0["weight_decay"] == lrkit.linear(1e-4, 1e-5, steps=100)(n)
        _train_step(opt)
        sched.step()


def test_adam_betas_beta1_and_momentum_alias():
    s = lrkit.linear(0.9, 0.8, steps=10)
    for key in ("beta1", "betas", "momentum"):
        opt = _adam(lr=1e-3, betas=(0.9, 0.999))
        sched = Scheduler(opt, {"lr": 1e-3, key: s})
        for _ in range(3):
            _train_step(opt)
            sched.step()
        assert opt.param_groups[0]["betas"] == (s(3), 0.999)
    opt = _adam(betas=(0.9, 0.999))
    Scheduler(opt, {"lr": 1e-3, "beta2": lrkit.constant(0.99)})
    assert opt.param_groups[0]["betas"] == (0.9, 0.99)


def test_multipliers():
    opt = _sgd(groups=2)
    sched = Scheduler(opt, lrkit.exponential(1.0, gamma=0.5), multipliers=[1.0, 0.25])
    sched.step()
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.125]
    opt = _sgd(groups=2)
    Scheduler(opt, {"lr": 0.1, "momentum": 0.9}, multipliers={"momentum": [1.0, 0.5]})
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.45]


def test_spec_strings_and_relative_durations():
    opt = _sgd()
    sched = Scheduler(
        opt, 'warmup(cosine(start=0.1), steps="1ep")', total_steps=50, steps_per_epoch=10
    )
    expect = lrkit.warmup(lrkit.cosine(0.1, steps=40), steps=10)
    for n in range(50):
        assert opt.param_groups[0]["lr"] == expect(n)
        sched.step()


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"schedule": {"nesterov_lr": 0.1}}, ValueError, "has no key 'nesterov_lr'"),
        ({"schedule": {"beta1": 0.9}}, ValueError, "'beta1' needs an optimizer with betas"),
        ({"schedule": lrkit.cosine(0.1)}, ValueError, "not bound.*total_steps"),
        ({"schedule": [0.1, 0.2]}, ValueError, "one per param group \\(1\\), got a list of 2"),
        ({"schedule": 0.1, "total_steps": 0}, ValueError, "total_steps must be >= 1, got 0"),
        ({"schedule": object()}, TypeError, "schedule for lr must be a schedule"),
        ({"schedule": 0.1, "multipliers": [1, 2]}, ValueError, "multipliers\\['lr'\\] must be"),
        ({"schedule": 0.1, "tensor_lr": "yes"}, ValueError, "tensor_lr must be None, True"),
        ({"schedule": 0.1, "on_mismatch": "x"}, ValueError, "on_mismatch must be one of"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Scheduler(_sgd(), **kwargs)


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer, got list"):
        Scheduler([], 0.1)


def test_closed_form_equals_values_for_long_runs_float_and_float32_tensor():
    s = lrkit.warmup(lrkit.sgdr(0.1, 1e-4, period=777, mult=1.5), steps=300)
    n = 3 * BLOCK + 17
    ref = s(np.arange(n + 1))
    opt = _sgd()
    sched = Scheduler(opt, s)
    t = torch.tensor(0.0, dtype=torch.float32)
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=t)
    sched2 = Scheduler(opt2, s)
    got, got32 = [opt.param_groups[0]["lr"]], [t.item()]
    for _ in range(n):
        sched.step()
        sched2.step()
        got.append(opt.param_groups[0]["lr"])
        got32.append(opt2.param_groups[0]["lr"].item())
    assert np.array_equal(np.array(got), ref)
    assert np.array_equal(np.array(got32, dtype=np.float32), ref.astype(np.float32))
    assert opt2.param_groups[0]["lr"] is t and t.dtype == torch.float32


# ----------------------------------------------------------------------------- state


def _roundtrip_weights_only(sd):
    buf = io.BytesIO()
    torch.save(sd, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


_SCHEDULES = [
    lambda r: lrkit.warmup(lrkit.cosine(r, r * 1e-3), steps=37),
    lambda r: lrkit.one_cycle(r, steps=5000, three_phase=True),
    lambda r: lrkit.sgdr(r, 0.0, period=311, mult=2.0, decay=0.7),
    lambda r: lrkit.cyclic(r / 10, r, half_period=123, mode="exp_range", gamma=0.9995),
    lambda r: lrkit.sequence(lrkit.linear(0.0, r, steps=50), lrkit.exponential(r, gamma=0.999)),
    lambda r: lrkit.wsd(r, steps=6000, warmup=200, decay="20%"),
    lambda r: lrkit.multistep(r, 0.5, milestones=[0, 100, 4095, 4096, 4097]),
    lambda r: lrkit.clip(lrkit.inverse_sqrt(r, warmup=100) * 2 + 1e-5, 0, r),
]


@settings(max_examples=25, deadline=None)
@given(
    which=st.integers(0, len(_SCHEDULES) - 1),
    peak=st.floats(1e-4, 1.0),
    save_at=st.integers(0, 9000),
    more=st.integers(1, 300),
)
def test_resume_is_bit_identical(which, peak, save_at, more):
    s = _SCHEDULES[which](peak)
    kw = dict(total_steps=10_000, warn_past_end=False)
    spec = {"lr": s, "momentum": lrkit.opposite(s.bind(total_steps=10_000), 0.85, 0.95)}
    if which in (2, 3, 4, 7):  # opposite needs a finite schedule
        spec = {"lr": s}
    opt = _sgd()
    sched = Scheduler(opt, spec, **kw)
    sched.step(save_at)  # jump (closed form) to the save point
    sd = _roundtrip_weights_only(sched.state_dict())
    ref = []
    for _ in range(more):
        sched.step()
        ref.append((opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]))
    # a fresh optimizer + scheduler, built in either order relative to the load
    opt2 = _sgd(lr=7.0)
    sched2 = Scheduler(opt2, spec, **kw)
    sched2.load_state_dict(sd)
    got = []
    for _ in range(more):
        sched2.step()
        got.append((opt2.param_groups[0]["lr"], opt2.param_groups[0]["momentum"]))
    assert got == ref  # bit for bit


def test_interrupted_equals_continuous_with_training():
    s = lrkit.warmup(lrkit.one_cycle(0.3, steps=200), steps=20)
    spec = {"lr": s, "momentum": lrkit.opposite(s, 0.85, 0.95)}
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    x, y = torch.randn(64, 4), torch.randn(64, 1)

    def run(model, opt, sched, steps):
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
            sched.step()

    m1 = copy.deepcopy(model)
    o1 = torch.optim.SGD(m1.parameters(), lr=0.1, momentum=0.9)
    s1 = Scheduler(o1, spec)
    run(m1, o1, s1, 220)
    m2 = copy.deepcopy(model)
    o2 = torch.optim.SGD(m2.parameters(), lr=0.1, momentum=0.9)
    s2 = Scheduler(o2, spec)
    run(m2, o2, s2, 97)
    ckpt = _roundtrip_weights_only(
        {"model": m2.state_dict(), "opt": o2.state_dict(), "sched": s2.state_dict()}
    )
    m3 = copy.deepcopy(model)
    o3 = torch.optim.SGD(m3.parameters(), lr=0.1, momentum=0.9)
    s3 = Scheduler(o3, spec)  # built before the optimizer is loaded: order does not matter
    m3.load_state_dict(ckpt["model"])
    o3.load_state_dict(ckpt["opt"])  # replaces param_groups dicts
    s3.load_state_dict(ckpt["sched"])
    run(m3, o3, s3, 123)
    for a, b in zip(m1.parameters(), m3.parameters()):
        assert torch.equal(a, b)
    assert o1.param_groups[0]["lr"] == o3.param_groups[0]["lr"]


def test_scheduler_only_restore_applies_value_immediately_and_twice():
    s = lrkit.exponential(1.0, gamma=0.9)
    opt = _sgd()
    sched = Scheduler(opt, s)
    for _ in range(10):
        sched.step()
    sd = sched.state_dict()
    frozen = json.loads(json.dumps(sd))
    opt2 = _sgd(lr=5.0)
    sched2 = Scheduler(opt2, s)
    sched2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == s(10)  # now, not one step later
    assert sd == frozen  # argument not mutated
    sched2.step()
    sched2.load_state_dict(sd)  # twice
    assert opt2.param_groups[0]["lr"] == s(10)
    assert sched2.last_epoch == 10


def test_state_dict_content_is_plain():
    sched = Scheduler(_sgd(), {"lr": lrkit.cosine(0.1, steps=10), "momentum": 0.9})
    sd = sched.state_dict()
    assert sd["step"] == 0
    assert sd["spec"]["schedules"] == {
        "lr": [str(lrkit.cosine(0.1, steps=10))],
        "momentum": [str(lrkit.constant(0.9))],
    }
    assert sd["total_steps"] is None
    json.dumps(sd)


def test_mismatch_error_shows_both_specs_and_new_option():
    old = lrkit.wsd(0.1, steps=1000, warmup=100, decay=200)
    opt = _sgd()
    sched = Scheduler(opt, old)
    for _ in range(500):
        sched.step()
    sd = sched.state_dict()
    new = lrkit.wsd(0.1, steps=2000, warmup=100, decay=200)  # extend the run
    sched2 = Scheduler(_sgd(), new)
    with pytest.raises(ValueError) as e:
        sched2.load_state_dict(sd)
    msg = str(e.value)
    assert str(old) in msg and str(new) in msg and "on_mismatch='new'" in msg
    assert sched2.last_epoch == 0  # nothing changed
    opt3 = _sgd()
    sched3 = Scheduler(opt3, new, on_mismatch="new")
    sched3.load_state_dict(sd)
    assert sched3.last_epoch == 500 and opt3.param_groups[0]["lr"] == new(500)
    sched2.load_state_dict(sd, on_mismatch="new")
    assert sched2.last_epoch == 500
    with pytest.raises(ValueError, match="format"):
        sched2.load_state_dict({"last_epoch": 3})


def test_pickle():
    opt = _sgd()
    sched = Scheduler(opt, lrkit.one_cycle(0.1, steps=100), follow_optimizer=True)
    for _ in range(10):
        _train_step(opt)
        sched.step()
    sched2 = pickle.loads(pickle.dumps(sched))
    opt2 = sched2.optimizer
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    for _ in range(5):
        _train_step(opt)
        sched.step()
        _train_step(opt2)
        sched2.step()
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert sched2.last_epoch == sched.last_epoch == 15


# ----------------------------------------------------------------------------- edges


def test_external_overwrite_closed_form_wins_no_compounding():
    s = lrkit.exponential(1.0, gamma=0.5)
    o1, o2 = _sgd(lr=1.0), _sgd(lr=1.0)
    torch_sched = tl.ExponentialLR(o1, gamma=0.5)
    ours = Scheduler(o2, s)
    for o in (o1, o2):
        o.param_groups[0]["lr"] = 100.0  # someone else writes the rate
    for o in (o1, o2):
        o.step()
    torch_sched.step()
    ours.step()
    for _ in range(3):
        torch_sched.step()
        ours.step()
    assert o2.param_groups[0]["lr"] == s(4) == 0.0625
    assert o1.param_groups[0]["lr"] == 100.0 * 0.5**4  # compounded forever


def test_past_the_end_holds_with_a_single_warning():
    opt = _sgd()
    s = lrkit.one_cycle(0.1, steps=10)
    sched = Scheduler(opt, s, total_steps=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(10):
            sched.step()  # steps 1..10 fine (10 == total after the last update)
    with pytest.warns(UserWarning, match="past the end of the run \\(total_steps=10\\)") as rec:
        for _ in range(20):
            sched.step()
    assert len(rec) == 1
    assert opt.param_groups[0]["lr"] == s(9) == s(30)


def test_tensor_lr_in_place_same_object_and_dtype():
    lr = torch.tensor(0.01, dtype=torch.float32)
    opt = torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], lr=lr)
    s = lrkit.cosine(0.01, steps=10)
    sched = Scheduler(opt, s)
    for n in range(1, 5):
        _train_step(opt)
        sched.step()
        assert opt.param_groups[0]["lr"] is lr
        assert lr.dtype == torch.float32
        assert lr.item() == np.float32(s(n))
    last = sched.get_last_lr()[0]
    assert isinstance(last, torch.Tensor) and last is not lr  # a copy, never aliased


def test_tensor_lr_true_converts_floats_and_errors_for_adam_foreach():
    opt = _sgd(lr=0.1)
    Scheduler(opt, lrkit.linear(0.1, 0.0, steps=10), tensor_lr=True)
    t = opt.param_groups[0]["lr"]
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64 and t.item() == 0.1
    _train_step(opt)
    with pytest.raises(ValueError, match="foreach=True, capturable=False\\) cannot take a tensor"):
        Scheduler(_adam(lr=0.1, foreach=True), 0.1, tensor_lr=True)
    opt = _adam(lr=0.1, foreach=True)
    Scheduler(opt, 0.05, tensor_lr="auto")  # documented fallback: keeps floats
    assert opt.param_groups[0]["lr"] == 0.05
    _train_step(opt)
    opt = _adam(lr=0.1, foreach=False)
    Scheduler(opt, 0.05, tensor_lr="auto")
    assert isinstance(opt.param_groups[0]["lr"], torch.Tensor)
    _train_step(opt)


@pytest.mark.parametrize(
    "name", ["RMSprop", "NAdam", "RAdam", "Adamax", "ASGD", "Adadelta", "Rprop"]
)
@pytest.mark.parametrize("mode", [True, "auto"])
def test_tensor_lr_for_foreach_optimizers_that_take_a_tensor_rate(name, mode):
    """Only Adam/AdamW refuse a tensor rate with foreach=True, capturable=False; these
    optimizers take one (their foreach step reads it as a scalar), so tensor_lr keeps
    its promise for them (was: refused with "PyTorch raises 'lr as a Tensor is not
    supported...'", which PyTorch does not; "auto" silently kept floats; on a GPU,
    where foreach is the default, every one of them was refused)."""
    cls = getattr(torch.optim, name)
    # PyTorch itself takes it
    p = torch.nn.Parameter(torch.ones(2))
    p.grad = torch.ones(2)
    cls([p], lr=torch.tensor(0.01, dtype=torch.float64), foreach=True).step()

    def run(tensor_lr):
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 2)
        opt = cls(model.parameters(), lr=0.01, foreach=True)
        sched = Scheduler(opt, lrkit.linear(0.01, 0.001, steps=5), tensor_lr=tensor_lr)
        lr = opt.param_groups[0]["lr"]
        x = torch.randn(4, 3, generator=torch.Generator().manual_seed(1))
        for _ in range(5):
            opt.zero_grad()
            model(x).square().sum().backward()
            opt.step()
            sched.step()
            if tensor_lr:
                assert opt.param_groups[0]["lr"] is lr  # one object all along
        return lr, [q.detach() for q in model.parameters()]

    lr, got = run(mode)
    assert isinstance(lr, torch.Tensor) and lr.dtype == torch.float64
    assert lr.item() == lrkit.linear(0.01, 0.001, steps=5)(5)
    _, want = run(None)  # the same run with float rates
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_follow_optimizer_with_amp_gradscaler_skips():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    s = lrkit.linear(0.1, 0.0, steps=10)
    sched = Scheduler(opt, s, follow_optimizer=True)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**4)
    applied = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no spurious "step before optimizer.step" warning
        for i in range(8):
            opt.zero_grad()
            loss = model(torch.ones(2, 3)).sum()
            scaler.scale(loss).backward()
            if i in (0, 3, 4):
                model.weight.grad[0, 0] = float("inf")  # GradScaler skips this step
            applied.append(opt.param_groups[0]["lr"])
            scaler.step(opt)
            scaler.update()
            sched.step()
    # 5 real updates out of 8 calls; the schedule follows the real ones
    assert sched.last_epoch == 5
    assert applied == [s(0), s(0), s(1), s(2), s(2), s(2), s(3), s(4)]
    sd = sched.state_dict()
    assert sd["opt_count"] == 5


def test_total_steps_world_size_matches_distributed_sampler_and_dataloader():
    """Checked against the real DistributedSampler + DataLoader: exact when both agree
    on drop_last (the documented condition); otherwise one rank's len(loader) with
    world_size=1 is the count (13 samples, batches of 2, 4 ranks, only the sampler
    dropping: 2 batches per rank, while a count in batches would say 7 // 4 = 1)."""
    from torch.utils.data import DataLoader, DistributedSampler

    def rank_len(n, b, w, sampler_drop, loader_drop):
        ds = list(range(n))
        sampler = DistributedSampler(ds, w, 0, shuffle=False, drop_last=sampler_drop)
        return len(DataLoader(ds, batch_size=b, sampler=sampler, drop_last=loader_drop))

    for n in range(4, 40):
        for b in (1, 2, 3, 5):
            for w in (2, 3, 4):
                for drop in (False, True):
                    real = rank_len(n, b, w, drop, drop)
                    if real == 0:
                        continue
                    whole = len(DataLoader(list(range(n)), batch_size=b, drop_last=drop))
                    assert total_steps(2, whole, world_size=w, drop_last=drop) == 2 * real
                    assert total_steps(2, real) == 2 * real
    assert rank_len(13, 2, 4, True, False) == 2
    assert total_steps(1, 7, world_size=4, drop_last=True) == 1  # not this rank's count


def test_total_steps_helper():
    assert total_steps(10, 100) == 1000
    assert total_steps(10, 100, accumulation=4) == 250
    assert total_steps(1, 10, accumulation=3) == 4
    assert total_steps(1, 10, accumulation=3, partial="drop") == 3
    assert total_steps(1, 10, world_size=4) == 3
    assert total_steps(1, 10, world_size=4, drop_last=True) == 2
    with pytest.raises(ValueError, match="accumulation must be >= 1, got 0"):
        total_steps(1, 10, accumulation=0)
    # a linear decay sized with the helper ends at 0 with accumulation (not 0.83)
    n = total_steps(3, 50, accumulation=4)
    opt = _sgd()
    sched = Scheduler(opt, lrkit.linear(0.1, 0.0), total_steps=n)
    updates = 0
    for _epoch in range(3):
        for b in range(50):
            if (b + 1) % 4 == 0 or b == 49:
                updates += 1
                sched.step()
    assert updates == n == 39 and opt.param_groups[0]["lr"] == 0.0


def test_a_checkpoint_from_another_number_of_param_groups_says_so():
    """The same schedule over 2 groups and over 1: the message showed two identical lines."""
    m = torch.nn.Linear(2, 1)
    two = torch.optim.SGD([{"params": [m.weight]}, {"params": [m.bias]}], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = Scheduler(two, lrkit.cosine(1.0, steps=10)).state_dict()
    one = Scheduler(torch.optim.SGD(m.parameters(), lr=0.5), lrkit.cosine(1.0, steps=10))
    with pytest.raises(lrkit.errors.ConfigError) as e:
        one.load_state_dict(sd)
    lines = str(e.value).splitlines()
    assert lines[1] == "  saved:       lr: cosine(start=1.0, steps=10) (2 param groups)"
    assert lines[2] == "  constructed: lr: cosine(start=1.0, steps=10)"


def test_a_pytorch_scheduler_s_state_says_how_to_continue_its_run():
    # a migrating user's checkpoint holds CosineAnnealingLR's state (last_epoch=5): it
    # cannot be loaded, and the message says how to continue from its step
    from lrkit.errors import ConfigError

    p = torch.nn.Parameter(torch.zeros(1))
    old_opt = torch.optim.SGD([p], lr=0.1)
    old = tl.CosineAnnealingLR(old_opt, T_max=100)
    for _ in range(5):
        old_opt.step()
        old.step()
    opt = torch.optim.SGD([p], lr=0.1)
    sched = Scheduler(opt, lrkit.cosine(0.1, 0.0, steps=100))
    with pytest.raises(ConfigError, match=r"PyTorch scheduler's state \(last_epoch=5\)") as e:
        sched.load_state_dict(old.state_dict())
    assert "sched.step(5)" in str(e.value)
    sched.step(5)  # what the message says: the same rate as PyTorch's
    assert opt.param_groups[0]["lr"] == pytest.approx(old_opt.param_groups[0]["lr"], rel=1e-12)
    # ReduceLROnPlateau's last_epoch counts reports, not steps: no such hint
    rop = tl.ReduceLROnPlateau(torch.optim.SGD([p], lr=0.1))
    with pytest.raises(ConfigError, match="must come from") as e:
        sched.load_state_dict(rop.state_dict())
    assert "step(" not in str(e.value)
