"""``find_lr``: the LR range test for PyTorch, leaving the model exactly as it found it.

A thin wrapper around :func:`lrkit.find`: it builds the ``step_fn(lr)`` that
sets the optimizer's rates, runs one training step on the next batch and
returns the loss, and it snapshots and restores everything the sweep touches:

- model parameters and the parameters the optimizer trains outside the model
  (in place, the same ``Parameter`` objects), their ``.grad``, buffers
  (BatchNorm statistics included) and every module's train/eval mode;
- optimizer state (momentum buffers, Adam moments, step counts; entries the
  sweep created are removed) and every param-group setting (``lr`` included;
  a tensor setting is put back in place, the same object);
- the random number generators it may advance: torch CPU, CUDA (when
  initialised), numpy's and Python's global ones, and a ``generator`` attached
  to the loader, its sampler or batch sampler, or their sampler;

also when the sweep raises. The sweep's updates are not counted by a
``Scheduler(follow_optimizer=True)`` nor recorded by an ``LRMonitor(auto=True)``
on the optimizer. Training after ``find_lr`` is therefore
bit-identical to training without it (on the same device and
deterministic kernels).

>>> import torch
>>> torch.manual_seed(0)  # doctest: +ELLIPSIS
<torch._C.Generator object at ...>
>>> x = torch.randn(256, 4); y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0])
>>> model = torch.nn.Linear(4, 1)
>>> opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
>>> batches = [(x[i:i + 32], y[i:i + 32, None]) for i in range(0, 256, 32)]
>>> before = model.weight.detach().clone()
>>> res = find_lr(model, opt, torch.nn.functional.mse_loss, batches, progress=False)
>>> res.stop_reason, torch.equal(model.weight, before), opt.param_groups[0]["lr"]
('diverged', True, 0.1)
"""

from __future__ import annotations

import copy
import math
import numbers
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .._validate import check_bool
from ..errors import ConfigError, ConfigTypeError
from ..finder import FinderResult, LoaderExhausted, SweepOptions, as_loss, find, sweep_options
from ..finder.cycle import Cycle
from .scheduler import bookkeeping_paused

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..finder import SweepKeywords

__all__ = ["find_lr"]


# ---------------------------------------------------------------------------- snapshot / restore
class _Snapshot:
    """Everything the sweep may change, copied; ``restore()`` puts it back in place."""

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, loader: Any):
        # the model's parameters and those the optimizer trains outside it (a learnable
        # temperature in the loss...), each once
        params = list({id(p): p for p in _params(model, optimizer)}.values())
        with torch.no_grad():
            self.params = [(p, p.detach().clone()) for p in params]
            self.grads = [(p, None if p.grad is None else p.grad.detach().clone()) for p in params]
            self.buffers = [
                (m, name, None if b is None else b.detach().clone())
                for m in model.modules()
                for name, b in m._buffers.items()
            ]
        self.modes = [(m, m.training) for m in model.modules()]
        self.optimizer = optimizer
        self.opt_state = {p: _clone(s) for p, s in optimizer.state.items()}
        # each setting with a copy of its value: tensors (a compiled step's lr, betas) are
        # put back in place, the same objects the user's code may hold
        self.groups = [
            {k: (v, _clone(v)) for k, v in g.items() if k != "params"}
            for g in optimizer.param_groups
        ]
        self.rng_torch = torch.get_rng_state()
        self.rng_cuda = (
            torch.cuda.get_rng_state_all()
            if torch.cuda.is_available() and torch.cuda.is_initialized()
            else None
        )
        self.rng_numpy = np.random.get_state()
        self.rng_python = random.getstate()
        self.generators = [(g, g.get_state()) for g in _generators(loader)]

    def restore(self) -> None:
        with torch.no_grad():
            for p, saved in self.params:
                p.copy_(saved)
            for param, grad in self.grads:
                param.grad = None if grad is None else grad.clone()
            for m, name, b in self.buffers:
                live = m._buffers.get(name)
                if b is None:
                    m._buffers[name] = None
                elif live is not None and live.shape == b.shape:
                    live.copy_(b)
                else:  # pragma: no cover - a buffer replaced by the step
                    m._buffers[name] = b.clone()
        for m, mode in self.modes:
            m.training = mode
        opt = self.optimizer
        opt.state.clear()
        for key, st in self.opt_state.items():
            opt.state[key] = _clone(st)
        for group, kept in zip(opt.param_groups, self.groups):
            for k in [k for k in group if k != "params" and k not in kept]:
                del group[k]
            for k, (orig, saved) in kept.items():
                group[k] = _put_back(orig, saved)
        torch.set_rng_state(self.rng_torch)
        if self.rng_cuda is not None:
            torch.cuda.set_rng_state_all(self.rng_cuda)
        np.random.set_state(self.rng_numpy)
        random.setstate(self.rng_python)
        for gen, gstate in self.generators:
            gen.set_state(gstate)


