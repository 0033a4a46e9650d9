"""Same numbers as HuggingFace transformers' schedules (LambdaLR on a torch optimizer).

HF's warmups start at exactly 0 (a wasted first update, hf#34754); lrkit's
default warmup does not, so these tests pass ``start=0`` for parity.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from transformers import (
    get_constant_schedule_with_warmup,
    get_cosine_schedule_with_warmup,
    get_inverse_sqrt_schedule,
    get_linear_schedule_with_warmup,
)

import lrkit

BASE = 0.1


def _lrs(make, n: int) -> np.ndarray:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=BASE)
    sched = make(opt)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
    return np.array(out)


def _close(got, ref, rtol=1e-9):
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=0)


def test_linear_schedule_with_warmup():
    w, T = 10, 100
    ref = _lrs(lambda o: get_linear_schedule_with_warmup(o, w, T), T + 10)
    s = lrkit.warmup(lrkit.linear(BASE, 0.0, steps=T - w), steps=w, start=0.0)
    got = s(np.arange(T + 10))
    assert got[0] == ref[0] == 0.0
    _close(got[1:T], ref[1:T])
    assert np.all(got[T:] == 0.0) and np.all(ref[T:] == 0.0)
    # lrkit's default warmup never starts at zero
    assert lrkit.warmup(lrkit.linear(BASE, 0.0, steps=T - w), steps=w)(0) == BASE / (w + 1)


def test_cosine_schedule_with_warmup_within_run():
    w, T = 10, 100
    ref = _lrs(lambda o: get_cosine_schedule_with_warmup(o, w, T), T + 1)
    s = lrkit.warmup(lrkit.cosine(BASE, 0.0, steps=T - w), steps=w, start=0.0)
    got = s(np.arange(T + 1))
    _close(got[1:T], ref[1:T])
    assert got[T] == 0.0 and abs(ref[T]) < 1e-17


def test_cosine_schedule_with_warmup_past_end_hf_rises_lrkit_holds():
    # Deliberate difference (documented in lrkit.cosine): past num_training_steps
    # HF's cosine rises again; lrkit holds its final value.
    w, T = 10, 100
    ref = _lrs(lambda o: get_cosine_schedule_with_warmup(o, w, T), T + 40)
    s = lrkit.warmup(lrkit.cosine(BASE, 0.0, steps=T - w), steps=w, start=0.0)
    got = s(np.arange(T + 40))
    assert np.all(got[T:] == 0.0)
    assert np.all(np.diff(ref[T:]) > 0) and ref[-1] > 1e-3


def test_constant_schedule_with_warmup():
    w = 8
    ref = _lrs(lambda o: get_constant_schedule_with_warmup(o, w), 40)
    got = lrkit.warmup(lrkit.constant(BASE), steps=w, start=0.0)(np.arange(40))
    assert got[0] == ref[0] == 0.0
    _close(got[1:], ref[1:])


def test_inverse_sqrt_schedule():
    w = 16
    ref = _lrs(lambda o: get_inverse_sqrt_schedule(o, num_warmup_steps=w), 500)
    got = lrkit.inverse_sqrt(BASE, warmup=w)(np.arange(500))
    assert got[0] == ref[0] == 0.0
    _close(got[1:], ref[1:])
