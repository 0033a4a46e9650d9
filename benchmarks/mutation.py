"""Sampled mutation testing: does the test suite notice a one-line bug in the logic?

For every logic-carrying module (``MODULES`` below: source globs and the test files
that own the module), the script lists every one-line *mutant* the operators below
can make, samples ``--per-module`` of them with a fixed ``--seed``, applies each to
a **temporary copy** of ``src/`` (the real files are never edited; the copy is put
first on ``PYTHONPATH``) and runs the module's tests against it with
``pytest -x -q -p no:cacheprovider`` and a timeout. A mutant is

* **killed** when the tests fail (any non-zero pytest status except "no tests"),
* **timeout** when they run past the timeout (an infinite loop: also detected),
* **survived** when every test passes: either a gap in the tests, or an
  *equivalent* mutant (same behaviour), which belongs in the skip list.

Score per module = (killed + timeout) / (killed + timeout + survived).

Operators (``--operators`` selects a subset):

==========  =====================================================================
``int``     off-by-one on an int literal: ``n`` -> ``n + 1`` and ``n - 1``
``cmp``     comparison flip: ``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``is``/``is not``,
            ``in``/``not in``
``arith``   arithmetic swap: ``+``/``-``, ``*``/``/`` (also in ``+=`` and friends)
``drop``    drop a term: ``a + b`` -> ``a`` (and ``b``), ``a - b`` / ``a * b`` / ``a / b``
            -> ``a``
``minmax``  ``min``/``max`` (and ``np.minimum``/``np.maximum``, ``fmin``/``fmax``,
            ``amin``/``amax``) swapped
``negate``  the condition of an ``if`` / ``while`` / conditional expression negated
``raise``   a ``raise`` statement replaced by ``pass``
``boolop``  ``and``/``or`` swapped
``return``  return early: a statement of a function that returns no value replaced
            by ``return`` (skips it and everything after it)
==========  =====================================================================

Equivalent mutants go in ``benchmarks/mutation_skip.toml``: one ``[[skip]]`` table per
mutant with ``module``, ``original`` and ``mutated`` (the stripped source line before
and after, as the report prints them) and a ``reason``; they are removed before
sampling. A line ending in ``# pragma: no mutate`` is never mutated.

Run (the machine is shared: be nice, one job)::

    nice -n 10 .venv/bin/python benchmarks/mutation.py --per-module 10 --seed 0 \\
        --json benchmarks/results/mutation.json --out benchmarks/results/mutation.md

Other options: ``--modules finder spec`` (a subset), ``--jobs 2``, ``--list`` (count
the candidates, run nothing), ``--timeout-factor``; for triage ``--match TEXT``, ``--tests``,
``--deselect``. Speed: ``--select coverage`` (default: each mutant runs only the tests that
execute its statement, quickest first, from one traced run per module; ``--select all``:
the whole set) and ``--preload`` (default: each pytest run is forked from a server that
imported the heavy third-party modules once; ``--no-preload``: a fresh interpreter).
See ``docs/mutation.md``.
"""

from __future__ import annotations

import argparse
import ast
import glob
import json
import os
import platform
import queue
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------
# Configuration: module name -> (source globs, test globs), relative to the repository.
# Globs keep the script working while modules become packages (``finder.py`` ->
# ``finder/*.py``); modules with no source file yet (laws, plan) are reported as absent.
# ``tests/test_mutants_<name>*.py`` (dots as ``_``, no leading ``_``) is always added.
# ---------------------------------------------------------------------------------------
CORE_TESTS = ["tests/test_core_*.py"]
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "schedules": (
        ["src/lrkit/schedules.py", "src/lrkit/schedules/*.py"],
        CORE_TESTS + ["tests/test_schedules*.py"],
    ),
    "combinators": (
        ["src/lrkit/combinators.py", "src/lrkit/combinators/*.py"],
        CORE_TESTS + ["tests/test_combinators*.py"],
    ),
    "core": (["src/lrkit/core.py", "src/lrkit/core/*.py"], CORE_TESTS),
    "_validate": (["src/lrkit/_validate.py"], CORE_TESTS + ["tests/test_validate*.py"]),
    "spec": (["src/lrkit/spec.py", "src/lrkit/spec/*.py"], ["tests/test_spec*.py"]),
    "control": (["src/lrkit/control.py", "src/lrkit/control/*.py"], ["tests/test_control*.py"]),
    "finder": (
        ["src/lrkit/finder.py", "src/lrkit/finder/*.py"],
        ["tests/test_finder*.py", "tests/test_torch_finder*.py"],
    ),
    "torch.scheduler": (
        ["src/lrkit/torch/scheduler.py"],
        [
            "tests/test_torch_scheduler*.py",
            "tests/test_torch_parity*.py",
            "tests/test_torch_hardening*.py",
        ],
    ),
    "torch.plateau": (
        ["src/lrkit/torch/plateau.py"],
        [
            "tests/test_torch_plateau*.py",
            "tests/test_torch_distributed*.py",
            "tests/test_torch_hardening*.py",
        ],
    ),
    "laws": (["src/lrkit/laws.py", "src/lrkit/laws/*.py"], ["tests/test_laws*.py"]),
    "plan": (["src/lrkit/plan.py", "src/lrkit/plan/*.py"], ["tests/test_plan*.py"]),
}
SKIP_FILE = ROOT / "benchmarks" / "mutation_skip.toml"
OPERATORS = ("int", "cmp", "arith", "drop", "minmax", "negate", "raise", "boolop", "return")
NO_MUTATE = "pragma: no mutate"
#: how pytest reports a conftest.py it could not import (exit status 4)
_CONFTEST = "ImportError while loading conftest"

