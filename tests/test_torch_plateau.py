"""lrkit.torch.ReduceOnPlateau and EarlyStopping (single process)."""

from __future__ import annotations

import io
import math
import random

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tl

import lrkit
from lrkit.torch import EarlyStopping, ReduceOnPlateau, Scheduler

torch.set_num_threads(1)


def _sgd(lrs=(0.1,)):
    return torch.optim.SGD(
        [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs], lr=lrs[0]
    )


@pytest.mark.parametrize("seed", range(25))
def test_parity_with_torch_reduce_lr_on_plateau(seed, draw_plateau_kwargs):
    rng = random.Random(seed)
    kw = draw_plateau_kwargs(rng, [0.1, 0.5, 0.8], [0.0, 1e-4, 0.02], max_cooldown=2)
    kw["eps"] = 1e-8
    lrs = rng.choice([(0.1,), (0.1, 0.01), (1.0, 0.3, 0.05)])
    mins = rng.choice([0.0, [1e-3] * len(lrs), [0.0] * len(lrs)])
    metrics = [abs(rng.gauss(1.0, 0.3)) * (0.99**i) for i in range(100)]
    o1, o2 = _sgd(lrs), _sgd(lrs)
    ref = tl.ReduceLROnPlateau(o1, min_lr=mins, **kw)
    ours = ReduceOnPlateau(o2, min_lr=mins, **kw)
    for m in metrics:
        ref.step(m)
        ours.step(m)
        got = [g["lr"] for g in o2.param_groups]
        want = [g["lr"] for g in o1.param_groups]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_composes_with_warmup_cosine_and_ignores_warmup_metrics():
    s = lrkit.warmup(lrkit.cosine(0.1, 0.0), steps=10).bind(total_steps=100)
    opt = _sgd()
    sched = ReduceOnPlateau(opt, s, patience=0, factor=0.5, start_step="warmup")
    # metrics during warmup are ignored (a rising warmup loss is not a plateau)
    for _ in range(10):
        assert sched.report(1.0) is False
        sched.step()
    assert sched.plateau.num_updates == 0 and sched.scale == 1.0
    assert opt.param_groups[0]["lr"] == s(10)
    sched.report(1.0)
    with pytest.warns(UserWarning, match="two metrics were reported at step 10 with no step"):
        assert sched.report(1.0) is True
    assert opt.param_groups[0]["lr"] == s(10) * 0.5  # applied immediately
    for n in range(11, 40):
        sched.step()
        assert opt.param_groups[0]["lr"] == s(n) * 0.5  # cosine keeps going, scaled
    with pytest.raises(ValueError, match="start_step='warmup' needs a warmup"):
        ReduceOnPlateau(_sgd(), lrkit.constant(0.1), start_step="warmup")
    with pytest.raises(TypeError, match="start_step must be an int >= 0 or 'warmup', got 'warm'"):
        ReduceOnPlateau(_sgd(), lrkit.constant(0.1), start_step="warm")


def test_plain_scheduler_metric_stream_vs_torch_chained_on_cosine():
    # torch cannot combine ReduceLROnPlateau with a schedule; lrkit multiplies
    s = lrkit.cosine(1.0, 0.0, steps=50)
    opt = _sgd()
    sched = ReduceOnPlateau(opt, s, patience=1, factor=0.1, min_lr=0.05)
    for n in range(1, 51):
        sched.step()
        if n % 5 == 0:
            sched.step(1.0)  # flat metric: bad epochs from the 2nd report on
        base = s(n)
        assert opt.param_groups[0]["lr"] == max(base * sched.scale, min(base, 0.05))
    # the 1st reduction (3rd report) gives 0.1 x base; a 2nd would go below min_lr=0.05,
    # which changes nothing (PyTorch's rule), so the scale stays 0.1
    assert sched.plateau.num_reductions == 1 and sched.scale == 0.1
    assert opt.param_groups[0]["lr"] == 0.0  # the cosine itself still reaches 0


def test_negative_metric_and_nan():
    opt = _sgd()
    sched = ReduceOnPlateau(opt, patience=1, factor=0.5)
    for m in [-1.0, -0.99995, -0.9999, -0.99985]:  # a worsening negative loss
        sched.step(m)
    assert opt.param_groups[0]["lr"] == 0.05  # torch keeps 0.1 (pytorch#47513)
    with pytest.raises(ValueError, match="metric is NaN at step 0"):
        sched.step(float("nan"))
    skip = ReduceOnPlateau(_sgd(), patience=0, nan="skip")
    skip.step(1.0)
    skip.step(torch.tensor(float("nan")))
    assert skip.scale == 1.0 and skip.num_bad_epochs == 0


def test_keeps_other_keys_and_state_roundtrip():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    spec = {"lr": lrkit.exponential(0.1, gamma=0.99), "momentum": lrkit.linear(0.9, 0.8, steps=20)}
    sched = ReduceOnPlateau(opt, spec, patience=0, factor=0.5)
    for _ in range(7):
        sched.step()
        sched.step(3.0)
    assert sched.scale == 0.5**6
    assert opt.param_groups[0]["momentum"] == lrkit.linear(0.9, 0.8, steps=20)(7)
    buf = io.BytesIO()
    torch.save(sched.state_dict(), buf)
    buf.seek(0)
    sd = torch.load(buf, weights_only=True)
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    sched2 = ReduceOnPlateau(opt2, spec, patience=0, factor=0.5)
    sched2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert sched2.best == 3.0 and sched2.scale == sched.scale
    for _ in range(5):
        sched.step()
        sched2.step()
        sched.step(2.9999)
        sched2.step(2.9999)
        assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    with pytest.raises(ValueError, match="no 'plateau' entry"):
        sched2.load_state_dict(Scheduler(_sgd(), 0.1).state_dict())


