"""A space of schedules: shapes, a log-uniform peak, warmup and cooldown fractions.

Every point of the space is one concrete lrkit schedule, written as a spec
string that round-trips (``str(lrkit.spec.parse(s)) == s``). Peaks are rounded
to 3 significant digits, warmup and cooldown to whole percents of the run, so
the specs stay readable and equal points give equal strings.

The shapes, for peak :math:`p`, warmup ``W%`` and cooldown ``C%`` of the run:

- ``wsd``: warmup, constant :math:`p`, linear cooldown to 0 over the last ``C%``
  (``constant`` + cooldown);
- ``cosine``: warmup, then cosine from :math:`p` to 0;
- ``linear``: warmup, then linear from :math:`p` to 0 (linear-to-zero);
- ``one_cycle``: ``one_cycle(p)`` (its own 30 % warm-up from :math:`p/25`);
- ``step``: warmup, then :math:`p \\cdot 0.1^{\\lfloor t / 40\\% \\rfloor}`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .._validate import TINY, check_int
from ..errors import ConfigError, ConfigTypeError

__all__ = ["Space", "space", "SHAPES"]

#: the shapes a space can hold, in their canonical order
SHAPES = ("wsd", "cosine", "linear", "one_cycle", "step")

#: the parameters of a point of the space (Ray ``param_space`` keys, Optuna param names)
PARAMS = ("shape", "peak", "warmup", "cooldown")


def _round_peak(x: float) -> float:
    return float(f"{x:.3g}")


def _percent_pair(name: str, value: Any, high: float) -> tuple[int, int]:
    """A fraction or a ``(low, high)`` pair of fractions of the run, as whole percents."""
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise ConfigError(f"space: {name} must be a fraction or a (low, high) pair, got {value!r}")
    out = []
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigTypeError(
                f"space: {name} must be fractions of the run in [0, {high:g}], got {v!r}"
            )
        if not (math.isfinite(v) and 0.0 <= v <= high):
            raise ConfigError(
                f"space: {name} must be fractions of the run in [0, {high:g}], got {v!r}"
            )
        out.append(int(round(100 * v)))
    if out[0] > out[1]:
        raise ConfigError(f"space: {name} needs low <= high, got {value!r}")
    return out[0], out[1]


def _peak_pair(value: Any) -> tuple[float, float]:
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise ConfigError(f"space: peak must be a rate or a (low, high) pair, got {value!r}")
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigTypeError(f"space: peak must be positive rates, got {v!r}")
        if not (math.isfinite(v) and v > 0):
            raise ConfigError(f"space: peak must be finite rates > 0, got {v!r}")
        if v < TINY:  # a spec refuses it: every point of the space would fail
            raise ConfigError(
                f"space: peak must be rates >= {TINY!r} (the smallest normal float64; "
                f"subnormal values lose precision), got {v!r}"
            )
    lo, hi = float(pair[0]), float(pair[1])
    if lo > hi:
        raise ConfigError(f"space: peak needs low <= high, got {value!r}")
    return lo, hi


@dataclass(frozen=True)
class Space:
    """A space of schedules (build it with :func:`space`).

    ``shapes``: names from :data:`SHAPES`; ``peak``: ``(low, high)``, sampled
    log-uniformly; ``warmup`` / ``cooldown``: ``(low, high)`` whole percents
    of the run, sampled uniformly.
    """

    shapes: tuple[str, ...]
    peak: tuple[float, float]
    warmup: tuple[int, int]
    cooldown: tuple[int, int]

    def __post_init__(self) -> None:
        # a wsd point's warmup and decay are each rounded to updates: up to 99 % in all
        # they always fit the run (100 % only without warmup)
        w, c = self.warmup[1], max(self.cooldown[1], 1)
        if "wsd" in self.shapes and (w + c > 100 or (w > 0 and w + c == 100)):
            raise ConfigError(
                "space: wsd needs warmup + cooldown < 1 of the run (at most 0.99, both are "
                "rounded to updates; a cooldown of 1 only with warmup 0), got warmup up to "
                f"{w / 100:g} and cooldown up to {c / 100:g}"
            )

    # ------------------------------------------------------------ points
    def spec(self, point: dict[str, Any], total_steps: int | None = None) -> str:
        """The schedule spec of a point ``{shape, peak, warmup, cooldown}`` (warmup and
        cooldown in whole percents; missing ones take the space's low end).

        ``total_steps``, when the run's length is known: a warm-up that would
        round to 0 updates of it (1 % of 45 updates) is left out, since
        lrkit refuses a ``warmup(..., steps='1%')`` that rounds to nothing.

        >>> space().spec({"shape": "cosine", "peak": 0.1, "warmup": 1}, total_steps=45)
        'cosine(start=0.1)'
        """
        if total_steps is not None:
            total_steps = check_int("space", "total_steps", total_steps, low=1)
        shape = point.get("shape", self.shapes[0])
        if shape not in SHAPES:
            raise ConfigError(f"space: shape must be one of {', '.join(SHAPES)}, got {shape!r}")
        p = _round_peak(float(point.get("peak", self.peak[0])))
        w = int(point.get("warmup", self.warmup[0]))
        c = int(point.get("cooldown", self.cooldown[0]))
        if total_steps is not None and math.floor(w / 100.0 * total_steps + 0.5) < 1:
            w = 0  # a warm-up shorter than one update is none
        if shape == "one_cycle":
            return f"one_cycle(peak={p!r})"
        if shape == "wsd":
            return f"wsd(peak={p!r}, warmup='{w}%', decay='{max(c, 1)}%')"
        inner = {
            "cosine": f"cosine(start={p!r})",
            "linear": f"linear(start={p!r}, end=0.0)",
            "step": f"step(start={p!r}, gamma=0.1, every='40%')",
        }[shape]
        return f"warmup({inner}, steps='{w}%')" if w > 0 else inner

    def sample(self, rng: Any, total_steps: int | None = None) -> str:
        """A random point's spec; ``rng``: a ``numpy.random.Generator`` or ``random.Random``;
        ``total_steps``: the run's length, when known (:meth:`spec`)."""
        if hasattr(rng, "integers"):
            pick, unif, integer = (
                lambda n: int(rng.integers(n)),
                rng.uniform,
                lambda a, b: int(rng.integers(a, b + 1)),
            )
        else:
            pick, unif, integer = (lambda n: rng.randrange(n)), rng.uniform, rng.randint
        lo, hi = math.log(self.peak[0]), math.log(self.peak[1])
        point = {
            "shape": self.shapes[pick(len(self.shapes))],
            "peak": math.exp(unif(lo, hi)) if hi > lo else self.peak[0],
            "warmup": integer(*self.warmup),
            "cooldown": integer(*self.cooldown),
        }
        return self.spec(point, total_steps)

    def suggest(self, trial: Any, total_steps: int | None = None) -> str:
        """Optuna: suggest a point on ``trial`` and return its spec (also stored as the
        trial's user attribute ``"schedule"``); ``total_steps`` as in :meth:`spec`."""
        point: dict[str, Any] = {"shape": trial.suggest_categorical("shape", list(self.shapes))}
        lo, hi = self.peak
        point["peak"] = trial.suggest_float("peak", lo, hi, log=True) if hi > lo else lo
        if point["shape"] != "one_cycle":
            point["warmup"] = _suggest_int(trial, "warmup", self.warmup)
        if point["shape"] == "wsd":
            point["cooldown"] = _suggest_int(trial, "cooldown", self.cooldown)
        s = self.spec(point, total_steps)
        trial.set_user_attr("schedule", s)
        return s

    def to_ray(self, total_steps: int | None = None) -> dict[str, Any]:
        """A Ray Tune ``param_space``: ``shape`` (``tune.choice``), ``peak``
        (``tune.loguniform``), ``warmup`` / ``cooldown`` (``tune.randint``, percents)
        and ``schedule``, the point's spec (``tune.sample_from``, resolved by Ray's
        default search after the others); ``total_steps``: the trials' run length,
        when known (:meth:`spec`: a warm-up that rounds to 0 updates is left out).
        A trainable may also call :meth:`spec` on its ``config``."""
        from ray import tune

        if total_steps is not None:
            total_steps = check_int("space", "total_steps", total_steps, low=1)
        lo, hi = self.peak
        return {
            "shape": tune.choice(list(self.shapes)),
            "peak": tune.loguniform(lo, hi) if hi > lo else lo,
            "warmup": tune.randint(self.warmup[0], self.warmup[1] + 1),
            "cooldown": tune.randint(self.cooldown[0], self.cooldown[1] + 1),
            "schedule": tune.sample_from(
                functools.partial(self._spec_of_resolved, total_steps=total_steps)
            ),
        }

    def _spec_of_resolved(self, resolved: Any, total_steps: int | None = None) -> str:
        """Ray's ``sample_from`` hook: the spec of the point resolved so far (Ray gives
        the config dict; older Rays a spec whose ``config`` it is)."""
        config = resolved if "shape" in resolved else resolved.config
        return self.spec(dict(config), total_steps)

    # ------------------------------------------------------------ narrowing
    def narrow(self, source: Any, *, factor: float = 3.0) -> Space:
        """The space with its peak range narrowed by a finder result or a plan.

        A :class:`lrkit.FinderResult`: peaks in its ``suggest_range()``
        ``(base, max)`` (unchanged when it has none). A :class:`lrkit.plan.Plan`:
        peaks in ``[peak / factor, peak * factor]``, its shape first among the
        shapes (added if missing). The result is clipped to the current range
        when they overlap, else the new range replaces it.
        """
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor >= 1:
            raise ConfigError(f"space: factor must be a number >= 1, got {factor!r}")
        shapes = self.shapes
        if hasattr(source, "suggest_range"):
            rng = source.suggest_range()
            if rng is None:
                return self
            lo, hi = float(rng[0]), float(rng[1])
        elif hasattr(source, "peak") and hasattr(source, "shape"):
            lo, hi = source.peak / factor, source.peak * factor
            if source.shape in SHAPES:
                shapes = (source.shape, *[s for s in shapes if s != source.shape])
        else:
            raise ConfigTypeError(
                f"space: narrow takes a FinderResult or a Plan, got {type(source).__name__}"
            )
        a, b = max(lo, self.peak[0]), min(hi, self.peak[1])
        peak = (a, b) if a <= b else (lo, hi)
        return replace(self, shapes=shapes, peak=peak)

    def describe(self) -> str:
        """A short stable text of the space (used to name Optuna studies)."""
        return (
            f"shapes={','.join(self.shapes)} peak={self.peak[0]:.3g}..{self.peak[1]:.3g} "
            f"warmup={self.warmup[0]}..{self.warmup[1]}% "
            f"cooldown={self.cooldown[0]}..{self.cooldown[1]}%"
        )


def _suggest_int(trial: Any, name: str, pair: tuple[int, int]) -> int:
    return pair[0] if pair[0] == pair[1] else int(trial.suggest_int(name, pair[0], pair[1]))


def space(
    shapes: Any = SHAPES,
    peak: Any = (1e-4, 1.0),
    warmup: Any = (0.0, 0.1),
    cooldown: Any = (0.1, 0.3),
) -> Space:
    """A :class:`Space` of schedules.

    ``shapes``: a name or names from :data:`SHAPES`. ``peak``: a rate or a
    ``(low, high)`` range (log-uniform). ``warmup`` (at most 0.5) and
    ``cooldown`` (wsd only, at most 1): a fraction of the run or a
    ``(low, high)`` range of fractions, rounded to whole percents. With
    ``wsd`` among the shapes, the high ends of warmup and cooldown add up to
    at most 0.99 (1 when warmup is 0), so that every point fits the run.

    >>> s = space(["wsd"], peak=0.1, warmup=0.05, cooldown=0.2)
    >>> s.spec({"shape": "wsd", "peak": 0.1, "warmup": 5, "cooldown": 20})
    "wsd(peak=0.1, warmup='5%', decay='20%')"
    """
    if not isinstance(shapes, Iterable):
        raise ConfigTypeError(
            f"space: shapes must be a name or names from {', '.join(SHAPES)}, got {shapes!r}"
        )
    names = (shapes,) if isinstance(shapes, str) else tuple(shapes)
    if not names:
        raise ConfigError(f"space: shapes must name at least one of {', '.join(SHAPES)}")
    for n in names:
        if n not in SHAPES:
            raise ConfigError(f"space: shapes must be among {', '.join(SHAPES)}, got {n!r}")
    names = tuple(dict.fromkeys(names))
    w = _percent_pair("warmup", warmup, 0.5)
    c = _percent_pair("cooldown", cooldown, 1.0)
    return Space(names, _peak_pair(peak), w, c)


def parse_space(text: str) -> Space:
    """A space from the CLI's ``--space`` text: ``key=value`` items separated by ``;``.

    Keys: ``shapes`` (names joined by ``,``), ``peak``, ``warmup``, ``cooldown``
    (a number or ``low..high``). Example: ``"shapes=wsd,cosine; peak=1e-3..1e-1"``.
    """
    kw: dict[str, Any] = {}
    given: dict[str, str] = {}
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        key, sep, val = item.partition("=")
        key, val = key.strip(), val.strip()
        if not sep or key not in ("shapes", "peak", "warmup", "cooldown"):
            raise ConfigError(
                f"--space: items are key=value with key shapes, peak, warmup or cooldown, "
                f"got {item!r}"
            )
        if key in given:
            raise ConfigError(f"--space: {key} is given twice ({given[key]!r} and {val!r})")
        given[key] = val
        if key == "shapes":
            kw[key] = tuple(v.strip() for v in val.split(",") if v.strip())
            continue
        parts = val.split("..")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ConfigError(
                f"--space: {key} must be a number or low..high, got {val!r}"
            ) from None
        if len(nums) > 2:
            raise ConfigError(f"--space: {key} must be a number or low..high, got {val!r}")
        kw[key] = nums[0] if len(nums) == 1 else tuple(nums)
    return space(**kw)
