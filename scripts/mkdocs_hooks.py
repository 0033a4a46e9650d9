"""mkdocs hooks and a griffe extension for the documentation site (see mkdocs.yml).

- Links from a page to a file of the repository outside ``docs/`` (for example
  ``../benchmarks/results/auto.md``) are checked to exist (the build fails
  otherwise) and written as plain HTML links: with ``site/`` at the root of the
  clone and ``use_directory_urls: false`` they open the file itself.
- ``RstToMarkdown``: the API reference shows the docstrings' formulas and
  doctests typeset (``scripts/docs_rst.py``).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from docs_rst import rst_to_md  # noqa: E402

_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((\.\./[^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    docs_dir = config["docs_dir"]
    page_dir = os.path.dirname(os.path.join(docs_dir, page.file.src_uri))
    root = os.path.dirname(os.path.abspath(docs_dir))

    def fix(m: re.Match[str]) -> str:
        text, target = m.group(1), m.group(2)
        path = os.path.normpath(os.path.join(page_dir, target.split("#")[0]))
        if os.path.commonpath([path, os.path.abspath(docs_dir)]) == os.path.abspath(docs_dir):
            return m.group(0)  # inside docs/: mkdocs checks it
        if not os.path.exists(path) or os.path.commonpath([path, root]) != root:
            raise ValueError(f"{page.file.src_uri}: link to a missing file: {target}")
        return f'<a href="{target}">{text}</a>'

    parts, last = [], 0
    for f in _FENCE.finditer(markdown):  # leave code blocks alone
        parts.append(_LINK.sub(fix, markdown[last : f.start()]))
        parts.append(f.group(0))
        last = f.end()
    parts.append(_LINK.sub(fix, markdown[last:]))
    return "".join(parts)


try:
    import griffe
except ImportError:  # pragma: no cover - only mkdocstrings needs it
    griffe = None

if griffe is not None:

    class RstToMarkdown(griffe.Extension):
        """Rewrite each docstring's reST math, roles and doctests as Markdown."""

        def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
            if obj.docstring is not None:
                obj.docstring.value = rst_to_md(obj.docstring.value)
