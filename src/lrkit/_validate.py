"""One place for argument checks.

Every message names the owner (the schedule or function), the parameter, the
rule and the value received, e.g. ``cosine: steps must be a positive
duration, got 0``.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

import numpy as np

from .errors import ConfigError, ConfigTypeError

__all__ = [
    "check_number",
    "check_int",
    "check_choice",
    "check_bool",
    "check_list",
    "check_steps",
    "check_pair",
    "is_number",
    "parse_duration",
    "DURATION_RE",
    "TINY",
    "peer_hint",
]

#: the smallest normal float64; smaller non-zero magnitudes (subnormals) are rejected
TINY = 2.2250738585072014e-308

# "5%", "2.5%", "3ep", "0.5ep", "100" (as a string of digits); ASCII digits and
# white space only (re.ASCII: no Arabic-Indic or full-width digits, no NBSP)
DURATION_RE = re.compile(
    r"^\s*(?P<num>[0-9]+(\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>%|ep)?\s*\Z", re.ASCII
)


def is_number(x: object) -> bool:
    """A real number that is not a bool (numpy numbers included)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


_is_number = is_number


#: the largest step a Python int may give (the range of numpy's int64)
MAX_STEP = 2**63 - 1


def _digits(v: int) -> str:
    """``v`` for a message: itself, or its size when printing it would be unreadable."""
    return (
        repr(v)
        if abs(v) < 10**30
        else f"an integer of about {int(v.bit_length() * 0.30103) + 1} digits"
    )


def check_steps(step: object) -> tuple[bool, np.ndarray]:
    """A step argument (int or integer array, >= 0): returns (is_scalar, float64 array)."""
    if isinstance(step, bool):
        raise ConfigTypeError(f"step must be an integer or an integer array, got {step!r}")
    if isinstance(step, numbers.Integral):
        s = int(step)
        if s < 0:
            raise ConfigError(f"step must be >= 0, got {_digits(s)}")
        if s > MAX_STEP:
            raise ConfigError(f"step must be <= 2**63 - 1, got {_digits(s)}")
        return True, np.asarray(float(s))
    arr = np.asarray(step)
    if arr.size == 0 and not isinstance(step, np.ndarray):
        arr = arr.astype(np.int64)  # an empty list holds no non-integer step
    if arr.dtype.kind not in "iu":
        got = f"{step!r} ({type(step).__name__})" if arr.ndim == 0 else f"dtype {arr.dtype}"
        raise ConfigTypeError(
            "step must be an integer or an integer array (steps are counted, not measured), "
            f"got {got}"
        )
    if arr.size and arr.min() < 0:
        raise ConfigError(f"step must be >= 0, got {int(arr.min())}")
    if arr.size and arr.dtype.kind == "u" and arr.max() > MAX_STEP:  # uint64 past int64
        raise ConfigError(f"step must be <= 2**63 - 1, got {_digits(int(arr.max()))}")
    return arr.ndim == 0, arr.astype(np.float64)


def check_list(owner: str, name: str, value: object) -> list[Any]:
    """``value`` as a list: a list, tuple or array, not a string, dict or set."""
    if isinstance(value, (str, bytes, dict, set, frozenset)) or not hasattr(value, "__iter__"):
        raise ConfigTypeError(
            f"{owner}: {name} must be a list, got {value!r} ({type(value).__name__})"
        )
    return list(value)


