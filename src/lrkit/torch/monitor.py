"""``LRMonitor``: record the hyperparameters an optimizer really used, step by step."""

from __future__ import annotations

import csv
import os
from typing import Any

import torch

from .._files import check_file
from .._validate import check_bool, check_int
from ..errors import ConfigError, ConfigTypeError
from .scheduler import check_optimizer, is_paused

__all__ = ["LRMonitor"]


def _num(x: Any) -> float:
    return float(x.item()) if isinstance(x, torch.Tensor) else float(x)


class LRMonitor:
    """Record the applied values of scheduled keys for every param group.

    Args:
        optimizer: the optimizer to read from.
        keys: param-group keys to record; ``"beta1"``/``"beta2"`` read
            ``betas``. Keys missing from a group are left out; a key that no
            group has (a typo) is an error.
        csv_path: also write one CSV row per record (``step``, then one
            column per ``key/group``), checked at construction. The first
            record starts the file afresh, unless ``start_step > 0`` (a
            resumed run) and the file has the same columns: then the rows
            are appended to it.
        writer: a TensorBoard ``SummaryWriter`` (or anything with
            ``add_scalar(tag, value, step)``); ``tensorboard="logdir"``
            creates one (needs the ``tensorboard`` package).
        tensorboard: a log directory for a new ``SummaryWriter``.
        auto: record automatically, just before each real ``optimizer.step()``
            (a pre-step hook), i.e. the values that update used (the trial
            updates of ``find_lr`` and ``plan``, undone afterwards, are not
            recorded). Otherwise call :meth:`record` yourself.
        start_step: the step number of the first record (e.g. the scheduler's
            step after a resume).
        all_ranks: under ``torch.distributed`` (a process group initialized when
            a record is written), only rank 0 writes the CSV file and the
            writer, as every rank applies the same values (each rank writing one
            file interleaved their rows); ``True``: every rank writes (give each
            rank its own ``csv_path`` / log directory). Every rank keeps
            ``history``.

    ``history`` is a list of dicts ``{"step": n, "lr/0": ..., ...}``;
    :meth:`series` gives one key's values as a list.

    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    >>> mon = LRMonitor(opt, keys=("lr", "momentum"))
    >>> mon.record()
    {'step': 0, 'lr/0': 0.1, 'momentum/0': 0.9}
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        keys: tuple[str, ...] | list[str] = ("lr",),
        *,
        csv_path: str | os.PathLike[str] | None = None,
        writer: Any = None,
        tensorboard: str | os.PathLike[str] | None = None,
        tag_prefix: str = "",
        auto: bool = False,
        start_step: int = 0,
        all_ranks: bool = False,
    ) -> None:
        o = "LRMonitor"
        check_optimizer(o, optimizer)
        self.all_ranks = check_bool(o, "all_ranks", all_ranks)
        if isinstance(keys, str):
            keys = (keys,)
        self.optimizer = optimizer
        self.keys = _check_keys(optimizer, keys)
        auto = check_bool(o, "auto", auto)
        start_step = check_int(o, "start_step", start_step, low=0)
        if not isinstance(tag_prefix, str):
            raise ConfigTypeError(f"{o}: tag_prefix must be a string, got {tag_prefix!r}")
        if csv_path is not None:  # checked now, not at the first record
            csv_path = check_file(os.fspath(csv_path), f"{o}: csv_path")
        if writer is not None and tensorboard is not None:
            raise ValueError("LRMonitor: give writer or tensorboard, not both")
        if tensorboard is not None and self._writes():
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as e:  # pragma: no cover - depends on the environment
                raise ImportError(
                    "LRMonitor: tensorboard logging needs the 'tensorboard' package "
                    "(pip install tensorboard); the in-memory and CSV records work without it"
                ) from e
            writer = SummaryWriter(str(tensorboard))
        if writer is not None and not hasattr(writer, "add_scalar"):
            raise TypeError(
                f"LRMonitor: writer must have add_scalar(tag, value, step), got {writer!r}"
            )
        self.writer = writer
        self.tag_prefix = tag_prefix
        self.csv_path = csv_path
        self._csv_columns: list[str] | None = None
        self.history: list[dict[str, float]] = []
        self._count = start_step
        self._resumed = start_step > 0  # a resumed run appends to its CSV file
        self._hook = optimizer.register_step_pre_hook(self._pre_hook) if auto else None

    def _pre_hook(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        if not is_paused(optimizer):  # not the trial updates of find_lr / plan
            self.record()

    def read(self) -> dict[str, float]:
        """The current values, ``{"lr/0": ..., "momentum/0": ...}``."""
        out: dict[str, float] = {}
        for key in self.keys:
            for gi, g in enumerate(self.optimizer.param_groups):
                if key in ("beta1", "beta2"):
                    if "betas" not in g:
                        continue
                    v = g["betas"][0 if key == "beta1" else 1]
                elif key in g:
                    v = g[key]
                elif key == "momentum" and "betas" in g:
                    v = g["betas"][0]
                else:
                    continue
                out[f"{key}/{gi}"] = _num(v)
        return out

    def record(self, step: int | None = None) -> dict[str, float]:
        """Record the current values at ``step`` (default: a running count)."""
        n = self._count if step is None else check_int("LRMonitor", "step", step, low=0)
        self._count = n + 1
        row: dict[str, float] = {"step": n}
        row.update(self.read())
        self.history.append(row)
        if not self._writes():
            return row
        if self.writer is not None:
            for k, v in row.items():
                if k != "step":
                    self.writer.add_scalar(self.tag_prefix + k, v, n)
        if self.csv_path is not None:
            self._write_csv(self.csv_path, row)
        return row

    def _writes(self) -> bool:
        """Whether this process writes the CSV file and the writer (see ``all_ranks``)."""
        dist = torch.distributed
        if self.all_ranks or not (dist.is_available() and dist.is_initialized()):
            return True
        return dist.get_rank() == 0

    def _write_csv(self, path: str, row: dict[str, float]) -> None:
        new = self._csv_columns is None
        if self._csv_columns is None:
            self._csv_columns = list(row)
        columns = self._csv_columns
        header = new and not (self._resumed and _header(path) == columns)
        if header:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w" if header else "a", newline="") as f:
            w = csv.writer(f)
            if header:
                w.writerow(columns)
            w.writerow(
                [repr(float(row.get(c, float("nan")))) if c != "step" else row[c] for c in columns]
            )

    def series(self, name: str = "lr/0") -> list[float]:
        """One recorded column, e.g. ``series("lr/0")``."""
        return [r[name] for r in self.history if name in r]

    def steps(self) -> list[int]:
        return [int(r["step"]) for r in self.history]

    def close(self) -> None:
        """Remove the hook (``auto=True``) and flush the writer."""
        if self._hook is not None:
            self._hook.remove()
            self._hook = None
        if self.writer is not None and hasattr(self.writer, "flush"):
            self.writer.flush()


def _check_keys(optimizer: Any, keys: Any) -> tuple[str, ...]:
    """The keys to record: names, each found in at least one param group."""
    o = "LRMonitor"
    try:
        out = tuple(keys)
    except TypeError:
        out = (keys,)
    if not all(isinstance(k, str) for k in out):
        raise ConfigTypeError(f"{o}: keys must be param-group key names (strings), got {keys!r}")
    if not out:
        raise ConfigError(f"{o}: keys must name at least one key, got {keys!r}")
    groups = optimizer.param_groups
    for k in out:
        if k in ("beta1", "beta2"):
            found = any("betas" in g for g in groups)
        else:  # "momentum" reads betas[0] where a group has no momentum
            found = any(k in g or (k == "momentum" and "betas" in g) for g in groups)
        if not found:
            have = sorted({n for g in groups for n in g if n != "params"})
            raise ConfigError(f"{o}: no param group has the key {k!r} (keys: {have})")
    return out


def _header(path: str) -> list[str] | None:
    """The first row of the CSV file at ``path`` (None when there is none)."""
    try:
        with open(path, newline="") as f:
            return next(csv.reader(f), None)
    except OSError:
        return None
