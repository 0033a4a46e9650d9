"""Checks of command-line values, each failing with one line that names the option.

Every check raises an :class:`lrkit.errors.LrkitError`, which the CLI prints
as ``lrkit: error: ...`` with exit status 2.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable
from typing import Any, Literal

from .._validate import TINY
from ..errors import ConfigError, LrkitError, NonFiniteError
from ..tasks._info import MAX_SEED

#: the most steps ``values`` prints and ``show`` summarizes (a preview, not a run)
MAX_TOTAL = 10**8

#: the largest rate a float32 model's optimizer can apply (``torch.finfo(float32).max``)
MAX_RATE = 3.4028234663852886e38

#: upper bounds of counts: far above any sensible run, below what overflows
MAX_EPOCHS, MAX_SEEDS, MAX_THREADS, MAX_SWEEP = 100_000, 10_000, 1024, 100_000


def positive_int(option: str, value: int, *, low: int = 1, high: int | None = None) -> int:
    if value < low:
        rule = "a positive int" if low == 1 else f"an integer >= {low}"
        raise ConfigError(f"{option} must be {rule}, got {value}")
    if high is not None and value > high:
        raise ConfigError(f"{option} must be at most {high:_}, got {value:_}")
    return value


def seed(option: str, value: int) -> int:
    if not 0 <= value < MAX_SEED:
        raise ConfigError(f"{option} must be an integer in [0, 2**63), got {value}")
    return value


def total(option: str, value: int, limit: int = MAX_TOTAL) -> int:
    if value < 1:
        raise ConfigError(f"{option} must be a positive number of steps, got {value}")
    if value > limit:
        raise ConfigError(
            f"{option} must be at most {limit:_} steps for a preview, got {value:_}"
            " (use the Python API to evaluate a longer run in pieces)"
        )
    return value


def add_run_length(p: argparse.ArgumentParser) -> None:
    """The options ``--total`` (required) and ``--steps-per-epoch`` of ``show`` and ``values``."""
    p.add_argument(
        "--total",
        type=int,
        required=True,
        help=f"number of steps in the run (at most {MAX_TOTAL:_})",
    )
    p.add_argument("--steps-per-epoch", type=int, default=None, help="steps per epoch ('Nep')")


def run_length(args: argparse.Namespace) -> int:
    """Check ``--total``, then ``--steps-per-epoch``; return the total."""
    steps = total("--total", args.total)
    if args.steps_per_epoch is not None:
        positive_int("--steps-per-epoch", args.steps_per_epoch)
    return steps


def number(
    option: str,
    value: float,
    *,
    positive: bool = False,
    low: float | None = None,
    rate: bool = False,
) -> float:
    """A finite float, not subnormal (``positive``: > 0; ``low``: >= low; ``rate``: at most
    :data:`MAX_RATE`)."""
    if not math.isfinite(value):
        raise ConfigError(f"{option} must be a finite number, got {value}")
    if 0 < abs(value) < TINY:  # as lrkit's own parameters (docs/core.md)
        raise ConfigError(
            f"{option} must be 0 or of magnitude >= {TINY!r} (the smallest normal float64), "
            f"got {value!r}"
        )
    if positive and not value > 0:
        raise ConfigError(f"{option} must be > 0, got {value:g}")
    if low is not None and value < low:
        raise ConfigError(f"{option} must be >= {low:g}, got {value}")
    if rate and value > MAX_RATE:
        raise ConfigError(
            f"{option} must be at most {MAX_RATE:.4g} (the largest float32), got {value:g}"
        )
    return value


def replaces(path: str) -> str:
    """``" (replaced the earlier file)"`` if ``path`` exists (ask before writing), else ``""``."""
    import os

    return " (replaced the earlier file)" if os.path.exists(path) else ""


def schedules(texts: Iterable[str], *, auto: bool = False) -> list[Any]:
    """Parse every spec before any work (``"auto"`` kept as a string when ``auto``).

    A spec is the user's own text, so whatever stops it from being read is a
    user error: an error of a lower layer not yet of lrkit's own types, or a
    spec nested too deeply for Python's parser, becomes one line.
    """
    from ..bench import parse_schedules
    from ..core import as_schedule

    out = []
    for text in texts:
        with user_text("spec", text):
            out.append(parse_schedules([text])[0] if auto else as_schedule(text))
    return out


class user_text:
    """Context: errors raised while reading or evaluating the user's ``what`` are user errors.

    ``ValueError``/``TypeError`` raised by layers that do not use lrkit's error
    types yet become :class:`ConfigError` (``FloatingPointError``:
    :class:`NonFiniteError`); ``RecursionError`` says the text is nested too
    deeply. Other exceptions (bugs) pass through with their traceback.
    ``epochs_hint``: a message about ``steps_per_epoch`` gets the option to
    use (``--steps-per-epoch K``) appended.
    """

    def __init__(self, what: str, text: str, *, epochs_hint: bool = False) -> None:
        self.what, self.text, self.epochs_hint = what, text, epochs_hint

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, err: Any, tb: Any) -> Literal[False]:
        if err is None:
            return False
        if (
            self.epochs_hint
            and isinstance(err, (ValueError, TypeError))
            and "steps_per_epoch" in str(err)
        ):
            raise ConfigError(
                f"{err}; on the command line, give the epoch length: --steps-per-epoch K"
            ) from err
        if isinstance(err, LrkitError):
            return False
        if isinstance(err, RecursionError):
            raise ConfigError(
                f"{self.what} is nested too deeply to read ({len(self.text)} characters); "
                "split it or use fewer terms"
            ) from None
        if isinstance(err, FloatingPointError):
            raise NonFiniteError(str(err)) from err
        if isinstance(err, (ValueError, TypeError, OverflowError)):
            raise ConfigError(str(err)) from err
        return False
