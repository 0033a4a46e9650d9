"""``lrkit predict --run FILE.csv [SPEC [STEPS]] ... --candidate SPEC ...``: fit a loss-curve
law on recorded runs and rank candidate schedules by predicted final loss."""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
from typing import Any

HELP = "fit a loss-curve law on recorded runs and rank schedules by predicted final loss"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--run",
        action="append",
        nargs="+",
        metavar=("FILE.csv", "SPEC [STEPS]"),
        required=True,
        help="a recorded run: CSV with columns step,lr,loss (lr at every step from 0) or "
        "step,loss followed by the schedule's SPEC and optionally the run's length STEPS "
        "(a SPEC without a length is bound to STEPS, by default the last logged step + 1: "
        "give STEPS when the log ends earlier than the run); repeat for each run",
    )
    p.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="SPEC",
        help="a schedule to predict (repeatable); the runs' schedules are always included",
    )
    p.add_argument(
        "--total",
        type=int,
        default=None,
        help="steps of the candidates' runs (default: the longest recorded run's); a "
        "candidate bound to its own length by its spec keeps it",
    )
    from ..laws import DEFAULT_LAW, LAWS

    p.add_argument(
        "--law",
        default=DEFAULT_LAW,
        choices=(DEFAULT_LAW, *(n for n in LAWS if n != DEFAULT_LAW)),
        help=f"the law (default {DEFAULT_LAW}: the MPL's and the momentum law's predictions "
        "averaged, each with a fitted drop exponent, a fitted progress exponent and "
        "diminishing returns in area)",
    )
    p.add_argument("--out", default=None, help="write the curves to FILE.png or FILE.html")


def read_run(path: str, spec: str | None, steps: int | None = None) -> Any:
    """A :class:`lrkit.laws.Run` from a CSV file (and the schedule's spec, and the run's
    length ``steps``: a spec without a length is bound to it, default the last logged
    step + 1)."""
    import numpy as np

    from ..errors import ConfigError, LrkitError

    if not os.path.isfile(path):
        raise ConfigError(f"--run: no such file {path!r}")
    try:
        # utf-8-sig: a spreadsheet's byte-order mark is not part of the first column's name
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"--run {path}: not a UTF-8 text file ({e.reason} at byte {e.start})"
        ) from None
    except OSError as e:
        raise ConfigError(f"--run {path}: cannot be read ({e.strerror})") from None
    if not rows:
        raise ConfigError(f"--run {path}: the file is empty")
    head = [h.strip().lower() for h in rows[0]]
    if "step" not in head or "loss" not in head:
        raise ConfigError(
            f"--run {path}: the header must name columns step and loss, got {rows[0]}"
        )
    twice = next((h for h in ("step", "lr", "loss") if head.count(h) > 1), None)
    if twice:  # which of the columns the file meant is not known
        raise ConfigError(f"--run {path}: the header names column {twice} twice, got {rows[0]}")
    lines = [(i, r) for i, r in enumerate(rows[1:], start=2) if r]  # (line number, row)
    if not lines:
        raise ConfigError(f"--run {path}: no data rows under the header")
    values = []
    for i, r in lines:
        if len(r) != len(head):
            raise ConfigError(
                f"--run {path}: line {i} has {len(r)} columns, expected {len(head)} "
                f"({','.join(rows[0])}), got {r}"
            )
        try:
            values.append([float(x) for x in r])
        except ValueError as e:
            raise ConfigError(f"--run {path}: not a number in the data, line {i} ({e})") from None
    data = np.array(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(data).all(axis=1))
    if bad.size:
        line, row = lines[int(bad[0])]
        raise ConfigError(
            f"--run {path}: line {line} holds a non-finite number {row}; "
            "drop the rows after a divergence"
        )
    last = int(data[-1, head.index("step")])
    if steps is not None and steps <= last:
        raise ConfigError(
            f"--run {path}: STEPS (the run's length) must be an int > the last logged "
            f"step {last}, got {steps}"
        )
    try:
        return _run_of(path, head, data, spec, steps)
    except LrkitError as e:  # which of the --run files (Run's own message does not say)
        raise type(e)(f"--run {path}: {e}") from None


