"""Reduce-on-plateau composed with a base schedule, and early stopping, for PyTorch.

Both wrap the framework-free state machines of :mod:`lrkit.control`. In a
``torch.distributed`` run the metric is averaged across ranks (all-reduce)
before the decision by default, so every rank changes its rate and stops at
the same step; without an initialized process group nothing is communicated.
"""

from __future__ import annotations

import dataclasses
import inspect
import numbers
import warnings
from collections.abc import Mapping
from typing import Any

import torch

from .._validate import check_bool, check_choice
from ..combinators import Warmup
from ..control import (
    PLATEAU_FIELDS,
    EarlyStoppingConfig,
    PlateauConfig,
    PlateauState,
    StateField,
    check_mismatch,
    early_stopping_init,
    early_stopping_update,
    f_config,
    f_float,
    f_int,
    f_list,
    f_optional,
    plateau_apply,
    plateau_config,
    plateau_init,
    plateau_update,
    read_early_stopping,
    read_state,
)
from ..errors import ConfigError, ConfigTypeError
from ..schedules import Constant
from .scheduler import COMPILE_CHECK, Scheduler, check_optimizer, run_eagerly

__all__ = ["ReduceOnPlateau", "EarlyStopping", "reduce_metric"]


def reduce_metric(
    metric: Any, how: str = "mean", group: Any = None, *, owner: str = "reduce_metric"
) -> float:
    """The metric as a float, averaged over the ranks of a distributed run.

    ``how="mean"``: all-reduce (sum) in float64 divided by the world size
    when ``torch.distributed`` is initialized with more than one process;
    ``how="local"``: the local value. A NaN on any rank makes the mean NaN
    on every rank, so the NaN policy is applied consistently. Errors are
    prefixed with ``owner``.
    """
    if isinstance(metric, torch.Tensor):
        metric = metric.detach()
        if metric.numel() != 1:
            raise ConfigError(
                f"{owner}: metric must be a single number, got a tensor of shape "
                f"{tuple(metric.shape)}"
            )
        value = float(metric.item())
    elif isinstance(metric, bool):
        raise ConfigTypeError(f"{owner}: metric must be a number, got {metric!r}")
    else:
        try:
            value = float(metric)
        except (TypeError, ValueError):
            raise ConfigTypeError(f"{owner}: metric must be a number, got {metric!r}") from None
    if how == "local":
        return value
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return value
    world = dist.get_world_size(group)
    if world == 1:
        return value
    t = torch.tensor([value], dtype=torch.float64)
    if dist.get_backend(group) == "nccl":
        t = t.to(torch.device("cuda", torch.cuda.current_device()))
    dist.all_reduce(t, op=dist.ReduceOp.SUM, group=group)
    return float(t.item()) / world


def _check_process_group(owner: str, group: Any) -> Any:
    """``None`` (the world) or a ``torch.distributed.ProcessGroup`` (``dist.new_group``)."""
    import torch.distributed as dist

    if group is None or (dist.is_available() and isinstance(group, dist.ProcessGroup)):
        return group
    raise ConfigTypeError(
        f"{owner}: process_group must be a torch.distributed.ProcessGroup or None (the "
        f"world), got {group!r} ({type(group).__name__})"
    )


