"""``lrkit.keras.find_lr``: the LR range test on a compiled Keras model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from .._validate import check_int
from ..errors import ConfigError, ConfigTypeError
from ..finder import SweepOptions, as_loss, find, sweep_options
from ..finder.cycle import Cycle

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..finder import SweepKeywords

__all__ = ["find_lr"]


def _batches(
    x: Any, y: Any, batch_size: int, seed: int, where: str = "find_lr"
) -> Iterator[tuple[Any, Any]]:
    if y is None:
        if not isinstance(x, Iterable):
            raise ConfigTypeError(
                f"{where}: give x and y arrays, or an iterable of (x, y) batches as x, "
                f"got x={type(x).__name__} and y=None"
            )
        for batch in Cycle.over(x, "dataset"):
            if not isinstance(batch, (tuple, list)) or len(batch) < 2:
                got = type(batch).__name__
                raise ConfigTypeError(f"{where}: the dataset must yield (x, y) batches, got {got}")
            yield batch[0], batch[1]
    xa, ya = np.asarray(x), np.asarray(y)
    n = len(xa)
    if n == 0 or len(ya) != n:
        raise ConfigError(
            f"{where}: x and y must be non-empty and of equal length, got {n}, {len(ya)}"
        )
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(n)
        for i in range(0, n - batch_size + 1 if n >= batch_size else 1, batch_size):
            idx = order[i : i + batch_size]
            yield xa[idx], ya[idx]


def _compiled_optimizer(where: str, model: Any, batch_size: Any, seed: Any) -> Any:
    """The optimizer of a compiled ``model``, after checking ``model``, ``batch_size``
    and ``seed`` (numpy integers accepted)."""
    if not isinstance(model, keras.Model):
        raise ConfigTypeError(f"{where}: model must be a keras.Model, got {type(model).__name__}")
    opt = getattr(model, "optimizer", None)
    if opt is None:
        raise ConfigError(f"{where}: the model is not compiled; call model.compile(...) first")
    check_int(where, "batch_size", batch_size, low=1, rule="a positive int")
    check_int(where, "seed", seed, low=0, rule="an integer >= 0")
    return opt


def _snapshot(model: Any) -> list[tuple[Any, np.ndarray]]:
    """Every variable of ``model`` with a copy of its value: the weights (trainable and
    not) and the seed generators' states (dropout), which ``get_weights()`` leaves out."""
    return [(v, np.array(keras.ops.convert_to_numpy(v.value))) for v in model.variables]


def _restore(snapshot: list[tuple[Any, np.ndarray]]) -> None:
    for v, value in snapshot:
        v.assign(value)


def _fresh_like(opt: Any, lr: float) -> Any:
    """A new optimizer of ``opt``'s class and settings at rate ``lr``, no state (under
    mixed precision: a new ``LossScaleOptimizer`` over a fresh inner optimizer)."""
    if isinstance(opt, keras.optimizers.LossScaleOptimizer):
        inner = _fresh_like(opt.inner_optimizer, lr)
        cfg = opt.get_config()
        return keras.optimizers.LossScaleOptimizer(
            inner,
            initial_scale=cfg["initial_scale"],
            dynamic_growth_steps=cfg["dynamic_growth_steps"],
        )
    cfg = opt.get_config()
    cfg["learning_rate"] = float(lr)
    return type(opt).from_config(cfg)


def find_lr(
    model: Any,
    x: Any,
    y: Any = None,
    *,
    batch_size: int = 32,
    options: SweepOptions | None = None,
    seed: int = 0,
    progress: bool | None = None,
    **sweep: Unpack[SweepKeywords],
) -> Any:
    """Run the LR range test (:func:`lrkit.find`) on a compiled Keras model.

    Every step is one ``model.train_on_batch`` at the swept rate, with a
    *separate* optimizer of the same class and settings (the model's own
    optimizer is never stepped), so afterwards the model's weights (and its
    seed generators' states: dropout) are put back exactly and its optimizer
    (slots, ``iterations``, schedule) is as it was — also when the sweep raises.

    Args:
        model: a compiled ``keras.Model``.
        x, y: training arrays (batches of ``batch_size`` drawn in a seeded
            random order), or ``x`` an iterable of ``(x, y)`` batches (a
            ``keras.utils.PyDataset``, a list, a generator function's output)
            and ``y=None``; it is cycled if the sweep is longer (a one-shot
            generator ends the sweep when it runs out, keeping the points:
            ``stop_reason="exhausted"``).
        options, progress and the keywords start, end, steps, mode, smooth,
            diverge: the sweep's settings, see :func:`lrkit.find`.
        seed: the shuffling seed (arrays).

    Returns:
        The :class:`lrkit.FinderResult` (``suggest()``, ``suggest_range()``, ``plot()``).
    """
    opt = _compiled_optimizer("find_lr", model, batch_size, seed)
    batch_size, seed = int(batch_size), int(seed)
    opts = sweep_options(options, **sweep)
    data = _batches(x, y, batch_size, seed)
    if not model.built:
        xb, _ = next(_batches(x, y, batch_size, seed))
        model(xb)
    saved = _snapshot(model)
    sweep_opt = _fresh_like(opt, float(opts.start))
    sweep_opt.build(model.trainable_variables)

    def step_fn(lr: float) -> float:
        sweep_opt.learning_rate = lr
        xb, yb = next(data)
        out = model.train_on_batch(xb, yb, return_dict=True)
        return as_loss(out["loss"], "find_lr", lr)

    model.optimizer = sweep_opt
    model.make_train_function(force=True)
    try:
        return find(step_fn, opts, progress=progress)
    finally:
        model.optimizer = opt
        model.make_train_function(force=True)
        _restore(saved)
