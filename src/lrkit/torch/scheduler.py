"""``lrkit.torch.Scheduler``: a closed-form ``LRScheduler`` for any param-group key."""

from __future__ import annotations

import math
import numbers
import warnings
import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch.optim.lr_scheduler import LRScheduler

from .._validate import check_choice, check_int
from ..core import Schedule, as_schedule

__all__ = ["Scheduler", "total_steps", "BLOCK"]

#: values are evaluated in aligned blocks of this many steps, cached, and indexed in step()
BLOCK = 4096
_SHIFT = 12
assert 1 << _SHIFT == BLOCK

_FORMAT = "lrkit.torch.Scheduler/1"

# key aliases: "betas" and (on optimizers without momentum) "momentum" mean beta1
_BETA = {"beta1": 0, "betas": 0, "beta2": 1}


def check_optimizer(owner: str, optimizer: Any) -> None:
    """Raise ``TypeError`` naming ``owner`` unless ``optimizer`` is a ``torch.optim.Optimizer``."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"{owner}: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )


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
    ``drop_last=True``). With gradient accumulation over ``accumulation``
    micro-batches an epoch has ``ceil(b / accumulation)`` updates when the
    last, partial accumulation still steps (``partial="step"``, Lightning and
    plain loops that step at the end of the epoch) or ``floor`` when it is
    dropped (``partial="drop"``, HuggingFace ``Trainer``).

    .. math:: N = \\text{epochs}\\cdot\\left\\lceil \\frac{\\lceil b/W\\rceil}{A} \\right\\rceil

    If you already have ``len(loader)`` on one rank of a distributed run,
    pass it with ``world_size=1``.

    >>> total_steps(3, 100, accumulation=4)
    75
    >>> total_steps(3, 100, accumulation=3)  # 34 updates per epoch, the last one on 1 batch
    102
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
    return epochs * updates


class _StepCounter:
    """Optimizer step post-hook counting the updates that really happened."""

    def __init__(self, sched: Scheduler) -> None:
        self.ref = weakref.ref(sched)

    def __call__(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        s = self.ref()
        if s is not None:
            s._opt_count += 1


def _normalize_spec(owner: str, optimizer: Any, schedule: Any) -> dict[str, list[Schedule]]:
    n = len(optimizer.param_groups)

    def one(key: str, value: Any) -> list[Schedule]:
        if isinstance(value, (list, tuple)):
            if len(value) != n:
                raise ValueError(
                    f"{owner}: schedule for {key!r} must be one schedule or a list of one per "
                    f"param group ({n}), got a list of {len(value)}"
                )
            return [_as_sched(owner, f"{key}[{i}]", v) for i, v in enumerate(value)]
        s = _as_sched(owner, key, value)
        return [s] * n

    if isinstance(schedule, Mapping):
        if not schedule:
            raise ValueError(f"{owner}: schedule mapping is empty; give at least {{'lr': ...}}")
        out = {}
        for k, v in schedule.items():
            if not isinstance(k, str):
                raise TypeError(f"{owner}: schedule keys must be param-group keys, got {k!r}")
            out[k] = one(k, v)
        return out
    return {"lr": one("lr", schedule)}


def _as_sched(owner: str, name: str, value: Any) -> Schedule:
    try:
        return as_schedule(value)
    except TypeError:
        raise TypeError(
            f"{owner}: schedule for {name} must be a schedule, a spec string, a dict or a number, "
            f"got {value!r}"
        ) from None


def _multipliers(owner: str, multipliers: Any, keys: list[str], n: int) -> dict[str, list[float]]:
    out = {k: [1.0] * n for k in keys}
    if multipliers is None:
        return out
    if isinstance(multipliers, Mapping):
        items = dict(multipliers)
    else:
        items = {"lr": multipliers}
    for k, m in items.items():
        if k not in out:
            raise ValueError(
                f"{owner}: multipliers given for {k!r}, which is not scheduled (scheduled: {keys})"
            )
        if not isinstance(m, (list, tuple)) or len(m) != n:
            raise ValueError(
                f"{owner}: multipliers[{k!r}] must be a list of one number per param group ({n}), "
                f"got {m!r}"
            )
        vals = []
        for i, x in enumerate(m):
            if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
                raise TypeError(f"{owner}: multipliers[{k!r}][{i}] must be a number, got {x!r}")
            vals.append(float(x))
        out[k] = vals
    return out


def _tensor_lr_problem(optimizer: Any, group: dict[str, Any]) -> str | None:
    """Why this group cannot take a tensor learning rate (None when it can)."""
    if "capturable" not in group or group.get("capturable"):
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
            (as PyTorch's ``OneCycleLR`` does).
        total_steps: the run's number of optimizer updates; binds ``"N%"`` and
            ``steps`` left out (see :func:`total_steps` for accumulation and
            world size). Stepping past it holds the final value with a single
            warning.
        steps_per_epoch: binds ``"Nep"`` durations.
        multipliers: per-group factors applied to the scheduled value, a list
            (for ``"lr"``) or a mapping key -> list, e.g. ``[1.0, 0.1]``
            for a backbone at a tenth of the head's rate.
        tensor_lr: ``None`` (default) keeps the optimizer's types: a tensor
            value (PyTorch's ``torch.compile`` recipe, ``lr=torch.tensor(0.01)``)
            is updated in place (``fill_``: same object and dtype), a float
            stays a float. ``True`` turns float ``lr`` values into 0-d float64
            tensors updated in place (so a compiled ``optimizer.step()`` is not
            recompiled as the rate changes) and raises ``ValueError`` for
            optimizer configurations that cannot take a tensor rate (Adam/AdamW
            with ``foreach=True`` and ``capturable=False``). ``"auto"`` does the
            same but keeps floats for such groups (documented fallback).
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

    ``state_dict()`` holds the step and the specs (plain Python types: it
    survives ``torch.load(weights_only=True)`` and JSON); ``load_state_dict``
    applies the value for the loaded step to the optimizer at once.

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
        tensor_lr: bool | str | None = None,
        follow_optimizer: bool = False,
        on_mismatch: str = "error",
        warn_past_end: bool = True,
    ) -> None:
        o = self._owner
        check_optimizer(o, optimizer)
        if tensor_lr not in (None, True, False, "auto"):
            raise ValueError(
                f"{o}: tensor_lr must be None, True, False or 'auto', got {tensor_lr!r}"
            )
        check_choice(o, "on_mismatch", on_mismatch, ("error", "new"))
        self.optimizer = optimizer
        self.total_steps = (
            None if total_steps is None else check_int(o, "total_steps", total_steps, low=1)
        )
        self.steps_per_epoch = (
            None
            if steps_per_epoch is None
            else check_int(o, "steps_per_epoch", steps_per_epoch, low=1)
        )
        self.on_mismatch = on_mismatch
        self.warn_past_end = bool(warn_past_end)
        self.follow_optimizer = bool(follow_optimizer)
        groups = optimizer.param_groups
        n = len(groups)
        spec = _normalize_spec(o, optimizer, schedule)
        self._schedules: dict[str, list[Schedule]] = {}
        for key, scheds in spec.items():
            bound = []
            for i, s in enumerate(scheds):
                b = s.bind(total_steps=self.total_steps, steps_per_epoch=self.steps_per_epoch)
                msg = b.unbound()
                if msg:
                    raise ValueError(f"{o}: schedule for {key!r} (group {i}) is not bound: {msg}")
                bound.append(b)
            self._schedules[key] = bound
        self._mult = _multipliers(o, multipliers, list(spec), n)
        # resolve each key to a writer: (group index, key, beta index or -1)
        self._targets: list[tuple[int, str, int, Schedule, float]] = []
        self._target_keys: list[str] = []
        for key, scheds in self._schedules.items():
            for gi, g in enumerate(groups):
                real, beta = self._resolve_key(key, gi, g)
                self._targets.append((gi, real, beta, scheds[gi], self._mult[key][gi]))
                self._target_keys.append(key)
        if tensor_lr in (True, "auto"):
            for gi, g in enumerate(groups):
                if isinstance(g["lr"], torch.Tensor):
                    continue
                problem = _tensor_lr_problem(optimizer, g)
                if problem:
                    if tensor_lr is True:
                        raise ValueError(f"{o}: param group {gi}: {problem}")
                    continue
                g["lr"] = torch.tensor(float(g["lr"]), dtype=torch.float64)
        self.tensor_lr = tensor_lr
        self.base_lrs = [
            float(g["lr"]) if isinstance(g["lr"], torch.Tensor) else g["lr"] for g in groups
        ]
        self._warned = False
        self._block_k = -1
        self._blocks: list[list[float]] = []
        self._opt_count = 0
        self._fast = True  # subclasses that transform values set it False
        self._hook = None
        if self.follow_optimizer:
            self._hook = optimizer.register_step_post_hook(_StepCounter(self))
        self.last_epoch = 0
        self._step_count = 1
        self._apply(0)

    # ------------------------------------------------------------------ setup
    def _resolve_key(self, key: str, gi: int, g: dict[str, Any]) -> tuple[str, int]:
        o = self._owner
        if key in _BETA or (key == "momentum" and "momentum" not in g and "betas" in g):
            if "betas" not in g:
                raise ValueError(
                    f"{o}: {key!r} needs an optimizer with betas, but param group {gi} of "
                    f"{type(self.optimizer).__name__} has none (keys: {sorted(g)})"
                )
            return "betas", _BETA.get(key, 0)
        if key not in g:
            keys = sorted(k for k in g if k != "params")
            raise ValueError(
                f"{o}: param group {gi} of {type(self.optimizer).__name__} has no key {key!r} "
                f"(keys: {keys}); Adam-family optimizers take 'beta1'/'beta2'"
            )
        cur = g[key]
        if isinstance(cur, bool) or not isinstance(cur, (numbers.Real, torch.Tensor)):
            raise ValueError(
                f"{o}: param group {gi} key {key!r} holds {cur!r}, not a number; "
                "only numeric hyperparameters can be scheduled"
            )
        return key, -1

    # ------------------------------------------------------------------ values
    def _load_block(self, k: int) -> None:
        steps = np.arange(k * BLOCK, (k + 1) * BLOCK, dtype=np.int64)
        cache: dict[Schedule, np.ndarray] = {}
        blocks = []
        for _, _, _, s, m in self._targets:
            arr = cache.get(s)
            if arr is None:
                arr = cache[s] = s(steps)
            blocks.append((arr * m).tolist() if m != 1.0 else arr.tolist())
        self._blocks = blocks
        self._block_k = k

    def _values(self, n: int) -> list[float]:
        """Values of every target at step ``n`` (from the aligned block cache)."""
        k = n >> _SHIFT
        if k != self._block_k:
            self._load_block(k)
        i = n & (BLOCK - 1)
        return [b[i] for b in self._blocks]

    def _apply(self, n: int) -> None:
        k = n >> _SHIFT
        if k != self._block_k:
            self._load_block(k)
        i = n & (BLOCK - 1)
        groups = self.optimizer.param_groups
        for (gi, key, beta, _, _), vals in zip(self._targets, self._blocks):
            self._write(groups[gi], key, beta, vals[i])

    def _write(self, g: dict[str, Any], key: str, beta: int, v: float) -> None:
        if beta < 0:
            cur = g[key]
            if type(cur) is float:
                g[key] = v
            elif isinstance(cur, torch.Tensor):
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

    # ------------------------------------------------------------------ stepping
    def step(self, epoch: int | None = None) -> None:  # type: ignore[override]
        """Advance to the next step (or, in ``follow_optimizer`` mode, to the
        optimizer's update count) and apply its values. ``step(n)`` jumps to step ``n``.
        """
        if epoch is None:
            n = self._opt_count if self.follow_optimizer else self.last_epoch + 1
        else:
            n = check_int(self._owner, "epoch", epoch, low=0)
            if self.follow_optimizer:
                self._opt_count = n
        self.last_epoch = n
        self._step_count += 1
        end = self.total_steps
        if end is not None and n > end and not self._warned:
            self._warn_end(n)
        if not self._fast:
            self._apply(n)
            return
        # inlined _apply for speed
        k = n >> _SHIFT
        if k != self._block_k:
            self._load_block(k)
        i = n & (BLOCK - 1)
        groups = self.optimizer.param_groups
        for (gi, key, beta, _, _), vals in zip(self._targets, self._blocks):
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
        vals = self._values(self.last_epoch)
        n = len(self.optimizer.param_groups)
        out: list[float] = [math.nan] * n
        for t, v, name in zip(self._targets, vals, self._target_keys):
            if name == key:
                out[t[0]] = v
        return out

    def values(self, key: str = "lr", steps: Any = None) -> Any:
        """Planned values of ``key`` for group 0 (no optimizer involved).

        ``steps``: an int or an integer array (default: the current step).
        """
        if key not in self._schedules:
            raise ValueError(
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
        return {
            "schedules": {k: [str(s) for s in v] for k, v in self._schedules.items()},
            "multipliers": {k: list(v) for k, v in self._mult.items()},
        }

    def state_dict(self) -> dict[str, Any]:
        """``{"format", "step", "opt_count", "spec", "total_steps", "steps_per_epoch", ...}``.

        Plain Python types only (``torch.load(weights_only=True)``, JSON).
        """
        return {
            "format": _FORMAT,
            "step": int(self.last_epoch),
            "opt_count": int(self._opt_count),
            "spec": self._spec(),
            "total_steps": self.total_steps,
            "steps_per_epoch": self.steps_per_epoch,
            "warned_past_end": bool(self._warned),
        }

    def load_state_dict(
        self, state_dict: dict[str, Any], *, on_mismatch: str | None = None
    ) -> None:
        """Restore the step and apply its values to the optimizer at once.

        The argument is never modified, so it can be loaded again. If the
        saved spec differs from the constructed one: ``on_mismatch="error"``
        raises ``ValueError`` showing both; ``"new"`` keeps the newly
        constructed schedule and continues it from the saved step.
        """
        o = self._owner
        mode = self.on_mismatch if on_mismatch is None else on_mismatch
        check_choice(o, "on_mismatch", mode, ("error", "new"))
        if not isinstance(state_dict, Mapping) or state_dict.get("format") != _FORMAT:
            fmt = state_dict.get("format") if isinstance(state_dict, Mapping) else None
            raise ValueError(
                f"{o}: state_dict must come from lrkit.torch.Scheduler.state_dict() "
                f"(format {_FORMAT!r}), got format {fmt!r}"
            )
        missing = [k for k in ("step", "spec") if k not in state_dict]
        if missing:
            raise ValueError(f"{o}: state_dict is missing {missing}, got keys {sorted(state_dict)}")
        step = check_int(o, "state_dict['step']", state_dict["step"], low=0)
        saved = state_dict["spec"]
        mine = self._spec()
        if _plain(saved) != _plain(mine) and mode == "error":
            raise ValueError(
                f"{o}: the checkpoint's schedule differs from the one constructed.\n"
                f"  saved:       {_show(saved)}\n"
                f"  constructed: {_show(mine)}\n"
                "To continue the newly constructed schedule from the saved step "
                f"{step} (e.g. to extend the run or branch a cooldown), pass "
                "on_mismatch='new' to Scheduler(...) or to load_state_dict(...)."
            )
        self.last_epoch = step
        self._opt_count = int(state_dict.get("opt_count", step))
        self._warned = bool(state_dict.get("warned_past_end", False))
        self._apply(step)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["_blocks"] = []
        d["_block_k"] = -1
        d["_hook"] = None
        return d

    def __setstate__(self, d: dict[str, Any]) -> None:
        self.__dict__.update(d)
        if self.follow_optimizer:
            self._hook = self.optimizer.register_step_post_hook(_StepCounter(self))

    def close(self) -> None:
        """Remove the optimizer hook of ``follow_optimizer`` mode."""
        if self._hook is not None:
            self._hook.remove()
            self._hook = None

    def __repr__(self) -> str:
        specs = ", ".join(f"{k}={v[0]}" for k, v in self._schedules.items())
        return f"{type(self).__name__}(step={self.last_epoch}, {specs})"


def _plain(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    return x


def _show(spec: Mapping[str, Any]) -> str:
    parts = []
    scheds = spec.get("schedules", {})
    mults = spec.get("multipliers", {})
    for k, v in scheds.items():
        uniq = v[0] if len(set(v)) == 1 else "[" + ", ".join(v) + "]"
        m = mults.get(k)
        extra = "" if not m or all(x == 1.0 for x in m) else f" x {list(m)}"
        parts.append(f"{k}: {uniq}{extra}")
    return "; ".join(parts)
