"""Every row of the migration guides (docs/migration/*.md) runs against the real peer.

The tables are generated from docs/migration/peers.py (scripts/gen_site.py);
here each row's peer call runs in the installed peer library (PyTorch,
HuggingFace transformers, optax, Keras; timm through its documented formulas,
timm itself not being installed) and its lrkit equivalent through lrkit, and the
values must agree step by step — or differ exactly where the row says so. A
"not yet" row's peer call must run and its lrkit probe must still be rejected.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys

import numpy as np
import pytest

import lrkit
from lrkit.errors import LrkitError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load_peers():
    path = os.path.join(ROOT, "docs", "migration", "peers.py")
    spec = importlib.util.spec_from_file_location("lrkit_docs_peers", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


PEERS = _load_peers()
ROWS = [(p.key, i, r) for p in PEERS.PEERS for i, r in enumerate(p.rows)]
#: float64 peers agree to round-off; optax and Keras compute in float32
TOL = {"pytorch": 1e-12, "huggingface": 1e-12, "timm": 1e-12, "optax": 1e-6, "keras": 1e-6}
#: near zero: float32 resolution at the base rate 0.1 (1e-7 of it)
ATOL = {"pytorch": 1e-15, "huggingface": 1e-15, "timm": 1e-15, "optax": 1e-8, "keras": 1e-8}


def _torch_like(expr: str, n: int, names: dict) -> np.ndarray:
    """Step a torch scheduler built by ``expr`` n-1 times; the rate before each update.

    A scheduler that raises past its end (OneCycleLR) gives NaN from there on."""
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=PEERS.BASE_LR)
    sched = eval(expr, {"opt": opt, "torch": torch, **names})
    out = np.full(n, np.nan)
    out[0] = opt.param_groups[0]["lr"]
    for t in range(1, n):
        opt.step()
        try:
            sched.step()
        except ValueError:
            break
        out[t] = opt.param_groups[0]["lr"]
    return out


def peer_values(key: str, row, n: int) -> np.ndarray:
    if key == "pytorch":
        from torch.optim import lr_scheduler

        return _torch_like(row.peer, n, vars(lr_scheduler))
    if key == "huggingface":
        import transformers

        names = {k: getattr(transformers, k) for k in dir(transformers) if k.startswith("get_")}
        return _torch_like(row.peer, n, names)
    if key == "timm":
        assert row.formula is not None or row.lrkit is None
        if row.formula is None:
            return np.full(n, np.nan)
        return np.array([row.formula(t) for t in range(n)])
    if key == "optax":
        import jax
        import optax

        f = eval(row.peer, {"optax": optax})
        # vmap: some optax schedules branch with lax.cond, one step at a time
        return np.asarray(jax.jit(jax.vmap(f))(np.arange(n)), dtype=np.float64)
    if key == "keras":
        import jax
        import keras

        assert keras.backend.backend() == "jax"  # tests/conftest.py sets KERAS_BACKEND
        s = eval(row.peer, {"schedules": keras.optimizers.schedules})
        # vmap: CosineDecay's warmup branches with a cond, one step at a time
        return np.asarray(jax.jit(jax.vmap(s))(np.arange(n)), dtype=np.float64)
    raise AssertionError(key)


def lrkit_values(row, n: int) -> np.ndarray:
    s = eval(row.lrkit, {"lrkit": lrkit}).bind(total_steps=n)
    return np.asarray(s(np.arange(n)), dtype=np.float64)


@pytest.mark.parametrize(("key", "index", "row"), ROWS, ids=[f"{k}-{i}" for k, i, _ in ROWS])
def test_migration_row(key, index, row):
    n = row.steps
    theirs = peer_values(key, row, n)
    if row.lrkit is None:
        # "not yet": the peer call is real code (it runs, finite values) and lrkit
        # still rejects the probe; when it stops rejecting it, the row must become real
        assert row.probe, f"{key} row {index}: a 'not yet' row needs a probe"
        if key != "timm":
            assert np.isfinite(theirs).all(), theirs
        with pytest.raises((TypeError, ValueError, LrkitError)):
            eval(row.probe, {"lrkit": lrkit})
        return
    ours = lrkit_values(row, n)
    assert np.isfinite(ours).all()
    rtol, atol = TOL[key], ATOL[key]
    until = n if row.same_until is None else row.same_until
    np.testing.assert_allclose(ours[:until], theirs[:until], rtol=rtol, atol=atol)
    if row.same_until is not None:
        # the documented difference is real: somewhere after same_until they differ
        after_ours, after_theirs = ours[until:], theirs[until:]
        differs = ~np.isclose(after_ours, after_theirs, rtol=rtol, atol=atol)
        assert differs.any(), f"{key} row {index}: the documented difference is gone"


def test_every_peer_has_rows_and_not_yet_rows_have_notes():
    assert [p.key for p in PEERS.PEERS] == ["pytorch", "huggingface", "timm", "optax", "keras"]
    for p in PEERS.PEERS:
        assert len([r for r in p.rows if r.lrkit]) >= 5, p.key
        for r in p.rows:
            if r.lrkit is None:
                assert r.note and r.probe, r
            if p.key == "timm" and r.lrkit is not None:
                assert r.formula is not None, r


def test_timm_formulas_match_the_known_values():
    # hand-derived points of timm's documented formulas (so the reference itself is checked)
    assert PEERS.timm_cosine(0, 100, 1e-3) == 0.1
    assert math.isclose(PEERS.timm_cosine(50, 100, 0.0), 0.05, rel_tol=1e-12)
    assert PEERS.timm_cosine(100, 100, 1e-3) == 1e-3  # past the only cycle: lr_min
    # second cycle of length 40 starts at 20, peak 0.1 * 0.5
    assert math.isclose(
        PEERS.timm_cosine(20, 20, 0.0, cycle_mul=2, cycle_decay=0.5, cycle_limit=9), 0.05
    )
    # the warmup rises towards the base rate in both modes (timm's cosine_lr.py:
    # warmup_steps = (base - warmup_lr_init) / warmup_t); without warmup_prefix the
    # schedule keeps its own clock: 0.1 * (1 + cos(pi / 10)) / 2 at t = 10
    assert PEERS.timm_cosine(5, 100, warmup_t=10, warmup_prefix=True) == 0.05
    assert PEERS.timm_cosine(5, 100, warmup_t=10) == 0.05
    at10 = 0.05 * (1 + math.cos(math.pi / 10))
    assert math.isclose(PEERS.timm_cosine(10, 100, warmup_t=10), at10, rel_tol=1e-12)
    assert PEERS.timm_cosine(10, 100, warmup_t=10, warmup_prefix=True) == 0.1
    assert math.isclose(PEERS.timm_cosine(50, 100, k_decay=2.0), 0.05 * (1 + math.cos(math.pi / 4)))
    assert math.isclose(PEERS.timm_tanh(50, 100, lb=-3.0, ub=3.0), 0.05, rel_tol=1e-12)
    assert PEERS.timm_tanh(100, 100, 1e-3) == 1e-3
    assert PEERS.timm_cosine(60, 20, cycle_limit=3) == 0.0
    assert PEERS.timm_step(65, 30, 0.1) == pytest.approx(1e-3, rel=1e-12)
    assert PEERS.timm_multistep(80, [30, 80], 0.1) == pytest.approx(1e-3, rel=1e-12)
    assert PEERS.timm_poly(50, 100, 2.0) == pytest.approx(0.025, rel=1e-12)


def test_constantlr_factor_hint_says_the_value_is_a_rate():
    # ConstantLR(opt, factor=0.5) is constant(0.05) with lr=0.1 (the pytorch row above):
    # a hint "factor is lrkit's value" would make constant(0.5), ten times the rate
    with pytest.raises(LrkitError, match="unexpected argument 'factor'") as e:
        lrkit.constant(0.1, factor=0.5, steps=10)
    assert "value (a rate: value = factor * base rate)" in str(e.value)


def test_a_function_of_the_step_where_a_schedule_goes_points_to_custom():
    # PyTorch's LambdaLR habit: a function where lrkit wants a schedule. The message says
    # how to wrap it, and that lrkit.custom takes the rate (LambdaLR's is a factor)
    import torch

    import lrkit.jax
    import lrkit.torch

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)

    def factor(t):
        return 0.98**t

    for make in (
        lambda: lrkit.torch.Scheduler(opt, factor),
        lambda: lrkit.torch.Scheduler(opt, {"lr": factor}),
        lambda: lrkit.jax.schedule(factor),
        lambda: lrkit.as_schedule(factor),
    ):
        with pytest.raises(LrkitError) as e:
            make()
        assert "lrkit.custom(lambda t: lr * f(t))" in str(e.value), str(e.value)
    assert opt.param_groups[0]["lr"] == 0.1
    # the hint is only for functions: not for a class such as lrkit.cosine left uncalled
    for bad in (object(), lrkit.cosine):
        with pytest.raises(LrkitError) as e:
            lrkit.torch.Scheduler(opt, bad)
        assert "custom" not in str(e.value)


@pytest.mark.parametrize(
    ("name", "peer"),
    [("warmup_steps", "optax"), ("num_warmup_steps", "HuggingFace"), ("warmup_t", "timm")],
)
def test_a_peer_s_warmup_length_given_to_warmup_names_its_steps(name, peer):
    # inside lrkit.warmup(...) itself the hint is the parameter, not "wrap the schedule"
    with pytest.raises(LrkitError) as e:
        lrkit.warmup(lrkit.cosine(0.1, steps=90), **{name: 10})
    assert f"{peer}'s `{name}` is lrkit's `steps`" in str(e.value)
    with pytest.raises(LrkitError) as e:
        lrkit.cosine(0.1, steps=90, **{name: 10})
    assert "wrap the schedule: lrkit.warmup(schedule, steps=N)" in str(e.value)


def test_pytorch_s_last_epoch_says_how_lrkit_resumes():
    # CosineAnnealingLR(opt, T_max=100, last_epoch=-1) copied over: a schedule is a
    # function of the step, the run's step lives in the scheduler
    for make in (
        lambda: lrkit.cosine(0.1, 0.0, steps=100, last_epoch=-1),
        lambda: lrkit.parse("cosine(0.1, 0.0, steps=100, last_epoch=-1)"),
    ):
        with pytest.raises(LrkitError) as e:
            make()
        msg = str(e.value)
        assert "for PyTorch's `last_epoch`, resume with" in msg, msg
        assert "load_state_dict" in msg and "step(n)" in msg