def _run_of(path: str, head: list[str], data: Any, spec: str | None, total: int | None) -> Any:
    import numpy as np

    from ..errors import ConfigError
    from ..laws import Run

    steps, loss = data[:, head.index("step")], data[:, head.index("loss")]
    name = os.path.splitext(os.path.basename(path))[0]
    if spec is not None:
        run = Run(spec, steps, loss, name=name, total_steps=total)
        if "lr" in head:
            _check_lr_column(path, run, data[:, head.index("lr")])
        return run
    if "lr" not in head:
        raise ConfigError("no lr column; give the schedule's SPEC after the file")
    lr = data[:, head.index("lr")]
    if not np.array_equal(steps, np.arange(steps.size)):
        raise ConfigError(
            f"the lr column must cover every step from 0 (it has "
            f"{steps.size} rows up to step {int(steps[-1])}); give the schedule's SPEC instead"
        )
    return Run(lr, steps, loss, name=name)


#: a logged rate this far (relative) from the SPEC's is a different schedule
LR_COLUMN_RTOL = 1e-4


def _check_lr_column(path: str, run: Any, lr: Any) -> None:
    """On stderr: the file's lr column is not the rates of the SPEC given with it (at
    the logged steps): a SPEC bound to the wrong length, or another schedule."""
    import numpy as np

    want = run.eta[run.steps]
    off = np.flatnonzero(np.abs(lr - want) > LR_COLUMN_RTOL * np.maximum(np.abs(lr), 1e-300))
    if off.size:
        i = int(off[0])
        print(
            f"note: --run {path}: its lr column differs from the SPEC's rates (step "
            f"{int(run.steps[i])}: {lr[i]:.6g} in the file, {want[i]:.6g} from the SPEC); "
            "the SPEC is used: give the run's length after it (STEPS) if the log ends "
            "before the run",
            file=sys.stderr,
        )


def _say_length(label: str, s: Any, total: int, default: bool) -> None:
    """On stderr: a candidate whose own length differs from the run it is predicted for
    (its value at the run's last step is not its end)."""
    if s.is_bound:  # a bound schedule is predicted over its own length
        if not default and s.length is not None and s.length != total:
            print(
                f"note: {label} lasts {s.length} steps, its spec's own length: it is "
                f"predicted over it, not over --total {total}",
                file=sys.stderr,
            )
        return
    n = s.bind(total_steps=total).length
    if n is not None and n != total:
        where = "the recorded runs' length" if default else "--total"
        print(
            f"note: {label} lasts {n} steps but is predicted for a run of {total} ({where}): "
            f"give --total {n} to predict its end",
            file=sys.stderr,
        )


#: a candidate run this many times longer than the longest fitted run gets a note
HORIZON_NOTE = 1.5


def _say_horizon(total: int, horizon: int) -> None:
    """On stderr: the candidates' runs are much longer than any fitted run (the laws
    then extrapolate how much a decay buys over a longer run)."""
    if total > HORIZON_NOTE * horizon:
        print(
            f"note: predicting runs of {total} steps from runs of at most {horizon} "
            f"({total / horizon:.1f}x): how much a decay buys over a longer run is not in "
            "the fitted runs; on the public curves, at 3x, the default law overstated a "
            "slow decay's gain by 10-55 % (docs/laws.md, Honest limits)",
            file=sys.stderr,
        )


def _say_fitted_error(law: Any, runs: list[Any]) -> None:
    """The law's error on the points it was fitted on, when the runs were logged during
    their warmup too: the report's fit error counts those points, which the fit leaves
    out and the law does not model."""
    after = [a for a in (r.after_warmup() for r in runs) if a is not None]
    if sum(len(a.steps) for a in after) == sum(len(r.steps) for r in runs):
        return  # no point in warmup: the report's fit error is this one
    err = law.errors(after)
    print(
        f"  fit error after warmup (the points fitted): mean {100 * err['mean_rel']:.3f} %, "
        f"worst {100 * err['worst_rel']:.3f} %"
    )


def _run_steps(item: list[str]) -> int | None:
    """The STEPS of ``--run FILE.csv SPEC STEPS`` (``None`` when not given)."""
    from ..errors import ConfigError
    from ..laws import MAX_RUN_STEPS

    if len(item) < 3:
        return None
    text = item[2].strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_RUN_STEPS:
        limit = (
            f", at most {MAX_RUN_STEPS:,} (the laws hold one rate per step)"
            if text.isdigit()
            else ""
        )
        raise ConfigError(
            f"--run {item[0]}: STEPS (the run's length) must be an int > the last logged "
            f"step{limit}, got {item[2]!r}"
        )
    return int(text)


