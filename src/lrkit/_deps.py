"""Optional dependencies: import one, or say which extra installs it.

The bottom layer, so every layer (the planner and the finder as much as the
plots) asks for matplotlib or plotly the same way.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["require"]


def require(module: str, extra: str = "plot", what: str = "this picture") -> Any:
    """Import ``module`` (an optional library), or raise ImportError naming the extra.

    >>> require("math").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{module} is needed for {what}; install it with: pip install 'lrkit[{extra}]'"
        ) from None
