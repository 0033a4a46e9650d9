"""Output paths: checked once, before any expensive work, and never losing finished results.

Every command and report that writes files goes through these checks, so a bad
``--out`` fails in a second with one clear line instead of after the training.

>>> figure_kind("chart.png"), figure_kind("page.HTML")
('image', 'html')
"""

from __future__ import annotations

import math
import os
import tempfile
from typing import Any

from ._deps import check_installed
from .errors import ConfigError, OutputError

__all__ = [
    "FIGURE_EXTENSIONS",
    "figure_kind",
    "check_file",
    "check_figure_library",
    "check_report_libraries",
    "check_dir",
    "save_elsewhere",
    "json_safe",
]

#: the file types a chart can be written as
FIGURE_EXTENSIONS = (".png", ".svg", ".pdf", ".html", ".htm")


def figure_kind(path: str, option: str = "out") -> str:
    """``"html"`` or ``"image"`` for a chart path; :class:`ConfigError` for another extension."""
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in FIGURE_EXTENSIONS:
        raise ConfigError(f"{option} must end in .png, .svg, .pdf or .html, got {path!r}")
    return "html" if ext in (".html", ".htm") else "image"


def check_figure_library(path: str, option: str = "out") -> None:
    """:class:`~lrkit.errors.MissingDependencyError` when the library that draws a chart
    at ``path`` (plotly for HTML, matplotlib for an image) is not installed."""
    kind = figure_kind(path, option)
    module = "plotly" if kind == "html" else "matplotlib"
    check_installed(module, "plot", f"{option} {path!r}")


def check_report_libraries(png: bool) -> None:
    """Before a benchmark: the libraries of its ``report.html`` (plotly) and, with
    ``png``, of its PNG figures (matplotlib) are installed."""
    check_installed("plotly", "plot", "report.html")
    if png:
        check_installed("matplotlib", "plot", "the PNG figures (or give --no-png)")


def _nearest_existing(path: str) -> str:
    d = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(d):
        d = os.path.dirname(d)
    return d


def _probe(folder: str) -> str | None:
    """Why a file cannot be created in ``folder``, or ``None`` when one can.

    ``os.access`` answers from the permission bits, which root ignores and a
    read-only mount or a virtual file system (``/proc``) contradicts; so a
    temporary file is created there and removed at once.
    """
    if not os.access(folder, os.W_OK | os.X_OK):
        return "is not writable"
    try:
        fd, probe = tempfile.mkstemp(prefix=".lrkit-probe-", dir=folder)
    except OSError as e:
        return f"is not writable ({e.strerror or e})"
    os.close(fd)
    os.remove(probe)
    return None


def _check_parent(path: str, option: str, what: str = "write") -> None:
    """Can ``path`` be created (``what``: the verb of the message: ``"write"`` a file,
    ``"create folder"``)? The folders it needs are made when it is written."""
    parent = _nearest_existing(path)
    if not os.path.isdir(parent):
        raise OutputError(f"{option}: cannot {what} {path!r}: {parent!r} is a file, not a folder")
    why = _probe(parent)
    if why is not None:
        raise OutputError(f"{option}: cannot {what} {path!r}: folder {parent!r} {why}")


def check_file(path: str, option: str, extensions: tuple[str, ...] | None = None) -> str:
    """Check that ``path`` can be written as a file (before any work); return it.

    Refuses an empty name, an existing folder, a link into a missing folder,
    a path under a file, an unwritable folder and (when ``extensions`` is
    given) another extension; for a chart's extensions, also a chart whose
    library is not installed.
    """
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(f"{option} must name a file, got {path!r}")
    if extensions is not None:
        if extensions == FIGURE_EXTENSIONS:
            figure_kind(path, option)
        elif os.path.splitext(path)[1].lower() not in extensions:
            raise ConfigError(f"{option} must end in {' or '.join(extensions)}, got {path!r}")
        if set(extensions) <= set(FIGURE_EXTENSIONS):  # a chart: its library is installed
            check_figure_library(path, option)
    if os.path.isdir(path):
        raise OutputError(f"{option}: {path!r} is an existing folder, not a file")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise OutputError(f"{option}: {path!r} exists and is not writable")
    if os.path.islink(path) and not os.path.exists(path):  # writing follows the link
        target = os.path.realpath(path)
        if not os.path.isdir(os.path.dirname(target)):
            raise OutputError(
                f"{option}: {path!r} is a link to {target!r}, whose folder does not exist"
            )
        _check_parent(target, option)
        return path
    _check_parent(path, option)
    return path


def check_dir(path: str, option: str) -> str:
    """Check that ``path`` is (or can become) a writable folder (before any work); return it."""
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(f"{option} must name a folder, got {path!r}")
    if os.path.islink(path) and not os.path.exists(path):  # os.makedirs cannot make it
        raise OutputError(
            f"{option}: {path!r} is a link to {os.path.realpath(path)!r}, which does not "
            "exist; create that folder or name another"
        )
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise OutputError(f"{option}: {path!r} is an existing file, not a folder")
        why = _probe(path)
        if why is not None:
            raise OutputError(f"{option}: folder {path!r} {why}")
        return path
    _check_parent(path, option, "create folder")
    return path


def save_elsewhere(text: str, name: str) -> str:
    """Write ``text`` to a new file in the temporary folder (results whose own path failed)."""
    stem, ext = os.path.splitext(name)
    fd, tmp = tempfile.mkstemp(prefix=f"lrkit-{stem}-", suffix=ext or ".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return tmp


def json_safe(x: Any) -> Any:
    """``x`` as plain JSON: non-finite floats become ``null``, numpy scalars Python numbers,
    numpy arrays (and tensors) lists.

    Strict JSON has no NaN or infinity, so a diverged loss or a missing value is
    written as ``null`` (what ``json.loads`` in any language reads back), dict
    keys become strings, and tuples lists.

    >>> json_safe({1: float("nan"), "x": (1.5, float("inf"))})
    {'1': None, 'x': [1.5, None]}
    """
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if getattr(x, "ndim", 0) and callable(getattr(x, "tolist", None)):
        return json_safe(x.tolist())  # a numpy array or a tensor
    if not isinstance(x, (bool, int, float, str)) and hasattr(x, "item") and callable(x.item):
        x = x.item()  # a numpy scalar
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
