"""Ready lrkit schedules from a range test (``FinderResult.schedule``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._validate import check_choice
from ..errors import ConfigError
from .suggest import suggest_range, suggestion, too_short

if TYPE_CHECKING:
    from ..core import Schedule
    from .result import FinderResult

__all__ = ["schedule", "KINDS"]

KINDS = ("one_cycle", "cyclic", "cosine")


def schedule(
    res: FinderResult,
    kind: str = "one_cycle",
    steps: Any = None,
    *,
    warmup: Any = "5%",
    half_period: Any = "10%",
    **kwargs: Any,
) -> Schedule:
    """A ready schedule from ``res``; see :meth:`lrkit.FinderResult.schedule`."""
    from .. import schedules as S
    from ..combinators import warmup as _warmup

    try:
        kind = check_choice("FinderResult.schedule", "kind", kind, KINDS)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    if kind == "cosine":
        lr = suggestion(res)
        if lr.lr is None:
            raise ConfigError(
                f"FinderResult.schedule: no suggestion to build a 'cosine' schedule from "
                f"({lr.reason}); see .warnings"
            )
        return _warmup(S.cosine(lr.lr, kwargs.pop("end", 0.0), steps), warmup, **kwargs)
    rng = suggest_range(res)
    if rng is None:
        raise ConfigError(
            f"FinderResult.schedule: no range to build a {kind!r} schedule from "
            f"({too_short(res) or 'the curve does not fall'}); see .warnings"
        )
    base, top = rng
    if kind == "one_cycle":
        kwargs.setdefault("div", top / base)
        return S.one_cycle(top, steps, **kwargs)
    cyc = S.cyclic(base, top, half_period, **kwargs)  # cyclic has no steps of its own:
    return cyc if steps is None else cyc.bind(total_steps=steps)  # the run's, bound here
