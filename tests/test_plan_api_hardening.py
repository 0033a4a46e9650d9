"""The planner's framework-neutral API as a user meets it: arguments a user passes
(numpy numbers, ``None``, extreme rates) are either planned with or refused with a
message naming the parameter, before any update."""

import math

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError
from lrkit.plan import ALL_SHAPES

_A = np.random.default_rng(0).normal(size=(64, 10))
_Y = _A @ np.random.default_rng(1).normal(size=10)


def _run(schedule, steps):
    """Mini-batch SGD on a least-squares problem, the same start and batches every time."""
    rng, w, losses = np.random.default_rng(2), np.zeros(10), []
    rates = np.asarray(schedule(np.arange(steps)))
    for t in range(steps):
        idx = rng.integers(0, 64, 8)
        r = _A[idx] @ w - _Y[idx]
        losses.append(float(np.mean(r**2)))
        if not math.isfinite(losses[-1]):
            break
        w = w - rates[t] * 2 * _A[idx].T @ r / 8
    return losses


def _never(schedule, steps):
    raise AssertionError("run was called: the argument was not checked first")


@pytest.mark.parametrize(
    ("kwargs", "numpy_kwargs"),
    [
        ({"budget": 0.5}, {"budget": np.float32(0.5)}),
        ({"peaks": 4}, {"peaks": np.int64(4)}),
        ({"lr": 0.01}, {"lr": np.float32(0.01)}),
        (
            {"warmup": 0.05, "cooldown": 0.2},
            {"warmup": np.float32(0.05), "cooldown": np.float16(0.2)},
        ),
    ],
)
def test_numpy_numbers_are_numbers(kwargs, numpy_kwargs):
    # total_steps=np.int64 was accepted, budget=np.float32(0.5) was refused as "not a number"
    want = lrkit.plan(_run, 300, use_laws=False, **kwargs)
    got = lrkit.plan(_run, 300, use_laws=False, **numpy_kwargs)
    assert (got.peak, got.shape, got.cost) == (want.peak, want.shape, want.cost)
    assert type(got.budget) is float
    np.testing.assert_array_equal(got.schedule(np.arange(300)), want.schedule(np.arange(300)))


@pytest.mark.parametrize(
    ("kwargs", "err", "msg"),
    [
        ({"shapes": None}, ConfigError, "plan: shapes must be a non-empty list of"),
        ({"shapes": 3}, ConfigError, "plan: shapes must be a non-empty list of"),
        ({"lr": 1e-320}, ConfigError, "plan: lr must be a positive number"),
        ({"lr_range": (1e-320, 1.0)}, ConfigError, "plan: lr_range must satisfy"),
        ({"lr_range": (1e-6, 1e308)}, ConfigError, "plan: lr_range must satisfy"),
        ({"peaks": np.int64(9)}, ConfigError, "plan: peaks must be an int in [2, 8], got"),
        ({"budget": np.float64("nan")}, ConfigTypeError, "plan: budget must be a number"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, err, msg):
    with pytest.raises(err) as e:
        lrkit.plan(_never, 300, **kwargs)
    assert msg in str(e.value)
    if "shapes" in kwargs:
        assert ", ".join(ALL_SHAPES) in str(e.value)


@pytest.mark.parametrize("key", ["val", "validation_loss", "val_losses"])
def test_a_dict_with_a_misspelt_val_loss_is_refused(key):
    # {"losses": ..., "val": v} was planned on the training loss, the validation loss
    # silently dropped; the dict may hold 'losses' and 'val_loss' only
    def run(schedule, steps):
        return {"losses": _run(schedule, steps), key: 0.5}

    with pytest.raises(ConfigError) as e:
        lrkit.plan(run, 300)
    assert str(e.value) == (
        f"plan: run returned a dict with unknown key(s) [{key!r}]; "
        "it may hold 'losses' and 'val_loss' only"
    )


def test_a_dict_with_losses_and_val_loss_plans_as_a_pair():
    def as_dict(schedule, steps):
        return {"losses": _run(schedule, steps), "val_loss": _val(schedule, steps)}

    def as_pair(schedule, steps):
        return _run(schedule, steps), _val(schedule, steps)

    a, b = lrkit.plan(as_dict, 300, use_laws=False), lrkit.plan(as_pair, 300, use_laws=False)
    assert (a.peak, a.shape, a.cost) == (b.peak, b.shape, b.cost)
    assert all(p.val_loss is not None for p in a.probes)


def _val(schedule, steps):
    """The full-batch loss after the run's last update (the same run as :func:`_run`)."""
    rng, w = np.random.default_rng(2), np.zeros(10)
    rates = np.asarray(schedule(np.arange(steps)))
    for t in range(steps):
        idx = rng.integers(0, 64, 8)
        w = w - rates[t] * 2 * _A[idx].T @ (_A[idx] @ w - _Y[idx]) / 8
    v = float(np.mean((_A @ w - _Y) ** 2))
    return v if math.isfinite(v) else math.inf


def test_losses_that_are_graph_tensors_are_refused_with_plans_message():
    # losses.append(loss) without .item(): numpy's conversion raised torch's own
    # RuntimeError ("Can't call numpy() on Tensor that requires grad") from inside lrkit
    import torch

    w = torch.ones(1, requires_grad=True)

    def run(schedule, steps):
        return [(w * x).sum() for x in _run(schedule, steps)]

    with pytest.raises(ConfigTypeError) as e:
        lrkit.plan(run, 300)
    assert str(e.value) == (
        "plan: run(schedule, steps) must return the per-step losses (a sequence of numbers), "
        "a (losses, val_loss) pair, a Trial or a dict with 'losses', got list of Tensor "
        "(a tensor: return loss.item())"
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        # int(2.5) == 2 and 10**30 were taken as the plan's run length
        ({"total_steps": 2.5}, "Plan.from_dict: total_steps 2.5 is not one a plan can have"),
        ({"total_steps": 10**30}, f"Plan.from_dict: total_steps {10**30!r} is not one"),
        # a string of notes was split into one note per character
        ({"notes": "abc"}, "Plan.from_dict: notes 'abc' is not one a plan can have"),
    ],
)
def test_plan_from_dict_refuses_a_bad_length_or_notes(change, words):
    from lrkit.plan import Plan

    d = lrkit.plan(_run, 300, use_laws=False).to_dict()
    assert Plan.from_dict({**d, "total_steps": 300.0}).total_steps == 300
    with pytest.raises(ConfigError) as e:
        Plan.from_dict({**d, **change})
    assert words in str(e.value)
