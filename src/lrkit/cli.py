"""The ``lrkit`` command line: argument parsing and printing only.

Each verb lives in ``lrkit.commands.<verb>`` with ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. A user error (any
:class:`lrkit.errors.LrkitError`: a bad option, spec, value or output path)
exits with status 2 and one line on stderr, and so does an optional library
that the verb needs and that is not installed (naming the extra that installs
it); any other exception is a bug in lrkit and keeps its traceback.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence

from .errors import LrkitError

VERBS = (
    "values",
    "show",
    "find",
    "bench",
    "lab",
    "demo",
    "predict",
    "plan",
)


class UsageError(LrkitError):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lrkit",
        description="Learning-rate schedules: preview, find, benchmark.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"lrkit {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    for verb in VERBS:
        try:
            mod = importlib.import_module(f"lrkit.commands.{verb}")
        except ModuleNotFoundError as e:
            if e.name == f"lrkit.commands.{verb}":
                continue  # verb not available in this build
            raise
        p = sub.add_parser(verb, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "verb", None):
            parser.print_help()
            return 2
        return int(args._run(args) or 0)
    except LrkitError as e:  # UsageError and every user error of the layers below
        print(f"lrkit: error: {_one_line(str(e))}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:  # an optional library the verb needs is not installed
        from ._deps import missing_dependency

        verb = next((a for a in argv if a in VERBS), None)
        missing = missing_dependency(e, "lrkit" + (f" {verb}" if verb else ""))
        if missing is None:
            raise
        print(f"lrkit: error: {missing}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lrkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - e.g. `lrkit values ... | head`
        return 0
    except OSError as e:  # the output cannot be written: a full disk is not a bug of lrkit
        if e.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        _drop_stdout()
        print(f"lrkit: error: cannot write the output: {e.strerror}", file=sys.stderr)
        return 2


def _drop_stdout() -> None:
    """Point stdout at the null device: what is left in its buffer cannot be written,
    and flushing it at exit would fail again with a second message."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no real stdout
        pass


def _one_line(msg: str) -> str:
    return " ".join(msg.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