CMP_SWAP = {
    ast.Lt: ("<", "<="),
    ast.LtE: ("<=", "<"),
    ast.Gt: (">", ">="),
    ast.GtE: (">=", ">"),
    ast.Eq: ("==", "!="),
    ast.NotEq: ("!=", "=="),
    ast.Is: ("is", "is not"),
    ast.IsNot: ("is not", "is"),
    ast.In: ("in", "not in"),
    ast.NotIn: ("not in", "in"),
}
ARITH_SWAP = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*")}
MINMAX = {
    "min": "max",
    "max": "min",
    "minimum": "maximum",
    "maximum": "minimum",
    "fmin": "fmax",
    "fmax": "fmin",
    "amin": "amax",
    "amax": "amin",
}


@dataclass(frozen=True)
class Mutant:
    module: str
    file: str  # relative to the repository root
    line: int
    operator: str
    original: str  # the stripped source line(s) before ...
    mutated: str  # ... and after the change
    start: tuple[int, int]  # (line, byte column) of the replaced span
    end: tuple[int, int]
    text: str  # what replaces the span

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.module, self.original, self.mutated)


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | timeout | error
    seconds: float
    detail: str = ""
    tests_run: int | None = None  # the selected tests' count; None: the whole set


# --------------------------------------------------------------------------- mutants


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _guard(node: ast.AST) -> bool:
    """An ``if TYPE_CHECKING:`` or ``if __name__ == "__main__":`` statement."""
    if not isinstance(node, ast.If):
        return False
    src = ast.unparse(node.test)
    return "TYPE_CHECKING" in src or "__main__" in src


