"""Optional dependencies: import one, or say which extra installs it.

The bottom layer, so every layer (the planner and the finder as much as the
plots) asks for matplotlib or plotly the same way.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from .errors import MissingDependencyError

__all__ = ["EXTRAS", "require", "check_installed", "missing_dependency"]

#: the optional libraries and the extra of ``pip install 'lrkit[extra]'`` that installs each
EXTRAS = {
    "torch": "torch",
    "jax": "jax",
    "optax": "jax",
    "keras": "keras",
    "matplotlib": "plot",
    "plotly": "plot",
    "sklearn": "tasks",
    "mnist1d": "tasks",
    "tqdm": "tasks",
    "scipy": "laws",
    "ray": "ray",
    "optuna": "optuna",
    "schedulefree": "schedulefree",
}


def _message(module: str, extra: str, what: str) -> str:
    return f"{module} is needed for {what}; install it with: pip install 'lrkit[{extra}]'"


def require(module: str, extra: str = "plot", what: str = "this picture") -> Any:
    """Import ``module`` (an optional library), or raise
    :class:`~lrkit.errors.MissingDependencyError` (an ``ImportError``) naming the extra.

    >>> require("math").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(_message(module, extra, what)) from None


def check_installed(module: str, extra: str, what: str) -> None:
    """Raise :class:`~lrkit.errors.MissingDependencyError` when ``module`` is not installed,
    without importing it (a check before expensive work).

    >>> check_installed("json", "plot", "a test")
    >>> check_installed("no_such_module_xyz", "plot", "a test")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lrkit.errors.MissingDependencyError: no_such_module_xyz is needed for a test; install ...
    """
    top = module.split(".")[0]
    if importlib.util.find_spec(top) is None:
        raise MissingDependencyError(_message(top, extra, what))


def missing_dependency(
    exc: BaseException, what: str = "this command"
) -> MissingDependencyError | None:
    """``exc`` as a :class:`~lrkit.errors.MissingDependencyError` when it is a
    ``ModuleNotFoundError`` for one of :data:`EXTRAS`' libraries, else ``None``.

    >>> e = ModuleNotFoundError("No module named 'torch'", name="torch")
    >>> str(missing_dependency(e, "lrkit plan"))
    "torch is needed for lrkit plan; install it with: pip install 'lrkit[torch]'"
    >>> missing_dependency(ModuleNotFoundError("No module named 'x'", name="x")) is None
    True
    """
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    top = exc.name.split(".")[0]
    if top not in EXTRAS:
        return None
    return MissingDependencyError(_message(top, EXTRAS[top], what))
