"""The spec language: parse schedule text safely, and dict (de)serialization.

A spec is a Python call expression of the registered constructors, e.g.
``warmup(cosine(start=0.1, end=1e-5), steps="5%")``. It is read with
:mod:`ast` and interpreted by walking the tree: nothing is ever evaluated.
Allowed: calls of registered names with positional arguments (in the
parameter order of the docs) and keywords; numbers (with ``+ - * / **``
between numbers); strings; ``True``/``False``/``None``; lists and tuples;
``+ - * /`` between schedules and numbers, and ``-`` before a schedule.

Specs are ASCII: identifiers and digits outside ASCII (``ｃｏｓｉｎｅ``, ``'٣'``)
are rejected rather than normalized. A comment (``# ...``) is allowed and
ignored, and never part of a label: a schedule object is labelled by its
canonical spec (``str(schedule)``), a spec text by :func:`label` (the text
without its comments). Specs and dicts nest at most
:data:`MAX_DEPTH` levels.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable
from typing import Any

from . import combinators as _combinators
from . import core as _core
from ._validate import callable_hint, is_number, peer_hint
from .core import REGISTRY, Schedule
from .errors import ConfigError, ConfigTypeError
from .schedules import Constant

__all__ = ["parse", "label", "from_dict", "as_schedule", "SpecError", "MAX_DEPTH"]

#: the deepest nesting of calls, operators, lists or dicts accepted in a spec or a dict
MAX_DEPTH = 100


class SpecError(ConfigError):
    """A spec that cannot be read; the message is one line with the position."""


def _err(node: ast.AST | None, msg: str) -> SpecError:
    if node is not None and hasattr(node, "col_offset"):
        return SpecError(f"spec error at column {node.col_offset + 1}: {msg}")
    return SpecError(f"spec error: {msg}")


def parse(text: str) -> Schedule:
    """Read a schedule from its spec text.

    >>> parse("warmup(cosine(0.1), steps='5%')")
    warmup(cosine(start=0.1), steps='5%')
    """
    if isinstance(text, Schedule):
        return text
    if not isinstance(text, str):
        raise ConfigTypeError(f"parse: spec must be a string, got {text!r}")
    src = text.strip()
    if not src:
        raise SpecError("spec error: empty spec")
    if not src.isascii():
        col, ch = next((i, c) for i, c in enumerate(src) if not c.isascii())
        raise SpecError(
            f"spec error at column {col + 1}: only ASCII characters are allowed, got {ch!r} "
            f"(U+{ord(ch):04X})"
        )
    if _nesting(src) > MAX_DEPTH:
        raise SpecError(f"spec error: the spec nests deeper than {MAX_DEPTH} levels")
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as e:
        if "custom(" in src:  # str() of a custom schedule: custom(<lambda>)
            raise SpecError(f"spec error: {_NO_CUSTOM}") from None
        at = f" at column {e.offset}" if e.offset else ""
        raise SpecError(f"spec error{at}: invalid syntax in {src!r}") from None
    except (RecursionError, MemoryError):
        raise SpecError(f"spec error: the spec nests deeper than {MAX_DEPTH} levels") from None
    _check_depth(tree.body)
    value = _node(tree.body)
    if _is_num(value):
        return Constant(value)
    if not isinstance(value, Schedule):
        raise _err(tree.body, f"a spec must describe a schedule, got {value!r}")
    return value


def label(text: str) -> str:
    """The label of a spec text: the text without its comments, its lines joined by a space.

    What it names is what :func:`parse` reads, and nothing it ignores shows.

    >>> label("constant(10.0)  # cosine(0.1)")
    'constant(10.0)'
    """
    import io
    import tokenize

    lines = text.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):  # unreadable text: parse says why
        tokens = []
    for tok in reversed(tokens):
        if tok.type == tokenize.COMMENT:
            (row, col), (_, end) = tok.start, tok.end
            lines[row - 1] = lines[row - 1][:col] + lines[row - 1][end:]
    return " ".join(line.strip() for line in lines if line.strip())


def _nesting(src: str) -> int:
    """The deepest bracket nesting of ``src`` (a cheap bound before ``ast.parse``)."""
    depth = deepest = 0
    for c in src:
        if c in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in ")]}":
            depth -= 1
    return deepest


def _check_depth(root: ast.AST) -> None:
    """Reject trees deeper than MAX_DEPTH (``a + a + ... + a`` nests without brackets).

    A level is a call, an operator or a list: what builds a value from values.
    """
    levels = (ast.Call, ast.BinOp, ast.UnaryOp, ast.List, ast.Tuple)
    stack = [(root, 0)]
    while stack:
        n, d = stack.pop()
        d += isinstance(n, levels)
        if d > MAX_DEPTH:
            raise _err(n, f"the spec nests deeper than {MAX_DEPTH} levels")
        stack.extend((c, d) for c in ast.iter_child_nodes(n))


def _node(n: ast.AST) -> Any:
    if isinstance(n, ast.Constant):
        if isinstance(n.value, (int, float, str, bool)) or n.value is None:
            return n.value
        raise _err(n, f"unsupported literal {n.value!r}")
    if isinstance(n, (ast.List, ast.Tuple)):
        return [_node(e) for e in n.elts]
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
        v = _node(n.operand)
        if isinstance(v, Schedule):
            return _combinators.Neg(v) if isinstance(n.op, ast.USub) else v
        if not _is_num(v):
            raise _err(n, "unary minus/plus only applies to numbers and schedules")
        return -v if isinstance(n.op, ast.USub) else +v
    if isinstance(n, ast.BinOp):
        return _binop(n)
    if isinstance(n, ast.Call):
        return _call(n)
    if isinstance(n, ast.Name):
        raise _err(n, _unknown_name(n.id))
    raise _err(n, f"unsupported syntax {type(n).__name__}")


_is_num = is_number

#: an int power of at most this many bits is computed exactly (a float64 holds 1024)
_INT_POW_BITS = 1025


def _binop(n: ast.BinOp) -> Any:
    a, b = _node(n.left), _node(n.right)
    if _is_num(a) and _is_num(b):
        try:
            if isinstance(n.op, ast.Add):
                return a + b
            if isinstance(n.op, ast.Sub):
                return a - b
            if isinstance(n.op, ast.Mult):
                return a * b
            if isinstance(n.op, ast.Div):
                return a / b
            if isinstance(n.op, ast.Pow):
                if isinstance(a, int) and isinstance(b, int) and 0 <= b <= _INT_POW_BITS:
                    if b * a.bit_length() <= _INT_POW_BITS:  # exact: 2**53 + 1 stays odd
                        r = a**b
                        float(r)  # OverflowError past float64, as a float power
                        return r
                # in floats: an int power like 10**10**10 would hang the parser
                r = float(a) ** float(b)
                if isinstance(r, complex):
                    raise _err(n, f"arithmetic error: ({a!r}) ** {b!r} is not a real number")
                return r
        except ZeroDivisionError:
            raise _err(n, "arithmetic error: division by zero") from None
        except OverflowError:
            raise _err(
                n,
                "arithmetic error: the result is too large for a float64 (at most about 1.8e308)",
            ) from None
        raise _err(n, f"unsupported operator {type(n.op).__name__}")
    if not (isinstance(a, (Schedule,)) or _is_num(a)) or not (
        isinstance(b, Schedule) or _is_num(b)
    ):
        raise _err(n, "operators apply to schedules and numbers only")
    op = _SCHEDULE_OPS.get(type(n.op))
    if op is None:
        raise _err(n, f"only + - * / combine schedules, got {type(n.op).__name__}")
    try:
        return op(a, b)
    except (TypeError, ValueError) as e:
        raise _err(n, str(e)) from None


#: the operators between schedules (and numbers), by their ast node
_SCHEDULE_OPS: dict[type, Callable[[Any, Any], Schedule]] = {
    ast.Mult: _combinators.Mul,
    ast.Add: _combinators.Add,
    ast.Sub: _combinators.Subtract,
    ast.Div: _combinators.Div,
}


#: why ``custom(...)`` cannot be read back (see :class:`lrkit.schedules.Custom`)
_NO_CUSTOM = (
    "custom(...) holds a Python function and cannot be read from a spec or a dict; "
    "build it in Python with lrkit.custom(fn), or use table([...]) for per-step values"
)


def _unknown_name(name: str) -> str:
    """The message for a bare name: a schedule not called, a non-finite number, or a typo."""
    if name in REGISTRY:
        return f"{name!r} is a schedule: call it, e.g. {name}(...)"
    if name.lower() in ("inf", "infinity", "nan"):
        return f"numbers must be finite, got {name!r}"
    return (
        f"unknown name {name!r}{_did_you_mean(name)}: a value is a number, a quoted "
        "string or a schedule call such as cosine(...)"
    )


def _did_you_mean(name: str) -> str:
    close = difflib.get_close_matches(name, list(REGISTRY), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _call(n: ast.Call) -> Schedule:
    if not isinstance(n.func, ast.Name):
        raise _err(n, "only plain schedule names can be called")
    name = n.func.id
    cls = REGISTRY.get(name)
    if name == "custom":
        raise _err(n, _NO_CUSTOM)
    if cls is None:
        raise _err(n, f"unknown schedule {name!r}{_did_you_mean(name)}")
    args = []
    for a in n.args:
        if isinstance(a, ast.Starred):
            raise _err(a, "*args is not supported")
        args.append(_node(a))
    kwargs: dict[str, Any] = {}
    allowed = [p.name for p in cls.params]
    for kw in n.keywords:
        if kw.arg is None:
            raise _err(kw.value, "**kwargs is not supported")
        if kw.arg not in allowed:
            close = difflib.get_close_matches(kw.arg, allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            hint = peer_hint(name, kw.arg, allowed) or hint
            raise _err(
                kw.value,
                f"{name}: unknown keyword {kw.arg!r}{hint}; allowed: {', '.join(allowed)}",
            )
        if kw.arg in kwargs:
            raise _err(kw.value, f"{name}: keyword {kw.arg!r} given twice")
        kwargs[kw.arg] = _node(kw.value)
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError, OverflowError) as e:
        raise _err(n, str(e)) from None


def from_dict(d: Any) -> Schedule:
    """Rebuild a schedule from :meth:`Schedule.to_dict` output (or a spec string).

    The shape is checked as it is read; messages name the path inside the dict
    (``schedule.phases[1].steps``).

    >>> from_dict({"name": "cosine", "start": 0.1, "steps": 100})
    cosine(start=0.1, steps=100)
    """
    return _from_dict(d, "", 1)


def _from_dict(d: Any, path: str, depth: int) -> Schedule:
    where = f" at {path}" if path else ""
    if depth > MAX_DEPTH:
        raise ConfigError(f"from_dict: the dict nests deeper than {MAX_DEPTH} levels{where}")
    if isinstance(d, Schedule):
        return d
    if isinstance(d, str):
        return parse(d)
    if not isinstance(d, dict) and hasattr(d, "items"):
        d = dict(d.items())  # OmegaConf DictConfig and other mappings
    if not isinstance(d, dict):
        raise ConfigTypeError(f"from_dict: expected a dict with a 'name'{where}, got {d!r}")
    if "name" not in d:
        keys = sorted(map(str, d))
        raise ConfigError(f"from_dict: the dict{where} needs a 'name' key, got keys {keys}")
    name = d["name"]
    if not isinstance(name, str):
        raise ConfigTypeError(
            f"from_dict: {path + '.' if path else ''}name must be a string, got {name!r}"
        )
    cls = REGISTRY.get(name)
    if name == "custom":
        raise ConfigError(f"from_dict{where}: {_NO_CUSTOM}")
    if cls is None:
        raise ConfigError(f"from_dict: unknown schedule {name!r}{where}{_did_you_mean(name)}")
    params = {p.name: p for p in cls.params}
    kwargs: dict[str, Any] = {}

    def sub(v: Any, p: str) -> Schedule:
        return _from_dict(v, p, depth + 1)

    for k, v in d.items():
        if k == "name":
            continue
        if k not in params:
            raise ConfigError(
                f"from_dict: {name}: unknown key {k!r}{where}; allowed: {', '.join(params)}"
            )
        kwargs[k] = params[k].marker.read(f"{path}.{k}" if path else k, v, sub)
    return cls._from_config(kwargs)


def as_schedule(x: Any) -> Schedule:
    """A schedule from a schedule, a number (constant), a spec string or a dict."""
    if isinstance(x, Schedule):
        return x
    if isinstance(x, str):
        return parse(x)
    if isinstance(x, dict):
        return from_dict(x)
    if _is_num(x):
        return Constant(x)
    raise ConfigTypeError(
        f"expected a schedule, a number, a spec string or a dict, got {x!r}{callable_hint(x)}"
    )


_core.HOOKS["as_schedule"] = as_schedule
