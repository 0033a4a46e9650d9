"""Class-wide tests for lrkit.torch.Scheduler from the seed-16 training pass (issue 15).

* Any path of ``step()`` / ``step(n)`` calls (forward, backward, across and onto the
  edges of the 4096-step look-ahead blocks, through ``load_state_dict`` and pickling)
  leaves every scheduled key of every group at ``schedule(n) * multiplier``.
* Each range rule (``lr``/``weight_decay`` >= 0, ``momentum``/betas in [0, 1)) accepts
  its boundary value and refuses the first value past it, at the exact step, both at
  construction (the sampled check and its refinement) and lazily during the run.
* ``total_steps`` against a simulated loop of micro-batches, ranks and accumulation.
"""

from __future__ import annotations

import pickle
import random
import warnings

import numpy as np
import pytest
import torch

import lrkit
from lrkit.errors import ConfigError, NonFiniteError
from lrkit.torch import Scheduler, total_steps
from lrkit.torch.scheduler import BLOCK


def _adam(lrs=(0.1, 0.1)):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    return torch.optim.AdamW(groups, weight_decay=0.01)


def _state(opt):
    return [v for g in opt.param_groups for v in (g["lr"], g["weight_decay"], *g["betas"])]


def _want(scheds, mults, n):
    keys = ("lr", "weight_decay", "beta1", "beta2")
    return [float(scheds[k](n)) * mults[k][gi] for gi in range(2) for k in keys]


def test_every_step_path_applies_the_closed_form_to_every_key_and_group():
    scheds = {
        "lr": lrkit.warmup(lrkit.cosine(1.0, 0.01, steps=3 * BLOCK), steps=100),
        "weight_decay": lrkit.linear(0.1, 0.0, steps=2 * BLOCK + 7),
        "beta1": lrkit.opposite(lrkit.cosine(1.0, steps=3 * BLOCK), 0.85, 0.95),
        "beta2": lrkit.constant(0.99),
    }
    mults = {
        "lr": [1.0, 0.1],
        "weight_decay": [1.0, 0.5],
        "beta1": [1.0, 1.0],
        "beta2": [1.0, 0.999],
    }
    opt = _adam()
    sched = Scheduler(opt, scheds, multipliers=mults, total_steps=4 * BLOCK + 2)
    assert _state(opt) == pytest.approx(_want(scheds, mults, 0))
    rng = random.Random(16)
    edges = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK - 1, 2 * BLOCK, 3 * BLOCK, 4 * BLOCK]
    path = edges + [rng.randrange(0, 4 * BLOCK) for _ in range(8)] + edges[::-1]
    for n in path:
        sched.step(n)
        assert sched.last_epoch == n
        assert _state(opt) == pytest.approx(_want(scheds, mults, n)), n
        for _ in range(2):  # and the plain step() after a jump
            sched.step()
            n += 1
            assert _state(opt) == pytest.approx(_want(scheds, mults, n)), n
        assert sched.get_lr() == pytest.approx(_want(scheds, mults, n)[0::4])
        assert sched.values("weight_decay") == pytest.approx(float(scheds["weight_decay"](n)))
    sd = sched.state_dict()
    # a new scheduler on a fresh optimizer, loaded: the same values at once
    opt2 = _adam()
    s2 = Scheduler(opt2, scheds, multipliers=mults, total_steps=4 * BLOCK + 2)
    s2.step(BLOCK + 3)
    s2.load_state_dict(sd)
    assert s2.last_epoch == sched.last_epoch and _state(opt2) == _state(opt)
    assert s2.state_dict() == sd
    # a pickled copy drops its cache and rebuilds it
    s3 = pickle.loads(pickle.dumps(sched))
    s3.step(2 * BLOCK - 1)
    assert _state(s3.optimizer) == pytest.approx(_want(scheds, mults, 2 * BLOCK - 1))


