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
    warmup: Any = None,
    half_period: Any = None,
    **kwargs: Any,
) -> Schedule:
    """A ready schedule from ``res``; see :meth:`lrkit.FinderResult.schedule`."""
    from .. import schedules as S
    from ..combinators import warmup as _warmup

    try:
        kind = check_choice("FinderResult.schedule", "kind", kind, KINDS)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    for name, value, owner in (
        ("warmup", warmup, "cosine"),
        ("half_period", half_period, "cyclic"),
    ):
        if value is not None and kind != owner:  # it would be dropped
            raise ConfigError(
                f"FinderResult.schedule: {name} is for kind={owner!r}, got {name}={value!r} "
                f"with kind={kind!r}"
            )
    if kind == "cosine":
        lr = suggestion(res)
        if lr.lr is None:
            raise ConfigError(
                f"FinderResult.schedule: no suggestion to build a 'cosine' schedule from "
                f"({lr.reason}); see .warnings"
            )
        cos = S.cosine(lr.lr, kwargs.pop("end", 0.0), steps)
        if isinstance(warmup, int) and not isinstance(warmup, bool) and warmup == 0:
            if kwargs:  # warmup's own arguments, with no warmup
                raise ConfigError(
                    f"FinderResult.schedule: warmup=0 (none) takes no warmup arguments, "
                    f"got {', '.join(sorted(kwargs))}"
                )
            return cos
        return _warmup(cos, "5%" if warmup is None else warmup, **kwargs)
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
    cyc = S.cyclic(
        base, top, "10%" if half_period is None else half_period, **kwargs
    )  # cyclic has no steps of its own:
    return cyc if steps is None else cyc.bind(total_steps=steps)  # the run's, bound here
