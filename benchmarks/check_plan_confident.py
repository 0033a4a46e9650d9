"""Does ``Plan.confident`` tell the plans to trust from the guesses? (docs/plan_research.md,
"When the plan is a guess"; the rule and the shipping bar were committed before this ran.)

Re-runs the shipped planner on the sixteen non-void held-back tasks (plans only: each is
checked to equal the stored plan, the planner being deterministic), reads each plan's
doubts, and relates them to the plan's real final from the stored runs, as a ratio to
the task's grid tuned on one seed (``benchmarks/results/plan_heldout_all17.json``,
``plan_heldout_clean16.json``). The development tasks' doubts are read from the notes
stored with their plans (``plan_cache_v17.json``).

Run: ``PYTHONPATH=src python benchmarks/check_plan_confident.py [--json OUT]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_plan import _Epochs  # noqa: E402
from bench_plan_heldout import TASKS  # noqa: E402

RESULTS = os.path.join(HERE, "results")
VOID = {"rings-deep-tanh-nesterov", "sigmoid-wave-sgd", "tiny-inputs-sgd"}

#: the fallback paths of docs/plan.md, by the words of the note each one writes
MARKERS = {
    "blind": ("the range test saw no fall",),
    "no_evidence": ("no evidence:", "too short to rank peaks"),
    "alike": ("they scored alike too", "left the plateau but scored alike"),
    "unstable": ("no probe trained stably",),
    "edge": ("the best peak is the highest candidate",),
}


def doubts_from_notes(notes: list[str]) -> list[str]:
    """The doubts a plan's notes record (the rule's five paths, in its order)."""
    return [k for k, words in MARKERS.items() if any(w in n for n in notes for w in words)]


def _gm(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else math.nan


def stored_rows() -> dict[str, dict]:
    rows = {}
    for f in ("plan_heldout_all17.json", "plan_heldout_clean16.json"):
        with open(os.path.join(RESULTS, f)) as fh:
            for r in json.load(fh):
                rows[r["task"]] = r
    return rows


def heldout(rows: dict[str, dict]) -> list[dict]:
    import torch

    torch.set_num_threads(1)
    import lrkit.torch as lt
    from lrkit.tasks._load import load_task

    out = []
    for name, (spec, _rates) in TASKS.items():
        if name in VOID or name not in rows:
            continue
        row = rows[name]
        for s in range(row["seeds"]):
            task = load_task(spec, seed=s)
            total = task.default_epochs * task.steps_per_epoch
            model = task.make_model()
            o = task.make_optimizer(model, task.default_optimizer, lr=task.default_lr)
            pl = lt.plan(model, o, task.loss_fn, _Epochs(task), total, budget=0.5)
            same = str(pl.schedule) == row["schedules"][s]
            ratio = row["plan_per_seed"][s] / row["tuned"]
            d = doubts_from_notes(list(pl.notes))
            out.append(
                {
                    "task": name,
                    "seed": s,
                    "same_plan": same,
                    "ratio": ratio,
                    "doubts": d,
                    "schedule": str(pl.schedule),
                }
            )
            print(f"{name} seed {s}: {ratio:.2f}x doubts={d} same={same}", file=sys.stderr)
    return out


def development() -> list[dict]:
    with open(os.path.join(RESULTS, "plan_cache_v17.json")) as fh:
        cache = json.load(fh)
    return [
        {
            "task": k.split("|")[0],
            "seed": int(k.split("|")[2]),
            "doubts": doubts_from_notes(v["notes"]),
        }
        for k, v in cache.items()
        if k.split("|")[1] == "plan17"
    ]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    held = heldout(stored_rows())
    dev = development()
    flagged = [r["ratio"] for r in held if r["doubts"]]
    clear = [r["ratio"] for r in held if not r["doubts"]]
    g_f, g_c = _gm(flagged), _gm(clear)
    n_dev = sum(1 for r in dev if r["doubts"])
    print("| task | seed | plan / tuned grid | doubts |")
    print("| --- | ---: | ---: | --- |")
    for r in held:
        print(
            f"| {r['task']} | {r['seed']} | {r['ratio']:.2f}x | {', '.join(r['doubts']) or '-'} |"
        )
    print(
        f"\nflagged plans: {len(flagged)}, geometric mean {g_f:.2f}x; "
        f"confident plans: {len(clear)}, geometric mean {g_c:.2f}x; "
        f"ratio {g_f / g_c:.2f}"
    )
    print(f"development plans flagged: {n_dev} of {len(dev)}")
    print(f"plans equal to the stored ones: {sum(r['same_plan'] for r in held)} of {len(held)}")
    ok = g_f >= 2 * g_c and g_c <= 1.25 and n_dev <= 1
    print(f"shipping bar (flagged >= 2x confident, confident <= 1.25x, dev <= 1 of 9): {ok}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(
                {
                    "heldout": held,
                    "development": dev,
                    "gm_flagged": g_f,
                    "gm_confident": g_c,
                    "dev_flagged": n_dev,
                    "ships": ok,
                },
                fh,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
