"""The planner's values: :class:`Trial`, :class:`Probe`, :class:`Prediction`, :class:`Plan`.

Everything here is numpy-only; plotting imports matplotlib lazily.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._files import check_file
from ..core import Schedule
from ..errors import ConfigError, ConfigTypeError

__all__ = ["Trial", "Probe", "Prediction", "Plan", "as_trial"]


@dataclass(frozen=True)
class Trial:
    """What one call of ``run(schedule, steps)`` returns.

    ``losses``: the training loss of every update, in order (``losses[t]`` is
    the loss of the batch used by update ``t``, computed before that update).
    A run that met a non-finite loss may stop there and return fewer values.
    ``val_loss``: optionally, a validation loss measured after the last update
    (lower is better); when every probe of a rung has one, the planner ranks
    by it instead of the training loss.
    """

    losses: tuple[float, ...]
    val_loss: float | None = None

    @property
    def updates(self) -> int:
        """Optimizer updates this run made (the number of losses it returned)."""
        return len(self.losses)


def as_trial(out: Any, steps: int) -> Trial:
    """``out`` of a user's ``run`` as a :class:`Trial`.

    Accepted: a :class:`Trial`; a dict with ``losses`` (and optionally
    ``val_loss``; any other key is refused); a ``(losses, val_loss)`` pair
    whose second item is a number (a 0-d numpy array or torch tensor too) or
    ``None``; or a plain sequence / 1-D array of per-step losses. More than
    ``steps`` losses is an error (the run did more than it was asked).
    """
    val: Any = None
    if isinstance(out, Trial):
        losses_in: Any = out.losses
        val = out.val_loss
    elif isinstance(out, dict):
        if "losses" not in out:
            raise ConfigError(f"plan: run returned a dict without 'losses': keys {sorted(out)}")
        unknown = sorted(str(k) for k in out if k not in ("losses", "val_loss"))
        if unknown:  # a misspelt val_loss would be dropped and the plan made on the training loss
            raise ConfigError(
                f"plan: run returned a dict with unknown key(s) {unknown}; "
                "it may hold 'losses' and 'val_loss' only"
            )
        losses_in, val = out["losses"], out.get("val_loss")
    elif isinstance(out, tuple) and len(out) == 2 and np.ndim(out[0]) == 1:
        # (losses, val_loss): val_loss a number, a 0-d array / tensor, or None
        losses_in, val = out
        if val is not None and (isinstance(val, (bool, str, bytes)) or np.ndim(val) != 0):
            raise ConfigTypeError(
                "plan: run returned a (losses, val_loss) pair whose val_loss is not a number "
                f"or None: {val!r}"
            )
    elif out is None:
        raise ConfigTypeError(
            "plan: run(schedule, steps) returned None; it must return the per-step losses "
            "(a sequence of numbers), a (losses, val_loss) pair, a Trial or a dict with 'losses'"
        )
    else:
        losses_in = out
    try:
        arr = np.asarray(losses_in, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):  # RuntimeError: a tensor that requires grad
        got = type(out).__name__
        items = list(losses_in) if isinstance(losses_in, (list, tuple)) else []
        if items:
            got = f"{type(losses_in).__name__} of {type(items[0]).__name__}"
        if "Tensor" in got:
            got += " (a tensor: return loss.item())"
        raise ConfigTypeError(
            "plan: run(schedule, steps) must return the per-step losses (a sequence of numbers), "
            f"a (losses, val_loss) pair, a Trial or a dict with 'losses', got {got}"
        ) from None
    if arr.ndim != 1:
        raise ConfigTypeError(
            f"plan: run must return a 1-D sequence of per-step losses, got shape {arr.shape}"
        )
    if len(arr) > steps:
        raise ConfigError(
            f"plan: run(schedule, {steps}) returned {len(arr)} losses; it must run at most "
            f"{steps} updates"
        )
    if val is not None:
        try:
            val = float(val)  # a number, or a 0-d numpy array / torch tensor
        except (TypeError, ValueError, RuntimeError):
            raise ConfigTypeError(f"plan: val_loss must be a number or None, got {val!r}") from None
    return Trial(tuple(float(v) for v in arr), val)


@dataclass(frozen=True)
class Probe:
    """One run the planner made: why (``stage``), what (``schedule`` spec), what it saw.

    ``stage``: ``"range"`` (the range test), ``"rung1"`` or ``"rung2"`` (the
    successive-halving probes), ``"long"`` (the fewer, longer probes that replace
    the second rung and the shape probe when the first rung's probes score alike),
    ``"blind"`` (the probes over four decades that take the whole budget left when
    the range test saw no fall), ``"shape"`` (the second shape, at the best
    second-rung probe's peak and length).
    ``score``: what the probe was ranked by (the validation loss when given, else
    the mean training loss over its last 10 % of updates); ``inf`` when it diverged.
    """

    stage: str
    peak: float
    shape: str
    steps: int
    schedule: str
    losses: tuple[float, ...]
    val_loss: float | None
    score: float
    diverged: bool

    @property
    def updates(self) -> int:
        return len(self.losses)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "peak": self.peak,
            "shape": self.shape,
            "steps": self.steps,
            "schedule": self.schedule,
            "losses": [_num(v) for v in self.losses],
            "val_loss": _num(self.val_loss),
            "score": _num(self.score),
            "diverged": self.diverged,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Probe:
        return cls(
            stage=d["stage"],
            peak=float(d["peak"]),
            shape=d["shape"],
            steps=int(d["steps"]),
            schedule=d["schedule"],
            losses=tuple(_unnum(v) for v in d["losses"]),
            val_loss=None if d.get("val_loss") is None else _unnum(d["val_loss"]),
            score=_unnum(d["score"]),
            diverged=bool(d["diverged"]),
        )


@dataclass(frozen=True)
class Prediction:
    """The law's prediction for one candidate: ``shape`` at ``peak`` over the whole run.

    ``final``: predicted training loss at the last step; ``curve``: the
    predicted loss at ``steps`` (a few points, for plots).
    """

    shape: str
    peak: float
    schedule: str
    final: float
    steps: tuple[int, ...] = ()
    curve: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "peak": self.peak,
            "schedule": self.schedule,
            "final": _num(self.final),
            "steps": list(self.steps),
            "curve": [_num(v) for v in self.curve],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Prediction:
        return cls(
            shape=d["shape"],
            peak=float(d["peak"]),
            schedule=d["schedule"],
            final=_unnum(d["final"]),
            steps=tuple(int(s) for s in d.get("steps", ())),
            curve=tuple(_unnum(v) for v in d.get("curve", ())),
        )


def _num(v: float | None) -> Any:
    if v is None:
        return None
    return v if math.isfinite(v) else repr(float(v))


def _unnum(v: Any) -> float:
    return float(v) if not isinstance(v, str) else float(v.replace("inf", "inf"))


@dataclass(frozen=True)
class Plan:
    """The planner's answer: a schedule for the whole run, and the evidence behind it.

    Attributes:
        schedule: the chosen lrkit schedule, bound to ``total_steps`` (give it
            to ``lrkit.torch.Scheduler``, ``lrkit.keras.Schedule`` or ``lrkit.jax``).
        peak: its peak learning rate; shape: its shape's name
            (``"wsd"``, ``"cosine"``, ``"linear"``, ``"one_cycle"``, ``"constant"``).
        total_steps: the run it was planned for; budget: the allowed extra
            cost as a fraction of ``total_steps``.
        cost: optimizer updates the planner ran (range test and probes),
            always ``<= budget * total_steps``.
        probes: every run made, in order (range test first).
        finder: the range test's :class:`lrkit.FinderResult` (``None`` when skipped).
        predictions: the law's prediction for each candidate shape at ``peak``
            (empty when no law was used).
        law: the fitted law's ``to_dict()`` (``None`` when none was fitted).
        decided_by: ``"law"`` when the law changed the shape the probes chose
            (the default, or the shape probe's when it won), else ``"probes"``.
        notes: every decision in words, in order.
        seconds: wall time of :func:`plan`; run_seconds: the part spent
            inside ``run`` (the rest is the planner's own overhead).
    """

    schedule: Schedule
    peak: float
    shape: str
    total_steps: int
    budget: float
    cost: int
    probes: tuple[Probe, ...] = ()
    finder: Any = None
    predictions: tuple[Prediction, ...] = ()
    law: dict[str, Any] | None = field(default=None, compare=False)
    decided_by: str = "probes"
    notes: tuple[str, ...] = ()
    seconds: float = field(default=0.0, compare=False)
    run_seconds: float = field(default=0.0, compare=False)

    __hash__ = None  # type: ignore[assignment]

    @property
    def overhead_seconds(self) -> float:
        """Wall time spent outside ``run`` (range-test reading, law fits, bookkeeping)."""
        return max(self.seconds - self.run_seconds, 0.0)

    def report(self) -> str:
        """The decision and its evidence as a few lines of text."""
        blind = [n for n in self.notes if n.startswith("no evidence")]
        lines = [
            f"plan for {self.total_steps} steps: {self.schedule}",
            f"  peak {self.peak:.3g}, shape {self.shape} (decided by {self.decided_by})",
            *(f"  ! {n}" for n in blind),  # a user must see this next to the peak
            f"  cost: {self.cost} extra updates = {self.cost / self.total_steps:.2f} of one run "
            f"(budget {self.budget:g})",
        ]
        if self.finder is not None:
            s = self.finder.suggestion("minimum")
            at = "none" if s.index is None else f"{float(self.finder.lrs[s.index]):.3g}"
            lines.append(f"  range test: {len(self.finder)} points, loss minimum at lr {at}")
        for p in self.probes:
            if p.stage == "range":
                continue
            score = "diverged" if p.diverged else f"{p.score:.4g}"
            lines.append(
                f"  {p.stage}: peak {p.peak:<9.3g} {p.shape:<9} {p.steps:>6} steps  score {score}"
            )
        for pr in self.predictions:
            lines.append(f"  law: {pr.shape:<9} at {pr.peak:.3g} -> predicted final {pr.final:.4g}")
        for n in self.notes:
            if n not in blind:
                lines.append(f"  - {n}")
        return "\n".join(lines)

    def plot(self, out: str | None = None) -> Any:
        """Probe loss curves with the law's predictions (left), and the chosen schedule
        with the predicted alternatives (right).

        With ``out`` (``.png``/``.svg``/``.pdf``, or ``.html`` for an interactive page)
        the figure is written there and the path returned; otherwise the matplotlib
        figure is returned.
        """
        from .._files import FIGURE_EXTENSIONS, figure_kind

        if out is not None:
            check_file(out, "out", FIGURE_EXTENSIONS)
        left, right = self._series()
        if out is not None and figure_kind(out) == "html":
            return self._plot_html(left, right, out)
        from .._render import new_figure

        fig = new_figure(11, 4.2)
        a, b = fig.subplots(1, 2)
        for ax, series, size in ((a, left, 7), (b, right, 8)):
            for label, x, y, dashed in series:
                width = 2 if label.startswith("chosen") else 1
                ax.plot(x, y, "--" if dashed else "-", label=label, linewidth=width)
            ax.set_xlabel("update")
            ax.legend(fontsize=size)
        a.set_ylabel("training loss")
        a.set_title("probes and predictions")
        b.set_ylabel("learning rate")
        b.set_title(str(self.schedule)[:70], fontsize=8)
        fig.tight_layout()
        if out is None:
            return fig
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        fig.savefig(out)
        return out

    def _series(self) -> tuple[list[Any], list[Any]]:
        """(label, x, y, dashed) of the probes and predictions, and of the schedules
        (at most ~2,000 points each, so a long run draws fast)."""
        from ..errors import LrkitError
        from ..spec import parse

        left: list[Any] = []
        for p in self.probes:
            if p.stage != "range" and p.losses:
                y = np.asarray(p.losses, dtype=np.float64)
                left.append((f"{p.stage} {p.shape} {p.peak:.3g}", np.arange(len(y)), y, False))
        for pr in self.predictions:
            if pr.steps:
                left.append((f"law: {pr.shape}", np.asarray(pr.steps), np.asarray(pr.curve), True))
        t = np.unique(np.linspace(0, self.total_steps - 1, 2000).round().astype(np.int64))
        right = [(f"chosen: {self.shape}", t, np.asarray(self.schedule(t)), False)]
        for pr in self.predictions:
            if pr.schedule != str(self.schedule):
                try:
                    alt = parse(pr.schedule)
                except LrkitError:  # not a spec (a plan built by hand): nothing to draw
                    continue
                right.append((f"{pr.shape} (predicted)", t, np.asarray(alt(t)), True))
        return left, right

    def _plot_html(self, left: list[Any], right: list[Any], out: str) -> str:
        from .._deps import require

        subplots = require("plotly.subplots", what="an HTML chart")
        fig = subplots.make_subplots(
            rows=1, cols=2, subplot_titles=("probes and predictions", str(self.schedule)[:70])
        )
        for col, series in ((1, left), (2, right)):
            for label, x, y, dashed in series:
                fig.add_scatter(
                    x=np.asarray(x).tolist(),
                    y=[v if math.isfinite(v) else None for v in np.asarray(y, dtype=float)],
                    name=label,
                    line={"dash": "dash" if dashed else "solid"},
                    row=1,
                    col=col,
                )
            fig.update_xaxes(title_text="update", row=1, col=col)
        fig.update_yaxes(title_text="training loss", row=1, col=1)
        fig.update_yaxes(title_text="learning rate", row=1, col=2)
        fig.update_layout(title=f"lrkit plan: {self.schedule}"[:120])
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        fig.write_html(out, include_plotlyjs=True, full_html=True)
        return out

    def _repr_png_(self) -> bytes | None:
        """The figure of :meth:`plot` as PNG (Jupyter's rich display); None without matplotlib."""
        from .._render import repr_png

        return repr_png(self.plot)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; :meth:`from_dict` reads it back."""
        return {
            "kind": "lrkit.Plan",
            "version": 1,
            "schedule": self.schedule.to_dict(),
            "peak": self.peak,
            "shape": self.shape,
            "total_steps": self.total_steps,
            "budget": self.budget,
            "cost": self.cost,
            "probes": [p.to_dict() for p in self.probes],
            "finder": None if self.finder is None else self.finder.to_dict(),
            "predictions": [p.to_dict() for p in self.predictions],
            "law": self.law,
            "decided_by": self.decided_by,
            "notes": list(self.notes),
            "seconds": self.seconds,
            "run_seconds": self.run_seconds,
        }

    @classmethod
    def from_dict(cls, d: Any) -> Plan:
        """Rebuild a plan saved with :meth:`to_dict` (also accepts its JSON text)."""
        from ..errors import LrkitError
        from ..finder import FinderResult
        from ..spec import from_dict
        from ._shapes import ALL_SHAPES

        if isinstance(d, str):
            try:
                d = json.loads(d)
            except json.JSONDecodeError as e:
                raise ConfigError(f"Plan.from_dict: the text is not JSON ({e})") from None
        if not isinstance(d, dict) or d.get("kind") != "lrkit.Plan":
            raise ConfigError(
                f"Plan.from_dict: d must be a dict made by Plan.to_dict(), got {d!r:.80}"
            )
        if d.get("version", 1) != 1:
            raise ConfigError(f"Plan.from_dict: version must be 1, got {d['version']!r}")
        missing = [
            k for k in ("schedule", "peak", "shape", "total_steps", "budget", "cost") if k not in d
        ]
        if missing:
            raise ConfigError(f"Plan.from_dict: missing key(s) {', '.join(missing)}")
        try:
            plan = cls(
                schedule=from_dict(d["schedule"]),
                peak=float(d["peak"]),
                shape=d["shape"],
                total_steps=int(d["total_steps"]),
                budget=float(d["budget"]),
                cost=int(d["cost"]),
                probes=tuple(Probe.from_dict(p) for p in d.get("probes", ())),
                finder=None if d.get("finder") is None else FinderResult.from_dict(d["finder"]),
                predictions=tuple(Prediction.from_dict(p) for p in d.get("predictions", ())),
                law=d.get("law"),
                decided_by=d.get("decided_by", "probes"),
                notes=tuple(d.get("notes", ())),
                seconds=float(d.get("seconds", 0.0)),
                run_seconds=float(d.get("run_seconds", 0.0)),
            )
        except LrkitError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            what = f"missing key {e}" if isinstance(e, KeyError) else str(e)
            raise ConfigError(f"Plan.from_dict: not a plan made by to_dict ({what})") from None
        bad = [
            (name, value)
            for name, value, ok in (
                ("peak", plan.peak, math.isfinite(plan.peak) and plan.peak > 0),
                ("shape", plan.shape, plan.shape in ALL_SHAPES),
                (
                    "total_steps",
                    d["total_steps"],
                    1 <= plan.total_steps <= 2**53 and plan.total_steps == d["total_steps"],
                ),
                ("budget", plan.budget, math.isfinite(plan.budget) and plan.budget > 0),
                ("cost", d["cost"], plan.cost >= 0 and plan.cost == d["cost"]),
                ("decided_by", plan.decided_by, plan.decided_by in ("law", "probes")),
                ("notes", d.get("notes"), not isinstance(d.get("notes"), (str, bytes))),
            )
            if not ok
        ]
        if bad:
            name, value = bad[0]
            raise ConfigError(f"Plan.from_dict: {name} {value!r} is not one a plan can have")
        return plan


def _floats(xs: Sequence[Any]) -> tuple[float, ...]:
    return tuple(float(x) for x in xs)
