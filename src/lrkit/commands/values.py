"""``lrkit values SPEC --total N``: print a schedule's values."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

HELP = "print a schedule's value at every step (csv or json)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", help="schedule spec, e.g. \"warmup(cosine(0.1), steps='5%%')\"")
    p.add_argument("--total", type=int, required=True, help="number of steps in the run")
    p.add_argument("--steps-per-epoch", type=int, default=None, help="steps per epoch ('Nep')")
    p.add_argument("--format", choices=("csv", "json"), default="csv")


def run(args: argparse.Namespace) -> int:
    from ..core import as_schedule

    if args.total < 1:
        raise ValueError(f"--total must be a positive number of steps, got {args.total}")
    s = as_schedule(args.spec).bind(total_steps=args.total, steps_per_epoch=args.steps_per_epoch)
    v = s(np.arange(args.total))
    out = sys.stdout
    if args.format == "json":
        json.dump([float(x) for x in v], out)
        out.write("\n")
    else:
        out.write("step,value\n")
        out.write("".join(f"{i},{float(x)!r}\n" for i, x in enumerate(v)))
    return 0
