"""Same numbers as PyTorch's own schedulers (torch.optim.lr_scheduler), step by step.

Each test drives a real torch optimizer (SGD on one dummy parameter) with the
PyTorch scheduler, reads ``param_groups[0]["lr"]`` (and ``"momentum"``) before
every step, and compares with the lrkit schedule evaluated on ``arange(n)``:
relative error <= 1e-9 at every step.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tls

import lrkit

RTOL = 1e-9
BASE = 0.1


def _opt(lr: float = BASE, momentum: float = 0.0) -> torch.optim.Optimizer:
    p = torch.nn.Parameter(torch.zeros(1))
    return torch.optim.SGD([p], lr=lr, momentum=momentum)


def _drive(opt, sched, n: int, keys=("lr",)) -> dict[str, np.ndarray]:
    """Values of the optimizer's group fields at steps 0..n-1 (read before each update)."""
    out: dict[str, list[float]] = {k: [] for k in keys}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(n):
            for k in keys:
                out[k].append(float(opt.param_groups[0][k]))
            if i < n - 1:
                opt.step()
                sched.step()
    return {k: np.array(v) for k, v in out.items()}


def _lrs(opt, sched, n: int) -> np.ndarray:
    return _drive(opt, sched, n)["lr"]


def _close(got: np.ndarray, ref: np.ndarray, rtol: float = RTOL) -> None:
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=0)


def test_step_lr():
    opt = _opt()
    ref = _lrs(opt, tls.StepLR(opt, step_size=7, gamma=0.5), 60)
    _close(lrkit.step(BASE, 0.5, every=7)(np.arange(60)), ref)


def test_multistep_lr():
    opt = _opt()
    ref = _lrs(opt, tls.MultiStepLR(opt, milestones=[5, 12, 12, 30], gamma=0.3), 50)
    # torch counts a repeated milestone twice; so does lrkit
    _close(lrkit.multistep(BASE, 0.3, milestones=[5, 12, 12, 30])(np.arange(50)), ref)


def test_exponential_lr():
    opt = _opt()
    ref = _lrs(opt, tls.ExponentialLR(opt, gamma=0.97), 300)
    _close(lrkit.exponential(BASE, gamma=0.97)(np.arange(300)), ref)


def test_cosine_annealing_lr_within_t_max():
    T = 100
    opt = _opt()
    ref = _lrs(opt, tls.CosineAnnealingLR(opt, T_max=T, eta_min=1e-3), T + 1)
    _close(lrkit.cosine(BASE, 1e-3, steps=T)(np.arange(T + 1)), ref)


def test_cosine_annealing_lr_eta_min_zero_drift_near_zero():
    # PyTorch's recursive ("chainable") cosine formula multiplies the previous
    # rate by a ratio of cosines; near eta_min=0 that leaves rounding residue
    # instead of the exact value. Relative error is 1e-9 everywhere except at
    # the last step, where torch's value is a tiny residue and lrkit's is 0 exactly.
    T = 100
    opt = _opt()
    ref = _lrs(opt, tls.CosineAnnealingLR(opt, T_max=T, eta_min=0.0), T + 1)
    got = lrkit.cosine(BASE, 0.0, steps=T)(np.arange(T + 1))
    _close(got[:T], ref[:T])
    assert got[T] == 0.0
    assert abs(ref[T]) < 1e-15


def test_cosine_annealing_lr_past_t_max_torch_oscillates_lrkit_holds():
    # Deliberate difference (documented in lrkit.cosine): past T_max PyTorch's
    # cosine is periodic and rises again; lrkit holds `end`.
    T = 20
    opt = _opt()
    ref = _lrs(opt, tls.CosineAnnealingLR(opt, T_max=T, eta_min=1e-3), 2 * T + 1)
    got = lrkit.cosine(BASE, 1e-3, steps=T)(np.arange(2 * T + 1))
    _close(got[: T + 1], ref[: T + 1])
    assert np.all(got[T:] == 1e-3)
    assert ref[2 * T] == pytest.approx(BASE, rel=1e-9)  # torch is back at the start
    assert np.all(np.diff(ref[T:]) > 0)


