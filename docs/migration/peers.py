"""The migration tables, as data: each row is a peer's call next to its lrkit equivalent.

``scripts/gen_site.py`` writes ``docs/migration/<peer>.md`` from this file and
``tests/test_docs_migration.py`` executes every row: the peer's call against
the installed peer library (timm: against timm's documented formulas, written
out below, because timm is not installed), the lrkit call through lrkit, and
compares the values step by step. A row with a documented difference says up to
which step the values agree, and the test checks that they do differ after it
(so the note cannot go stale). A "not yet" row is a peer feature lrkit cannot
express today: the test runs the peer's call and checks that the probe (the
natural lrkit spelling) is still rejected.

Every peer call runs with a base rate of 0.1: the optimizer is
``opt = torch.optim.SGD(params, lr=0.1)`` for PyTorch, HuggingFace and timm.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

BASE_LR = 0.1


@dataclass(frozen=True)
class Row:
    """One line of a migration table.

    peer: the peer's call, as its user writes it (a Python expression).
    lrkit: the lrkit equivalent (an expression using ``lrkit``), or None: "not yet".
    note: what differs, or what to use instead.
    steps: the steps compared, ``0 .. steps-1`` (the lrkit schedule is bound to it).
    same_until: the values agree for ``t < same_until`` and differ somewhere after
        (a documented difference); None: they agree on every step.
    probe: for a "not yet" row, the lrkit spelling that must still be rejected.
    formula: timm only: the value at step ``t`` from timm's documented formula.
    """

    peer: str
    lrkit: str | None
    note: str = ""
    steps: int = 120
    same_until: int | None = None
    probe: str | None = None
    formula: Callable[[int], float] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Peer:
    key: str
    title: str
    intro: str
    rows: tuple[Row, ...]


# ----------------------------------------------------------------- PyTorch
PYTORCH = Peer(
    "pytorch",
    "PyTorch (`torch.optim.lr_scheduler`)",
    """PyTorch's schedulers multiply the optimizer's base rate by a factor and
