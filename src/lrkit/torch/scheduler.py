"""``lrkit.torch.Scheduler``: a closed-form ``LRScheduler`` for any param-group key."""

from __future__ import annotations

import contextlib
import math
import numbers
import warnings
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch
from torch.optim.lr_scheduler import LRScheduler

from .._validate import callable_hint, check_bool, check_choice, check_int
from .._xp import sample_steps
from ..control import (
    MAX_COUNT,
    StateField,
    check_mismatch,
    f_bool,
    f_int,
    f_optional,
    read_state,
)
from ..core import Schedule, as_schedule
from ..errors import ConfigError, ConfigTypeError, NonFiniteError

__all__ = ["Scheduler", "total_steps", "BLOCK"]

#: values are evaluated in aligned blocks of this many steps, cached, and indexed in step()
BLOCK = 4096
_SHIFT = 12
assert 1 << _SHIFT == BLOCK

_FORMAT = "lrkit.torch.Scheduler/1"

# key aliases: "betas" and (on optimizers without momentum) "momentum" mean beta1
_BETA = {"beta1": 0, "betas": 0, "beta2": 1}

# allowed values of the hyperparameters lrkit knows: (low, high, high is exclusive, rule)
_RANGES = {
    "lr": (0.0, math.inf, ">= 0"),
    "weight_decay": (0.0, math.inf, ">= 0"),
    "eps": (0.0, math.inf, ">= 0"),  # PyTorch's optimizers refuse eps < 0 too
    "momentum": (0.0, 1.0, "in [0, 1)"),
    "beta1": (0.0, 1.0, "in [0, 1)"),
    "betas": (0.0, 1.0, "in [0, 1)"),
    "beta2": (0.0, 1.0, "in [0, 1)"),
}
_ANY = (-math.inf, math.inf, "finite")


def check_optimizer(owner: str, optimizer: Any) -> None:
    """Raise ``TypeError`` naming ``owner`` unless ``optimizer`` is a ``torch.optim.Optimizer``."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"{owner}: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )


def _count(owner: str, name: str, value: Any, low: int) -> int:
    """An integer in ``[low, 2**53]``: the range a checkpoint's counts are loaded back from."""
    v = check_int(owner, name, value, low=low)
    if v > MAX_COUNT:
        raise ConfigError(
            f"{owner}: {name} must be at most 2**53 (a checkpoint holds counts up to it), "
            f"got {value!r}"
        )
    return v


def total_steps(
    epochs: int,
    batches_per_epoch: int,
    accumulation: int = 1,
    *,
    world_size: int = 1,
    drop_last: bool = False,
    partial: str = "step",
) -> int:
    """Number of optimizer updates in a run (what ``Scheduler(total_steps=...)`` wants).

    ``batches_per_epoch`` is the number of (micro-)batches in one epoch of the
    whole dataset as one process would see it without sharding (``len(loader)``
    of a non-distributed loader). With ``world_size`` W each process sees
    ``ceil(batches / W)`` of them (``DistributedSampler`` pads; ``floor`` with
    ``drop_last=True``). This is exact when the ``DistributedSampler`` and the
    ``DataLoader`` agree: both ``drop_last=False`` (the defaults) or both
    ``drop_last=True`` (pass ``drop_last=True`` and the loader's own ``len``).
    When only one of them drops, a count in batches cannot say how many
    samples a rank gets (13 samples in batches of 2 over 4 ranks, only the
    sampler dropping: 2 batches per rank, not ``7 // 4``): pass ``len(loader)``
    of one rank with ``world_size=1``. With gradient accumulation over ``accumulation``
    micro-batches an epoch has ``ceil(b / accumulation)`` updates when the
    last, partial accumulation still steps (``partial="step"``: Lightning,
    HuggingFace ``Trainer`` in transformers 5.x, tested against the pinned
    5.23, and plain loops that step at the end of the epoch) or ``floor`` when
    it is dropped (``partial="drop"``: loops that only step on a full
    accumulation).

    .. math:: N = \\text{epochs}\\cdot\\left\\lceil \\frac{\\lceil b/W\\rceil}{A} \\right\\rceil

    If you already have ``len(loader)`` on one rank of a distributed run,
    pass it with ``world_size=1``.

    >>> total_steps(3, 100, accumulation=4)
    75
    >>> total_steps(3, 100, accumulation=3)  # 34 updates per epoch, the last one on 1 batch
    102
    >>> # HuggingFace Trainer(gradient_accumulation_steps=3) over 100 batches: the same 102
    >>> total_steps(3, 100, accumulation=3, partial="drop")
    99
    >>> total_steps(2, 1000, 2, world_size=4)  # 250 batches per rank
    250
    """
    o = "total_steps"
    epochs = check_int(o, "epochs", epochs, low=1)
    b = check_int(o, "batches_per_epoch", batches_per_epoch, low=1)
    a = check_int(o, "accumulation", accumulation, low=1)
    w = check_int(o, "world_size", world_size, low=1)
    drop_last = check_bool(o, "drop_last", drop_last)
    check_choice(o, "partial", partial, ("step", "drop"))
    per_rank = b // w if drop_last else -(-b // w)
    if per_rank < 1:
        raise ValueError(
            f"total_steps: batches_per_epoch={b} with world_size={w} and drop_last=True "
            "leaves no batch per process"
        )
    updates = per_rank // a if partial == "drop" else -(-per_rank // a)
    if updates < 1:
        raise ValueError(
            f"total_steps: an epoch of {per_rank} batches per process with accumulation={a} "
            "and partial='drop' makes no optimizer update"
        )
    n = epochs * updates
    if n > MAX_COUNT:
        raise ConfigError(
            f"total_steps: {epochs} epochs of {updates} updates make {n}, more than 2**53 "
            "(the most a Scheduler takes)"
        )
    return n