@pytest.mark.parametrize("t_mult", [1, 2])
def test_cosine_annealing_warm_restarts(t_mult):
    n = 10 + 20 + 40 + 15
    opt = _opt()
    ref = _lrs(opt, tls.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=t_mult, eta_min=1e-4), n)
    _close(lrkit.sgdr(BASE, 1e-4, period=10, mult=t_mult)(np.arange(n)), ref)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr_with_momentum(mode):
    gamma = 0.99 if mode == "exp_range" else 1.0
    n = 4 * 2 * 8 + 5
    opt = _opt(momentum=0.9)
    sched = tls.CyclicLR(
        opt,
        base_lr=0.01,
        max_lr=0.1,
        step_size_up=8,
        mode=mode,
        gamma=gamma,
        cycle_momentum=True,
        base_momentum=0.8,
        max_momentum=0.9,
    )
    ref = _drive(opt, sched, n, keys=("lr", "momentum"))
    s = lrkit.cyclic(0.01, 0.1, half_period=8, mode=mode, gamma=gamma)
    t = np.arange(n)
    _close(s(t), ref["lr"])
    _close(lrkit.opposite(s, low=0.8, high=0.9)(t), ref["momentum"])


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_lr_with_momentum(three_phase, anneal):
    T = 200
    opt = _opt(momentum=0.9)
    sched = tls.OneCycleLR(
        opt,
        max_lr=0.5,
        total_steps=T,
        pct_start=0.25,
        anneal_strategy=anneal,
        div_factor=20.0,
        final_div_factor=1e3,
        three_phase=three_phase,
        cycle_momentum=True,
        base_momentum=0.85,
        max_momentum=0.95,
    )
    ref = _drive(opt, sched, T, keys=("lr", "momentum"))
    s = lrkit.one_cycle(
        0.5,
        steps=T,
        pct_start=0.25,
        div=20.0,
        final_div=1e3,
        three_phase=three_phase,
        anneal=anneal,
    )
    t = np.arange(T)
    _close(s(t), ref["lr"])
    _close(lrkit.opposite(s, 0.85, 0.95)(t), ref["momentum"])
    # past the end torch raises (one step after its last value); lrkit holds the floor
    opt.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step"):
        opt.step()
        sched.step()
    assert s(T + 1000) == s(T - 1) == pytest.approx(0.5 / 20.0 / 1e3, rel=1e-12)


def test_one_cycle_default_arguments():
    T = 1000
    opt = _opt(momentum=0.9)
    ref = _drive(opt, tls.OneCycleLR(opt, max_lr=1.0, total_steps=T), T, keys=("lr", "momentum"))
    s = lrkit.one_cycle(1.0, steps=T)
    _close(s(np.arange(T)), ref["lr"])
    _close(lrkit.opposite(s)(np.arange(T)), ref["momentum"])


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_polynomial_lr(power):
    T = 50
    opt = _opt()
    ref = _lrs(opt, tls.PolynomialLR(opt, total_iters=T, power=power), T + 10)
    got = lrkit.polynomial(BASE, 0.0, steps=T, power=power)(np.arange(T + 10))
    _close(got[:T], ref[:T])
    assert np.all(got[T:] == 0.0) and np.all(ref[T:] == 0.0)


def test_linear_lr():
    opt = _opt()
    ref = _lrs(opt, tls.LinearLR(opt, start_factor=0.25, end_factor=0.9, total_iters=40), 60)
    _close(lrkit.linear(BASE * 0.25, BASE * 0.9, steps=40)(np.arange(60)), ref)


def test_sequential_lr_linear_warmup_then_cosine():
    w, T = 10, 100
    opt = _opt()
    sched = tls.SequentialLR(
        opt,
        [
            tls.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=w),
            tls.CosineAnnealingLR(opt, T_max=T - w, eta_min=1e-3),
        ],
        milestones=[w],
    )
    ref = _lrs(opt, sched, T + 1)
    s = lrkit.warmup(lrkit.cosine(BASE, 1e-3, steps=T - w), steps=w, start=BASE * 0.1)
    _close(s(np.arange(T + 1)), ref)
    # the same with a relative duration and a bound run
    s2 = lrkit.warmup(lrkit.cosine(BASE, 1e-3), steps="10%", start=BASE * 0.1).bind(total_steps=T)
    _close(s2(np.arange(T + 1)), ref)
