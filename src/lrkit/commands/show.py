"""``lrkit show SPEC [SPEC ...] --total N``: summary table and a chart."""

from __future__ import annotations

import argparse

HELP = "summarize schedules and draw them on one chart (PNG or interactive HTML)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("specs", nargs="+", metavar="SPEC", help="one or more schedule specs")
    p.add_argument("--total", type=int, required=True, help="number of steps in the run")
    p.add_argument("--steps-per-epoch", type=int, default=None, help="steps per epoch ('Nep')")
    p.add_argument("--log", action="store_true", help="log scale for the value axis")
    p.add_argument("--out", default=None, help="write the chart to FILE.png or FILE.html")
    p.add_argument("--epochs-axis", action="store_true", help="label the x axis in epochs")
    p.add_argument("--title", default="", help="chart title")


def table(summaries: list) -> str:
    rows = [("schedule", "peak", "peak step", "final", "mean", "half-life")]
    for s in summaries:
        hl = "never" if s.half_life is None else str(s.half_life)
        rows.append(
            (s.spec, f"{s.peak:.4g}", str(s.peak_step), f"{s.final:.4g}", f"{s.mean:.4g}", hl)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    widths[0] = min(widths[0], 70)

    def fmt(r: tuple) -> str:
        first = r[0] if len(r[0]) <= widths[0] else r[0][: widths[0] - 1] + "…"
        cells = [first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        return "  ".join(cells)

    lines = [fmt(rows[0]), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows[1:]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..analysis import summary
    from ..core import as_schedule

    if args.total < 1:
        raise ValueError(f"--total must be a positive number of steps, got {args.total}")
    if args.out:
        from ..plot import _kind

        _kind(args.out)  # a bad file name fails before any work or output
    scheds = [as_schedule(s) for s in args.specs]  # parse all first: errors before work
    sums = [summary(s, args.total, steps_per_epoch=args.steps_per_epoch) for s in scheds]
    for spec, s in zip(args.specs, sums):
        object.__setattr__(s, "spec", spec)
    print(table(sums))
    if args.out:
        from ..plot import schedules

        path = schedules(
            scheds,
            args.total,
            args.out,
            steps_per_epoch=args.steps_per_epoch,
            log=args.log,
            labels=args.specs,
            title=args.title,
            x_unit="epoch" if args.epochs_axis else "step",
        )
        print(f"chart written to {path}")
    return 0