class ReduceOnPlateau(Scheduler):
    r"""Reduce-on-plateau on top of any schedule: ``lr = schedule(step) * scale``.

    Args:
        optimizer: the optimizer.
        schedule: the base schedule (anything :class:`Scheduler` accepts);
            ``None`` keeps each group's current learning rate as a constant,
            which makes it a drop-in for ``torch.optim.lr_scheduler.ReduceLROnPlateau``.
        config: a :class:`lrkit.control.PlateauConfig`, or its settings as
            keywords (``mode``, ``factor``, ``patience``, ``threshold``,
            ``threshold_mode``, ``cooldown``, ``eps``, ``nan``: PyTorch's knobs
            and names; the ``rel`` threshold uses ``|best|`` so it is also right
            for negative metrics; ``nan="raise"`` by default, never a silent
            bad epoch).
        min_lr: floor of the plateau's effect (a number or one per group;
            default ``config.min_value``, else 0):
            ``lr = max(s(t) * scale, min(s(t), min_lr))``.
        start_step: metrics reported before this scheduler step are ignored;
            ``"warmup"`` means the length of the base schedule's warmup (the
            schedule must be a ``warmup(...)``).
        distributed: ``"mean"`` (default) averages the metric over the ranks
            of an initialized process group before deciding; ``"local"`` does not.
        process_group: the process group for the all-reduce (default: the world).
        **kwargs: the plateau settings above and the other :class:`Scheduler`
            options (``total_steps``, ``steps_per_epoch``, ``multipliers``,
            ``relative``, ``tensor_lr``, ...).

    Two calls, two clocks: ``step()`` advances the base schedule by one
    optimizer step (call it after every ``optimizer.step()``); ``step(metric)``
    (or :meth:`report`) takes a metric into account (once per epoch) and, on a
    reduction, applies the new value at once. PyTorch's habit of calling only
    ``step(val_loss)`` never advances a base schedule: two reports at the same
    step with a schedule that is not constant warn once. The plateau scales
    ``"lr"`` only.

    >>> import torch
    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    >>> sched = ReduceOnPlateau(opt, patience=0, factor=0.5)
    >>> sched.step(2.0); sched.step(2.0); opt.param_groups[0]["lr"]
    0.5
    """

    _owner = "ReduceOnPlateau"

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        schedule: Any = None,
        config: PlateauConfig | None = None,
        *,
        min_lr: float | list[float] | None = None,
        start_step: int | str = 0,
        distributed: str = "mean",
        process_group: Any = None,
        **kwargs: Any,
    ) -> None:
        o = self._owner
        check_optimizer(o, optimizer)
        if isinstance(schedule, str) and schedule in ("min", "max"):
            raise ConfigTypeError(
                f"{o}: the second argument is the base schedule, got {schedule!r}: PyTorch's "
                f"ReduceLROnPlateau(optimizer, {schedule!r}) is "
                f"ReduceOnPlateau(optimizer, mode={schedule!r})"
            )
        _check_keywords(o, kwargs)
        n = len(optimizer.param_groups)
        if schedule is None:  # each group's own rate (with relative=True: a factor 1)
            rel = kwargs.get("relative", False) is True
            schedule = [Constant(1.0 if rel else float(g["lr"])) for g in optimizer.param_groups]
        if min_lr is None:
            min_lr = config.min_value if isinstance(config, PlateauConfig) else 0.0
        self.min_lrs = _min_lrs(o, min_lr, n)
        if isinstance(start_step, str) and start_step != "warmup":
            raise ConfigTypeError(
                f"{o}: start_step must be an int >= 0 or 'warmup', got {start_step!r}"
            )
        # the plateau settings, checked now (start_step 'warmup' is resolved in _prepare)
        settings = {k: kwargs.pop(k) for k in list(kwargs) if k in _PLATEAU_KEYS}
        self.config = plateau_config(
            o,
            config,
            settings,
            min_value=self.min_lrs[0],
            start_step=0 if start_step == "warmup" else start_step,
        )
        self._start_step = start_step
        self.distributed = check_choice(o, "distributed", distributed, ("mean", "local"))
        self.process_group = _check_process_group(o, process_group)
        self.group_scales = [1.0] * n  # read by _apply_index, called by Scheduler.__init__
        self._last_report: int | None = None
        super().__init__(optimizer, schedule, **kwargs)

    def _prepare(self) -> None:
        """Resolve ``start_step="warmup"`` on the bound schedule (before anything changes)."""
        o = self._owner
        if self._start_step == "warmup":
            s0 = self._schedules["lr"][0]
            if not isinstance(s0, Warmup):
                raise ConfigError(
                    f"{o}: start_step='warmup' needs a warmup(...) schedule for 'lr', got {s0}"
                )
            self.config = dataclasses.replace(self.config, start_step=int(s0.steps))
        self._configs = [dataclasses.replace(self.config, min_value=m) for m in self.min_lrs]
        self.plateau: PlateauState = plateau_init(self.config)
        self._constant = all(isinstance(s, Constant) for s in self._schedules["lr"])

    # ------------------------------------------------------------------ values
    @property
    def scale(self) -> float:
        """The plateau's current multiplier of group 0 (1.0 until the first reduction)."""
        return self.group_scales[0]

    def _apply_index(self, i: int) -> None:
        groups = self.optimizer.param_groups
        scales = self.group_scales
        for (gi, key, beta), vals, name in zip(self._targets, self._blocks, self._target_keys):
            v = vals[i]
            if name == "lr" and scales[gi] != 1.0:
                v = plateau_apply(self._configs[gi], scales[gi], v)
            self._write(groups[gi], key, beta, v)

    def _set_scales(self, scales: list[float]) -> None:
        """Set the per-group scales; while all are 1 ``Scheduler.step``'s fast path is exact."""
        self.group_scales = scales
        self._fast = all(sc == 1.0 for sc in scales)

    def base_lr(self) -> list[float]:
        """The base schedule's ``lr`` per group at the current step (before the plateau)."""
        return self._key_values("lr")

    def get_lr(self) -> list[Any]:
        """The ``lr`` per group at the current step, the plateau's reductions included
        (what is applied; :meth:`base_lr` gives the base schedule's values)."""
        return [
            plateau_apply(cfg, sc, v) if sc != 1.0 else v
            for cfg, sc, v in zip(self._configs, self.group_scales, self._key_values("lr"))
        ]

    # ------------------------------------------------------------------ metrics
    def step(self, metrics: Any = None, epoch: int | None = None) -> None:  # type: ignore[override]
        """``step()``: next optimizer step; ``step(metric)``: report a metric (:meth:`report`);
        ``step(epoch=n)``: jump to step ``n``. A metric and an epoch together are refused.
        Inside a ``torch.compile``d function it runs eagerly (a graph break)."""
        if COMPILE_CHECK and torch.compiler.is_compiling():
            return run_eagerly(self.step, metrics, epoch)  # type: ignore[no-any-return]
        if metrics is not None and epoch is not None:
            raise ConfigError(
                f"{self._owner}: step(metrics, epoch) takes one of them, got both "
                f"({metrics!r}, {epoch!r}): step(val_loss) reports a metric at the current "
                "step, step(epoch=n) moves to step n"
            )
        if metrics is not None:
            self.report(metrics)
            return
        super().step(epoch)

    def report(self, metric: Any) -> bool:
        """Take a metric into account (averaged across ranks by default).

        Returns True when the learning rate was reduced; the new value is
        applied to the optimizer at once (eagerly, also inside a compiled function).
        """
        if COMPILE_CHECK and torch.compiler.is_compiling():
            return run_eagerly(self.report, metric)  # type: ignore[no-any-return]
        value = reduce_metric(metric, self.distributed, self.process_group, owner=self._owner)
        base = self._key_values("lr")
        self._check_clock()
        # one decision (best, bad epochs, cooldown) for all groups; each group's
        # scale follows PyTorch's per-group rule (eps, min_lr) on its own value
        states = [
            plateau_update(cfg, self.plateau._replace(scale=sc), value, self.last_epoch, b)
            for cfg, sc, b in zip(self._configs, self.group_scales, base)
        ]
        self.plateau = states[0]
        before = self.group_scales
        self._set_scales([st.scale for st in states])
        if self.group_scales != before:
            self._apply(self.last_epoch)
        return any(st.last_reduced for st in states)

    def _check_clock(self) -> None:
        """Warn once when metrics arrive with no ``step()`` between them on a moving schedule."""
        if self._last_report == self.last_epoch and not self._constant:
            if not getattr(self, "_warned_clock", False):
                self._warned_clock = True
                warnings.warn(
                    f"{self._owner}: two metrics were reported at step {self.last_epoch} with no "
                    f"step() in between, so the base schedule ({self._schedules['lr'][0]}) "
                    "does not move. Call sched.step() after every optimizer.step() and "
                    "sched.step(val_loss) once per epoch (PyTorch's ReduceLROnPlateau has no "
                    "base schedule, so its habit of calling only step(val_loss) does not carry "
                    "over).",
                    UserWarning,
                    stacklevel=4,
                )
        self._last_report = self.last_epoch

    @property
    def num_bad_epochs(self) -> int:
        return int(self.plateau.num_bad)

    @property
    def best(self) -> float:
        return float(self.plateau.best)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        d = super().state_dict()
        d["plateau"] = self.plateau.to_dict()
        d["plateau_config"] = self.config.to_dict()
        d["min_lrs"] = list(self.min_lrs)
        d["group_scales"] = list(self.group_scales)
        return d

    def _state_fields(self) -> tuple[StateField, ...]:
        return (
            *super()._state_fields(),
            StateField("plateau", _f_plateau),
            StateField("plateau_config", f_optional(f_config(PlateauConfig)), None),
            # one per group; the count is checked in _read_state (on_mismatch="new" carries
            # the state over to an optimizer with groups added since the save)
            StateField("min_lrs", f_optional(f_list(f_float(0.0))), None),
            StateField("group_scales", f_optional(f_list(f_float(0.0, 1.0))), None),
        )

    def _read_state(self, state_dict: Any, mode: str) -> dict[str, Any]:
        d = super()._read_state(state_dict, mode)
        saved = {
            "plateau_config": d["plateau_config"] and d["plateau_config"].to_dict(),
            "min_lrs": d["min_lrs"],
        }
        mine = {"plateau_config": self.config.to_dict(), "min_lrs": list(self.min_lrs)}
        saved = {k: (v if v is not None else mine[k]) for k, v in saved.items()}
        check_mismatch(self._owner, "plateau settings", saved, mine, mode)
        n, scales = len(self.group_scales), d["group_scales"]
        if scales is None:  # written before per-group scales existed
            scales = [d["plateau"].scale] * n
        elif len(scales) != n:
            if mode != "new":
                raise ConfigError(
                    f"{self._owner}: state_dict['group_scales'] must have {n} items, "
                    f"got {len(scales)}: {scales!r}"
                )
            # param groups added since the save have had no reduction (PyTorch's rule too)
            scales = scales[:n] + [1.0] * (n - len(scales))
        d["group_scales"] = scales
        return d

    def _commit_state(self, d: dict[str, Any]) -> None:
        self.plateau = d["plateau"]
        self._set_scales(d["group_scales"])
        self._last_report = None
        super()._commit_state(d)