def _excluded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside an f-string, an annotation, or ``if TYPE_CHECKING`` / ``__main__`` (test or body)."""
    if _guard(node):  # its own negation
        return True
    child, cur = node, parents.get(node)
    while cur is not None:
        if isinstance(cur, ast.JoinedStr):
            return True
        if isinstance(cur, ast.arg) and child is cur.annotation:
            return True
        if isinstance(cur, ast.AnnAssign) and child is cur.annotation:
            return True
        if isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef)) and child is cur.returns:
            return True
        if _guard(cur) and (child in cur.body or child is cur.test):
            return True
        child, cur = cur, parents.get(cur)
    return False


def _gap_edit(lines: list[bytes], a: ast.AST, b: ast.AST, old: str, new: str):
    """Replace the operator ``old`` written between nodes ``a`` and ``b`` by ``new``."""
    sl, sc, el, ec = a.end_lineno, a.end_col_offset, b.lineno, b.col_offset  # type: ignore[attr-defined]
    gap = b"".join(lines[sl - 1 : el])
    lo = sc
    hi = len(gap) - (len(lines[el - 1]) - ec)
    between = gap[lo:hi].decode()
    words = re.sub(r"[()\s\\]", " ", between).split()
    if " ".join(words) != old:
        return None  # a comment or something unexpected between the operands
    match = re.search(r"\s+".join(re.escape(w) for w in old.split()), between)
    if match is None:
        return None
    # the span to replace: the operator itself, located inside the gap
    prefix = gap[:lo].decode() + between[: match.start()]
    line = sl + prefix.count("\n")
    col = len(prefix.rsplit("\n", 1)[-1].encode())
    endp = gap[:lo].decode() + between[: match.end()]
    return (line, col), (sl + endp.count("\n"), len(endp.rsplit("\n", 1)[-1].encode())), new


def _segment(lines: list[bytes], node: ast.AST) -> str:
    sl, sc = node.lineno, node.col_offset  # type: ignore[attr-defined]
    el, ec = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
    if sl == el:
        return lines[sl - 1][sc:ec].decode()
    parts = [lines[sl - 1][sc:]] + lines[sl : el - 1] + [lines[el - 1][:ec]]
    return b"".join(parts).decode()


def _span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def _returns_value(fn: ast.AST) -> bool:
    for node in ast.walk(fn):
        if node is not fn and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            return True
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
    return False


def _edits(tree: ast.AST, lines: list[bytes]):
    """Yield ``(operator, anchor node, start, end, text)`` for every candidate mutant."""
    parents = _parents(tree)
    for node in ast.walk(tree):
        if not hasattr(node, "lineno") or _excluded(node, parents):
            continue
        if isinstance(node, ast.Constant) and type(node.value) is int:
            for d in (1, -1):
                v = node.value + d
                yield "int", node, *_span(node), str(v) if v >= 0 else f"({v})"
        elif isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                old, new = CMP_SWAP[type(op)]
                edit = _gap_edit(lines, left, right, old, new)
                if edit:
                    yield "cmp", node, *edit
                left = right
        elif isinstance(node, (ast.BinOp, ast.AugAssign)):
            a = node.left if isinstance(node, ast.BinOp) else node.target
            b = node.right if isinstance(node, ast.BinOp) else node.value
            if type(node.op) not in ARITH_SWAP or _is_text(a) or _is_text(b):
                continue
            old, new = ARITH_SWAP[type(node.op)]
            if isinstance(node, ast.AugAssign):
                old, new = old + "=", new + "="
            edit = _gap_edit(lines, a, b, old, new)
            if edit:
                yield "arith", node, *edit
            if isinstance(node, ast.BinOp):
                yield "drop", node, *_span(node), f"({_segment(lines, a)})"
                if isinstance(node.op, (ast.Add, ast.Mult)):
                    yield "drop", node, *_span(node), f"({_segment(lines, b)})"
        elif isinstance(node, ast.Call):
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name in MINMAX and (isinstance(f, ast.Attribute) or name in ("min", "max")):
                end = (f.end_lineno, f.end_col_offset)
                yield "minmax", node, (end[0], end[1] - len(name)), end, MINMAX[name]
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            yield "negate", node.test, *_span(node.test), f"not ({_segment(lines, node.test)})"
        elif isinstance(node, ast.BoolOp):
            old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            for a, b in zip(node.values, node.values[1:]):
                edit = _gap_edit(lines, a, b, old, new)
                if edit:
                    yield "boolop", node, *edit
        elif isinstance(node, ast.Raise):
            yield "raise", node, *_span(node), "pass"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _returns_value(node):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]  # the docstring
            for stmt in body:
                if not isinstance(stmt, (ast.Return, ast.Pass)):
                    yield "return", stmt, *_span(stmt), "return"


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))
    )


def _apply(lines: list[bytes], start, end, text: str) -> list[bytes]:
    (sl, sc), (el, ec) = start, end
    new_line = lines[sl - 1][:sc] + text.encode() + lines[el - 1][ec:]
    return lines[: sl - 1] + [new_line] + lines[el:]


def _show(lines: list[bytes], first: int, last: int) -> str:
    return " ".join(b.decode().strip() for b in lines[first - 1 : last])


def mutants_of(module: str, path: Path, operators) -> list[Mutant]:
    """Every valid mutant of one source file, in a deterministic order."""
    source = path.read_bytes()
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    out, seen = [], set()
    for op, _node, start, end, text in _edits(tree, lines):
        if op not in operators:
            continue
        if any(NO_MUTATE in lines[i - 1].decode() for i in range(start[0], end[0] + 1)):
            continue
        new_lines = _apply(lines, start, end, text)
        try:
            compile(b"".join(new_lines), str(path), "exec")
        except SyntaxError:
            continue
        original = _show(lines, start[0], end[0])
        mutated = _show(new_lines, start[0], start[0])
        if original == mutated or (start, end, text) in seen:
            continue
        seen.add((start, end, text))
        rel = path.resolve().relative_to(ROOT).as_posix()
        out.append(Mutant(module, rel, start[0], op, original, mutated, start, end, text))
    out.sort(key=lambda m: (m.file, m.start, m.end, m.operator, m.text))
    return out


# --------------------------------------------------------------------------- config


def _glob(patterns: list[str]) -> list[Path]:
    found: list[Path] = []
    for pat in patterns:
        for p in sorted(glob.glob(str(ROOT / pat))):
            path = Path(p)
            if path.name != "__init__.py" or len(patterns) == 1:
                if path not in found:
                    found.append(path)
    return found


def tests_for(name: str) -> list[str]:
    pats = MODULES[name][1] + [f"tests/test_mutants_{name.strip('_').replace('.', '_')}*.py"]
    return [p.relative_to(ROOT).as_posix() for p in _glob(pats)]


def load_skips(path: Path) -> dict[tuple[str, str, str], str]:
    if not path.exists():
        return {}
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    skips = {}
    for entry in data.get("skip", []):
        if not str(entry.get("reason", "")).strip():
            raise SystemExit(f"{path}: every [[skip]] needs a reason: {entry}")
        skips[(entry["module"], entry["original"], entry["mutated"])] = entry["reason"]
    return skips


# --------------------------------------------------------------------------- selection

#: A pytest plugin, written into each temporary tree and loaded with ``-p``. With
#: ``LRKIT_MUT_TRACE`` set it records, for every line of the copied ``src/`` that runs,
#: in which context it ran: ``<import>`` (collection, a module or class body, anything
#: run while such a body runs), ``S <node id>`` (a test's setup or teardown: a fixture,
#: possibly shared by the file's other tests) or ``T <node id>`` (the test itself), and
#: which tests start a process (``spawn``). With ``LRKIT_MUT_KEEP`` it deselects every
#: test whose node id is not in that file. Plain ``sys.settrace``: no dependency.
PLUGIN = r"""
import json, os, sys, threading

