"""Error types for mistakes a user can make (bad values, specs, files, runs).

Every error that lrkit raises because of its *input* is an :class:`LrkitError`.
Each one also derives from the built-in type a Python user expects
(``ValueError`` for a bad value, ``TypeError`` for a wrong type, ...), so
``except ValueError`` keeps working; a missing optional library is a
:class:`MissingDependencyError`, an ``ImportError``. The command line prints an
``LrkitError`` as one line and exits with status 2; any other exception is a
bug in lrkit and keeps its traceback.

>>> issubclass(ConfigError, ValueError) and issubclass(ConfigError, LrkitError)
True
"""

from __future__ import annotations

__all__ = [
    "LrkitError",
    "ConfigError",
    "ConfigTypeError",
    "NonFiniteError",
    "OutputError",
    "MissingDependencyError",
]


class LrkitError(Exception):
    """Base class of every error caused by the user's input."""


class ConfigError(LrkitError, ValueError):
    """A parameter, spec, checkpoint or option has a value that is not allowed."""


class ConfigTypeError(LrkitError, TypeError):
    """A parameter, spec, checkpoint or option has the wrong type."""


class NonFiniteError(LrkitError, FloatingPointError):
    """A value that must be finite (a rate, a loss, a schedule's output) is not."""


class OutputError(LrkitError, OSError):
    """An output path cannot be written (checked before any expensive work)."""


class MissingDependencyError(LrkitError, ImportError):
    """An optional library that a feature needs is not installed (the message names the
    ``pip install 'lrkit[extra]'`` that installs it)."""