def test_tensor_lr_with_plateau():
    lr = torch.tensor(0.1)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = ReduceOnPlateau(opt, patience=0, factor=0.5)
    sched.step(1.0)
    sched.step(1.0)
    assert opt.param_groups[0]["lr"] is lr and lr.item() == pytest.approx(0.05)


# ----------------------------------------------------------------------------- early stopping


def test_early_stopping_restore_best():
    model = torch.nn.Linear(2, 1)
    es = EarlyStopping(patience=2, restore_best=True, model=model)
    losses = [1.0, 0.5, 0.7, 0.6]
    snapshots = []
    stopped_at = None
    for epoch, loss in enumerate(losses):
        with torch.no_grad():
            model.weight.fill_(float(epoch))
        snapshots.append(model.weight.clone())
        if es.step(loss):
            stopped_at = epoch
            break
    assert stopped_at == 3 and es.best == 0.5 and es.best_step == 1
    assert torch.equal(model.weight, snapshots[1])  # restored the best epoch
    assert es.restored
    sd = es.state_dict()
    buf = io.BytesIO()
    torch.save(sd, buf)
    buf.seek(0)
    es2 = EarlyStopping(patience=2, restore_best=True, model=model)
    es2.load_state_dict(torch.load(buf, weights_only=True))
    assert es2.should_stop and torch.equal(es2.best_model["weight"], snapshots[1])


def test_early_stopping_without_restore_and_errors():
    es = EarlyStopping(mode="max", patience=1, min_delta=0.1)
    assert es.step(0.5) is False
    assert es.step(0.55) is True  # not an improvement by more than 0.1
    with pytest.raises(ValueError, match="restore_best=True needs the model"):
        EarlyStopping(restore_best=True).step(1.0)
    with pytest.raises(ValueError, match="mode must be one of 'min', 'max', got 'down'"):
        EarlyStopping(mode="down")
    es = EarlyStopping(nan="stop")
    assert es.step(math.nan) is True


@pytest.mark.parametrize("bad", ["world", 3, object()])
def test_process_group_of_the_wrong_type_is_refused_when_built(bad, tmp_path):
    """Was accepted and only failed inside torch.distributed at the first metric of a
    distributed run (after an epoch of training), or never outside one."""
    import torch.distributed as dist

    from lrkit.errors import ConfigTypeError
    from lrkit.torch import EarlyStopping

    opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
    with pytest.raises(
        ConfigTypeError,
        match=r"ReduceOnPlateau: process_group must be a "
        r"torch.distributed.ProcessGroup or None \(the world\), got ",
    ):
        ReduceOnPlateau(opt, process_group=bad)
    with pytest.raises(ConfigTypeError, match=r"EarlyStopping: process_group must be a "):
        EarlyStopping(process_group=bad)
    # a real group is taken (one process: the mean is the metric itself)
    dist.init_process_group("gloo", init_method=f"file://{tmp_path}/store", rank=0, world_size=1)
    try:
        group = dist.new_group([0])
        sched = ReduceOnPlateau(opt, process_group=group, patience=0, factor=0.5)
        sched.step(1.0)
        sched.step(2.0)
        assert sched.scale == 0.5
        assert not EarlyStopping(process_group=group, patience=1).step(1.0)
    finally:
        dist.destroy_process_group()


def test_torch_spellings_that_do_not_fit_are_refused_in_lrkit_s_words():
    # PyTorch's ReduceLROnPlateau(optimizer, "min"): the second argument is lrkit's base
    # schedule, and "min" is not a spec; the message says where the mode goes
    from lrkit.errors import ConfigTypeError

    for mode in ("min", "max"):
        with pytest.raises(ConfigTypeError, match=f"ReduceOnPlateau.*mode='{mode}'") as e:
            ReduceOnPlateau(_sgd(), mode, patience=2)
        assert "ReduceOnPlateau(optimizer, mode=" in str(e.value)
    # an unknown keyword names ReduceOnPlateau (not Scheduler) and lists what it takes
    for bad in ("verbose", "last_epoch"):
        with pytest.raises(
            ConfigTypeError, match=f"ReduceOnPlateau: unexpected argument '{bad}'"
        ) as e:
            ReduceOnPlateau(_sgd(), **{bad: 1})
        msg = str(e.value)
        assert "Scheduler.__init__" not in msg
        for name in ("mode", "factor", "patience", "threshold_mode", "cooldown", "min_lr", "eps"):
            assert name in msg
        assert "total_steps" in msg and "relative" in msg
    opt = _sgd()
    before = dict(opt.param_groups[0])
    with pytest.raises(ConfigTypeError):
        ReduceOnPlateau(opt, "min")
    assert opt.param_groups[0] == before  # nothing changed
    # the spellings that do fit still work
    ReduceOnPlateau(_sgd(), mode="max", factor=0.5, patience=2, threshold_mode="abs", eps=1e-8)
    ReduceOnPlateau(_sgd(), "cosine(0.1, 0.0, steps=10)")
