"""Turn lrkit's reST-flavoured docstrings into Markdown for the documentation site.

Used by the site's generators (``scripts/gen_site.py``: the gallery) and by the
API reference (``scripts/mkdocs_hooks.py``: a griffe extension), so a formula is
written once, in its docstring, and shows typeset everywhere.

- ``.. math:: X`` (with its indented continuation lines) becomes a ``$$`` block;
- ``:math:`X``` becomes ``$X$``; ``:func:`x```, ``:class:`x```, ``:meth:`x``` become ```x```;
- runs of ``>>>`` doctest lines (with their output) become a ``pycon`` fence.

:func:`signature` writes a registered schedule's call with its defaults (the
gallery and the reference both title an entry with it).
"""

from __future__ import annotations

import re

_ROLE_MATH = re.compile(r":math:`([^`]+)`")
_ROLE_REF = re.compile(r":(?:func|class|meth|attr|mod|data|obj):`~?([^`]+)`")


def _inline(line: str) -> str:
    line = _ROLE_MATH.sub(lambda m: "$" + m.group(1) + "$", line)
    return _ROLE_REF.sub(lambda m: "``" + m.group(1) + "``", line)


def rst_to_md(doc: str) -> str:
    """Convert one (dedented) docstring; plain Markdown passes through unchanged."""
    lines = doc.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(".. math::"):
            body = [stripped[len(".. math::") :].strip()]
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(indent + " ")):
                if not lines[i].strip() and (i + 1 >= len(lines) or not lines[i + 1].strip()):
                    break
                if not lines[i].strip() and not lines[i + 1].startswith(indent + " "):
                    break
                body.append(lines[i].strip())
                i += 1
            out += [indent + "$$", *[indent + b for b in body if b], indent + "$$"]
            continue
        if stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
                i += 1
            if out and out[-1].strip():
                out.append("")
            out += [indent + "```pycon", *[indent + b for b in block], indent + "```"]
            continue
        out.append(_inline(line))
        i += 1
    return "\n".join(out)


def signature(cls: type) -> str:
    """``name(a, b=1, *phases)`` of a registered schedule class, from its ``params``."""
    parts = []
    for p in cls.params:
        if p.kind == "schedules":
            parts.append(f"*{p.name}")
        elif p.required:
            parts.append(p.name)
        else:
            parts.append(f"{p.name}={p.default!r}")
    return f"{cls.name}({', '.join(parts)})"