are stepped; lrkit's schedules are values of the step, written with the rate
itself (`cosine(0.1, ...)` where PyTorch reads `lr=0.1` from the optimizer).
Drive an optimizer with `lrkit.torch.Scheduler(opt, schedule)` and call
`step()` after every optimizer update ([the PyTorch guide](../torch.md)).
Each row below was run with `opt = torch.optim.SGD(params, lr=0.1)` and
`from torch.optim.lr_scheduler import *`, over the steps shown.""",
    (
        Row("StepLR(opt, step_size=30, gamma=0.1)", "lrkit.step(0.1, 0.1, every=30)"),
        Row(
            "MultiStepLR(opt, milestones=[30, 80], gamma=0.1)",
            "lrkit.multistep(0.1, 0.1, milestones=[30, 80])",
        ),
        Row("ExponentialLR(opt, gamma=0.95)", "lrkit.exponential(0.1, gamma=0.95)"),
        Row("MultiplicativeLR(opt, lambda e: 0.95)", "lrkit.exponential(0.1, gamma=0.95)"),
        Row(
            "CosineAnnealingLR(opt, T_max=100, eta_min=1e-3)",
            "lrkit.cosine(0.1, 1e-3, steps=100)",
            "Past `T_max` PyTorch's cosine rises again; lrkit holds `end`.",
            steps=150,
            same_until=101,
        ),
        Row(
            "LinearLR(opt, start_factor=0.25, total_iters=40)",
            "lrkit.linear(0.025, 0.1, steps=40)",
            "Factors become rates: `start = start_factor * lr`.",
        ),
        Row(
            "PolynomialLR(opt, total_iters=100, power=2.0)",
            "lrkit.polynomial(0.1, 0.0, steps=100, power=2)",
        ),
        Row(
            "ConstantLR(opt, factor=0.5, total_iters=10)",
            "lrkit.sequence(lrkit.constant(0.05, steps=10), lrkit.constant(0.1))",
        ),
        Row(
            "CosineAnnealingWarmRestarts(opt, T_0=20, T_mult=2, eta_min=1e-3)",
            "lrkit.sgdr(0.1, 1e-3, period=20, mult=2)",
            steps=200,
        ),
        Row(
            "CyclicLR(opt, 0.01, 0.1, step_size_up=20, mode='triangular2')",
            "lrkit.cyclic(0.01, 0.1, half_period=20, mode='triangular2')",
            "Momentum cycling (`cycle_momentum`) is a second schedule: "
            "`lrkit.opposite(lr, 0.8, 0.9)` for the `momentum` key.",
            steps=200,
        ),
        Row(
            "OneCycleLR(opt, max_lr=0.1, total_steps=100)",
            "lrkit.one_cycle(0.1, steps=100)",
            "Past `total_steps` PyTorch raises; lrkit holds the final value. "
            "`OneCycleLR` also cycles momentum by default (`cycle_momentum=True`, "
            "0.95 to 0.85 and back; Adam's beta1): a second schedule, "
            "`lrkit.opposite(lr, 0.85, 0.95)` for the `momentum` key (or `beta1`), "
            "equal to PyTorch's at every step.",
            steps=110,
            same_until=100,
        ),
        Row(
            "SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=10), "
            "CosineAnnealingLR(opt, T_max=90)], milestones=[10])",
            "lrkit.warmup(lrkit.cosine(0.1, 0.0, steps=90), steps=10, start=0.01)",
            "Past the end PyTorch's cosine rises again (see above).",
            steps=130,
            same_until=101,
        ),
        Row(
            "SequentialLR(opt, [ExponentialLR(opt, gamma=0.9), "
            "CosineAnnealingLR(opt, T_max=90)], milestones=[10])",
            "lrkit.sequence(lrkit.truncate(lrkit.exponential(0.1, gamma=0.9), steps=10), "
            "lrkit.cosine(0.1, 0.0, steps=90))",
            "A phase that never ends gets its length from `truncate`. Past the end "
            "PyTorch's cosine rises again.",
            steps=130,
            same_until=101,
        ),
        Row(
            "SequentialLR(opt, [StepLR(opt, step_size=5, gamma=0.5), "
            "ConstantLR(opt, factor=1.0)], milestones=[20])",
            "lrkit.sequence(lrkit.truncate(lrkit.step(0.1, 0.5, every=5), steps=20), "
            "lrkit.constant(0.1))",
        ),
        Row(
            "CyclicLR(opt, 0.01, 0.1, step_size_up=20, step_size_down=60)",
            "lrkit.cyclic(0.01, 0.1, half_period=20, half_period_down=60)",
            steps=200,
        ),
        Row(
            "LambdaLR(opt, lambda t: 0.98 ** t)",
            "lrkit.custom(lambda t: 0.1 * 0.98 ** t)",
            "`custom` takes the rate, not a factor of it. A Python function cannot be "
            "written as a spec or a dict, nor run under `jit` unless `vectorized=True` "
            "(see `lrkit.custom`): prefer the closed form (here "
            "`lrkit.exponential(0.1, gamma=0.98)`), or `lrkit.table(values)` for a list.",
        ),
    ),
)

# ------------------------------------------------------------- HuggingFace
HUGGINGFACE = Peer(
    "huggingface",
    "HuggingFace (`transformers.get_*_schedule*`)",
    """HuggingFace's schedules are `LambdaLR` factors of the optimizer's rate,