import pytest

_KEEP = os.environ.get("LRKIT_MUT_KEEP")
_TRACE = os.environ.get("LRKIT_MUT_TRACE")

if _KEEP:

    def pytest_collection_modifyitems(config, items):
        with open(_KEEP, encoding="utf-8") as f:
            order = {n: i for i, n in enumerate(f.read().splitlines())}
        dropped = [it for it in items if it.nodeid not in order]
        kept = [it for it in items if it.nodeid in order]
        items[:] = sorted(kept, key=lambda it: order[it.nodeid])
        if dropped:
            config.hook.pytest_deselected(items=dropped)


if _TRACE:
    _SRC = os.environ["LRKIT_MUT_SRC"]
    _HITS = {}
    _STATE = {"ctx": "<import>", "importing": 0}
    _SPAWN = set()
    _ITEMS = []
    _SECONDS = {}

    def _record(code, line, ctx):
        _HITS.setdefault(code.co_filename, {}).setdefault(line, set()).add(ctx)

    def _body(frame, event, arg):  # a module or class body: its own lines and callees
        if event == "line":
            _record(frame.f_code, frame.f_lineno, "<import>")
        elif event == "return":
            _STATE["importing"] -= 1
        return _body

    def _local(frame, event, arg):
        if event == "line":
            ctx = "<import>" if _STATE["importing"] else _STATE["ctx"]
            _record(frame.f_code, frame.f_lineno, ctx)
        return _local

    def _global(frame, event, arg):
        code = frame.f_code
        if not code.co_filename.startswith(_SRC):
            return None
        if not code.co_flags & 1:  # not CO_OPTIMIZED: a module or class body
            _STATE["importing"] += 1
            return _body
        return _local

    def _spawning(fn):
        def wrapper(*a, **k):
            _SPAWN.add(_STATE["ctx"])
            return fn(*a, **k)

        return wrapper

    import multiprocessing.process
    import subprocess

    subprocess.Popen._execute_child = _spawning(subprocess.Popen._execute_child)
    multiprocessing.process.BaseProcess.start = _spawning(
        multiprocessing.process.BaseProcess.start
    )
    os.fork = _spawning(os.fork)
    threading.settrace(_global)
    sys.settrace(_global)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(item):
        _STATE["ctx"] = "S " + item.nodeid
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(item):
        _STATE["ctx"] = "T " + item.nodeid
        yield
        _STATE["ctx"] = "S " + item.nodeid

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(item):
        _STATE["ctx"] = "S " + item.nodeid
        yield
        _STATE["ctx"] = "<import>"

    def pytest_runtest_logreport(report):
        _SECONDS[report.nodeid] = _SECONDS.get(report.nodeid, 0.0) + report.duration

    def pytest_collection_finish(session):
        _ITEMS[:] = [it.nodeid for it in session.items]

    def pytest_sessionfinish(session):
        sys.settrace(None)
        threading.settrace(None)
        hits = {
            f: {str(n): sorted(c) for n, c in lines.items()} for f, lines in _HITS.items()
        }
        data = {"items": _ITEMS, "seconds": _SECONDS, "spawn": sorted(_SPAWN), "hits": hits}
        with open(_TRACE, "w", encoding="utf-8") as f:
            json.dump(data, f)
"""


#: Third-party modules a test-run server imports once (``--preload``): what a
#: mutant's pytest run would otherwise import afresh each time (about 5 s of torch,
#: scipy, matplotlib, hypothesis and pytest). Never lrkit: each run imports its own.
PRELOAD = (
    "numpy",
    "scipy.optimize",
    "scipy.stats",
    "matplotlib",
    "matplotlib.pyplot",
    "hypothesis",
    "pytest",
    "torch",
)

#: A server started once per temporary tree (``--preload``): it imports ``PRELOAD``,
#: then for each request (one JSON line on stdin) forks; the child runs
#: ``pytest.main`` in a fresh process group with the request's environment and its
#: output in a file, the server waits (killing the group at the timeout) and answers
#: one JSON line: the exit status (``null`` on a timeout) and the seconds taken.
SERVER = r"""
import json, os, signal, sys, time

for name in sys.argv[1:]:
    try:
        __import__(name)
    except Exception:
        pass
if [m for m in sys.modules if m == "lrkit" or m.startswith("lrkit.")]:
    raise SystemExit("the preloaded modules imported lrkit")