def _params(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Iterator[Any]:
    yield from model.parameters()
    for g in optimizer.param_groups:
        yield from g["params"]


def _generators(loader: Any) -> list[torch.Generator]:
    """The ``generator``s of the loader, its sampler and batch sampler, and their samplers
    (``BatchSampler(RandomSampler(ds, generator=g))``), each once."""
    found: dict[int, torch.Generator] = {}
    objs = [loader]
    for name in ("sampler", "batch_sampler", "sampler"):
        objs += [getattr(o, name, None) for o in objs]
    for o in objs:
        g = getattr(o, "generator", None)
        if isinstance(g, torch.Generator):
            found.setdefault(id(g), g)
    return list(found.values())


def _put_back(orig: Any, saved: Any) -> Any:
    """``orig`` holding the value ``saved`` again: tensors in place (the same objects, also
    inside a tuple such as ``betas``), anything else as a copy of ``saved``."""
    if isinstance(orig, torch.Tensor):
        with torch.no_grad():
            orig.copy_(saved)
        return orig
    if isinstance(orig, (list, tuple)) and any(isinstance(x, torch.Tensor) for x in orig):
        return type(orig)(_put_back(o, v) for o, v in zip(orig, saved))
    return _clone(saved)


def _clone(x: Any) -> Any:
    if isinstance(x, torch.Tensor):
        return x.detach().clone()
    if isinstance(x, dict):
        return {k: _clone(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_clone(v) for v in x)
    return copy.deepcopy(x)


# ---------------------------------------------------------------------------- helpers
def _to(batch: Any, device: torch.device | None) -> Any:
    if device is None:
        return batch
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {k: _to(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(v, device) for v in batch)
    return batch


def _split(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (list, tuple)) and len(batch) == 2:
        return batch[0], batch[1]
    raise ConfigTypeError(
        "find_lr: batches must be (inputs, targets) pairs for model(inputs) and "
        f"loss_fn(output, targets), got {type(batch).__name__}; pass step_fn=... for other shapes"
    )


def _loss_value(owner: str, loss: Any, lr: float) -> float:
    """``loss_fn``'s result as a float; a per-sample loss tensor, or anything but a tensor
    (it is back-propagated), raises naming ``loss_fn``."""
    if not isinstance(loss, torch.Tensor):
        raise ConfigTypeError(
            f"{owner}: loss_fn must return the loss tensor (to back-propagate), got "
            f"{type(loss).__name__} {loss!r} at lr={lr:g} (return loss, not loss.item())"
        )
    if loss.numel() != 1:
        raise ConfigTypeError(
            f"{owner}: loss_fn must return one number, got a tensor of shape "
            f"{tuple(loss.shape)} (reduce it, e.g. loss.mean()) at lr={lr:g}"
        )
    return as_loss(loss, owner, lr)


def _dist() -> Any:
    if not torch.distributed.is_available() or not torch.distributed.is_initialized():
        return None
    return torch.distributed


def _mean_across_ranks(value: float, dist: Any) -> float:
    """``value`` averaged over the ranks of ``dist`` (:func:`_dist`); itself when ``dist``
    is ``None`` (no process group)."""
    if dist is None:
        return value
    backend = dist.get_backend()
    dev = (
        torch.device("cuda", torch.cuda.current_device())
        if backend == "nccl"
        else torch.device("cpu")
    )
    t = torch.tensor([value], dtype=torch.float64, device=dev)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return float(t.item()) / dist.get_world_size()


def _model_device(model: torch.nn.Module) -> torch.device | None:
    for p in model.parameters():
        return p.device
    return None


# ---------------------------------------------------------------------------- one step
def _positive_int(name: str, value: Any, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        extra = " or None" if allow_none else ""
        raise ConfigError(f"find_lr: {name} must be a positive int{extra}, got {value!r}")


def _check_args(model: Any, optimizer: Any, loss_fn: Any, loader: Any, step_fn: Any) -> None:
    if not isinstance(model, torch.nn.Module):
        raise ConfigTypeError(
            f"find_lr: model must be a torch.nn.Module, got {type(model).__name__}"
        )
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ConfigTypeError(
            f"find_lr: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if loader is None:
        raise ConfigTypeError("find_lr: loader is required (an iterable of batches)")
    if step_fn is None and loss_fn is None:
        raise ConfigTypeError(
            "find_lr: give loss_fn(output, target) or step_fn(model, optimizer, batch)"
        )
    if step_fn is not None and not callable(step_fn):
        raise ConfigTypeError(f"find_lr: step_fn must be callable, got {step_fn!r}")


def _group_ratios(optimizer: torch.optim.Optimizer, owner: str = "find_lr") -> list[float]:
    """Each param group's rate relative to group 0's (all 1 when group 0's is not > 0)."""
    for i, g in enumerate(optimizer.param_groups):
        lr = g.get("lr")
        if isinstance(lr, bool) or not isinstance(lr, (numbers.Real, torch.Tensor)):
            raise ConfigTypeError(
                f"{owner}: param group {i} has lr={lr!r}; the sweep sets each group's lr, so "
                "the optimizer must take a numeric one (Adafactor: relative_step=False, lr=...)"
            )
    bases = [float(g["lr"]) for g in optimizer.param_groups]
    if not bases[0] > 0:
        if len(bases) > 1:
            raise ConfigError(
                f"{owner}: param group 0 must have lr > 0 to sweep several groups "
                f"proportionally, got lr={bases[0]!r}"
            )
        bases = [1.0]
    return [b / bases[0] for b in bases]


class _Step:
    """``step_fn(lr) -> loss`` for :func:`lrkit.find`: one optimizer step (or ``val_every``
    of them, then the validation loss) at rate ``lr``, averaged across ranks."""

    def __init__(self, model: Any, optimizer: Any, loss_fn: Any, loader: Any, **kw: Any):
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.accumulate: int = kw["accumulate"]
        self.user_step = kw["step_fn"]
        self.val_loader, self.val_every = kw["val_loader"], kw["val_every"]
        self.val_batches: int | None = kw["val_batches"]
        self.dev, self.ratios, self.dist = kw["device"], kw["ratios"], kw["dist"]
        self.batches = Cycle.over(loader)
        self.val_served = 0
        self.optimizer_steps = 0

    def __call__(self, lr: float) -> float:
        for g, r in zip(self.optimizer.param_groups, self.ratios):
            g["lr"] = lr * r
        if self.val_loader is None:
            return self.train_step(lr)
        for _ in range(self.val_every):
            value = self.train_step(lr)
            if not math.isfinite(value):
                return value
        return self.mean(self.val_loss())

    def mean(self, value: float) -> float:
        """``value`` averaged across ranks (itself outside ``torch.distributed``)."""
        return _mean_across_ranks(value, self.dist)

    def train_step(self, lr: float) -> float:
        self.model.train()
        if self.user_step is not None:
            batch = _to(next(self.batches), self.dev)
            out = self.user_step(self.model, self.optimizer, batch)
            self.optimizer_steps += 1
            return self.mean(as_loss(out, "find_lr", lr))
        self.optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for _ in range(self.accumulate):
            x, y = _split(_to(next(self.batches), self.dev))
            loss = self.loss_fn(self.model(x), y)
            # averaged before backward: a loss that is not finite on one rank only stops
            # every rank here (a DDP backward on the others would wait for it forever)
            value = self.mean(_loss_value("find_lr", loss, lr))
            total += value
            if not math.isfinite(value):
                return value  # do not step on a NaN: the sweep stops here
            (loss / self.accumulate).backward()
        self.optimizer.step()
        self.optimizer_steps += 1
        return total / self.accumulate

    def meta(self, seconds: float) -> dict[str, Any]:
        """What the sweep used, for ``FinderResult.meta``."""
        val = self.val_loader is not None
        return {
            "framework": "torch",
            "optimizer": type(self.optimizer).__name__,
            "accumulate": self.accumulate,
            "optimizer_steps": self.optimizer_steps,
            "batches": self.batches.served,
            "loader_passes": self.batches.passes,
            "validation": val,
            "val_every": self.val_every if val else None,
            "param_group_ratios": self.ratios,
            "world_size": self.dist.get_world_size() if self.dist is not None else 1,
            "seconds_total": seconds,
        }

    def val_loss(self) -> float:
        self.model.eval()
        total, n = 0.0, 0
        with torch.no_grad():
            for i, batch in enumerate(self.val_loader):
                if self.val_batches is not None and i >= self.val_batches:
                    break
                x, y = _split(_to(batch, self.dev))
                total += float(self.loss_fn(self.model(x), y))
                n += 1
        self.model.train()
        if n == 0:
            if self.val_served:
                raise LoaderExhausted(
                    "the val_loader yields nothing when iterated again "
                    "(a one-shot generator or iterator?)"
                )
            raise ConfigError("find_lr: val_loader yielded no batch")
        self.val_served += n
        return total / n


# ---------------------------------------------------------------------------- find_lr
def _check_settings(
    loss_fn: Any,
    step_fn: Any,
    val_loader: Any,
    accumulate: Any,
    val_every: Any,
    val_batches: Any,
    restore: Any,
    progress: Any,
) -> bool:
    """:func:`find_lr`'s settings checked against each other before any step; returns
    ``restore`` (a bool)."""
    _positive_int("accumulate", accumulate)
    _positive_int("val_every", val_every)
    _positive_int("val_batches", val_batches, allow_none=True)
    if val_loader is not None and loss_fn is None:
        raise ConfigTypeError("find_lr: val_loader needs loss_fn(output, target) to score batches")
    if progress is not None and not isinstance(progress, bool):
        raise ConfigTypeError(f"find_lr: progress must be True, False or None, got {progress!r}")
    if val_loader is None:
        for name, value, default in (
            ("val_every", val_every, 1),
            ("val_batches", val_batches, None),
        ):
            if value != default:
                raise ConfigError(f"find_lr: {name}={value!r} needs val_loader (none given)")
    if step_fn is not None and accumulate != 1:
        raise ConfigError(
            f"find_lr: accumulate={accumulate} applies to the default step (loss_fn); a "
            "step_fn is one complete update of your own: accumulate inside it"
        )
    return check_bool("find_lr", "restore", restore)


def find_lr(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor] | None = None,
    loader: Iterable[Any] | None = None,
    *,
    options: SweepOptions | None = None,
    accumulate: int = 1,
    device: str | torch.device | None = None,
    step_fn: Callable[[torch.nn.Module, torch.optim.Optimizer, Any], Any] | None = None,
    val_loader: Iterable[Any] | None = None,
    val_every: int = 1,
    val_batches: int | None = None,
    progress: bool | None = None,
    restore: bool = True,
    **sweep: Unpack[SweepKeywords],
) -> FinderResult:
    """Run the LR range test on a PyTorch model; returns a :class:`lrkit.FinderResult`.

    Each finder step sets every param group's ``lr`` to ``lr * base_g / base_0``
    (``base_g`` the group's rate when called, so groups keep their proportions;
    the reported ``lr`` is group 0's), then runs one optimizer step:

    - default: ``accumulate`` micro-batches from ``loader`` (cycled when it
      runs out), each ``loss_fn(model(x), y) / accumulate`` back-propagated,
      then ``optimizer.step()``; the recorded loss is the micro-batch mean;
    - ``step_fn(model, optimizer, batch) -> loss``: your own complete step
      (forward, backward, ``optimizer.step()``, ``zero_grad``) for AMP, clipping,
      models that take dicts, ...; ``loss_fn`` is then not needed (nor
      ``accumulate``: accumulate inside it). It must return one number (a
      float or a one-element tensor).

    A loader that cannot be iterated again (a one-shot generator) ends the
    sweep when it runs out, with ``stop_reason="exhausted"`` and every point
    recorded so far. With ``val_loader`` the recorded loss is the mean loss
    over ``val_batches`` batches of it (all when ``None``), evaluated without
    gradients in eval mode after every ``val_every`` training steps at the same
    rate (so a sweep costs ``steps * val_every`` optimizer steps). Under an
    initialised ``torch.distributed`` process group the loss is averaged
    across ranks before it is recorded, so all ranks sweep, stop and suggest
    identically (with the default step, each micro-batch's loss before its
    ``backward()``: a loss that is not finite on one rank stops every rank).

    ``device``: where batches go (the model is moved there for the sweep and
    moved back); default the device of the model's first parameter.
    ``restore=False`` keeps the trained weights (not recommended).
    ``progress``: tqdm bar; ``None`` = only when interactive (stderr is a TTY
    and ``CI`` is unset). The sweep's settings: ``options`` (a
    :class:`lrkit.finder.SweepOptions`) and/or the keywords ``start``, ``end``,
    ``steps``, ``mode``, ``smooth``, ``diverge`` of :func:`lrkit.find`.
    """
    _check_args(model, optimizer, loss_fn, loader, step_fn)
    restore = _check_settings(
        loss_fn, step_fn, val_loader, accumulate, val_every, val_batches, restore, progress
    )
    opts = sweep_options(options, **sweep)
    home = _model_device(model)
    dev = torch.device(device) if device is not None else home
    dist = _dist()
    run = _Step(
        model, optimizer, loss_fn, loader, accumulate=accumulate, step_fn=step_fn,
        val_loader=val_loader, val_every=val_every, val_batches=val_batches,
        device=dev, ratios=_group_ratios(optimizer), dist=dist,
    )  # fmt: skip
    snap = _Snapshot(model, optimizer, loader)
    t0 = time.perf_counter()
    moved = dev is not None and home is not None and dev != home
    try:
        if moved:
            model.to(dev)
        shown = progress if dist is None or dist.get_rank() == 0 else False
        with bookkeeping_paused(optimizer):
            result = find(run, opts, progress=shown)
    finally:
        if moved:
            model.to(home)
        if restore:
            snap.restore()
    return result.replace(meta={**result.meta, **run.meta(time.perf_counter() - t0)})