_PLATEAU_KEYS = frozenset(f.name for f in dataclasses.fields(PlateauConfig)) - {
    "min_value",
    "start_step",
}


#: ReduceOnPlateau's keywords: its own, the plateau settings, then Scheduler's
_KEYWORDS = (
    [
        k
        for k, p in inspect.signature(ReduceOnPlateau.__init__).parameters.items()
        if k not in ("self", "optimizer", "schedule") and p.kind is not p.VAR_KEYWORD
    ]
    + sorted(_PLATEAU_KEYS)
    + [
        k
        for k, p in inspect.signature(Scheduler.__init__).parameters.items()
        if p.kind is p.KEYWORD_ONLY
    ]
)


def _check_keywords(owner: str, kwargs: Mapping[str, Any]) -> None:
    """An unknown keyword, in lrkit's words (Python's would name ``Scheduler.__init__``)."""
    for k in kwargs:
        if k not in _KEYWORDS:
            raise ConfigTypeError(
                f"{owner}: unexpected argument {k!r} (allowed: {', '.join(_KEYWORDS)})"
            )


def _f_plateau(owner: str, where: str, v: Any) -> PlateauState:
    return PlateauState(**read_state(owner, v, PLATEAU_FIELDS, where))


def _min_lrs(owner: str, min_lr: Any, n: int) -> list[float]:
    if isinstance(min_lr, (list, tuple)):
        if len(min_lr) != n:
            raise ConfigError(
                f"{owner}: min_lr must be a number or a list of one per param group ({n}), "
                f"got {min_lr!r}"
            )
        mins = list(min_lr)
    else:
        mins = [min_lr] * n
    for i, m in enumerate(mins):
        bad = isinstance(m, bool) or not isinstance(m, numbers.Real)
        if bad or not 0 <= float(m) < float("inf"):
            raise ConfigError(f"{owner}: min_lr[{i}] must be a finite number >= 0, got {m!r}")
    return [float(m) for m in mins]