print("ready", flush=True)
for line in sys.stdin:
    req = json.loads(line)
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            fd = os.open(req["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            import pytest

            rc = pytest.main(req["args"])
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(rc))
        except BaseException:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
            os._exit(3)
    rc = None
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            rc = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() - t0 > req["timeout"]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            break
        time.sleep(0.01)
    print(json.dumps({"rc": rc, "seconds": time.perf_counter() - t0}), flush=True)
"""


class Selection:
    """Which tests run a mutant's line, from one traced run of the module's tests.

    ``tests(m)`` is ``None`` (run the whole set) when a line of the mutant's statement
    runs at import time (a module or class body: a default value, a decorator, a
    constant, ...) or is not run by any test in the pytest process; otherwise the tests
    that run one of those lines, every test of a file whose fixture (setup/teardown)
    runs one, and every test that starts a process (its child is not traced),
    quickest first (the traced run's durations; ties in collection order): with
    ``-x`` a killed mutant then stops at its quickest failing test."""

    def __init__(self, data: dict, src: Path) -> None:
        seconds = data.get("seconds", {})
        rank = {n: i for i, n in enumerate(data["items"])}
        self.items: list[str] = sorted(data["items"], key=lambda n: (seconds.get(n, 0.0), rank[n]))
        self.spawn = {c.split(" ", 1)[1] for c in data["spawn"] if " " in c}
        self.hits: dict[str, dict[int, list[str]]] = {}
        for f, lines in data["hits"].items():
            try:
                rel = (Path("src") / Path(f).relative_to(src)).as_posix()
            except ValueError:
                continue
            self.hits[rel] = {int(n): c for n, c in lines.items()}
        self._stmts: dict[str, list[tuple[int, int, int]]] = {}

    def _lines(self, m: Mutant) -> range:
        """The lines of the statement that holds the mutant (a compound statement's
        header only), and always the mutant's own span."""
        if m.file not in self._stmts:
            tree = ast.parse((ROOT / m.file).read_bytes())
            spans = []
            for node in ast.walk(tree):
                if isinstance(node, ast.stmt):
                    body = getattr(node, "body", None)
                    last = node.end_lineno or node.lineno
                    if isinstance(body, list) and body and body[0].lineno > node.lineno:
                        last = body[0].lineno - 1
                    spans.append((node.lineno, last, node.end_lineno or node.lineno))
            self._stmts[m.file] = spans
        lo, hi = m.start[0], m.end[0]
        inner = [s for s in self._stmts[m.file] if s[0] <= lo and hi <= s[2]]
        if inner:
            first, last, _ = min(inner, key=lambda s: s[2] - s[0])
            lo, hi = min(lo, first), max(hi, last)
        return range(lo, hi + 1)

    def tests(self, m: Mutant) -> list[str] | None:
        lines = self.hits.get(m.file, {})
        ctxs = {c for n in self._lines(m) for c in lines.get(n, ())}
        if not ctxs or "<import>" in ctxs:
            return None
        ids = {c[2:] for c in ctxs if c.startswith("T ")}
        files = {c[2:].split("::")[0] for c in ctxs if c.startswith("S ")}
        keep = [t for t in self.items if t in ids or t.split("::")[0] in files or t in self.spawn]
        return keep or None


# --------------------------------------------------------------------------- running


class Tree:
    """A private copy of ``src/`` where one mutant at a time is written."""

    def __init__(self, deselect: list[str] | None = None, preload: bool = False) -> None:
        self.deselect = list(deselect or [])
        self.server: subprocess.Popen[str] | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="lrkit-mut-"))
        shutil.copytree(
            ROOT / "src",
            self.dir / "src",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
        )
        (self.dir / "plugins").mkdir()
        (self.dir / "plugins" / "_lrkit_mutsel.py").write_text(PLUGIN, encoding="utf-8")
        if preload:
            self.server = subprocess.Popen(
                [sys.executable, "-c", SERVER, *PRELOAD],
                cwd=ROOT,
                env=self.env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert self.server.stdout is not None
            if self.server.stdout.readline().strip() != "ready":
                raise SystemExit("--preload: the test-run server did not start")

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        old = env.get("PYTHONPATH", "")
        paths = [str(self.dir / "src"), str(self.dir / "plugins")] + ([old] if old else [])
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # a stale .pyc must never hide a mutant
        env.setdefault("KERAS_BACKEND", "jax")
        env.setdefault("MPLBACKEND", "Agg")
        return env

    def path(self, rel: str) -> Path:
        return self.dir / rel  # ``src/...`` relative to the repository, as in the copy

    def run(
        self, tests: list[str], timeout: float, keep: list[str] | None = None, trace: bool = False
    ) -> tuple[int | None, float, str]:
        """Run ``tests``; ``keep``: only these node ids (and only their files);
        ``trace``: record which test runs which line (``self.dir / "trace.json"``)."""
        env = self.env()
        if keep is not None:
            files = {k.split("::")[0] for k in keep}
            tests = [t for t in tests if t in files] or tests
            (self.dir / "keep.txt").write_text("\n".join(keep) + "\n", encoding="utf-8")
            env["LRKIT_MUT_KEEP"] = str(self.dir / "keep.txt")
        if trace:
            env["LRKIT_MUT_TRACE"] = str(self.dir / "trace.json")
            env["LRKIT_MUT_SRC"] = str(self.dir / "src") + os.sep
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        cmd += [f"--deselect={node}" for node in self.deselect]
        if keep is not None or trace:
            cmd += ["-p", "_lrkit_mutsel"]
        if self.server is not None:
            rc, seconds, text = self._serve(cmd[3:], env, timeout)
            if rc is None:
                return None, seconds, ""
        else:
            t0 = time.perf_counter()
            try:
                res = subprocess.run(
                    cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
                )
            except subprocess.TimeoutExpired:
                return None, time.perf_counter() - t0, ""
            rc, seconds, text = res.returncode, time.perf_counter() - t0, res.stdout + res.stderr
        lines = text.strip().splitlines()
        failed = [ln for ln in lines if ln.startswith(("FAILED ", "ERROR ", _CONFTEST))][:3]
        tail = "; ".join(failed + lines[-1:])
        return rc, seconds, tail

    def _serve(self, args: list[str], env: dict[str, str], timeout: float):
        """One pytest run through the preloaded server: (status or None, seconds, output)."""
        assert self.server is not None and self.server.stdin and self.server.stdout
        out = self.dir / "pytest.out"
        req = {"args": args, "env": env, "cwd": str(ROOT), "out": str(out), "timeout": timeout}
        self.server.stdin.write(json.dumps(req) + "\n")
        self.server.stdin.flush()
        ans = json.loads(self.server.stdout.readline())
        text = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
        return ans["rc"], ans["seconds"], text

    def check_imports_copy(self) -> None:
        code = "import lrkit, sys; sys.stdout.write(lrkit.__file__)"
        out = subprocess.run(
            [sys.executable, "-c", code], env=self.env(), capture_output=True, text=True
        ).stdout
        if not out.startswith(str(self.dir)):
            raise SystemExit(f"the temporary copy is not the lrkit imported ({out!r})")

    def close(self) -> None:
        if self.server is not None and self.server.stdin is not None:
            self.server.stdin.close()
            self.server.wait(timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


def run_mutant(
    tree: Tree, m: Mutant, tests: list[str], timeout: float, keep: list[str] | None = None
) -> Outcome:
    """Run ``tests`` against ``m`` (only the node ids ``keep`` when given)."""
    target = tree.path(m.file)
    original = target.read_bytes()
    lines = original.splitlines(keepends=True)
    target.write_bytes(b"".join(_apply(lines, m.start, m.end, m.text)))
    n = None if keep is None else len(keep)
    try:
        rc, seconds, tail = tree.run(tests, timeout, keep)
    finally:
        target.write_bytes(original)
    if rc is None:
        return Outcome(m, "timeout", seconds, tests_run=n)
    if rc == 0:
        return Outcome(m, "survived", seconds, tail, n)
    # usage error / no tests: the configuration, not the mutant; but pytest also exits
    # with 4 when conftest.py cannot be imported, and the unmutated run imported it:
    # the mutant broke ``import lrkit`` itself, which every test would notice
    if rc in (4, 5) and not tail.startswith(_CONFTEST):
        return Outcome(m, "error", seconds, tail, n)
    return Outcome(m, "killed", seconds, tail, n)


def sample(
    name: str, per_module: int, seed: int, operators, skips, match: str = "", offset: int = 0
) -> tuple[list[Mutant], int, int]:
    """Draw the sample from every candidate, then drop the skip-listed ones: editing the
    skip list does not change which other mutants are drawn. ``offset``: leave out the
    first ``offset`` draws (``random.sample`` draws in order, so the sample of ``n`` is
    the first ``n`` of the sample of ``n + k``: ``--offset 10 --per-module 10`` is the
    second half of a 20-mutant sample whose first half an earlier run measured)."""
    files = _glob(MODULES[name][0])
    every = [m for f in files for m in mutants_of(name, f, operators)]
    if match:  # triage: only the mutants whose report line contains ``match``
        every = [m for m in every if match in f"{m.file}:{m.line} {m.original}  ->  {m.mutated}"]
    rng = random.Random(f"{seed}/{name}")
    size = per_module + offset
    chosen = every if per_module <= 0 or size >= len(every) else rng.sample(every, size)
    chosen = chosen[offset:] if per_module > 0 else chosen
    kept = [m for m in chosen if m.key not in skips]
    kept.sort(key=lambda m: (m.file, m.start, m.operator, m.text))
    return kept, len(every), len(chosen) - len(kept)


def uncovered(plan, args) -> int:
    """``--uncovered``: per module, one traced run of its tests, then every line holding
    candidates (after ``--operators``/``--match``, skip list ignored) that no test runs
    at all: where a whole behaviour has no test, so every mutant there survives."""
    for name, _, tests in plan:
        tree = Tree(args.deselect, preload=False)
        try:
            rc, seconds, tail = tree.run(tests, args.max_timeout, trace=True)
            path = tree.dir / "trace.json"
            if rc != 0 or not path.exists():
                print(f"{name}: the traced run failed ({tail})", file=sys.stderr)
                continue
            sel = Selection(json.loads(path.read_text(encoding="utf-8")), tree.dir / "src")
        finally:
            tree.close()
        gaps: dict[tuple[str, int], list] = {}
        every, _, _ = sample(name, 0, 0, args.operators, {}, args.match)
        for m in every:
            hits = sel.hits.get(m.file, {})
            if not any(hits.get(n) for n in sel._lines(m)):
                gaps.setdefault((m.file, m.line), [m.original, 0])[1] += 1
        n = sum(v[1] for v in gaps.values())
        print(
            f"{name}: {n} of {len(every)} candidates on {len(gaps)} lines no test runs "
            f"(traced run {seconds:.0f} s)"
        )
        for (f, line), (text, k) in sorted(gaps.items()):
            print(f"  {f}:{line} ({k}) {text[:100]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        raise SystemExit(f"--modules: unknown {sorted(unknown)}; known: {sorted(MODULES)}")
    bad_ops = set(args.operators) - set(OPERATORS)
    if bad_ops:
        raise SystemExit(f"--operators: unknown {sorted(bad_ops)}; known: {list(OPERATORS)}")
    skips = load_skips(Path(args.skip_file))
    plan, report = [], {}
    for name in args.modules:
        files = _glob(MODULES[name][0])
        tests = args.tests or tests_for(name)
        entry = {
            "files": [f.relative_to(ROOT).as_posix() for f in files],
            "tests": tests,
            "status": "ok",
        }
        report[name] = entry
        if not files:
            entry["status"] = "absent"
            continue
        chosen, total, skipped = sample(
            name, args.per_module, args.seed, args.operators, skips, args.match, args.offset
        )
        entry.update(candidates=total, skipped_equivalent=skipped, sampled=len(chosen))
        if not tests:
            entry["status"] = "no tests"
            continue
        plan.append((name, chosen, tests))
        print(
            f"{name}: {len(chosen)} of {total} candidates (+{skipped} skip-listed), "
            f"tests: {' '.join(tests)}",
            file=sys.stderr,
        )
        if args.list:
            for m in chosen:
                print(f"  {m.file}:{m.line} [{m.operator}] {m.original}  ->  {m.mutated}")
    if args.list:
        return 0
    if args.uncovered:
        return uncovered(plan, args)

    trees: queue.Queue[Tree] = queue.Queue()
    all_trees = [Tree(args.deselect, args.preload) for _ in range(max(1, args.jobs))]
    for t in all_trees:
        t.check_imports_copy()
        trees.put(t)
    try:
        outcomes = _run_all(plan, trees, args, report)
    finally:
        for t in all_trees:
            t.close()
    _summarise(report, outcomes)
    meta = _meta(args)
    text = _markdown(report, outcomes, meta)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    if args.json:
        data = {
            "meta": meta,
            "modules": report,
            "mutants": [
                {**asdict(o.mutant), **{k: v for k, v in asdict(o).items() if k != "mutant"}}
                for o in outcomes
            ],
        }
        Path(args.json).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 0


def _run_all(plan, trees: queue.Queue, args, report) -> list[Outcome]:
    def baseline(name: str, tests: list[str]) -> float | None:
        tree = trees.get()
        try:
            rc, seconds, tail = tree.run(tests, args.max_timeout)
        finally:
            trees.put(tree)
        if rc != 0:
            report[name]["status"] = f"baseline failed: {tail}"
            print(f"{name}: the unmutated tests fail ({tail}); module skipped", file=sys.stderr)
            return None
        report[name]["baseline_s"] = round(seconds, 2)
        return seconds

    def traced(name: str, tests: list[str]) -> Selection | None:
        """One run with every line's tests recorded (``--select coverage``)."""
        tree = trees.get()
        try:
            rc, seconds, tail = tree.run(tests, args.max_timeout, trace=True)
            path = tree.dir / "trace.json"
            data = json.loads(path.read_text(encoding="utf-8")) if rc == 0 else None
            path.unlink(missing_ok=True)
        finally:
            trees.put(tree)
        if data is None:
            print(f"{name}: the traced run failed ({tail}); whole set per mutant", file=sys.stderr)
            return None
        report[name]["traced_s"] = round(seconds, 2)
        return Selection(data, tree.dir / "src")

    def one(m: Mutant, tests: list[str], timeout: float, sel: Selection | None) -> Outcome:
        keep = sel.tests(m) if sel is not None else None
        tree = trees.get()
        try:
            out = run_mutant(tree, m, tests, timeout, keep)
        finally:
            trees.put(tree)
        ran = "all" if keep is None else str(len(keep))
        print(
            f"  {out.status:8s} {out.seconds:6.1f}s {ran:>4s} {m.file}:{m.line} "
            f"[{m.operator}] {m.original}  ->  {m.mutated}",
            file=sys.stderr,
            flush=True,
        )
        return out

    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, chosen, tests in plan:
            base = baseline(name, tests)
            if base is None:
                continue
            timeout = min(args.max_timeout, args.timeout_factor * base + 30)
            report[name]["timeout_s"] = round(timeout, 1)
            report[name]["select"] = args.select
            sel = traced(name, tests) if args.select == "coverage" and chosen else None
            outcomes += list(pool.map(lambda m, t=tests, s=timeout, c=sel: one(m, t, s, c), chosen))
    return outcomes


def _summarise(report, outcomes: list[Outcome]) -> None:
    for name, entry in report.items():
        mine = [o for o in outcomes if o.mutant.module == name]
        if entry["status"] != "ok":
            continue
        counts = {s: sum(o.status == s for o in mine) for s in ("killed", "survived", "timeout")}
        counts["errors"] = sum(o.status == "error" for o in mine)
        detected = counts["killed"] + counts["timeout"]
        judged = detected + counts["survived"]
        entry.update(counts, mutants=len(mine), score=detected / judged if judged else None)
        entry["survivors"] = [
            f"{o.mutant.file}:{o.mutant.line} [{o.mutant.operator}] "
            f"{o.mutant.original}  ->  {o.mutant.mutated}"
            for o in mine
            if o.status == "survived"
        ]


def _meta(args) -> dict:
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seed": args.seed,
        "per_module": args.per_module,
        "select": args.select,
        "preload": args.preload,
        "operators": list(args.operators),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU, {platform.system()}, "
        f"Python {platform.python_version()}",
        "command": "nice -n 10 python benchmarks/mutation.py " + shlex.join(sys.argv[1:]),
    }


def _markdown(report, outcomes: list[Outcome], meta: dict) -> str:
    out = [
        "# Sampled mutation score",
        "",
        f"Command: `{meta['command']}`  ",
        f"Seed {meta['seed']}, {meta['per_module']} mutants per module, {meta['date']}, "
        f"{meta['machine']}.",
        "",
        "| module | candidates | sampled | killed | timeout | survived | score | tests |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    tot = {"killed": 0, "timeout": 0, "survived": 0}
    for name, e in report.items():
        if e["status"] != "ok":
            out.append(
                f"| {name} | {e.get('candidates', '–')} | – | – | – | – | "
                f"{e['status']} | {' '.join(e['tests']) or '–'} |"
            )
            continue
        for k in tot:
            tot[k] += e[k]
        score = "–" if e["score"] is None else f"{100 * e['score']:.0f} %"
        out.append(
            f"| {name} | {e['candidates']} | {e['mutants']} | {e['killed']} | {e['timeout']} | "
            f"{e['survived']} | {score} | {' '.join(Path(t).name for t in e['tests'])} |"
        )
    judged = sum(tot.values())
    if judged:
        out.append(
            f"| **all** | | {judged} | {tot['killed']} | {tot['timeout']} | {tot['survived']} | "
            f"**{100 * (tot['killed'] + tot['timeout']) / judged:.0f} %** | |"
        )
    survivors = [s for e in report.values() for s in e.get("survivors", [])]
    out += ["", "## Survivors", ""]
    out += [f"- `{s}`" for s in survivors] or ["none"]
    return "\n".join(out) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--modules", nargs="+", default=list(MODULES), help="subset of MODULES")
    p.add_argument("--per-module", type=int, default=10, help="mutants per module (0: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, help="parallel test runs (default 1)")
    p.add_argument("--operators", nargs="+", default=list(OPERATORS))
    p.add_argument(
        "--timeout-factor",
        type=float,
        default=5.0,
        help="timeout = factor x the unmutated run's time + 30 s",
    )
    p.add_argument("--max-timeout", type=float, default=900.0, help="cap on any run, seconds")
    p.add_argument("--skip-file", default=str(SKIP_FILE), help="equivalent mutants (TOML)")
    p.add_argument(
        "--offset",
        type=int,
        default=0,
        help="leave out the first N draws of each module's sample (extend an earlier run)",
    )
    p.add_argument("--match", default="", help="only mutants whose report line contains this")
    p.add_argument("--tests", nargs="+", help="run these test files instead of the mapping")
    p.add_argument(
        "--deselect",
        nargs="+",
        default=[],
        help="test ids to leave out (a known-flaky test would fail the unmutated run)",
    )
    p.add_argument(
        "--select",
        choices=("coverage", "all"),
        default="coverage",
        help="coverage: each mutant runs only the tests that run its line (one traced run "
        "per module decides); all: every mutant runs the module's whole test set",
    )
    p.add_argument(
        "--preload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run pytest in a child forked from a server that imported torch, scipy, "
        "matplotlib, hypothesis and pytest once (--no-preload: a fresh interpreter per run)",
    )
    p.add_argument("--list", action="store_true", help="count and sample only, run nothing")
    p.add_argument(
        "--uncovered",
        action="store_true",
        help="run each module's tests once, traced, and list the lines holding candidates "
        "that no test runs (outside import time): the gaps a sample would find, all at once",
    )
    p.add_argument("--json", help="write every mutant and its outcome here")
    p.add_argument("--out", help="write the markdown report here")
    return p


if __name__ == "__main__":
    sys.exit(main())
