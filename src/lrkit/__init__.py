"""lrkit: learning-rate (and other hyperparameter) schedules as values.

Write a schedule once, see it before training, find a good learning rate, and
use the same numbers in PyTorch (``lrkit.torch``), Keras 3 (``lrkit.keras``)
and JAX/optax (``lrkit.jax``).

>>> s = lrkit.warmup(lrkit.cosine(0.1, 1e-5), steps="5%").bind(total_steps=1000)
>>> round(s(50), 6)
0.1
>>> lrkit.parse(str(s)) == s
True
"""

from __future__ import annotations

from typing import Any

from .analysis import (
    Summary,
    contraction_rate,
    exponential_to_step,
    half_life,
    optimal_constant_lr,
    scale_lr,
    step_to_exponential,
    summary,
)
from .combinators import (
    Add,
    Clip,
    CoupledWD,
    Div,
    Mul,
    Neg,
    Noise,
    Opposite,
    Sequence,
    Subtract,
    Truncate,
    Warmup,
    clip,
    coupled_wd,
    noise,
    opposite,
    sequence,
    truncate,
    warmup,
)
from .core import REGISTRY, Schedule
from .schedules import (
    SGDR,
    WSD,
    Constant,
    Cosine,
    Custom,
    Cyclic,
    Exponential,
    Interpolate,
    InverseSqrt,
    InverseTime,
    Linear,
    MultiStep,
    OneCycle,
    Piecewise,
    Polynomial,
    Step,
    Table,
    Tanh,
    constant,
    cosine,
    custom,
    cyclic,
    exponential,
    interpolate,
    inverse_sqrt,
    inverse_time,
    linear,
    multistep,
    one_cycle,
    piecewise,
    polynomial,
    sgdr,
    step,
    table,
    tanh,
    wsd,
)
from .spec import SpecError, as_schedule, from_dict, parse

__version__ = "0.1.0"

__all__ = [
    "Schedule",
    "REGISTRY",
    "as_schedule",
    "parse",
    "from_dict",
    "SpecError",
    # constructors
    "constant",
    "linear",
    "cosine",
    "polynomial",
    "exponential",
    "step",
    "multistep",
    "piecewise",
    "interpolate",
    "inverse_time",
    "inverse_sqrt",
    "sgdr",
    "cyclic",
    "one_cycle",
    "wsd",
    "tanh",
    "table",
    "custom",
    # combinators
    "warmup",
    "sequence",
    "truncate",
    "noise",
    "clip",
    "opposite",
    "coupled_wd",
    # classes
    "Constant",
    "Linear",
    "Cosine",
    "Polynomial",
    "Exponential",
    "Step",
    "MultiStep",
    "Piecewise",
    "Interpolate",
    "InverseTime",
    "InverseSqrt",
    "SGDR",
    "Cyclic",
    "OneCycle",
    "WSD",
    "Tanh",
    "Table",
    "Custom",
    "Warmup",
    "Sequence",
    "Truncate",
    "Noise",
    "Mul",
    "Add",
    "Subtract",
    "Div",
    "Neg",
    "Clip",
    "Opposite",
    "CoupledWD",
    # analysis
    "Summary",
    "summary",
    "half_life",
    "step_to_exponential",
    "exponential_to_step",
    "scale_lr",
    "optimal_constant_lr",
    "contraction_rate",
]


def __getattr__(name: str) -> Any:
    # Lazy parts: frameworks and plotting are imported only when used.
    if name in ("find", "FinderResult"):
        from . import finder

        return getattr(finder, name)
    if name in ("torch", "jax", "keras", "plot", "plan"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lrkit' has no attribute {name!r}")
