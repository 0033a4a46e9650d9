"""Regenerate the pictures in docs/ that show the schedule catalogue.

    .venv/bin/python scripts/gen_docs.py

Writes docs/compare.png (the classic 100-epoch comparison, via `lrkit show`),
docs/catalogue.png (one small chart per constructor and combinator) and
docs/reference.md (every registered schedule: signature and docstring, from
the same registry that drives the spec parser). The site's gallery and
migration guides: scripts/gen_site.py.
"""

from __future__ import annotations

import os
import sys

import numpy as np

import lrkit
from lrkit.cli import main as cli

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "docs")
sys.path.insert(0, HERE)

from docs_rst import rst_to_md, signature  # noqa: E402  (formulas and doctests as Markdown)

CATALOGUE = [
    "constant(0.1)",
    "linear(0.1, 0.01)",
    "cosine(0.1, 0.001)",
    "polynomial(0.1, 0.0, power=2)",
    "exponential(0.1, half_life='25%')",
    "exponential(0.1, gamma=0.5, every='20%', staircase=True)",
    "step(0.1, 0.5, every=200)",
    "multistep(0.1, 0.1, milestones=['50%', '75%'])",
    "piecewise([0.1, 0.05, 0.01], boundaries=[300, 700])",
    "interpolate([(0, 0.01), (300, 0.1), (1000, 0.0)], kind='cos')",
    "inverse_time(0.1, decay=0.01)",
    "inverse_sqrt(0.1, warmup=100)",
    "sgdr(0.1, 0.001, period=100, mult=2)",
    "cyclic(0.01, 0.1, half_period=100, mode='triangular2')",
    "one_cycle(0.1, three_phase=True)",
    "wsd(0.1, warmup='5%', decay='20%', shape='sqrt')",
    "warmup(cosine(0.1, 1e-4), steps='10%', shape='exp')",
    "sequence(constant(0.1, steps=400), linear(0.1, 0.01))",
    "opposite(one_cycle(0.1), 0.85, 0.95)",
    "coupled_wd(cosine(0.1, 0.005), 0.05)",
]


def catalogue(out: str, total: int = 1000) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 4
    rows = (len(CATALOGUE) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.3 * rows), dpi=90)
    t = np.arange(total)
    for ax, spec in zip(axes.ravel(), CATALOGUE):
        s = lrkit.parse(spec).bind(total_steps=total)
        ax.plot(t, s(t), linewidth=1.5)
        ax.set_title(spec, fontsize=7)
        ax.tick_params(labelsize=6)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(CATALOGUE) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def reference(out: str) -> None:
    import inspect

    from lrkit.core import REGISTRY

    lines = [
        "# Schedule reference",
        "",
        "Generated from the registry by `scripts/gen_docs.py`; the same names and",
        "parameters work in Python, in specs (`lrkit.parse`) and on the command line.",
        "`t` is the zero-based optimizer step. Durations accept int steps, `'N%'` of",
        "the bound run and `'Nep'` epochs.",
        "",
    ]
    for cls in REGISTRY.values():
        doc = rst_to_md(inspect.cleandoc(cls.__doc__ or ""))
        lines += [f"## `{signature(cls)}`", "", doc, ""]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    reference(os.path.join(DOCS, "reference.md"))
    os.makedirs(DOCS, exist_ok=True)
    rc = cli(
        [
            "show",
            "step(0.1, 0.1, every='30ep')",
            "cosine(0.1, 1e-4)",
            "cyclic(1e-3, 0.1, half_period='5ep')",
            "--total",
            "10000",
            "--steps-per-epoch",
            "100",
            "--epochs-axis",
            "--log",
            "--title",
            "100 epochs: step decay vs cosine annealing vs triangular CLR",
            "--out",
            os.path.join(DOCS, "compare.png"),
        ]
    )
    catalogue(os.path.join(DOCS, "catalogue.png"))
    sys.exit(rc)