def _candidate(spec: str) -> Any:
    """The schedule of ``--candidate SPEC`` (a spec error names the option)."""
    from ..core import as_schedule
    from ..errors import LrkitError

    try:
        return as_schedule(spec)
    except LrkitError as e:
        raise type(e)(f"--candidate {spec}: {e}") from None


def _read_run_option(item: list[str]) -> Any:
    """The run of one ``--run FILE.csv [SPEC [STEPS]]``."""
    from ..errors import ConfigError

    if len(item) > 3:
        raise ConfigError(f"--run takes FILE.csv and at most one SPEC and its STEPS, got {item}")
    spec = item[1] if len(item) > 1 else None
    if spec is not None and spec.strip().isdigit() and int(spec) > 10:
        raise ConfigError(
            f"--run {item[0]} {spec}: SPEC {spec} would be a constant rate of {spec}; a run's "
            f"length STEPS comes after its SPEC (--run {item[0]} SPEC {spec}), and a file "
            "with an lr column needs neither (write constant({spec}) for that rate)"
        )
    return read_run(item[0], spec, _run_steps(item))


def run(args: argparse.Namespace) -> int:
    from .._files import FIGURE_EXTENSIONS, check_file
    from ..errors import ConfigError, NonFiniteError
    from ..laws import MAX_RUN_STEPS, fit, rates
    from ..laws.plotting import plot_law

    if args.total is not None and not 10 <= args.total <= MAX_RUN_STEPS:
        raise ConfigError(f"--total must be an int in [10, {MAX_RUN_STEPS:,}], got {args.total}")
    if args.out is not None:  # before any work ("" too); an OutputError is a user error (exit 2)
        check_file(args.out, "--out", FIGURE_EXTENSIONS)
    runs = [_read_run_option(item) for item in args.run]
    cands = [(c, _candidate(c)) for c in args.candidate]  # parse all before fitting
    # the candidates' runs: --total, else as long as the longest recorded run
    total = args.total or max(r.total_steps or int(r.steps[-1]) + 1 for r in runs)
    # a bound schedule with an end is predicted over its own length, the others over total
    own = [s.length if s.is_bound and s.length is not None else None for _, s in cands]
    for (label, s), n in zip(cands, own):
        _say_length(label, s, total, args.total is None)
        if n is not None and n > MAX_RUN_STEPS:
            raise ConfigError(
                f"--candidate {label}: it lasts {n:,} steps; the laws take at most "
                f"{MAX_RUN_STEPS:,}"
            )
    for (label, s), n in zip(cands, own):  # rates the law can read, before the fit
        rates(s, total if n is None else n, owner=f"--candidate {label}", total_steps=total)
    law = fit(runs, args.law)
    print(law.report())
    _say_fitted_error(law, runs)
    if cands:
        _say_horizon(max(total if n is None else n for n in own), law.info["horizon"])
    rows = []
    for (label, s), n in zip(cands, own):
        try:
            v = law.final(s, total_steps=total if n is None else None)
        except NonFiniteError:  # the law's terms overflow on this schedule
            v = math.inf
        if not (math.isfinite(v) and v > 0):  # a loss cannot be <= 0: the law is extrapolating
            print(
                f"note: the law predicts a final loss of {v:.4g} for {label}: outside what "
                "the recorded runs support (its drop term outgrew the loss); not ranked",
                file=sys.stderr,
            )
            continue
        rows.append((v, label))
    for r in runs:  # at the run's end: its STEPS when given, else its last logged step
        if r.total_steps is not None and r.total_steps > len(r.eta):
            v = law.final(r.schedule, total_steps=r.total_steps)
        else:
            v = float(law.predict(r.eta, [r.steps[-1]])[0])
        rows.append((v, f"{r.name} (recorded)"))
    rows.sort()
    print(f"\n{'rank':>4}  {'predicted final loss':>20}  schedule")
    for i, (v, label) in enumerate(rows, 1):
        print(f"{i:>4}  {v:>20.5f}  {label}")
    if args.out is not None:
        # each candidate's rates over the run it was ranked for (its own length, or total)
        drawn = [
            rates(s, total if n is None else n, total_steps=total) for (_, s), n in zip(cands, own)
        ]
        path = plot_law(
            law,
            args.out,
            runs=runs,
            schedules=drawn,
            labels=[c for c, _ in cands],
            skip=int(min(int(r.eta.argmax()) for r in runs)) + 1,
        )
        print(f"chart written to {path}")
    return 0