#: ``torch.compiler.is_compiling`` exists (torch >= 2.3); it is called by its full name,
#: which dynamo folds while tracing (through an alias it did not, and traced on)
COMPILE_CHECK = hasattr(torch.compiler, "is_compiling")


@torch.compiler.disable
def run_eagerly(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` outside dynamo: a scheduler called inside a ``torch.compile``d function
    runs in Python, as PyTorch's own schedulers do (dynamo skips ``lr_scheduler.py``);
    traced, its values would be baked into the graph as constants."""
    return fn(*args)


#: optimizers whose updates lrkit's bookkeeping hooks (``follow_optimizer``'s counter,
#: ``LRMonitor(auto=True)``) ignore: those of ``find_lr``'s sweep and ``plan``'s probes
_PAUSED: weakref.WeakSet[Any] = weakref.WeakSet()


@contextlib.contextmanager
def bookkeeping_paused(optimizer: Any) -> Iterator[None]:
    """While inside, lrkit's step hooks on ``optimizer`` do not count or record its updates
    (the trial updates of a sweep, undone afterwards, are not the run's)."""
    if optimizer in _PAUSED:  # nested: the outer one resumes
        yield
        return
    _PAUSED.add(optimizer)
    try:
        yield
    finally:
        _PAUSED.discard(optimizer)


def is_paused(optimizer: Any) -> bool:
    """True inside :func:`bookkeeping_paused` for ``optimizer``."""
    return optimizer in _PAUSED


class _StepCounter:
    """Optimizer step post-hook counting the updates that really happened."""

    def __init__(self, sched: Scheduler) -> None:
        self.ref = weakref.ref(sched)

    def __call__(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        s = self.ref()
        if s is not None and optimizer not in _PAUSED:
            s._opt_count += 1


class _Retensor:
    """Optimizer ``load_state_dict`` post-hook of ``tensor_lr``: a float rate that a loaded
    checkpoint wrote over a tensor one becomes a tensor again, at once (no work per step)."""

    def __init__(self, sched: Scheduler) -> None:
        self.ref = weakref.ref(sched)

    def __call__(self, optimizer: Any) -> None:
        s = self.ref()
        if s is not None:
            s._retensor()


def _tensor_rate(value: Any) -> torch.Tensor:
    """A rate as ``tensor_lr`` keeps it: a 0-d float64 tensor, updated in place."""
    return torch.tensor(float(value), dtype=torch.float64)


def _normalize_spec(
    owner: str, optimizer: Any, schedule: Any
) -> tuple[dict[str, list[Schedule]], set[str]]:
    """The schedules by key, one per group, and the keys given one schedule for all groups."""
    n = len(optimizer.param_groups)
    shared: set[str] = set()

    def one(key: str, value: Any) -> list[Schedule]:
        if isinstance(value, (list, tuple)):
            if len(value) != n:
                raise ConfigError(
                    f"{owner}: schedule for {key!r} must be one schedule or a list of one per "
                    f"param group ({n}), got a list of {len(value)}"
                )
            return [_as_sched(owner, f"{key}[{i}]", v) for i, v in enumerate(value)]
        shared.add(key)
        return [_as_sched(owner, key, value)] * n

    if isinstance(schedule, Mapping):
        if not schedule:
            raise ConfigError(f"{owner}: schedule mapping is empty; give at least {{'lr': ...}}")
        out = {}
        for k, v in schedule.items():
            if not isinstance(k, str):
                raise ConfigTypeError(f"{owner}: schedule keys must be param-group keys, got {k!r}")
            out[k] = one(k, v)
        return out, shared
    return {"lr": one("lr", schedule)}, shared


def _as_sched(owner: str, name: str, value: Any) -> Schedule:
    try:
        return as_schedule(value)
    except TypeError:
        raise ConfigTypeError(
            f"{owner}: schedule for {name} must be a schedule, a spec string, a dict or a number, "
            f"got {value!r}{callable_hint(value)}"
        ) from None


def _multipliers(owner: str, multipliers: Any, keys: list[str], n: int) -> dict[str, list[float]]:
    out = {k: [1.0] * n for k in keys}
    if multipliers is None:
        return out
    items = dict(multipliers) if isinstance(multipliers, Mapping) else {"lr": multipliers}
    for k, m in items.items():
        if k not in out:
            raise ConfigError(
                f"{owner}: multipliers given for {k!r}, which is not scheduled (scheduled: {keys})"
            )
        if not isinstance(m, (list, tuple)) or len(m) != n:
            raise ConfigError(
                f"{owner}: multipliers[{k!r}] must be a list of one number per param group ({n}), "
                f"got {m!r}"
            )
        vals = []
        for i, x in enumerate(m):
            if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
                raise ConfigTypeError(
                    f"{owner}: multipliers[{k!r}][{i}] must be a number, got {x!r}"
                )
            if x < 0:
                raise ConfigError(f"{owner}: multipliers[{k!r}][{i}] must be >= 0, got {x!r}")
            vals.append(float(x))
        out[k] = vals
    return out


def _eval_steps(s: Schedule, steps: np.ndarray) -> np.ndarray:
    """``s(steps)`` without the finiteness check (the caller checks, and says where)."""
    t = steps.astype(np.float64)
    with np.errstate(all="ignore"):
        out = np.asarray(s._eval(t, np), dtype=np.float64)
    return np.broadcast_to(out, t.shape)


def _first_bad(key: str, vals: np.ndarray) -> int:
    """Index of the first value outside ``key``'s range (or not finite); -1 when none."""
    low, high, _ = _RANGES.get(key, _ANY)
    ok = np.isfinite(vals) & (vals >= low) & (vals < high)
    return -1 if ok.all() else int(np.argmin(ok))


def _refine(key: str, s: Schedule, m: float, lo: int, hi: int) -> tuple[int, float]:
    """The first bad step in ``[lo, hi]`` (``hi`` is bad) and its value.

    Between two sampled steps every step is evaluated, up to 2**20 of them
    (beyond, the sampled step ``hi`` is reported).
    """
    if hi - lo > 2**20:
        lo = hi
    steps = np.arange(lo, hi + 1, dtype=np.int64)
    vals = _eval_steps(s, steps) * m
    j = _first_bad(key, vals)
    return int(steps[j]), float(vals[j])


def _bad_value(owner: str, key: str, gi: int, step: int, v: float, spec: str) -> Exception:
    """The error for value ``v`` of ``key`` (group ``gi``) at ``step``: bad range or not finite."""
    rule = _RANGES.get(key, _ANY)[2]
    msg = (
        f"{owner}: the schedule for {key!r} (param group {gi}) gives {v!r} at step {step}; "
        f"{key} must be {rule} ({spec})"
    )
    if not math.isfinite(v):
        return NonFiniteError(msg + "; check its parameters, or give total_steps")
    return ConfigError(msg)


def _tensor_lr_problem(optimizer: Any, group: dict[str, Any]) -> str | None:
    """Why this group cannot take a tensor learning rate (None when it can).

    Only Adam and AdamW refuse one (with ``foreach`` and without ``capturable``);
    the other foreach steps read a tensor rate as a scalar."""
    if not isinstance(optimizer, (torch.optim.Adam, torch.optim.AdamW)):
        return None
    if group.get("capturable"):
        return None
    if group.get("fused"):
        return None
    foreach = group.get("foreach")
    if foreach is None:
        on_gpu = any(p.device.type not in ("cpu", "meta") for p in group["params"])
        if not on_gpu:
            return None
    elif not foreach:
        return None
    return (
        f"{type(optimizer).__name__}(foreach={foreach}, capturable=False) cannot take a tensor "
        "learning rate (PyTorch raises 'lr as a Tensor is not supported for capturable=False "
        "and foreach=True'); build it with capturable=True or foreach=False, or pass "
        "tensor_lr='auto' to keep floats for it"
    )


def _f_spec(owner: str, where: str, v: Any) -> dict[str, Any]:
    """Checkpoint field check: ``{"schedules": {key: [spec...]}, "multipliers": {key: [x...]}}``."""
    if not isinstance(v, Mapping):
        raise ConfigTypeError(f"{owner}: {where} must be a dict, got {v!r}")
    d = read_state(
        owner,
        v,
        (
            StateField("schedules", _f_table(str)),
            StateField("multipliers", _f_table(float)),
            StateField("relative", f_bool, False),
        ),
        where,
    )
    if not d["relative"]:
        del d["relative"]
    return d


def _f_table(kind: type) -> Any:
    def check(owner: str, where: str, v: Any) -> dict[str, list[Any]]:
        ok = isinstance(v, Mapping) and all(
            isinstance(k, str) and isinstance(xs, (list, tuple)) for k, xs in v.items()
        )
        if ok and kind is str:
            ok = all(isinstance(x, str) for xs in v.values() for x in xs)
        elif ok:
            ok = all(
                isinstance(x, numbers.Real)
                and not isinstance(x, bool)
                and math.isfinite(x)
                and float(x) >= 0
                for xs in v.values()
                for x in xs
            )
        if not ok:
            what = "spec strings" if kind is str else "finite numbers >= 0"
            raise ConfigError(f"{owner}: {where} must map keys to lists of {what}, got {v!r}")
        return {k: [kind(x) for x in xs] for k, xs in v.items()}

    return check


def _f_any(owner: str, where: str, v: Any) -> Any:
    return v


def _torch_state_hint(state_dict: Any) -> str:
    """For a PyTorch scheduler's state (a migrating user's checkpoint): how to continue it.

    ``ReduceLROnPlateau``'s ``last_epoch`` counts metric reports, not steps: no hint."""
    if not isinstance(state_dict, Mapping) or "num_bad_epochs" in state_dict:
        return ""
    n = state_dict.get("last_epoch")
    if type(n) is not int or n < 0:
        return ""
    return (
        f"; this is a PyTorch scheduler's state (last_epoch={n}): to continue its run, "
        f"build the lrkit scheduler and call sched.step({n})"
    )


class Scheduler(LRScheduler):
    r"""Drive one or more param-group keys of a PyTorch optimizer with lrkit schedules.

    Args:
        optimizer: any ``torch.optim.Optimizer``.
        schedule: a schedule (or spec string, dict, number) for ``"lr"``; a list
            of them, one per param group; or a mapping from param-group key to
            a schedule or list, e.g. ``{"lr": s1, "momentum": s2,
            "weight_decay": s3}``. ``"beta1"`` (alias ``"betas"``) and
            ``"beta2"`` set the elements of Adam's ``betas``; ``"momentum"``
            on an optimizer without momentum but with ``betas`` sets beta1
            (as PyTorch's ``OneCycleLR`` does); two keys for the same value
            are refused.
        total_steps: the run's number of optimizer updates; binds ``"N%"`` and
            ``steps`` left out (see :func:`total_steps` for accumulation and
            world size). Stepping past it warns once (the schedule goes on:
            a finite schedule holds its final value). A schedule longer than
            it (bound to another run) warns at construction.
        steps_per_epoch: binds ``"Nep"`` durations.
        multipliers: per-group factors applied to the scheduled value, a list
            (for ``"lr"``) or a mapping key -> list, e.g. ``[1.0, 0.1]``
            for a backbone at a tenth of the head's rate (each >= 0).
        relative: ``False`` (default): the schedule gives the value itself.
            ``True``: PyTorch's convention, the schedule is a *factor* of each
            group's initial value (``group["initial_lr"]`` when present, as
            PyTorch's schedulers set it, else the group's value at
            construction), so groups built with different rates keep their
            ratio: ``Scheduler(opt, cosine(1.0, 0.0), relative=True)``. In the
            default mode, one schedule given for groups whose values differ
            warns that it overwrites them (give ``relative=True``,
            ``multipliers`` or one schedule per group).
        tensor_lr: ``None`` (default) keeps the optimizer's types: a tensor
            value (PyTorch's ``torch.compile`` recipe, ``lr=torch.tensor(0.01)``)
            is updated in place (``fill_``: same object and dtype), a float
            stays a float. ``True`` turns float ``lr`` values into 0-d float64
            tensors updated in place (so a compiled ``optimizer.step()`` is not
            recompiled as the rate changes) and raises ``ValueError`` for
            optimizer configurations that cannot take a tensor rate (Adam/AdamW
            with ``foreach=True`` and ``capturable=False``). ``"auto"`` does the
            same but keeps floats for such groups (documented fallback). With
            either, a float that ``optimizer.load_state_dict`` writes over such a
            tensor (a checkpoint of a float-rate run) becomes a float64 tensor
            again as it is loaded (an optimizer post-hook).
        follow_optimizer: count the optimizer's real updates (a post-step
            hook) instead of ``step()`` calls, so steps skipped by AMP's
            ``GradScaler`` (inf/NaN gradients) do not advance the schedule.
        on_mismatch: what ``load_state_dict`` does when the saved schedule
            differs from the constructed one: ``"error"`` (default; the message
            shows both specs) or ``"new"`` (continue with the newly constructed
            schedule from the saved step: extending a run, branching a cooldown).
        warn_past_end: warn (once) when stepping past ``total_steps`` (only
            when it is given: a schedule alone holds its final value silently).

    Semantics: after construction the value for step 0 is applied (like
    PyTorch's schedulers); after ``n`` calls of ``step()`` the value for step
    ``n``. Every value is the closed form ``schedule(step) * multiplier``: a
    learning rate changed by other code between steps is overwritten at the
    next ``step()`` (never compounded, unlike PyTorch's recursive formulas).

    Checks: ``lr``, ``weight_decay`` and ``eps`` must stay >= 0, ``momentum`` and the
    betas in [0, 1), every value finite. At construction the values at a
    bounded sample of the run's steps are checked (every step up to 8192 of
    them, else the first 4096, 4096 evenly spaced ones and the last); during
    the run every block of 4096 steps is checked when it is evaluated, and a
    bad value raises at the step where it occurs, never earlier: steps the
    run does not reach (the rest of the look-ahead block, steps past
    ``total_steps``) never raise.
    A constructor that raises leaves the optimizer untouched. A param group
    added after construction raises at the next ``step()`` (build the
    scheduler after adding every group). ``state_dict()`` holds the step and
    the specs (plain Python types: it survives ``torch.load(weights_only=True)``
    and JSON); ``load_state_dict`` checks every field, then applies the value
    for the loaded step to the optimizer at once.

    >>> import torch, lrkit
    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    >>> sched = Scheduler(opt, lrkit.linear(1.0, 0.0, steps=4))
    >>> opt.param_groups[0]["lr"]
    1.0
    >>> opt.step(); sched.step()
    >>> opt.param_groups[0]["lr"]
    0.75
    """

    _owner = "Scheduler"

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        schedule: Any,
        *,
        total_steps: int | None = None,
        steps_per_epoch: int | None = None,
        multipliers: Any = None,
        relative: bool = False,
        tensor_lr: bool | str | None = None,
        follow_optimizer: bool = False,
        on_mismatch: str = "error",
        warn_past_end: bool = True,
    ) -> None:
        o = self._owner
        check_optimizer(o, optimizer)
        if tensor_lr not in (None, True, False, "auto"):
            raise ConfigError(
                f"{o}: tensor_lr must be None, True, False or 'auto', got {tensor_lr!r}"
            )
        self.on_mismatch = check_choice(o, "on_mismatch", on_mismatch, ("error", "new"))
        self.optimizer = optimizer
        self.total_steps = None if total_steps is None else _count(o, "total_steps", total_steps, 1)
        self.steps_per_epoch = (
            None if steps_per_epoch is None else _count(o, "steps_per_epoch", steps_per_epoch, 1)
        )
        self.warn_past_end = check_bool(o, "warn_past_end", warn_past_end)
        self.follow_optimizer = check_bool(o, "follow_optimizer", follow_optimizer)
        self.relative = check_bool(o, "relative", relative)
        spec, shared = _normalize_spec(o, optimizer, schedule)
        self._schedules = {
            k: [self._bind(k, i, s) for i, s in enumerate(v)] for k, v in spec.items()
        }
        self._mult = _multipliers(o, multipliers, list(spec), len(optimizer.param_groups))
        self._build_targets()
        self._check_setup(shared, multipliers)
        self._prepare()
        convert = self._tensor_plan(tensor_lr)
        self._fast = True  # subclasses that transform values set it False
        self._reset_cache()
        self._index(0)  # the first block: raises (before any change) if step 0 is bad
        # ---- everything is checked: from here on the optimizer changes
        self.tensor_lr = tensor_lr
        self._commit_init(convert)

    # ------------------------------------------------------------------ setup
    def _bind(self, key: str, gi: int, s: Schedule) -> Schedule:
        b = s.bind(total_steps=self.total_steps, steps_per_epoch=self.steps_per_epoch)
        msg = b.unbound()
        if msg:
            raise ConfigError(
                f"{self._owner}: schedule for {key!r} (group {gi}) is not bound: {msg}"
            )
        return b

    def _build_targets(self) -> None:
        """One target per (key, group): where it writes, what it evaluates, its factor.

        With ``relative=True`` the factor includes the group's initial value.
        """
        groups = self.optimizer.param_groups
        self._ngroups = len(groups)
        self._targets: list[tuple[int, str, int]] = []
        self._target_keys: list[str] = []
        self._target_scheds: list[tuple[Schedule, float]] = []
        owners: dict[tuple[int, str, int], str] = {}
        for key, scheds in self._schedules.items():
            for gi, g in enumerate(groups):
                real, beta = self._resolve_key(key, gi, g)
                other = owners.setdefault((gi, real, beta), key)
                if other != key:  # "momentum", "betas", "beta1" may all mean betas[0]
                    where = real if beta < 0 else f"{real}[{beta}]"
                    raise ConfigError(
                        f"{self._owner}: {other!r} and {key!r} both set {where} of param "
                        f"group {gi}; give one schedule for it"
                    )
                if self.relative:
                    self._mult[key][gi] *= self._initial(g, key, real, beta)
                self._targets.append((gi, real, beta))
                self._target_keys.append(key)
                self._target_scheds.append((scheds[gi], self._mult[key][gi]))

    def _initial(self, g: dict[str, Any], key: str, real: str, beta: int) -> float:
        """The group's initial value of ``key`` (``initial_<key>``, else its current value)."""
        name = "initial_lr" if key == "lr" else f"initial_{key}"
        cur = g.get(name, g[real][beta] if beta >= 0 else g[real])
        v = float(cur)
        if not (math.isfinite(v) and v >= 0):
            raise ConfigError(
                f"{self._owner}: relative=True needs a finite initial {key} >= 0 in every "
                f"param group, got {cur!r}"
            )
        return v

    def _check_setup(self, shared: set[str], multipliers: Any) -> None:
        """Warn about a schedule longer than the run and about overwritten per-group values;
        raise for values out of range at the run's sampled steps."""
        self._check_run()
        if not self.relative and len(self.optimizer.param_groups) > 1:
            self._warn_overwrite(shared, multipliers)

    def _check_run(self) -> None:
        o = self._owner
        seen: set[tuple[str, Schedule, float]] = set()
        for (gi, _, _), key, (s, m) in zip(self._targets, self._target_keys, self._target_scheds):
            if (key, s, m) in seen:
                continue
            seen.add((key, s, m))
            n = s.length
            if self.total_steps is not None and n is not None and n > self.total_steps:
                warnings.warn(
                    f"{o}: the schedule for {key!r} ({s}) runs for {n} steps, but "
                    f"total_steps={self.total_steps}: the run ends before the schedule does. "
                    "Was it bound to another run length? Give the run length once, here.",
                    UserWarning,
                    stacklevel=4,
                )
            steps = sample_steps(s, self.total_steps)
            if steps is not None:
                vals = _eval_steps(s, steps) * m
                j = _first_bad(key, vals)
                if j >= 0:
                    t, v = _refine(key, s, m, int(steps[j - 1]) + 1 if j else 0, int(steps[j]))
                    raise _bad_value(o, key, gi, t, v, str(s))

    def _warn_overwrite(self, shared: set[str], multipliers: Any) -> None:
        o = self._owner
        groups = self.optimizer.param_groups
        for key in shared:
            if isinstance(multipliers, Mapping) and key in multipliers:
                continue
            if key == "lr" and multipliers is not None and not isinstance(multipliers, Mapping):
                continue
            cur = [
                self._initial(g, key, *self._resolve_key(key, i, g)) for i, g in enumerate(groups)
            ]
            if len(set(cur)) > 1:
                warnings.warn(
                    f"{o}: the param groups have different {key!r} values {cur}, and one "
                    f"schedule sets them all to the same value. To keep each group's own value "
                    "as PyTorch's schedulers do, pass relative=True (the schedule is then a "
                    "factor of each group's initial value); or give multipliers=[...] or one "
                    "schedule per group.",
                    UserWarning,
                    stacklevel=4,
                )

    def _prepare(self) -> None:
        """Subclass hook: check more settings before anything changes (nothing to do here)."""

    def _tensor_plan(self, tensor_lr: Any) -> list[int]:
        """The groups whose float ``lr`` becomes a tensor (raises before any change)."""
        if tensor_lr not in (True, "auto"):
            return []
        out = []
        for gi, g in enumerate(self.optimizer.param_groups):
            if isinstance(g["lr"], torch.Tensor):
                continue
            problem = _tensor_lr_problem(self.optimizer, g)
            if problem:
                if tensor_lr is True:
                    raise ConfigError(f"{self._owner}: param group {gi}: {problem}")
                continue
            out.append(gi)
        return out

    def _commit_init(self, convert: list[int]) -> None:
        groups = self.optimizer.param_groups
        for gi in convert:
            groups[gi]["lr"] = _tensor_rate(groups[gi]["lr"])
        # the groups tensor_lr keeps as tensors (an optimizer checkpoint of a float-lr
        # run loaded later writes floats over them: the load hook turns them back)
        self._tensor_groups = (
            [gi for gi, g in enumerate(groups) if isinstance(g["lr"], torch.Tensor)]
            if self.tensor_lr in (True, "auto")
            else []
        )
        self._load_hook = self._hook_loads()
        if self.relative:
            for (gi, real, beta), key in zip(self._targets, self._target_keys):
                name = "initial_lr" if key == "lr" else f"initial_{key}"
                groups[gi].setdefault(name, self._initial(groups[gi], key, real, beta))
        self.base_lrs = [
            float(g["lr"]) if isinstance(g["lr"], torch.Tensor) else g["lr"] for g in groups
        ]
        self._warned = False
        self._opt_count = 0
        self._hook = None
        if self.follow_optimizer:
            self._hook = self.optimizer.register_step_post_hook(_StepCounter(self))
        self.last_epoch = 0
        self._step_count = 1
        self._apply(0)

    def _resolve_key(self, key: str, gi: int, g: dict[str, Any]) -> tuple[str, int]:
        o = self._owner
        if key in _BETA or (key == "momentum" and "momentum" not in g and "betas" in g):
            if "betas" not in g:
                raise ConfigError(
                    f"{o}: {key!r} needs an optimizer with betas, but param group {gi} of "
                    f"{type(self.optimizer).__name__} has none (keys: {sorted(g)})"
                )
            return "betas", _BETA.get(key, 0)
        if key not in g:
            keys = sorted(k for k in g if k != "params")
            raise ConfigError(
                f"{o}: param group {gi} of {type(self.optimizer).__name__} has no key {key!r} "
                f"(keys: {keys}); Adam-family optimizers take 'beta1'/'beta2'"
            )
        cur = g[key]
        if isinstance(cur, bool) or not isinstance(cur, (numbers.Real, torch.Tensor)):
            raise ConfigError(
                f"{o}: param group {gi} key {key!r} holds {cur!r}, not a number; "
                "only numeric hyperparameters can be scheduled"
            )
        return key, -1

    # ------------------------------------------------------------------ values
    def _reset_cache(self) -> None:
        self._lo = 0
        self._len = 0  # the cached block's steps [_lo, _lo + _len) hold valid values
        self._blocks: list[list[float]] = []

    def _load_block(self, n: int) -> None:
        """Evaluate the aligned block holding step ``n``; keep its values up to the first
        bad one (out of range or not finite), and raise if ``n`` is at or past it.

        Steps the run never reaches (the rest of the block) never raise.
        """
        lo = (n >> _SHIFT) << _SHIFT
        steps = np.arange(lo, lo + BLOCK, dtype=np.int64)
        cache: dict[Schedule, np.ndarray] = {}
        blocks, valid, bad = [], BLOCK, None
        for (gi, _, _), key, (s, m) in zip(self._targets, self._target_keys, self._target_scheds):
            arr = cache.get(s)
            if arr is None:
                arr = cache[s] = _eval_steps(s, steps)
            vals = arr * m if m != 1.0 else arr
            j = _first_bad(key, vals)
            if 0 <= j < valid:
                valid = j
                bad = _bad_value(self._owner, key, gi, int(steps[j]), float(vals[j]), str(s))
            blocks.append(vals.tolist())
        self._blocks, self._lo, self._len = blocks, lo, valid
        if n - lo >= valid and bad is not None:
            raise bad

    def _index(self, n: int) -> int:
        """Position of step ``n`` in the block cache (loading the block if needed)."""
        i = n - self._lo
        if not 0 <= i < self._len:
            self._load_block(n)
            i = n - self._lo
        return i

    def _values(self, n: int) -> list[float]:
        """Values of every target at step ``n`` (from the aligned block cache)."""
        i = self._index(n)
        return [b[i] for b in self._blocks]

    def _apply(self, n: int) -> None:
        self._apply_index(self._index(n))

    def _hook_loads(self) -> Any:
        """With ``tensor_lr`` groups, the optimizer's ``load_state_dict`` post-hook that
        keeps their rates tensors (:class:`_Retensor`); ``None`` without."""
        if not self._tensor_groups:
            return None
        return self.optimizer.register_load_state_dict_post_hook(_Retensor(self))

    def _retensor(self) -> None:
        """``tensor_lr``: a float ``lr`` written over a tensor one (``opt.load_state_dict``
        of a float-lr checkpoint) becomes a 0-d float64 tensor again."""
        groups = self.optimizer.param_groups
        for gi in self._tensor_groups:
            if not isinstance(groups[gi]["lr"], torch.Tensor):
                groups[gi]["lr"] = _tensor_rate(groups[gi]["lr"])

    def _apply_index(self, i: int) -> None:
        """Write the values at position ``i`` of the cached block (subclasses transform them)."""
        groups = self.optimizer.param_groups
        for (gi, key, beta), vals in zip(self._targets, self._blocks):
            self._write(groups[gi], key, beta, vals[i])

    def _write(self, g: dict[str, Any], key: str, beta: int, v: float) -> None:
        if beta < 0:
            cur = g[key]
            if isinstance(cur, torch.Tensor):
                cur.fill_(v)
            else:
                g[key] = v
        else:
            b = g["betas"]
            old = b[beta]
            if isinstance(old, torch.Tensor):
                old.fill_(v)
            else:
                g["betas"] = (v, b[1]) if beta == 0 else (b[0], v)

    def _check_groups(self) -> None:
        """Raise when param groups were added or removed after construction."""
        n, m = self._ngroups, len(self.optimizer.param_groups)
        what = f"param group {n} was added" if m > n else f"{n - m} param group(s) were removed"
        raise ConfigError(
            f"{self._owner}: {what} after the scheduler was built ({n} groups then, {m} now); "
            "lrkit does not guess its values. Build the scheduler after adding every group "
            "(with add_param_group for progressive unfreezing: a new Scheduler over the "
            "optimizer, then load_state_dict(old.state_dict(), on_mismatch='new'))"
        )

    # ------------------------------------------------------------------ stepping
    def step(self, epoch: int | None = None) -> None:  # type: ignore[override]
        """Advance to the next step (or, in ``follow_optimizer`` mode, to the
        optimizer's update count) and apply its values. ``step(n)`` jumps to step ``n``
        (an integer in ``[0, 2**53]``, the range a checkpoint loads back). Inside a
        ``torch.compile``d function it runs eagerly (a graph break), as PyTorch's do.
        """
        if COMPILE_CHECK and torch.compiler.is_compiling():
            return run_eagerly(self.step, epoch)  # type: ignore[no-any-return]
        if epoch is None:
            n = self._opt_count if self.follow_optimizer else self.last_epoch + 1
        else:
            n = _count(self._owner, "epoch", epoch, 0)
        groups = self.optimizer.param_groups
        if len(groups) != self._ngroups:
            self._check_groups()
        i = n - self._lo
        if not 0 <= i < self._len:
            i = self._index(n)  # raises at a bad value, before anything changes
        if epoch is not None and self.follow_optimizer:
            self._opt_count = n
        self.last_epoch = n
        self._step_count += 1
        end = self.total_steps
        if end is not None and n > end and not self._warned:
            self._warn_end(n)
        if not self._fast:
            self._apply_index(i)
            return
        # inlined _apply_index for speed
        for (gi, key, beta), vals in zip(self._targets, self._blocks):
            g = groups[gi]
            if beta < 0 and type(g[key]) is float:
                g[key] = vals[i]
            else:
                self._write(g, key, beta, vals[i])

    def _warn_end(self, n: int) -> None:
        self._warned = True
        if not self.warn_past_end:
            return
        what = f"total_steps={self.total_steps}"
        warnings.warn(
            f"{self._owner}: stepped to step {n}, past the end of the run ({what}); holding "
            "the final values (this warning is shown once). Check total_steps against "
            "epochs x updates per epoch (lrkit.torch.total_steps helps with gradient "
            "accumulation and world size).",
            UserWarning,
            stacklevel=3,
        )

    @property
    def step_count(self) -> int:
        """The current step (``last_epoch`` in PyTorch's naming)."""
        return self.last_epoch

    def get_lr(self) -> list[Any]:
        """Values of ``"lr"`` for each group at the current step (closed form)."""
        return self._key_values("lr")

    def get_last_lr(self) -> list[Any]:
        """The learning rates of the param groups (clones of tensors, as PyTorch)."""
        return [
            g["lr"].clone() if isinstance(g["lr"], torch.Tensor) else g["lr"]
            for g in self.optimizer.param_groups
        ]

    def _key_values(self, key: str) -> list[float]:
        """The scheduled values of ``key`` per group at the current step (before any plateau)."""
        if len(self.optimizer.param_groups) != self._ngroups:
            self._check_groups()
        if key not in self._schedules:
            raise ConfigError(
                f"{self._owner}: key must be one of {list(self._schedules)}, got {key!r}"
            )
        vals = self._values(self.last_epoch)
        out = [0.0] * self._ngroups
        for (gi, _, _), v, name in zip(self._targets, vals, self._target_keys):
            if name == key:
                out[gi] = v
        return out

    def values(self, key: str = "lr", steps: Any = None) -> Any:
        """Planned values of ``key`` for group 0 (no optimizer involved).

        ``steps``: an int or an integer array (default: the current step).
        """
        if key not in self._schedules:
            raise ConfigError(
                f"{self._owner}: key must be one of {list(self._schedules)}, got {key!r}"
            )
        s = self._schedules[key][0]
        m = self._mult[key][0]
        steps = self.last_epoch if steps is None else steps
        return s(steps) * m

    @property
    def schedules(self) -> dict[str, list[Schedule]]:
        """The bound schedules, by key and group."""
        return {k: list(v) for k, v in self._schedules.items()}

    # ------------------------------------------------------------------ state
    def _spec(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schedules": {k: [str(s) for s in v] for k, v in self._schedules.items()},
            "multipliers": {k: list(v) for k, v in self._mult.items()},
        }
        if self.relative:
            d["relative"] = True
        return d

    def state_dict(self) -> dict[str, Any]:
        """``{"format", "saved_by", "step", "opt_count", "spec", "total_steps", ...}``.

        Plain Python types only (``torch.load(weights_only=True)``, JSON).
        """
        return {
            "format": _FORMAT,
            "saved_by": self._owner,
            "step": int(self.last_epoch),
            "opt_count": int(self._opt_count),
            "spec": self._spec(),
            "total_steps": self.total_steps,
            "steps_per_epoch": self.steps_per_epoch,
            "warned_past_end": bool(self._warned),
        }

    def _state_fields(self) -> tuple[StateField, ...]:
        """The allow-list of this class's checkpoint (subclasses extend it)."""
        return (
            StateField("format", _f_any),
            StateField("saved_by", _f_any, None),
            StateField("step", f_int()),
            StateField("opt_count", f_optional(f_int()), None),
            StateField("spec", _f_spec),
            StateField("total_steps", f_optional(f_int(1)), None),
            StateField("steps_per_epoch", f_optional(f_int(1)), None),
            StateField("warned_past_end", f_bool, False),
        )

    def load_state_dict(
        self, state_dict: dict[str, Any], *, on_mismatch: str | None = None
    ) -> None:
        """Restore the step and apply its values to the optimizer at once.

        Every field is checked (type, range, finiteness) before anything
        changes; the argument is never modified, so it can be loaded again. If
        the saved spec differs from the constructed one: ``on_mismatch="error"``
        raises ``ValueError`` showing both; ``"new"`` keeps the newly
        constructed schedule and continues it from the saved step (the one
        policy of :func:`lrkit.control.check_mismatch`). A checkpoint saved by
        another class (a :class:`ReduceOnPlateau`'s into a plain ``Scheduler``)
        is refused, naming that class.
        """
        mode = self.on_mismatch if on_mismatch is None else on_mismatch
        check_choice(self._owner, "on_mismatch", mode, ("error", "new"))
        self._commit_state(self._read_state(state_dict, mode))

    def _read_state(self, state_dict: Any, mode: str) -> dict[str, Any]:
        """Check a checkpoint completely; returns the values to commit (changes nothing)."""
        o = self._owner
        if not isinstance(state_dict, Mapping) or state_dict.get("format") != _FORMAT:
            fmt = state_dict.get("format") if isinstance(state_dict, Mapping) else None
            raise ConfigError(
                f"{o}: state_dict must come from lrkit.torch.Scheduler.state_dict() "
                f"(format {_FORMAT!r}), got format {fmt!r}{_torch_state_hint(state_dict)}"
            )
        saved_by = state_dict.get("saved_by")
        if saved_by is None:  # written before saved_by existed
            saved_by = "ReduceOnPlateau" if "plateau" in state_dict else "Scheduler"
        if saved_by != o:
            raise ConfigError(
                f"{o}: this checkpoint was saved by {saved_by!s}, not by a {o}"
                + (" (it has no 'plateau' entry)" if saved_by == "Scheduler" else "")
                + f"; load it into a {saved_by!s} built like the saved one (a {o} would "
                "drop or invent its state)"
            )
        d = read_state(o, state_dict, self._state_fields())
        mine = self._spec()
        check_mismatch(
            o, "schedule", _show(d["spec"]), _show(mine), mode, same=d["spec"] == _plainspec(mine)
        )
        self._index(d["step"])  # raises if the schedule is bad there (only the cache changes)
        return d

    def _commit_state(self, d: dict[str, Any]) -> None:
        step = d["step"]
        self.last_epoch = step
        self._opt_count = step if d["opt_count"] is None else d["opt_count"]
        self._warned = d["warned_past_end"]
        self._apply(step)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["_blocks"] = []
        d["_lo"] = 0
        d["_len"] = 0
        d["_hook"] = None
        d["_load_hook"] = None
        return d

    def __setstate__(self, d: dict[str, Any]) -> None:
        d.setdefault("_tensor_groups", [])  # pickled before it existed
        self.__dict__.update(d)
        if self.follow_optimizer:
            self._hook = self.optimizer.register_step_post_hook(_StepCounter(self))
        self._load_hook = self._hook_loads()

    def close(self) -> None:
        """Remove the optimizer hooks (``follow_optimizer``'s step hook, ``tensor_lr``'s
        load hook)."""
        for name in ("_hook", "_load_hook"):
            handle = getattr(self, name, None)
            if handle is not None:
                handle.remove()
                setattr(self, name, None)

    def __repr__(self) -> str:
        specs = ", ".join(f"{k}={v[0]}" for k, v in self._schedules.items())
        return f"{type(self).__name__}(step={self.last_epoch}, {specs})"


def _plainspec(spec: Mapping[str, Any]) -> dict[str, Any]:
    return _f_spec("Scheduler", "spec", spec)


def _show(spec: Mapping[str, Any]) -> str:
    parts = []
    scheds = spec.get("schedules", {})
    mults = spec.get("multipliers", {})
    for k, v in scheds.items():
        # the group count is shown: one schedule over 2 groups is not one over 1 group
        uniq = v[0] if len(set(v)) == 1 else "[" + ", ".join(v) + "]"
        m = mults.get(k)
        extra = "" if not m or all(x == 1.0 for x in m) else f" x {list(m)}"
        groups = f" ({len(v)} param groups)" if len(v) != 1 else ""
        parts.append(f"{k}: {uniq}{extra}{groups}")
    if spec.get("relative"):
        parts.append("relative")
    return "; ".join(parts)
