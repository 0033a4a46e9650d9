"""``lrkit.keras.Schedule``: an lrkit schedule as a Keras ``LearningRateSchedule``."""

from __future__ import annotations

import numbers
from typing import Any

import keras
import numpy as np

from .._validate import check_steps
from .._xp import Float32Safe, bound_schedule, first_nonfinite
from ..control import PlateauConfig, plateau_apply
from ..core import Schedule as _LrkitSchedule
from ..errors import ConfigError, ConfigTypeError

__all__ = ["Schedule"]

#: a config key naming the import that registers this class. Keras cannot load a
#: ``.keras`` file whose schedule class is not registered, and its error ("Could not
#: locate class 'Schedule'") prints the object's config: this entry makes that
#: message say what fixes it. ``from_config`` ignores it.
LOAD_HINT = ("load_with", "import lrkit.keras before keras.saving.load_model")


#: the normal magnitudes of each ``floatx`` below float64, for the error message
_RANGES = {
    "float32": "1.2e-38 to 3.4e38",
    "bfloat16": "1.2e-38 to 3.4e38",
    "float16": "6.1e-05 to 65504",
}


@keras.saving.register_keras_serializable(package="lrkit")
class Schedule(keras.optimizers.schedules.LearningRateSchedule):
    """An lrkit schedule as a Keras 3 learning-rate schedule (any backend).

    ``Schedule(s)(step)`` evaluates the schedule's closed form with
    ``keras.ops`` in ``keras.backend.floatx()`` (float32 by default), so it
    runs inside compiled train steps on the jax, torch and tensorflow
    backends. Keras calls it with ``optimizer.iterations``, the number of
    updates done so far: the value at step ``t`` is the rate of the
    ``t``-th update (0-based), as everywhere in lrkit. (With
    ``gradient_accumulation_steps=n`` Keras passes its batch counter: update
    ``k`` uses the value at ``(k + 1) n - 1``.)

    Args:
        schedule: an lrkit schedule, a spec string, a dict or a number.
        total_steps, steps_per_epoch: bind the schedule's relative durations
            (``"5%"``, ``"2ep"``, open ends) to the run.
        offset: steps added to ``optimizer.iterations`` before evaluating
            (``offset = initial_epoch * steps_per_epoch`` resumes a schedule
            in a fresh optimizer; see also :class:`ResumeIterations`).
        scale, min_value: the reduce-on-plateau state
            (:class:`ReduceLROnPlateau` sets them): the applied value is
            ``max(v * scale, min(v, min_value))``. Both are saved in the config.
        name: optional name.

    ``get_config()`` stores the canonical spec text, so a saved ``.keras``
    model reloads with its schedule without ``custom_objects`` (the class is
    registered as ``"lrkit>Schedule"``) once ``lrkit.keras`` is imported. Keras
    cannot import it by itself; without it Keras's error prints the config,
    whose ``load_with`` entry names that import.

    Raises:
        ValueError: the schedule has relative durations and no run length.
    """

    # keras is untyped here: declare the attributes set in __init__ (and by ReduceLROnPlateau)
    schedule: _LrkitSchedule
    offset: int
    scale: float
    min_value: float
    name: str | None

    def __init__(
        self,
        schedule: Any,
        *,
        total_steps: int | None = None,
        steps_per_epoch: int | None = None,
        offset: int = 0,
        scale: float = 1.0,
        min_value: float = 0.0,
        name: str | None = None,
    ) -> None:
        super().__init__()
        s = bound_schedule("lrkit.keras.Schedule", schedule, total_steps, steps_per_epoch)
        o = "lrkit.keras.Schedule"
        if isinstance(offset, bool) or not isinstance(offset, numbers.Integral) or offset < 0:
            raise ConfigError(f"{o}: offset must be an int >= 0, got {offset!r}")
        for key, v, ok in (
            ("scale", scale, "in [0, 1]"),
            ("min_value", min_value, "a finite number >= 0"),
        ):
            bad = isinstance(v, bool) or not isinstance(v, numbers.Real)
            if bad or not (0 <= v <= 1 if key == "scale" else 0 <= v < float("inf")):
                raise ConfigError(f"{o}: {key} must be {ok}, got {v!r}")
        if name is not None and not isinstance(name, str):
            raise ConfigTypeError(f"{o}: name must be a str or None, got {name!r}")
        self.schedule = s
        self.offset = int(offset)
        self.scale = float(scale)
        self.min_value = float(min_value)
        self.name = name
        self._check_float32(total_steps)

    def _check_float32(self, total_steps: int | None) -> None:
        """Refuse values that ``floatx`` float32 cannot represent over the run.

        Evaluated as in training (``keras.ops``) at :func:`lrkit._xp.sample_steps`
        (the first 4096 steps when neither the run's nor the schedule's length
        is known); a NaN or an infinity raises ``ConfigError`` naming the step.
        """
        if keras.backend.floatx() == "float64":
            return
        found = first_nonfinite(
            self.schedule, total_steps, lambda steps: keras.ops.convert_to_numpy(self(steps))
        )
        if found is not None:
            t, value = found
            fx = keras.backend.floatx()
            raise ConfigError(
                f"lrkit.keras.Schedule: {self.schedule.spec()} is {value} at step {t} in "
                f"{fx}; {fx} holds magnitudes from about {_RANGES.get(fx, _RANGES['float32'])}. "
                "Change the parameters, or use keras.backend.set_floatx('float64')"
            )

    def __call__(self, step: Any) -> Any:
        ops = keras.ops
        dtype = keras.backend.floatx()
        t = ops.cast(step, dtype)
        if self.offset:
            t = t + float(self.offset)
        t = ops.maximum(t, 0.0)
        v = self.schedule._eval(
            t, Float32Safe(ops, keras.backend.floatx()) if dtype != "float64" else ops
        )
        v = ops.cast(ops.add(ops.multiply(t, 0.0), v), dtype)
        if self.scale != 1.0:
            v = plateau_apply(PlateauConfig(min_value=self.min_value), self.scale, v, ops)
        return v

    def value(self, step: Any) -> Any:
        """The value in float64 numpy (lrkit's reference), plateau scale included.

        ``step``: an int or an integer array, >= 0 (as lrkit's schedules take)."""
        check_steps(step)
        base = self.schedule(np.asarray(step, dtype=np.int64) + self.offset)
        if self.scale != 1.0:
            base = plateau_apply(PlateauConfig(min_value=self.min_value), self.scale, base, np)
        return base

    def get_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"schedule": self.schedule.spec()}
        if self.offset:
            cfg["offset"] = self.offset
        if self.scale != 1.0:
            cfg["scale"] = self.scale
        if self.min_value != 0.0:
            cfg["min_value"] = self.min_value
        if self.name is not None:
            cfg["name"] = self.name
        cfg[LOAD_HINT[0]] = LOAD_HINT[1]
        return cfg

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Schedule:
        return cls(**{k: v for k, v in config.items() if k != LOAD_HINT[0]})

    def __repr__(self) -> str:
        cfg = self.get_config()
        extra = "".join(
            f", {k}={v!r}" for k, v in cfg.items() if k not in ("schedule", LOAD_HINT[0])
        )
        return f"lrkit.keras.Schedule({self.schedule.spec()!r}{extra})"