def check_pair(owner: str, name: str, value: object, what: str = "pair") -> tuple[Any, Any]:
    """``value`` as a 2-tuple (a list or tuple of two items)."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ConfigTypeError(f"{owner}: {name} must be a {what}, got {value!r}")
    return value[0], value[1]


def check_number(
    owner: str,
    name: str,
    value: Any,
    *,
    positive: bool = False,
    nonneg: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    rule: str | None = None,
) -> float:
    """Return ``value`` as a finite float or raise with a clear message."""
    if not _is_number(value):
        raise ConfigTypeError(
            f"{owner}: {name} must be a number, got {value!r} ({type(value).__name__})"
        )
    try:
        v = float(value)
    except OverflowError:  # an int beyond float64 (10**400)
        raise ConfigError(
            f"{owner}: {name} must be a finite number, got {_digits(int(value))}"
        ) from None
    if not math.isfinite(v):
        raise ConfigError(f"{owner}: {name} must be a finite number, got {value!r}")
    if 0.0 < abs(v) < TINY:
        raise ConfigError(
            f"{owner}: {name} must be 0 or of magnitude >= 2.2250738585072014e-308 (the "
            f"smallest normal float64; subnormal values lose precision), got {value!r}"
        )
    bad = (
        (positive and v <= 0)
        or (nonneg and v < 0)
        or (low is not None and (v <= low if low_open else v < low))
        or (high is not None and (v >= high if high_open else v > high))
    )
    if bad:
        if rule is None:
            if positive:
                rule = "> 0"
            elif nonneg:
                rule = ">= 0"
            else:
                parts = []
                if low is not None:
                    parts.append(f"{'>' if low_open else '>='} {low:g}")
                if high is not None:
                    parts.append(f"{'<' if high_open else '<='} {high:g}")
                rule = " and ".join(parts)
        raise ConfigError(f"{owner}: {name} must be {rule}, got {value!r}")
    return v


def check_int(
    owner: str, name: str, value: Any, *, low: int | None = None, rule: str | None = None
) -> int:
    """Return ``value`` as an int (numpy integers and integral floats accepted)."""
    if not _is_number(value):
        raise ConfigTypeError(
            f"{owner}: {name} must be an integer, got {value!r} ({type(value).__name__})"
        )
    if isinstance(value, numbers.Integral):
        v = int(value)
    else:
        f = float(value)
        if not math.isfinite(f) or f != int(f):
            raise ConfigError(f"{owner}: {name} must be an integer, got {value!r}")
        v = int(f)
    if low is not None and v < low:
        raise ConfigError(f"{owner}: {name} must be {rule or f'>= {low}'}, got {value!r}")
    return v


def check_choice(owner: str, name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ConfigError(f"{owner}: {name} must be one of {allowed}, got {value!r}")
    return value


def check_bool(owner: str, name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    # numpy bools (numpy.bool_, named numpy.bool since numpy 2)
    if type(value).__module__ == "numpy" and type(value).__name__ in ("bool_", "bool"):
        return bool(value)
    raise ConfigTypeError(f"{owner}: {name} must be True or False, got {value!r}")


#: the longest duration, in steps (integers up to 2**53 are exact in float64)
MAX_DURATION = 2**53


def parse_duration(owner: str, name: str, value: Any, *, allow_zero: bool = False) -> int | str:
    """Normalize a duration: an int number of steps, ``"N%"`` or ``"Nep"``.

    Returns an ``int`` (absolute) or a canonical string (relative). Only ASCII
    digits are read.
    """
    what = "a non-negative duration" if allow_zero else "a positive duration"
    allowed = "(int steps, 'N%' of the run or 'Nep' epochs)"
    if isinstance(value, str):
        m = DURATION_RE.match(value)
        if not m:
            raise ConfigError(f"{owner}: {name} must be {what} {allowed}, got {value!r}")
        num = float(m.group("num"))
        unit = m.group("unit")
        if unit is None:
            value = num
        else:
            if num == 0 and not allow_zero:
                raise ConfigError(f"{owner}: {name} must be {what} {allowed}, got {value!r}")
            if unit == "%" and num > 100:
                raise ConfigError(f"{owner}: {name} must be at most 100% of the run, got {value!r}")
            if unit == "ep" and num > MAX_DURATION:
                raise ConfigError(f"{owner}: {name} must be at most 2**53 epochs, got {value!r}")
            text = repr(num) if num != int(num) else str(int(num))
            return f"{text}{unit}"
    if not _is_number(value):
        raise ConfigTypeError(f"{owner}: {name} must be {what} {allowed}, got {value!r}")
    if isinstance(value, numbers.Integral):
        v = int(value)
    else:
        f = float(value)
        if not math.isfinite(f) or f != int(f):
            raise ConfigError(
                f"{owner}: {name} must be a whole number of steps {allowed}, got {value!r}"
            )
        v = int(f)
    if v < 0 or (v == 0 and not allow_zero):
        raise ConfigError(f"{owner}: {name} must be {what} {allowed}, got {value!r}")
    if v > MAX_DURATION:
        raise ConfigError(f"{owner}: {name} must be at most 2**53 steps, got {_digits(v)}")
    return v


def resolve_duration(
    owner: str,
    name: str,
    value: int | str,
    total_steps: int | None,
    steps_per_epoch: int | None,
) -> int | str:
    """Resolve a relative duration when the run's size is known; else keep it."""
    if isinstance(value, int):
        return value
    if value.endswith("%"):
        if total_steps is None:
            return value
        return int(math.floor(float(value[:-1]) / 100.0 * total_steps + 0.5))
    if value.endswith("ep"):
        if steps_per_epoch is None:
            return value
        n = int(math.floor(float(value[:-2]) * steps_per_epoch + 0.5))
        if n > MAX_DURATION:
            raise ConfigError(
                f"{owner}: {name}={value!r} is {n} steps with steps_per_epoch={steps_per_epoch}; "
                "at most 2**53 steps"
            )
        return n
    raise AssertionError(value)  # pragma: no cover - parse_duration normalized it


# ---------------------------------------------------------------- peers' argument names
_PT, _HF, _OX, _KS, _TM = "PyTorch", "HuggingFace", "optax", "Keras", "timm"
_WRAP = "wrap the schedule: lrkit.warmup(schedule, steps=N)"
_RESUME = (
    "resume with the scheduler's load_state_dict, or its step(n) to start at step n "
    "(a schedule is a function of the step: it holds no step of its own)"
)