stepped once per optimizer update, and start their warmup at 0: pass
`start=0` to `lrkit.warmup` for the same values (lrkit's default start avoids
the wasted zero-rate first update). Size the run with
`lrkit.torch.total_steps` when gradients are accumulated. Each row was run with
`opt = torch.optim.SGD(params, lr=0.1)` and the function imported from
`transformers`.""",
    (
        Row("get_constant_schedule(opt)", "lrkit.constant(0.1)"),
        Row(
            "get_constant_schedule_with_warmup(opt, num_warmup_steps=10)",
            "lrkit.warmup(lrkit.constant(0.1), steps=10, start=0)",
        ),
        Row(
            "get_linear_schedule_with_warmup(opt, 10, 100)",
            "lrkit.warmup(lrkit.linear(0.1, 0.0, steps=90), steps=10, start=0)",
        ),
        Row(
            "get_cosine_schedule_with_warmup(opt, 10, 100)",
            "lrkit.warmup(lrkit.cosine(0.1, 0.0, steps=90), steps=10, start=0)",
            "Past `num_training_steps` HuggingFace's cosine rises again; lrkit holds 0.",
            steps=150,
            same_until=101,
        ),
        Row(
            "get_cosine_with_min_lr_schedule_with_warmup(opt, 10, 100, min_lr=1e-3)",
            "lrkit.warmup(lrkit.cosine(0.1, 1e-3, steps=90), steps=10, start=0)",
            "Past `num_training_steps` HuggingFace's cosine rises again.",
            steps=150,
            same_until=101,
        ),
        Row(
            "get_polynomial_decay_schedule_with_warmup(opt, 10, 100, lr_end=1e-4, power=2.0)",
            "lrkit.warmup(lrkit.polynomial(0.1, 1e-4, steps=90, power=2), steps=10, start=0)",
        ),
        Row(
            "get_inverse_sqrt_schedule(opt, num_warmup_steps=10)",
            "lrkit.inverse_sqrt(0.1, warmup=10)",
        ),
        Row(
            "get_cosine_with_hard_restarts_schedule_with_warmup(opt, 10, 100, num_cycles=2)",
            "lrkit.warmup(lrkit.sgdr(0.1, 0.0, period=45, cycles=2), steps=10, start=0)",
            "`period` is a whole number of steps: `num_cycles` must divide "
            "`num_training_steps - num_warmup_steps`.",
            steps=130,
        ),
        Row(
            "get_wsd_schedule(opt, 10, 20, num_training_steps=100, decay_type='linear')",
            "lrkit.wsd(0.1, steps=100, warmup=10, decay=20, start=0)",
            "HuggingFace's WSD warms up from 0 (`start=0`); lrkit's default never starts at 0.",
        ),
        Row(
            "get_wsd_schedule(opt, 10, 20, num_training_steps=100)",
            "lrkit.wsd(0.1, steps=100, warmup=10, decay=20, start=0, shape='cos')",
            "HuggingFace's default `decay_type` is `'cosine'`: lrkit's `shape='cos'`.",
        ),
        Row(
            "get_cosine_schedule_with_warmup(opt, 10, 100, num_cycles=1.5)",
            "lrkit.warmup(lrkit.cosine(0.1, 0.0, steps=90, cycles=1.5), steps=10, start=0)",
            "Past `num_training_steps` HuggingFace's cosine keeps oscillating; lrkit holds.",
            steps=130,
            same_until=101,
        ),
        Row(
            "get_inverse_sqrt_schedule(opt, num_warmup_steps=10, timescale=40)",
            "lrkit.inverse_sqrt(0.1, warmup=10, timescale=40)",
        ),
        Row(
            "get_wsd_schedule(opt, 10, 20, num_training_steps=100, decay_type='1-sqrt')",
            "lrkit.wsd(0.1, steps=100, warmup=10, decay=20, start=0, shape='sqrt')",
            "`'1-sqrt'` is lrkit's `shape='sqrt'` (the value is `1 - sqrt(f)` of the way down).",
        ),
        Row(
            "get_wsd_schedule(opt, 10, 20, num_training_steps=100, warmup_type='cosine', "
            "decay_type='cosine', num_cycles=1.0, min_lr_ratio=0.1)",
            "lrkit.wsd(0.1, steps=100, warmup=10, decay=20, start=0.01, end=0.01, "
            "warmup_shape='cos', shape='cos', cycles=1.0)",
            "`min_lr_ratio` is a fraction of the peak, where the warmup starts and the "
            "decay ends: `start = end = min_lr_ratio * peak`; `num_cycles` is `cycles`.",
        ),
    ),
)


# -------------------------------------------------------------------- timm
def _timm_warm(t: int, warmup_t: int, warmup_lr_init: float) -> float:
    """timm's warmup: linear from ``warmup_lr_init`` towards the base rate over ``warmup_t``."""
    return warmup_lr_init + t * (BASE_LR - warmup_lr_init) / warmup_t


def timm_cosine(
    t: int,
    t_initial: int,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    k_decay: float = 1.0,
) -> float:
    """timm's ``CosineLRScheduler`` (documented formula, no noise).

    Cycle ``i`` lasts ``t_initial * cycle_mul**i``; inside it, at local time
    ``tc``: ``lr_min + (base * cycle_decay**i - lr_min) (1 + cos(pi tc^k / T_i^k)) / 2``
    (``k = k_decay``); from cycle ``cycle_limit`` on: ``lr_min``. The warmup
    replaces the first ``warmup_t`` values and rises towards the base rate in
    both modes (timm's ``warmup_steps = (base - warmup_lr_init) / warmup_t``):
    with ``warmup_prefix`` the schedule starts after it; else (timm's default)
    the schedule keeps its own clock and takes over at ``warmup_t``.
    """
    if t < warmup_t:
        return _timm_warm(t, warmup_t, warmup_lr_init)
    if warmup_prefix:
        t -= warmup_t
    if cycle_mul == 1:
        i, length, local = t // t_initial, t_initial, t % t_initial
    else:
        i = math.floor(math.log(1 - t / t_initial * (1 - cycle_mul), cycle_mul))
        length = t_initial * cycle_mul**i
        local = t - t_initial * (1 - cycle_mul**i) / (1 - cycle_mul)
    if i >= cycle_limit:
        return lr_min
    peak = BASE_LR * cycle_decay**i
    angle = math.pi * local**k_decay / length**k_decay
    return lr_min + 0.5 * (peak - lr_min) * (1 + math.cos(angle))