class EarlyStopping:
    """Tell the training loop when to stop; optionally restore the best model.

    Args:
        mode: ``"min"`` or ``"max"``.
        patience: epochs without improvement before stopping.
        min_delta: minimal absolute improvement.
        restore_best: keep a copy of the model's ``state_dict`` at the best
            metric and load it back into the model when stopping (or on
            :meth:`restore`). Needs ``model`` here or in :meth:`step`.
        model: the ``torch.nn.Module`` to snapshot / restore.
        nan: ``"raise"`` (default), ``"stop"`` or ``"skip"``.
        start_step: metrics with ``step < start_step`` are ignored.
        distributed: ``"mean"`` (default) averages the metric across ranks;
            ``"local"`` does not.

    >>> es = EarlyStopping(patience=2)
    >>> [es.step(m) for m in (1.0, 0.9, 0.95, 0.91)]
    [False, False, False, True]
    """

    def __init__(
        self,
        mode: str = "min",
        patience: int = 10,
        min_delta: float = 0.0,
        *,
        restore_best: bool = False,
        model: torch.nn.Module | None = None,
        nan: str = "raise",
        start_step: int = 0,
        distributed: str = "mean",
        process_group: Any = None,
    ) -> None:
        o = "EarlyStopping"
        self.config = EarlyStoppingConfig(
            mode=mode, patience=patience, min_delta=min_delta, nan=nan, start_step=start_step
        )
        self.state = early_stopping_init(self.config)
        self.restore_best = check_bool(o, "restore_best", restore_best)
        if model is not None and not isinstance(model, torch.nn.Module):
            raise TypeError(f"{o}: model must be a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self.distributed = check_choice(o, "distributed", distributed, ("mean", "local"))
        self.process_group = _check_process_group(o, process_group)
        self.best_model: dict[str, torch.Tensor] | None = None
        self._calls = 0
        self.restored = False

    def step(
        self, metric: Any, model: torch.nn.Module | None = None, step: int | None = None
    ) -> bool:
        """Report a metric; returns True when training should stop.

        ``step`` defaults to the number of earlier calls (an epoch index).
        """
        model = model if model is not None else self.model
        if self.restore_best and model is None:
            raise ValueError(
                "EarlyStopping: restore_best=True needs the model, given as "
                "EarlyStopping(model=...) or step(metric, model)"
            )
        value = reduce_metric(metric, self.distributed, self.process_group, owner="EarlyStopping")
        idx = self._calls if step is None else step
        self._calls += 1
        was_stopped = self.state.stopped
        self.state = early_stopping_update(self.config, self.state, value, step=idx)
        if self.state.improved and self.restore_best and model is not None:
            self.best_model = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if self.state.stopped and not was_stopped and self.restore_best and model is not None:
            self.restore(model)
        return self.state.stopped

    __call__ = step

    @property
    def should_stop(self) -> bool:
        return self.state.stopped

    @property
    def best(self) -> float:
        return self.state.best

    @property
    def best_step(self) -> int | None:
        return self.state.best_step

    def restore(self, model: torch.nn.Module | None = None) -> bool:
        """Load the best snapshot into ``model``; False when there is none."""
        model = model if model is not None else self.model
        if self.best_model is None or model is None:
            return False
        model.load_state_dict(self.best_model)
        self.restored = True
        return True

    def state_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "state": self.state.to_dict(),
            "calls": self._calls,
            "best_model": self.best_model,
        }

    def load_state_dict(self, state_dict: dict[str, Any], *, on_mismatch: str = "error") -> None:
        """Restore the state, every field checked first (:func:`lrkit.control.read_state`).

        A checkpoint saved under another configuration raises
        (``on_mismatch="error"``) or keeps the constructed one (``"new"``).
        """
        state, top = read_early_stopping(
            "EarlyStopping",
            state_dict,
            self.config,
            on_mismatch,
            (
                StateField("calls", f_int(), None),
                StateField("best_model", f_optional(_f_weights), None),
            ),
        )
        self.state = state
        self._calls = state.num_updates if top["calls"] is None else top["calls"]
        best = top["best_model"]
        self.best_model = None if best is None else {k: v.clone() for k, v in best.items()}

    def __repr__(self) -> str:
        return f"EarlyStopping({self.config}, best={self.state.best}, stopped={self.state.stopped})"


def _f_weights(owner: str, where: str, v: Any) -> dict[str, torch.Tensor]:
    if not isinstance(v, Mapping) or not all(isinstance(t, torch.Tensor) for t in v.values()):
        raise ConfigTypeError(f"{owner}: {where} must map names to tensors, got {type(v).__name__}")
    return dict(v)
