"""``lrkit lab [NAME] [--out DIR] [--quick]``: list or run the evidence experiments."""

from __future__ import annotations

import argparse
import sys

from . import _args

HELP = "list the labs (experiments that test claims about schedules) or run one"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", default=None, help="the lab to run (omit to list them)")
    p.add_argument(
        "--out", default="lrkit-labs", help="folder for the figures and NAME.json (the numbers)"
    )
    p.add_argument(
        "--quick", action="store_true", help="reduced budget (seconds; what the tests run)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--progress",
        action="store_true",
        help="show a progress bar (training runs done, elapsed time) on stderr even when it "
        "is not a terminal (on a terminal it is always shown)",
    )


def listing() -> str:
    from ..labs import LABS

    width = max(len(n) for n in LABS)
    rows = [f"{name.ljust(width)}  {lab.claim}" for name, lab in LABS.items()]
    return "\n".join(rows + ["", "run one with: lrkit lab NAME [--out DIR] [--quick]"])


def run(args: argparse.Namespace) -> int:
    from ..labs import MAX_SEED, get_lab

    if args.name is None:
        print(listing())
        return 0
    from .._deps import check_installed

    lab = get_lab(args.name)  # ConfigError with a did-you-mean -> exit 2
    if not 0 <= args.seed < MAX_SEED:
        raise _args.ConfigError(
            f"--seed must be an integer in [0, 2**63 - 3) (a lab trains seeds up to "
            f"seed + 2), got {args.seed}"
        )
    lab.check_outputs(args.out, "--out")
    check_installed("matplotlib", "plot", "the lab's figures")
    print(f"lab {lab.name}: {lab.claim}\n  setup: {lab.setup}", flush=True)
    from ..labs._common import progress

    with progress(f"lab {lab.name}", args.progress or sys.stderr.isatty()):
        res = lab.run(args.out, budget="ci" if args.quick else "full", seed=args.seed)
    print(res)
    return 0