def timm_tanh(t: int, t_initial: int, lr_min: float = 0.0, lb: float = -7.0, ub: float = 3.0):
    """timm's ``TanhLRScheduler`` (one cycle): then ``lr_min``.

    At ``tr = t / t_initial``: ``lr_min + (base - lr_min) (1 - tanh(lb (1 - tr) + ub tr)) / 2``.
    """
    if t >= t_initial:
        return lr_min
    tr = t / t_initial
    return lr_min + 0.5 * (BASE_LR - lr_min) * (1 - math.tanh(lb * (1.0 - tr) + ub * tr))


def timm_step(t: int, decay_t: int, decay_rate: float) -> float:
    """timm's ``StepLRScheduler``: ``base * decay_rate ** (t // decay_t)``."""
    return BASE_LR * decay_rate ** (t // decay_t)


def timm_multistep(t: int, decay_t: list[int], decay_rate: float) -> float:
    """timm's ``MultiStepLRScheduler``: one decay per milestone ``<= t``."""
    return BASE_LR * decay_rate ** sum(1 for m in decay_t if m <= t)


def timm_poly(t: int, t_initial: int, power: float, lr_min: float = 0.0) -> float:
    """timm's ``PolyLRScheduler`` (one cycle, k_decay=1): then ``lr_min``."""
    if t >= t_initial:
        return lr_min
    return lr_min + (BASE_LR - lr_min) * (1 - t / t_initial) ** power


TIMM = Peer(
    "timm",
    "timm (`timm.scheduler`)",
    """timm is **not installed** in lrkit's test environment (it requires
torchvision, which lrkit does not depend on), so the timm column is checked
against timm's documented formulas instead of timm itself: each row's values
are computed by the functions in `docs/migration/peers.py` (written from
timm's `cosine_lr.py`, `step_lr.py`, `multistep_lr.py`, `poly_lr.py`), and
lrkit must match them. timm counts epochs by default (`t_in_epochs=True`) and
updates (`step_update`) otherwise; lrkit counts optimizer updates, and a
schedule written in epochs uses `"Nep"` durations bound with `steps_per_epoch`
(its value then changes at every update, where timm with `t_in_epochs=True`
holds each epoch's value; for timm's values, write the durations in epochs and
call `step()` once per epoch). Every row reads `t` as the unit timm is stepped
in, with base rate 0.1.""",
    (
        Row(
            "CosineLRScheduler(opt, t_initial=100, lr_min=1e-3)",
            "lrkit.cosine(0.1, 1e-3, steps=100)",
            formula=lambda t: timm_cosine(t, 100, 1e-3),
        ),
        Row(
            "CosineLRScheduler(opt, t_initial=100, lr_min=1e-3, warmup_t=10, "
            "warmup_lr_init=1e-4, warmup_prefix=True)",
            "lrkit.warmup(lrkit.cosine(0.1, 1e-3, steps=100), steps=10, start=1e-4)",
            formula=lambda t: timm_cosine(
                t, 100, 1e-3, warmup_t=10, warmup_lr_init=1e-4, warmup_prefix=True
            ),
        ),
        Row(
            "CosineLRScheduler(opt, t_initial=20, lr_min=1e-3, cycle_mul=2, "
            "cycle_decay=0.5, cycle_limit=99)",
            "lrkit.sgdr(0.1, 1e-3, period=20, mult=2, decay=0.5)",
            steps=300,
            formula=lambda t: timm_cosine(
                t, 20, 1e-3, cycle_mul=2, cycle_decay=0.5, cycle_limit=99
            ),
        ),
        Row(
            "StepLRScheduler(opt, decay_t=30, decay_rate=0.1)",
            "lrkit.step(0.1, 0.1, every=30)",
            formula=lambda t: timm_step(t, 30, 0.1),
        ),
        Row(
            "MultiStepLRScheduler(opt, decay_t=[30, 80], decay_rate=0.1)",
            "lrkit.multistep(0.1, 0.1, milestones=[30, 80])",
            formula=lambda t: timm_multistep(t, [30, 80], 0.1),
        ),
        Row(
            "PolyLRScheduler(opt, t_initial=100, power=2.0, lr_min=1e-3)",
            "lrkit.polynomial(0.1, 1e-3, steps=100, power=2)",
            formula=lambda t: timm_poly(t, 100, 2.0, 1e-3),
        ),
        Row(
            "CosineLRScheduler(opt, t_initial=100, warmup_t=10, warmup_lr_init=1e-4)",
            "lrkit.warmup(lrkit.cosine(0.1, 0.0, steps=100), steps=10, start=1e-4, prefix=False)",
            "timm's default `warmup_prefix=False` lays the warmup over the first steps "
            "of the schedule's own clock (the ramp still rises towards the base rate): "
            "`prefix=False`.",
            formula=lambda t: timm_cosine(t, 100, warmup_t=10, warmup_lr_init=1e-4),
        ),
        Row(
            "CosineLRScheduler(opt, t_initial=20, cycle_limit=3)",
            "lrkit.sgdr(0.1, 0.0, period=20, cycles=3)",
            formula=lambda t: timm_cosine(t, 20, cycle_limit=3),
        ),
        Row(
            "CosineLRScheduler(opt, t_initial=100, k_decay=2.0)",
            "lrkit.cosine(0.1, 0.0, steps=100, k=2.0)",
            formula=lambda t: timm_cosine(t, 100, k_decay=2.0),
        ),
        Row(
            "TanhLRScheduler(opt, t_initial=100, lr_min=1e-3)",
            "lrkit.tanh(0.1, 1e-3, steps=100)",
            "Like timm, the value steps down to `end` at `t_initial`.",
            formula=lambda t: timm_tanh(t, 100, 1e-3),
        ),
        Row(
            "CosineLRScheduler(opt, t_initial=100, noise_range_t=(10, 90))",
            "lrkit.noise(lrkit.cosine(0.1, 0.0, steps=100), begin=10, until=90)",
            "Same law (`v * (1 + n)`, `n` a normal conditioned on `|n| < 0.67`, "
            "seeded per step: a pure function of the step), other numbers: timm draws "
            "from torch's generator, lrkit from a hash of the seed and the step (the "
            "same in numpy, jax and Keras).",
            same_until=10,
            formula=lambda t: timm_cosine(t, 100),
        ),
    ),
)

# ------------------------------------------------------------------- optax
OPTAX = Peer(
    "optax",
    "optax (`optax.*_schedule`)",
    """optax's schedules are callables of the update count, and so are lrkit's:
`lrkit.jax.schedule(s)` is an optax-compatible, jit-traceable callable
([the JAX guide](../jax.md)). optax computes in float32 (by default), so the
rows agree to float32 precision (relative 1e-6).""",
    (
        Row("optax.constant_schedule(0.1)", "lrkit.constant(0.1)"),
        Row(
            "optax.linear_schedule(0.1, 1e-3, transition_steps=100)",
            "lrkit.linear(0.1, 1e-3, steps=100)",
        ),
        Row(
            "optax.cosine_decay_schedule(0.1, decay_steps=100, alpha=0.01)",
            "lrkit.cosine(0.1, 1e-3, steps=100)",
            "`alpha` is a fraction of the initial value: `end = alpha * init_value`.",
        ),
        Row(
            "optax.polynomial_schedule(0.1, 1e-3, power=2, transition_steps=100)",
            "lrkit.polynomial(0.1, 1e-3, steps=100, power=2)",
        ),
        Row(
            "optax.exponential_decay(0.1, transition_steps=10, decay_rate=0.5)",
            "lrkit.exponential(0.1, gamma=0.5, every=10)",
        ),
        Row(
            "optax.exponential_decay(0.1, 10, 0.5, staircase=True)",
            "lrkit.exponential(0.1, gamma=0.5, every=10, staircase=True)",
        ),
        Row(
            "optax.piecewise_constant_schedule(0.1, {30: 0.1, 80: 0.1})",
            "lrkit.multistep(0.1, 0.1, milestones=[30, 80])",
        ),
        Row(
            "optax.warmup_cosine_decay_schedule(0.0, 0.1, warmup_steps=10, "
            "decay_steps=100, end_value=1e-3)",
            "lrkit.warmup(lrkit.cosine(0.1, 1e-3, steps=90), steps=10, start=0)",
            "optax's `decay_steps` includes the warmup.",
        ),
        Row(
            "optax.join_schedules([optax.linear_schedule(0.0, 0.1, 10), "
            "optax.cosine_decay_schedule(0.1, 90)], boundaries=[10])",
            "lrkit.sequence(lrkit.linear(0.0, 0.1, steps=10), lrkit.cosine(0.1, steps=90))",
        ),
        Row(
            "optax.cosine_onecycle_schedule(100, 0.1)",
            "lrkit.interpolate([(0, 0.004), (30, 0.1), (100, 4e-7)], kind='cos')",
            "optax's one-cycle has its phase boundaries at `int(pct_start * T)` and `T`; "
            "`lrkit.one_cycle` follows PyTorch's (`pct_start * T - 1` and `T - 1`), so "
            "write optax's with `interpolate`.",
        ),
        Row(
            "optax.sgdr_schedule([dict(init_value=0.0, peak_value=0.1, warmup_steps=5, "
            "decay_steps=50, end_value=0.0)] * 2)",
            "lrkit.sequence(lrkit.warmup(lrkit.cosine(0.1, 0.0, steps=45), steps=5, start=0), "
            "lrkit.warmup(lrkit.cosine(0.1, 0.0, steps=45), steps=5, start=0))",
        ),
        Row(
            "optax.cosine_decay_schedule(0.1, decay_steps=100, exponent=2.0)",
            "lrkit.cosine(0.1, 0.0, steps=100, exponent=2.0)",
        ),
    ),
)

# ------------------------------------------------------------------- Keras
KERAS = Peer(
    "keras",
    "Keras 3 (`keras.optimizers.schedules`)",
    """Keras schedules are `LearningRateSchedule` objects of the optimizer's
iteration count; `lrkit.keras.Schedule(s)` is one
([the Keras guide](../keras.md)), so an lrkit schedule goes wherever a Keras
schedule goes and reloads from a `.keras` file. Each row was run with
`from keras.optimizers import schedules` (float32: relative 1e-6).""",
    (
        Row(
            "schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)",
            "lrkit.exponential(0.1, gamma=0.5, every=10)",
        ),
        Row(
            "schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)",
            "lrkit.exponential(0.1, gamma=0.5, every=10, staircase=True)",
        ),
        Row(
            "schedules.PiecewiseConstantDecay([30, 80], [0.1, 0.01, 0.001])",
            "lrkit.piecewise([0.1, 0.01, 0.001], boundaries=[31, 81])",
            "Keras switches one step *after* each boundary; lrkit switches *at* it, "
            "so the boundaries are `b + 1`.",
        ),
        Row(
            "schedules.PolynomialDecay(0.1, 100, end_learning_rate=1e-3, power=2.0)",
            "lrkit.polynomial(0.1, 1e-3, steps=100, power=2)",
        ),
        Row(
            "schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5)",
            "lrkit.inverse_time(0.1, decay=0.5, every=10)",
        ),
        Row(
            "schedules.CosineDecay(0.1, decay_steps=100, alpha=0.01)",
            "lrkit.cosine(0.1, 1e-3, steps=100)",
            "`alpha` is a fraction of the initial rate: `end = alpha * initial_learning_rate`.",
        ),
        Row(
            "schedules.CosineDecay(0.0, 90, warmup_target=0.1, warmup_steps=10)",
            "lrkit.warmup(lrkit.cosine(0.1, 0.0, steps=90), steps=10, start=0)",
        ),
        Row(
            "schedules.CosineDecayRestarts(0.1, first_decay_steps=20, t_mul=2.0, m_mul=0.5)",
            "lrkit.sgdr(0.1, 0.0, period=20, mult=2, decay=0.5)",
            steps=300,
        ),
        Row(
            "schedules.PolynomialDecay(0.1, 50, end_learning_rate=1e-3, cycle=True)",
            "lrkit.polynomial(0.1, 1e-3, steps=50, cycle=True)",
            steps=200,
        ),
        Row(
            "schedules.CosineDecayRestarts(0.1, 20, t_mul=2.0, m_mul=0.5, alpha=0.01)",
            "lrkit.sgdr(0.1, 0.001, period=20, mult=2, decay=0.5, decay_of='amplitude')",
            "With `alpha` and `m_mul` together Keras shrinks the height above the floor "
            "(`decay_of='amplitude'`); `sgdr`'s default shrinks the peak (PyTorch, timm).",
            steps=300,
        ),
    ),
)

PEERS: tuple[Peer, ...] = (PYTORCH, HUGGINGFACE, TIMM, OPTAX, KERAS)