#: a peer's argument name -> (peer, lrkit's name): a name, ``{owner: name}`` with the
#: key ``""`` for any other owner, or a sentence (it contains a space) said as it is
_PEER_NAMES: dict[str, tuple[str, str | dict[str, str]]] = {
    "T_max": (_PT, "steps"),
    "last_epoch": (_PT, {"": _RESUME}),
    "eta_min": (_PT, "end"),
    "max_lr": (_PT, {"cyclic": "high", "": "peak"}),
    "base_lr": (_PT, {"cyclic": "low", "": "start"}),
    "step_size": (_PT, {"cyclic": "half_period", "": "every"}),
    "step_size_up": (_PT, "half_period"),
    "step_size_down": (_PT, "half_period_down"),
    "anneal_strategy": (_PT, "anneal"),
    "div_factor": (_PT, "div"),
    "final_div_factor": (_PT, "final_div"),
    "total_steps": (_PT, "steps"),
    "total_iters": (_PT, "steps"),
    "T_0": (_PT, "period"),
    "T_mult": (_PT, "mult"),
    "gamma": (_PT, {"sgdr": "decay", "inverse_time": "decay"}),
    "start_factor": (_PT, "start (a rate: start = start_factor * base rate)"),
    "end_factor": (_PT, "end (a rate: end = end_factor * base rate)"),
    "factor": (_PT, {"constant": "value (a rate: value = factor * base rate)", "": "gamma"}),
    "warmup_steps": (
        _OX,
        {"wsd": "warmup", "inverse_sqrt": "warmup", "warmup": "steps", "": _WRAP},
    ),
    "num_warmup_steps": (
        _HF,
        {"wsd": "warmup", "inverse_sqrt": "warmup", "warmup": "steps", "": _WRAP},
    ),
    "num_training_steps": (_HF, "steps"),
    "num_decay_steps": (_HF, "decay"),
    "num_cycles": (_HF, "cycles"),
    "min_lr": (_HF, "end"),
    "lr_end": (_HF, "end"),
    "min_lr_ratio": (_HF, "end (a rate: end = min_lr_ratio * peak)"),
    "warmup_type": (_HF, "warmup_shape"),
    "decay_type": (_HF, "shape"),
    "decay_steps": (_OX, {"exponential": "every", "inverse_time": "every", "": "steps"}),
    "transition_steps": (_OX, {"exponential": "every", "": "steps"}),
    "decay_rate": (_OX, {"inverse_time": "decay", "": "gamma"}),
    "alpha": (_OX, "end (a rate: end = alpha * start)"),
    "init_value": (_OX, {"wsd": "peak", "one_cycle": "peak", "": "start"}),
    "peak_value": (_OX, "peak"),
    "end_value": (_OX, "end"),
    "initial_learning_rate": (_KS, "start"),
    "end_learning_rate": (_KS, "end"),
    "first_decay_steps": (_KS, "period"),
    "t_mul": (_KS, "mult"),
    "m_mul": (_KS, "decay"),
    "lr_min": (_TM, "end"),
    "t_initial": (_TM, "steps"),
    "cycle_mul": (_TM, "mult"),
    "cycle_decay": (_TM, "decay"),
    "cycle_limit": (_TM, "cycles"),
    "k_decay": (_TM, "k"),
    "lb": (_TM, "lower"),
    "ub": (_TM, "upper"),
    "warmup_t": (_TM, {"warmup": "steps", "": _WRAP}),
    "warmup_lr_init": (_TM, {"warmup": "start", "": _WRAP}),
    "warmup_prefix": (_TM, "prefix"),
    "noise_pct": (_TM, "pct"),
    "noise_seed": (_TM, "seed"),
    "noise_type": (_TM, "dist"),
    "noise_range_t": (_TM, "`begin` and `until` (a range of steps)"),
}


def callable_hint(value: object) -> str:
    """For a function given where a schedule goes (PyTorch's ``LambdaLR`` habit): how to wrap it.

    Not for a class (``lrkit.cosine`` left uncalled is no function of the step).

    >>> callable_hint(1.0), callable_hint(float)
    ('', '')
    """
    if not callable(value) or isinstance(value, type):
        return ""
    return (
        "; a function of the step is wrapped with lrkit.custom(fn), which takes the rate "
        "(LambdaLR's function gives a factor: lrkit.custom(lambda t: lr * f(t)))"
    )


def peer_hint(owner: str, name: str, allowed: list[str] | tuple[str, ...]) -> str:
    """``"; PyTorch's `eta_min` is lrkit's `end`"`` for a peer's argument name, else ``""``.

    The hint is given when lrkit's name is one of ``allowed`` (the owner's
    parameters), or when it is a sentence (a rule to follow).

    >>> peer_hint("cosine", "eta_min", ["start", "end", "steps"])
    "; PyTorch's `eta_min` is lrkit's `end`"
    """
    entry = _PEER_NAMES.get(name)
    if entry is None:
        return ""
    peer, ours = entry
    if isinstance(ours, dict):
        got = ours.get(owner, ours.get(""))
        if got is None:
            return ""
        ours = got
    if " " not in ours and ours not in allowed:
        return ""
    if ours.startswith(("wrap", "resume")):
        return f"; for {peer}'s `{name}`, {ours}"
    word = ours if " " in ours else f"`{ours}`"
    return f"; {peer}'s `{name}` is lrkit's {word}"
