"""The spec language: parse schedule text safely, and dict (de)serialization.

A spec is a Python call expression of the registered constructors, e.g.
``warmup(cosine(start=0.1, end=1e-5), steps="5%")``. It is read with
:mod:`ast` and interpreted by walking the tree: nothing is ever evaluated.
Allowed: calls of registered names with positional arguments (in the
parameter order of the docs) and keywords; numbers (with ``+ - * / **``
between numbers); strings; ``True``/``False``/``None``; lists and tuples;
``*`` and ``+`` between schedules and numbers.
"""

from __future__ import annotations

import ast
import difflib
import numbers
from typing import Any

from .core import REGISTRY, Schedule
from .errors import ConfigError

__all__ = ["parse", "from_dict", "SpecError"]


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
        raise TypeError(f"parse: spec must be a string, got {text!r}")
    src = text.strip()
    if not src:
        raise SpecError("spec error: empty spec")
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise SpecError(f"spec error{col}: invalid syntax in {src!r}") from None
    value = _node(tree.body)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        from .schedules import Constant

        return Constant(value)
    if not isinstance(value, Schedule):
        raise _err(tree.body, f"a spec must describe a schedule, got {value!r}")
    return value


def _node(n: ast.AST) -> Any:
    if isinstance(n, ast.Constant):
        if isinstance(n.value, (int, float, str, bool)) or n.value is None:
            return n.value
        raise _err(n, f"unsupported literal {n.value!r}")
    if isinstance(n, (ast.List, ast.Tuple)):
        return [_node(e) for e in n.elts]
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
        v = _node(n.operand)
        if not _is_num(v):
            raise _err(n, "unary minus/plus only applies to numbers")
        return -v if isinstance(n.op, ast.USub) else +v
    if isinstance(n, ast.BinOp):
        return _binop(n)
    if isinstance(n, ast.Call):
        return _call(n)
    if isinstance(n, ast.Name):
        hint = _did_you_mean(n.id)
        raise _err(n, f"unknown name {n.id!r}{hint} (schedules are called: {n.id}(...))")
    raise _err(n, f"unsupported syntax {type(n).__name__}")


def _is_num(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


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
                # in floats: an int power like 10**10**10 would hang the parser
                return float(a) ** float(b)
        except (ZeroDivisionError, OverflowError) as e:
            raise _err(n, f"arithmetic error: {e}") from None
        raise _err(n, f"unsupported operator {type(n.op).__name__}")
    if not (isinstance(a, (Schedule,)) or _is_num(a)) or not (
        isinstance(b, Schedule) or _is_num(b)
    ):
        raise _err(n, "operators apply to schedules and numbers only")
    from .combinators import Add, Mul

    try:
        if isinstance(n.op, ast.Mult):
            return Mul(a, b)
        if isinstance(n.op, ast.Add):
            return Add(a, b)
    except (TypeError, ValueError) as e:
        raise _err(n, str(e)) from None
    raise _err(n, f"only * and + combine schedules, got {type(n.op).__name__}")


def _did_you_mean(name: str) -> str:
    close = difflib.get_close_matches(name, list(REGISTRY), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _call(n: ast.Call) -> Schedule:
    if not isinstance(n.func, ast.Name):
        raise _err(n, "only plain schedule names can be called")
    name = n.func.id
    cls = REGISTRY.get(name)
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

    >>> from_dict({"name": "cosine", "start": 0.1, "steps": 100})
    cosine(start=0.1, steps=100)
    """
    if isinstance(d, Schedule):
        return d
    if isinstance(d, str):
        return parse(d)
    if not isinstance(d, dict) and hasattr(d, "items"):
        d = dict(d.items())  # OmegaConf DictConfig and other mappings
    if not isinstance(d, dict):
        raise TypeError(f"from_dict: expected a dict with a 'name', got {d!r}")
    if "name" not in d:
        raise ValueError(f"from_dict: the dict needs a 'name' key, got keys {sorted(d)}")
    name = d["name"]
    cls = REGISTRY.get(name)
    if cls is None:
        raise ValueError(f"from_dict: unknown schedule {name!r}{_did_you_mean(str(name))}")
    kinds = {p.name: p.kind for p in cls.params}
    kwargs: dict[str, Any] = {}
    for k, v in d.items():
        if k == "name":
            continue
        if k not in kinds:
            raise ValueError(f"from_dict: {name}: unknown key {k!r}; allowed: {', '.join(kinds)}")
        kind = kinds[k]
        if kind == "schedule":
            v = v if _is_num(v) else from_dict(v)
        elif kind == "schedules":
            v = [from_dict(x) for x in v]
        elif kind in ("values", "durations", "points") and not isinstance(v, (str, bytes)):
            v = [tuple(x) if isinstance(x, list) else x for x in v]
        kwargs[k] = v
    if cls.params and cls.params[0].kind == "schedules":
        first = kwargs.pop(cls.params[0].name, [])
        return cls(*first, **kwargs)
    return cls(**kwargs)
