"""Array-namespace helpers shared by the framework adapters (no framework imports)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = ["Float32Safe"]


class Float32Safe:
    """An array namespace forwarding to ``xp`` except for powers of constants.

    ``power(c, x)`` with a positive Python number ``c`` that float32 cannot hold
    exactly (0.995, 1.3) and an array ``x`` is computed as ``exp(x * log(c))``
    with ``log(c)`` taken in float64: a naive float32 ``0.995 ** t`` drifts by
    about ``t * 6e-8`` relative. Constants exact in float32 (2.0, 0.5, 1.5) keep
    the native power, exact for integer exponents, which SGDR's cycle starts
    rely on. ``zeros_dtype`` fixes the dtype of ``zeros`` (Keras' floatx).
    """

    def __init__(self, xp: Any, zeros_dtype: Any = None) -> None:
        self._xp = xp
        self._zeros_dtype = zeros_dtype

    def __getattr__(self, name: str) -> Any:
        return getattr(self._xp, name)

    def zeros(self, shape: Any) -> Any:
        if self._zeros_dtype is None:
            return self._xp.zeros(shape)
        return self._xp.zeros(shape, dtype=self._zeros_dtype)

    def power(self, a: Any, b: Any) -> Any:
        if (
            isinstance(a, numbers.Real)
            and not isinstance(b, numbers.Real)
            and a > 0
            and float(np.float32(a)) != float(a)
        ):
            return self._xp.exp(b * math.log(float(a)))
        return self._xp.power(a, b)
