"""Rules of thumb as code: summary, half-life, conversions, scaling, 2/(m+M), coupling."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit


def test_summary_figures():
    spec = "warmup(cosine(1.0, 0.0), steps=10, start=0.0)"
    s = lrkit.summary(spec, 110)
    v = lrkit.parse(spec).bind(total_steps=110)(np.arange(110))
    assert s.spec == str(lrkit.parse(spec)) and s.total_steps == 110  # the canonical spec
    assert s.peak == 1.0 and s.peak_step == 10
    assert s.final == v[-1] == pytest.approx(0.5 * (1 + math.cos(math.pi * 99 / 100)), rel=1e-14)
    assert s.min == 0.0
    assert s.mean == pytest.approx(v.mean(), rel=1e-15)
    assert s.mean == pytest.approx(0.5, rel=1e-12)  # 4.5 (ramp) + 50.5 (cosine), over 110
    assert s.half_life == 50
    d = s.to_dict()
    assert d["peak_step"] == 10 and d["half_life"] == 50
    assert "half-life at peak 50 steps" in str(s)


def test_summary_constant_never_halves_and_bad_total():
    s = lrkit.summary(lrkit.constant(0.3), 5)
    assert (s.peak, s.final, s.min, s.mean, s.half_life) == (0.3, 0.3, 0.3, 0.3, None)
    assert "never" in str(s)
    with pytest.raises(ValueError, match="summary: total_steps must be >= 1, got 0"):
        lrkit.summary(lrkit.constant(0.3), 0)


def test_summary_with_epochs():
    s = lrkit.summary("warmup(linear(1.0, 0.0), steps='2ep', start=0.0)", 100, steps_per_epoch=10)
    assert s.peak_step == 20 and s.peak == 1.0 and s.final == pytest.approx(1 / 80)


def test_half_life():
    c = lrkit.cosine(1.0, steps=100)
    assert lrkit.half_life(c) == 50  # 0.5 (1 + cos(pi t / 100)) <= 0.5 first at t = 50
    assert lrkit.half_life(c, at=50) == 17  # <= 0.25 needs cos <= -1/2: t >= 66.67
    assert lrkit.half_life(lrkit.exponential(1.0, half_life=7)) == 7
    assert lrkit.half_life(lrkit.exponential(1.0, gamma=0.5, every=10)) == 10
    assert lrkit.half_life(lrkit.step(1.0, 0.1, every=30), at=5) == 25
    assert lrkit.half_life(lrkit.constant(1.0, steps=5)) is None
    assert lrkit.half_life(lrkit.constant(1.0)) is None  # searched far, never halves
    assert lrkit.half_life(lrkit.exponential(1.0, gamma=0.999), horizon=100) is None
    assert lrkit.half_life(lrkit.exponential(1.0, gamma=0.999)) == math.ceil(
        math.log(0.5) / math.log(0.999)
    )
    with pytest.raises(ValueError, match="half_life: at must be >= 0, got -1"):
        lrkit.half_life(c, at=-1)


@pytest.mark.parametrize("gamma,every", [(0.5, 30), (0.1, 30), (0.9, 7)])
def test_step_to_exponential_equal_half_life(gamma, every):
    st = lrkit.step(0.1, gamma, every=every)
    ex = lrkit.step_to_exponential(st)
    assert isinstance(ex, lrkit.Exponential) and not ex.staircase
    # same continuous half-life S ln(0.5) / ln(gamma) ...
    hl = every * math.log(0.5) / math.log(gamma)
    assert ex(0) == 0.1
    assert ex.factor() ** (hl / ex.every) == pytest.approx(0.5, rel=1e-12)
    # ... and the smooth curve meets the staircase at every drop
    drops = np.arange(0, 10 * every, every)
    np.testing.assert_allclose(ex(drops), st(drops), rtol=1e-12)
    assert np.all(ex(drops[1:] - 1) < st(drops[1:] - 1))


def test_step_to_exponential_integral_half_life_prints_half_life():
    ex = lrkit.step_to_exponential(lrkit.step(0.1, 0.5, every=30))
    assert ex == lrkit.exponential(0.1, half_life=30)
    assert lrkit.half_life(ex) == lrkit.half_life(lrkit.step(0.1, 0.5, every=30)) == 30


def test_exponential_to_step_equal_half_life():
    st = lrkit.exponential_to_step(lrkit.exponential(0.1, half_life=30), every=30)
    assert st == lrkit.step(0.1, 0.5, every=30)
    g = lrkit.exponential_to_step(lrkit.exponential(1.0, gamma=0.9), every=10)
    assert g.gamma == pytest.approx(0.9**10, rel=1e-15) and g.every == 10
    # round trip: step -> exponential -> step with the same period
    back = lrkit.exponential_to_step(lrkit.step_to_exponential(lrkit.step(1.0, 0.3, 5)), every=5)
    assert back.gamma == pytest.approx(0.3, rel=1e-14)
    with pytest.raises(TypeError, match="expected an exponential schedule"):
        lrkit.exponential_to_step(lrkit.constant(1.0), every=3)
    with pytest.raises(TypeError, match="expected a step schedule"):
        lrkit.step_to_exponential(lrkit.constant(1.0))
    with pytest.raises(ValueError, match="exponential_to_step: every must be >= 1, got 0"):
        lrkit.exponential_to_step(lrkit.exponential(1.0, gamma=0.9), every=0)


def test_scale_lr():
    assert lrkit.scale_lr(0.1, 1024) == pytest.approx(0.4, rel=1e-15)
    assert lrkit.scale_lr(0.1, 64) == pytest.approx(0.025, rel=1e-15)
    assert lrkit.scale_lr(0.1, 1024, rule="sqrt") == pytest.approx(0.2, rel=1e-15)
    assert lrkit.scale_lr(0.1, 512, base_batch=128, rule="sqrt") == pytest.approx(0.2, rel=1e-15)
    assert lrkit.scale_lr(0.1, np.int64(256)) == 0.1
    with pytest.raises(
        ValueError, match="scale_lr: rule must be one of 'linear', 'sqrt', got 'log'"
    ):
        lrkit.scale_lr(0.1, 512, rule="log")
    with pytest.raises(ValueError, match="scale_lr: batch_size must be >= 1, got 0"):
        lrkit.scale_lr(0.1, 0)
    with pytest.raises(ValueError, match="scale_lr: base_lr must be > 0, got -0.1"):
        lrkit.scale_lr(-0.1, 10)
    with pytest.raises(TypeError, match="scale_lr: batch_size must be an integer, got True"):
        lrkit.scale_lr(0.1, True)


def test_optimal_constant_lr_from_m_M_and_from_matrix():
    assert lrkit.optimal_constant_lr(1.0, 3.0) == 0.5
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    a = q @ np.diag([0.5, 1.0, 2.0, 9.5]) @ q.T
    a = (a + a.T) / 2
    assert lrkit.optimal_constant_lr(matrix=a) == pytest.approx(2 / 10, rel=1e-12)
    assert lrkit.contraction_rate(m=0.5, M=9.5) == pytest.approx(9 / 10, rel=1e-15)
    assert lrkit.contraction_rate(matrix=a) == pytest.approx(0.9, rel=1e-12)
    # gradient descent on 0.5 x'Ax with 2/(m+M): the error shrinks by exactly (M-m)/(M+m)
    # along the extreme eigenvectors, and the optimum beats nearby rates
    eta = lrkit.optimal_constant_lr(matrix=a)
    x = q[:, 0] + q[:, 3]
    for _ in range(5):
        x = x - eta * (a @ x)
    assert np.linalg.norm(x) == pytest.approx(0.9**5 * math.sqrt(2), rel=1e-9)
    for other in (0.9 * eta, 1.1 * eta):
        assert lrkit.contraction_rate(other, matrix=a) > lrkit.contraction_rate(eta, matrix=a)


def test_contraction_rate_values():
    assert lrkit.contraction_rate(0.5, 1.0, 3.0) == 0.5
    assert lrkit.contraction_rate(0.1, 1.0, 3.0) == pytest.approx(0.9, rel=1e-15)
    assert lrkit.contraction_rate(1.0, 1.0, 3.0) == 2.0  # diverges: |1 - 3|


@pytest.mark.parametrize(
    "kwargs,exc,msg",
    [
        (dict(m=2.0, M=1.0), ValueError, "optimal_constant_lr: M must be >= m, got m=2.0, M=1.0"),
        (dict(m=0.0, M=1.0), ValueError, "optimal_constant_lr: m must be > 0, got 0.0"),
        (dict(m=1.0), ValueError, "give m and M"),
        (dict(matrix=[[1.0, 2.0], [0.0, 1.0]]), ValueError, "matrix must be symmetric"),
        (dict(matrix=[[1.0, 0.0], [0.0, -1.0]]), ValueError, "positive definite"),
        (dict(matrix=[1.0, 2.0]), ValueError, "matrix must be square, got shape (2,)"),
        (dict(m=1.0, M=2.0, matrix=np.eye(2)), ValueError, "not both"),
    ],
)
def test_optimal_constant_lr_errors(kwargs, exc, msg):
    import re

    with pytest.raises(exc, match=re.escape(msg)):
        lrkit.optimal_constant_lr(**kwargs)


def test_coupled_wd_keeps_lr_times_wd_constant_up_to_cap():
    lr = lrkit.warmup(lrkit.cosine(1e-3, 0.0, steps=1000), steps=100)
    wd = lrkit.coupled_wd(lr, 0.05, cap=0.5)
    t = np.arange(1200)
    eta, lam = lr(t), wd(t)
    free = lam < 0.5
    # lambda_t = min(value * ref / eta_t, cap) with ref = the peak 1e-3
    np.testing.assert_allclose(eta[free] * lam[free], 0.05 * 1e-3, rtol=1e-12)
    assert free[100] and lam[100] == pytest.approx(0.05, rel=1e-15)
    assert np.all(lam[~free] == 0.5) and not free[-1]
    assert np.all(np.isfinite(lam)) and lam.max() == 0.5
    ref = lrkit.coupled_wd(lr, 0.05, ref=5e-4, cap=10.0)
    np.testing.assert_allclose(lr(t[:900]) * ref(t[:900]), 0.05 * 5e-4, rtol=1e-12)


def test_opposite_equals_torch_one_cycle_momentum():
    import torch

    T = 120
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.3, total_steps=T)
    ref = []
    for _ in range(T):
        ref.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    m = lrkit.opposite(lrkit.one_cycle(0.3, steps=T), low=0.85, high=0.95)
    np.testing.assert_allclose(m(np.arange(T)), ref, rtol=1e-9, atol=0)
    assert m(0) == pytest.approx(0.95) and min(ref) == pytest.approx(0.85)
    assert m(10**6) == pytest.approx(0.95)
