"""What a range test recorded: :class:`FinderResult`, a frozen value.

It holds data only (the recorded points, the lag-free curve, how the sweep
ended, its settings) and reads and writes the versioned dict of
:meth:`FinderResult.to_dict`. Its methods are short doors into the modules
that do the work: :mod:`.suggest` (one function per method, the range),
:mod:`.diagnose` (warnings, ``confident``, the text report), :mod:`.figure`
(the chart) and :mod:`.build` (ready schedules).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._files import json_safe
from .._validate import check_int, check_number, is_number
from ..errors import ConfigError, ConfigTypeError
from . import build, diagnose, figure, suggest
from .smooth import BANDWIDTH, zero_lag
from .suggest import DEFAULT_METHOD, METHODS, Suggestion

if TYPE_CHECKING:
    from ..core import Schedule

__all__ = ["FinderResult", "STOP_REASONS"]

#: how a sweep can end
STOP_REASONS = ("completed", "diverged", "nonfinite", "exhausted")

#: the fields the lag-free curve is computed from (``replace`` recomputes it)
_CURVE_INPUTS = frozenset({"lrs", "losses", "bandwidth"})


def _array(name: str, values: Any, *, finite: bool = False, nonneg: bool = False) -> np.ndarray:
    if isinstance(values, (str, bytes, dict)):
        raise ConfigTypeError(
            f"FinderResult: {name} must be a list or array of numbers, got {values!r:.80} "
            f"({type(values).__name__})"
        )
    try:
        a = np.array(values, dtype=np.float64).reshape(-1)  # a copy the result owns
    except (TypeError, ValueError):
        raise ConfigTypeError(
            f"FinderResult: {name} must be a list or array of numbers, got {values!r:.80}"
        ) from None
    bad = np.flatnonzero(~np.isfinite(a) | ((a < 0) if nonneg else False))
    if finite and len(bad):
        i = int(bad[0])
        rule = "finite and >= 0" if nonneg else "finite (the sweep records finite losses only)"
        raise ConfigError(f"FinderResult: {name} must be {rule}, got {name}[{i}] = {float(a[i])!r}")
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False, repr=False, init=False)
class FinderResult:
    """What a range test recorded, with suggestions, warnings and a plot.

    Attributes:
        lrs, losses, smoothed: read-only float64 arrays of the recorded steps
            (only finite losses; the step that triggered a divergence stop is
            included); ``smoothed`` is the online (causal, lagging) EMA that
            decided the stop.
        curve: the lag-free smoothing of ``losses`` (:func:`~lrkit.finder.zero_lag`
            with ``bandwidth``, in decades of lr) that every suggestion reads.
        stop_reason: ``"completed"`` (ran all steps), ``"diverged"`` (smoothed
            loss > ``diverge`` x best), ``"nonfinite"`` (a NaN/inf loss, not
            recorded) or ``"exhausted"`` (the data ran out; ``stop_detail`` says how).
        stop_lr, stop_loss: the rate and raw loss of the step that stopped the
            sweep (``None`` when it completed).
        config: the sweep's settings (start, end, steps, mode, smooth, diverge).
        calls: how many times ``step_fn`` ran; seconds: wall time of the sweep.
        meta: free-form information added by framework wrappers.
        skip_start, skip_end: points left out at the start (default: 5% of the
            planned steps, at least 1) and at the end (default 3) by every suggestion.

    The value is frozen (use :meth:`replace`); equal results compare equal
    (wall time aside).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stop_reason: str
    stop_lr: float | None
    stop_loss: float | None
    config: dict[str, Any]
    calls: int
    seconds: float
    meta: dict[str, Any]
    skip_start: int
    skip_end: int
    curve: np.ndarray
    bandwidth: float
    stop_detail: str

    def __init__(
        self,
        lrs: Any,
        losses: Any,
        smoothed: Any,
        stop_reason: str = "completed",
        stop_lr: float | None = None,
        stop_loss: float | None = None,
        config: dict[str, Any] | None = None,
        calls: int | None = None,
        seconds: float = 0.0,
        meta: dict[str, Any] | None = None,
        skip_start: int | None = None,
        skip_end: int | None = None,
        curve: Any = None,
        bandwidth: float | None = None,
        stop_detail: str = "",
    ) -> None:
        put = object.__setattr__  # frozen: every field is set here, once
        put(self, "lrs", _array("lrs", lrs, finite=True, nonneg=True))
        put(self, "losses", _array("losses", losses, finite=True))
        put(self, "smoothed", _array("smoothed", smoothed))
        n = len(self.lrs)
        if not (n == len(self.losses) == len(self.smoothed)):
            raise ConfigError(
                "FinderResult: lrs, losses and smoothed must have the same length, got "
                f"{n}, {len(self.losses)}, {len(self.smoothed)}"
            )
        if stop_reason not in STOP_REASONS:
            allowed = ", ".join(repr(r) for r in STOP_REASONS)
            raise ConfigError(
                f"FinderResult: stop_reason must be one of {allowed}, got {stop_reason!r}"
            )
        put(self, "stop_reason", stop_reason)
        for name, v in (("config", config), ("meta", meta)):
            if v is not None and not isinstance(v, dict):
                raise ConfigTypeError(
                    f"FinderResult: {name} must be a dict, got {v!r:.80} ({type(v).__name__})"
                )
        put(self, "config", dict(config or {}))
        bw = BANDWIDTH if bandwidth is None else bandwidth
        put(self, "bandwidth", check_number("FinderResult", "bandwidth", bw, positive=True))
        put(self, "curve", self._curve(curve))
        for name, x in (("stop_lr", stop_lr), ("stop_loss", stop_loss)):
            if x is not None and not is_number(x):  # NaN/inf stop_loss: a nonfinite stop
                raise ConfigTypeError(
                    f"FinderResult: {name} must be a number or None, got {x!r:.80} "
                    f"({type(x).__name__})"
                )
        put(self, "stop_lr", None if stop_lr is None else float(stop_lr))
        put(self, "stop_loss", None if stop_loss is None else float(stop_loss))
        put(self, "stop_detail", str(stop_detail))
        if calls is not None:
            calls = check_int("FinderResult", "calls", calls, low=0)
        put(self, "calls", n + (stop_reason == "nonfinite") if calls is None else calls)
        put(self, "seconds", check_number("FinderResult", "seconds", seconds, nonneg=True))
        put(self, "meta", dict(meta or {}))
        planned = self.config.get("steps") or n  # the sweep's planned steps (skip_start)
        planned = check_int("FinderResult", "config['steps']", planned, low=1)
        if skip_start is not None:
            skip_start = check_int("FinderResult", "skip_start", skip_start)
        if skip_end is not None:
            skip_end = check_int("FinderResult", "skip_end", skip_end)
        put(self, "skip_start", max(1, planned // 20) if skip_start is None else skip_start)
        put(self, "skip_end", 3 if skip_end is None else skip_end)
        if self.skip_start < 0 or self.skip_end < 0:
            raise ConfigError(
                f"FinderResult: skip_start and skip_end must be >= 0, got "
                f"{self.skip_start}, {self.skip_end}"
            )

    def _curve(self, curve: Any) -> np.ndarray:
        if curve is None:
            log = self.config.get("mode") != "linear"
            return _array("curve", zero_lag(self.lrs, self.losses, self.bandwidth, log=log))
        out = _array("curve", curve)
        if len(out) != len(self.lrs):
            raise ConfigError(
                f"FinderResult: curve must have one value per recorded lr ({len(self.lrs)}), "
                f"got {len(out)}"
            )
        return out

    def replace(self, **changes: Any) -> FinderResult:
        """A copy with some fields changed (e.g. ``meta``).

        Changing what the lag-free curve is computed from (``lrs``, ``losses``,
        ``bandwidth``, or the sweep's ``mode`` in ``config``) recomputes ``curve``
        unless it is given too.
        """
        cfg = changes.get("config")
        mode = isinstance(cfg, dict) and cfg.get("mode") != self.config.get("mode")
        if "curve" not in changes and (mode or _CURVE_INPUTS & set(changes)):
            changes["curve"] = None
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.lrs)

    def __repr__(self) -> str:
        s = self.suggestion()
        lr = "none" if s.lr is None else f"{s.lr:.3g}"
        sure = "confident" if self.confident else "NOT confident"
        return f"<FinderResult {len(self)} points, {self.stop_reason}, suggestion {lr}, {sure}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FinderResult):
            return NotImplemented
        a, b = self.to_dict(), other.to_dict()
        a.pop("seconds")
        b.pop("seconds")
        return a == b

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------ doors
    def suggestion(self, method: str = DEFAULT_METHOD) -> Suggestion:
        """The suggestion of ``method`` (one of :data:`METHODS`; see :mod:`lrkit.finder.suggest`
        for what each is for), with its index, loss and, if there is none, the reason."""
        return suggest.suggestion(self, method)

    def suggest(self, method: str = DEFAULT_METHOD) -> float | None:
        """The suggested rate of ``method``, or ``None`` (why: ``suggestion(method).reason``)."""
        return suggest.suggestion(self, method).lr

    def suggestions(self) -> dict[str, float | None]:
        """Every method's suggestion, by name."""
        return {m: self.suggest(m) for m in METHODS}

    def suggest_range(self) -> tuple[float, float] | None:
        """``(base, max)`` for a cycle, or ``None``; ``max == suggest("minimum")``.

        See :func:`lrkit.finder.suggest.suggest_range`.
        """
        return suggest.suggest_range(self)

    @property
    def warnings(self) -> list[str]:
        """Why the curve gives no clear answer, each with what to change (may be empty)."""
        return diagnose.warnings(self)

    @property
    def confident(self) -> bool:
        """True when there is a suggestion and the curve raised no warning."""
        return diagnose.confident(self)

    def report(self) -> str:
        """Suggestions, range, stop reason and warnings as a few lines of text."""
        return diagnose.report(self)

    def plot(self, out: str | None = None, *, title: str = "LR range test") -> Any:
        """Loss against learning rate (log x): raw, online EMA, lag-free curve, suggestions.

        With ``out`` (``.png``, ``.svg``, ``.pdf`` or ``.html``) the chart is
        written there and the path returned; without it a matplotlib figure is
        returned (for notebooks). The same chart as every other finder picture
        (:mod:`lrkit.finder.figure`).
        """
        fig = figure.finder_figure(self, title)
        return figure.draw(fig) if out is None else figure.save(fig, out)

    def _repr_png_(self) -> bytes | None:
        """The chart of :meth:`plot` as PNG (Jupyter's rich display); None without matplotlib."""
        from .._render import repr_png

        return repr_png(self.plot)

    def schedule(
        self,
        kind: str = "one_cycle",
        steps: Any = None,
        *,
        warmup: Any = None,
        half_period: Any = None,
        **kwargs: Any,
    ) -> Schedule:
        """A ready lrkit schedule built from this result.

        - ``"one_cycle"``: ``one_cycle(peak=max, steps, div=max/base)`` from
          :meth:`suggest_range` (``max`` = ``suggest("minimum")``; ``kwargs``
          such as ``final_div`` or ``div`` pass through);
        - ``"cyclic"``: ``cyclic(low=base, high=max, half_period)``, bound to ``steps``
          when given (a relative ``half_period`` such as ``"10%"`` is of that run);
        - ``"cosine"``: ``warmup(cosine(start=suggest(), end=0, steps), warmup)``
          (``warmup`` default ``"5%"``; ``0``: no warmup).

        ``warmup`` is for ``"cosine"`` only and ``half_period`` (default ``"10%"``)
        for ``"cyclic"`` only: given with another kind, they raise
        :class:`~lrkit.errors.ConfigError` (they would be dropped).

        ``steps`` left out means "to the end of the run" (bind it later). Raises
        :class:`~lrkit.errors.ConfigError` with the reason when the curve gives
        no suggestion.

        >>> lrs = np.geomspace(1e-4, 1.0, 41)
        >>> loss = 1.0 / (1.0 + (lrs / 1e-2) ** 2) + (lrs / 0.3) ** 4  # falls, then rises
        >>> r = FinderResult(lrs, loss, loss, skip_start=0, skip_end=0)
        >>> s = r.schedule("cosine", 1000)
        >>> type(s).__name__, s.schedule.start == r.suggest()
        ('Warmup', True)
        >>> r.schedule("cyclic", half_period=500).high == r.suggest("minimum")
        True
        """
        return build.schedule(self, kind, steps, warmup=warmup, half_period=half_period, **kwargs)

    # ------------------------------------------------------------ serialization
    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (non-finite ``stop_loss`` stored as a string); see :meth:`from_dict`."""
        sl = self.stop_loss
        d = {
            "kind": "lrkit.FinderResult",
            "version": 2,
            "lrs": self.lrs.tolist(),
            "losses": self.losses.tolist(),
            "smoothed": self.smoothed.tolist(),
            "curve": [v if math.isfinite(v) else None for v in self.curve.tolist()],
            "bandwidth": self.bandwidth,
            "stop_reason": self.stop_reason,
            "stop_lr": self.stop_lr,
            "stop_loss": sl if sl is None or math.isfinite(sl) else repr(sl),
            "config": json_safe(self.config),
            "calls": self.calls,
            "seconds": self.seconds,
            "meta": json_safe(self.meta),
            "skip_start": self.skip_start,
            "skip_end": self.skip_end,
        }
        if self.stop_detail:
            d["stop_detail"] = self.stop_detail
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any] | str) -> FinderResult:
        """Rebuild a result saved with :meth:`to_dict` (also its JSON text).

        Reads every version lrkit wrote: version 1 (no ``curve``: recomputed
        from the losses) and version 2 (lrkit 0.1.0).
        """
        if isinstance(d, str):
            try:
                d = json.loads(d)
            except ValueError as e:
                raise ConfigError(f"FinderResult.from_dict: d is not valid JSON ({e})") from None
        if not isinstance(d, dict) or d.get("kind") != "lrkit.FinderResult":
            raise ConfigError(
                f"FinderResult.from_dict: d must be a dict made by to_dict(), got {d!r:.80}"
            )
        missing = [k for k in ("lrs", "losses", "smoothed", "stop_reason") if k not in d]
        if missing:
            raise ConfigError(f"FinderResult.from_dict: missing key(s) {', '.join(missing)}")
        if d.get("version", 1) not in (1, 2):
            raise ConfigError(
                f"FinderResult.from_dict: version must be 1 or 2, got {d.get('version')!r}"
            )
        sl, curve = d.get("stop_loss"), d.get("curve")
        if isinstance(sl, str):  # to_dict writes a non-finite stop_loss as text
            if sl not in ("nan", "inf", "-inf"):
                raise ConfigError(
                    "FinderResult.from_dict: stop_loss must be a number, null, 'nan', 'inf' "
                    f"or '-inf', got {sl!r:.80}"
                )
            sl = float(sl)
        if not isinstance(d.get("config", {}) or {}, dict):
            raise ConfigTypeError("FinderResult.from_dict: config must be a dict")
        return cls(
            d["lrs"],
            d["losses"],
            d["smoothed"],
            stop_reason=d["stop_reason"],
            stop_lr=d.get("stop_lr"),
            stop_loss=sl,
            config=d.get("config"),
            calls=d.get("calls"),
            seconds=d.get("seconds", 0.0),
            meta=d.get("meta"),
            skip_start=d.get("skip_start"),
            skip_end=d.get("skip_end"),
            curve=None if curve is None else [math.nan if v is None else v for v in curve],
            bandwidth=d.get("bandwidth"),
            stop_detail=d.get("stop_detail", ""),
        )