@pytest.mark.parametrize(
    ("key", "ok", "bad"),
    [
        ("lr", 0.0, -1e-3),
        ("weight_decay", 0.0, -1e-3),
        ("momentum", 0.0, -1e-3),
        ("momentum", 0.999, 1.0),
    ],
)
def test_each_range_rule_accepts_its_boundary_and_refuses_past_it_at_that_step(key, ok, bad):
    def opt():
        return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)

    # the boundary value itself: fine everywhere
    s = Scheduler(opt(), {key: lrkit.constant(ok)}, total_steps=10)
    s.step(10)
    # a piecewise schedule that turns bad at step 7: construction names step 7
    pw = lrkit.piecewise([0.5 if key != "lr" else 0.1, bad], boundaries=[7])
    with pytest.raises(ConfigError, match=rf"gives {bad!r} at step 7;"):
        Scheduler(opt(), {key: pw}, total_steps=10)
    # a schedule that never ends (no sampled check): the lazy check raises at the step
    # where it turns bad, X = 7 + BLOCK, not before (step(...) is 1 before X, 2 from X on)
    base = 0.5 if key != "lr" else 0.1
    x = 7 + BLOCK
    turning = base + (lrkit.step(1.0, 2.0, every=x) - 1.0) * (bad - base)
    o = opt()
    s = Scheduler(o, {key: turning})
    s.step(x - 1)
    before = dict(o.param_groups[0])
    assert before[key] == pytest.approx(base)
    with pytest.raises(ConfigError, match=rf"at step {x};"):
        s.step()
    assert o.param_groups[0][key] == before[key] and s.last_epoch == 6 + BLOCK


def test_the_sampled_construction_check_refines_to_the_first_bad_step():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    n = 100_000  # past 2 * 4096: the check samples, then scans the gap for the first bad step
    for first in (9001, 50_001, 99_999):
        s = lrkit.piecewise([0.1, -0.1], boundaries=[first])
        with pytest.raises(ConfigError, match=rf"gives -0\.1 at step {first};"):
            Scheduler(opt, s, total_steps=n)
    assert opt.param_groups[0]["lr"] == 0.1  # untouched by the failed constructions
    with pytest.raises(NonFiniteError, match="at step 4;"):
        Scheduler(opt, lrkit.constant(1.0) / lrkit.linear(4.0, -4.0, steps=8), total_steps=8)


