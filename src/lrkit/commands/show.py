"""``lrkit show SPEC [SPEC ...] --total N``: summary table and a chart."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from . import _args

HELP = "summarize schedules and draw them on one chart (PNG or interactive HTML)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("specs", nargs="+", metavar="SPEC", help="one or more schedule specs")
    _args.add_run_length(p)
    p.add_argument("--log", action="store_true", help="log scale for the value axis")
    p.add_argument("--out", default=None, help="write the chart to FILE.png or FILE.html")
    p.add_argument(
        "--epochs-axis",
        action="store_true",
        help="label the x axis in epochs (needs --steps-per-epoch)",
    )
    p.add_argument("--title", default="", help="chart title")
    p.add_argument(
        "--plotly-js",
        choices=("inline", "cdn", "directory"),
        default="inline",
        help="HTML chart: embed plotly.js (inline, the default: about 4.8 MB, works offline), "
        "link it from the CDN (cdn: a few kB, needs the network) or write plotly.min.js "
        "next to the page (directory: shared by the pages of a folder)",
    )


def table(summaries: Sequence, labels: Sequence[str] | None = None) -> str:
    """One line per summary: peak, its step, final, mean and half-life.

    ``labels`` name the rows (default: each summary's ``spec``).
    """
    from ..report import text_table

    names = [s.spec for s in summaries] if labels is None else list(labels)
    rows = []
    for name, s in zip(names, summaries):
        hl = "never" if s.half_life is None else str(s.half_life)
        rows.append(
            [name, f"{s.peak:.4g}", str(s.peak_step), f"{s.final:.4g}", f"{s.mean:.4g}", hl]
        )
    header = ["schedule", "peak", "peak step", "final", "mean", "half-life"]
    return text_table(header, rows, first_width=70)


def _check(args: argparse.Namespace) -> None:
    """Every option checked before any work or output."""
    from .._files import FIGURE_EXTENSIONS, check_file

    _args.run_length(args)
    if args.epochs_axis and args.steps_per_epoch is None:
        raise _args.ConfigError("--epochs-axis needs --steps-per-epoch (the steps in one epoch)")
    if args.out is not None:
        check_file(args.out, "--out", FIGURE_EXTENSIONS)


def run(args: argparse.Namespace) -> int:
    from ..analysis import summary
    from ..spec import label

    _check(args)
    scheds = _args.schedules(args.specs)  # parse all first: errors before work
    sums = []
    for text, s in zip(args.specs, scheds):
        with _args.user_text("spec", text, epochs_hint=args.steps_per_epoch is None):
            sums.append(summary(s, args.total, steps_per_epoch=args.steps_per_epoch))
    labels = [label(text) for text in args.specs]  # comments never reach a label
    if args.log and args.out is not None:
        for name, sm in zip(labels, sums):
            if not sm.peak > 0:
                raise _args.ConfigError(
                    f"--log: {name} has no value > 0 to draw (its peak is {sm.peak:g}); "
                    "a log axis shows only positive values: drop --log"
                )
    print(table(sums, labels=labels))
    if args.out is not None:
        from ..plot import schedules

        replaced = _args.replaces(args.out)
        path = schedules(
            scheds,
            args.total,
            args.out,
            steps_per_epoch=args.steps_per_epoch,
            log=args.log,
            labels=labels,
            title=args.title,
            x_unit="epoch" if args.epochs_axis else "step",
            plotly_js=args.plotly_js,
        )
        print(f"chart written to {path}{replaced}")
    return 0
