"""``lrkit values SPEC --total N``: print a schedule's values."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from . import _args

HELP = "print a schedule's value at every step (csv or json)"

#: steps evaluated at once (the output is streamed, memory stays small)
CHUNK = 1 << 16


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", help="schedule spec, e.g. \"warmup(cosine(0.1), steps='5%%')\"")
    _args.add_run_length(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv")


def run(args: argparse.Namespace) -> int:
    total = _args.run_length(args)
    (s,) = _args.schedules([args.spec])
    with _args.user_text("spec", args.spec, epochs_hint=args.steps_per_epoch is None):
        s = s.bind(total_steps=total, steps_per_epoch=args.steps_per_epoch)
        first = s(np.arange(min(CHUNK, total)))  # errors before any output:
        for start in range(CHUNK, total, CHUNK):  # a value not finite at any step too
            s(np.arange(start, min(start + CHUNK, total)))
    out = sys.stdout
    out.write("[" if args.format == "json" else "step,value\n")
    for start in range(0, total, CHUNK):
        with _args.user_text("spec", args.spec):
            v = first if start == 0 else s(np.arange(start, min(start + CHUNK, total)))
        if args.format == "json":
            out.write(("" if start == 0 else ", ") + ", ".join(json.dumps(float(x)) for x in v))
        else:
            out.write("".join(f"{start + i},{float(x)!r}\n" for i, x in enumerate(v)))
    if args.format == "json":
        out.write("]\n")
    return 0