def _simulated_updates(epochs, batches, accumulation, world, drop_last, partial):
    """Count optimizer updates of rank 0 in an explicit loop over its shard."""
    shard = range(0, (batches // world) * world if drop_last else batches, world)
    # DistributedSampler without drop_last pads to a multiple of world: ceil(batches / world)
    per_rank = len(shard) if drop_last else -(-batches // world)
    updates = 0
    for _ in range(epochs):
        pending = 0
        for _ in range(per_rank):
            pending += 1
            if pending == accumulation:
                updates += 1
                pending = 0
        if pending and partial == "step":
            updates += 1
    return updates


def test_total_steps_matches_a_simulated_loop():
    for epochs in (1, 3):
        for batches in (1, 2, 7, 8, 9, 100):
            for acc in (1, 2, 3, 8):
                for world in (1, 2, 3, 8):
                    for drop_last in (False, True):
                        for partial in ("step", "drop"):
                            want = _simulated_updates(
                                epochs, batches, acc, world, drop_last, partial
                            )
                            kw = {"world_size": world, "drop_last": drop_last, "partial": partial}
                            if want == 0:
                                with pytest.raises(ValueError):
                                    total_steps(epochs, batches, acc, **kw)
                            else:
                                assert total_steps(epochs, batches, acc, **kw) == want


def test_past_the_end_and_longer_than_the_run_warnings_at_their_boundaries():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Scheduler(opt, lrkit.cosine(1.0, steps=10), total_steps=10)  # equal: no warning
        s.step(10)  # the last step: no warning
    assert s.state_dict()["warned_past_end"] is False
    with pytest.warns(UserWarning, match="past the end of the run"):
        s.step()
    assert s.state_dict()["warned_past_end"] is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step()  # once only
    with pytest.warns(UserWarning, match="runs for 11 steps, but total_steps=10"):
        Scheduler(opt, lrkit.cosine(1.0, steps=11), total_steps=10)
    quiet = Scheduler(opt, lrkit.cosine(1.0, steps=10), total_steps=10, warn_past_end=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet.step(11)
    assert quiet.state_dict()["warned_past_end"] is True
    assert np.isclose(opt.param_groups[0]["lr"], 0.0)


def test_get_lr_without_a_learning_rate_schedule_names_the_scheduled_keys():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    s = Scheduler(opt, {"momentum": lrkit.linear(0.9, 0.8, steps=4)})
    with pytest.raises(ConfigError, match=r"key must be one of \['momentum'\], got 'lr'"):
        s.get_lr()
    assert s.get_last_lr() == [0.1]
    with pytest.raises(ConfigError, match=r"key must be one of \['momentum'\], got 'beta2'"):
        s.values("beta2")
    s.step(2)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.85)


def _two_groups(opt_cls, **per_group):
    groups = []
    for i in range(2):
        g = {"params": [torch.nn.Parameter(torch.zeros(1))]}
        g.update({k: v[i] for k, v in per_group.items()})
        groups.append(g)
    return opt_cls(groups, lr=0.1)


def _read(g, key):
    if key in ("beta1", "betas") or (key == "momentum" and "momentum" not in g):
        return g["betas"][0]
    if key == "beta2":
        return g["betas"][1]
    return g[key]


KEYS = [
    (torch.optim.AdamW, "lr", {"lr": (0.1, 0.02)}),
    (torch.optim.AdamW, "weight_decay", {"weight_decay": (0.1, 0.02)}),
    (torch.optim.AdamW, "beta1", {"betas": ((0.9, 0.999), (0.8, 0.99))}),
    (torch.optim.AdamW, "betas", {"betas": ((0.9, 0.999), (0.8, 0.99))}),
    (torch.optim.AdamW, "beta2", {"betas": ((0.9, 0.999), (0.8, 0.99))}),
    (torch.optim.AdamW, "momentum", {"betas": ((0.9, 0.999), (0.8, 0.99))}),
    (torch.optim.SGD, "momentum", {"momentum": (0.9, 0.5)}),
]


@pytest.mark.parametrize(("cls", "key", "per_group"), KEYS)
def test_relative_scales_each_groups_own_initial_value_for_every_key(cls, key, per_group):
    opt = _two_groups(cls, **per_group)
    init = [_read(g, key) for g in opt.param_groups]
    assert init[0] != init[1]
    s = lrkit.linear(1.0, 0.5, steps=4)
    sched = Scheduler(opt, {key: s}, relative=True)
    for n in (0, 2, 4):
        sched.step(n)
        got = [_read(g, key) for g in opt.param_groups]
        assert got == pytest.approx([float(s(n)) * v for v in init])
    name = "initial_lr" if key == "lr" else f"initial_{key}"
    assert [g[name] for g in opt.param_groups] == pytest.approx(init)
    # a group's initial_<key> (as PyTorch's schedulers set it) is the base, not its value now
    opt2 = _two_groups(cls, **per_group)
    opt2.param_groups[1][name] = 0.25 if key not in ("lr", "weight_decay") else 0.5
    Scheduler(opt2, {key: lrkit.constant(0.5)}, relative=True)
    assert _read(opt2.param_groups[1], key) == pytest.approx(0.5 * opt2.param_groups[1][name])
    # not relative: one schedule overwrites the different values, with a warning
    opt3 = _two_groups(cls, **per_group)
    with pytest.warns(UserWarning, match=rf"different '{key}' values \[{init[0]!r}, {init[1]!r}\]"):
        Scheduler(opt3, {key: lrkit.constant(0.5)})
    assert [_read(g, key) for g in opt3.param_groups] == [0.5, 0.5]
    # multipliers or one schedule per group: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Scheduler(
            _two_groups(cls, **per_group), {key: lrkit.constant(0.5)}, multipliers={key: [1.0, 0.5]}
        )
        Scheduler(_two_groups(cls, **per_group), {key: [lrkit.constant(0.5), lrkit.constant(0.4)]})
