"""Which setting should ``lrkit demo`` use? (issue 12, item 5: spread >= 3x the seed std).

Round 1, written before any run of this script (2026-11-29, 20:06 UTC):

- Candidates: the digits task (SGD, momentum 0.9; the demo must stay ~30 s
  idle on a 2-core VM, and digits is the only built-in task that fast),
  epochs in {3, 4, 5, 8}, hand-made peak in {0.05, 0.1}; the three
  hand-made schedules of the demo (constant, step decay, warmup + cosine),
  seeds 0-2 (the demo's default).
- Metrics, both reported for every setting: the final held-out accuracy
  (359 images: quantised in steps of 0.28 pp, its seed std mostly the split's
  sampling noise) and the final held-out cross-entropy (continuous, and what
  the plan's probes optimise when given a validation loss).
- spread = |best - worst| mean over seeds, divided by the seed std pooled over
  the three schedules (sqrt of the mean sample variance): the demo's own
  ``verdict`` formula.
- Choice: the metric and setting with the largest spread/std in held-out
  cross-entropy among settings whose three schedules x 3 seeds train in
  under 10 s here; if the current demo setting (5 epochs, 0.1) reaches 3x,
  it stays (continuity: README, docs and the demo's runtime are measured).
- Check against selection bias (the best of eight noisy ratios is biased
  upwards): the chosen setting is run again on fresh seeds 3-5 and both
  figures are reported.

Round 1's result (docs/tasks.md): held-out cross-entropy separates nothing
(at most 1.0x: its seed std is as large as the spread, a few confident
mistakes on one split dominate it); accuracy as before (2.5x at 5 epochs).

Round 2, written after round 1 and before its own runs (20:07 UTC): the seed
std is the test split's sampling noise (359 images: sqrt(p(1-p)/359) = 0.9 pp
at 97 %), so a larger held-out split (``test_fraction``, a digits option)
lowers it as 1/sqrt(n) while a smaller training split leaves the model less
trained (a larger spread, if anything). Candidates: test_fraction 0.4 at
6, 8, 10 epochs and 0.5 at 7, 9, 12 epochs (every one long enough for the
plan's shape probe except 0.5 at 7 epochs, 196 updates: it has), peak 0.1 (0.05
separated nothing in round 1), seeds 0-2, the final held-out accuracy. The
largest spread/std wins if the demo stays under ~30 s; it is rerun on seeds
3-5.

Round 2's result: no setting reaches 3x (best: 0.5 at 9 epochs, 2.7x; the
constant rate's own seed std grows to 2-6 pp with less training data).

Round 3, written after round 2 and before its own runs (20:09 UTC): what a
schedule changes first is the optimisation: the annealed schedules end at a
much lower training loss than a constant rate at the same peak. The last
epoch's mean training loss (45 batches at 0.2) is continuous and averages
out most batch noise. Candidates: test_fraction 0.2, epochs 3, 5, 8, peak
0.1, seeds 0-2, metric = the final epoch's mean training loss (the
accuracy spread is still reported next to it). The current setting (5,
0.1) stays if it reaches 3x; else the largest; rerun on seeds 3-5.

Round 3's result: (5, 0.1) 2.4x; (8, 0.1) 4.2x, and 3.6x on seeds 3-5 (its
accuracy spread 0.9x and 2.8x): the demo runs 8 epochs at 0.1 and prints
both spreads. Every table: benchmarks/results/plan_demo.md.

Round 4, written after the demo was run on a second VM and before its own runs
(2026-11-30, 18:05 UTC): on that VM the constant rate at 0.1 (momentum 0.9: the edge
of stability on this MLP) came out differently (last-epoch training loss 0.0740 against
0.0220), and the training-loss spread fell to 2.5x (accuracy 3.0x): the 3x held on one
metric per machine, not on the same one. At the edge of stability one seed's outcome is
heavy-tailed (seed 1 here: 0.140 against 0.033-0.049), so a spread over three seeds is
fragile; a torch thread count of 1 or 2 changes no bit on this task, so the spread's
robustness is measured across disjoint seed sets instead (a new machine's rounding
acts like a new draw). Candidates: test_fraction 0.2, 8 epochs, hand-made peak in
{0.03, 0.05, 0.07, 0.1}; seed sets 0-2, 3-5, 6-8, 9-11; metric: the last epoch's mean
training loss (accuracy reported beside it). Choice: the peak whose smallest
training-loss spread over the four seed sets is largest, if that smallest spread is
>= 3x; 0.1 stays if its own smallest spread is >= 3x (continuity); if no peak reaches 3x
on every set, the demo stays as it is and the docs say so. The plan's result does not
enter the choice.

Round 4's result: smallest training-loss spread over the four sets 0.03 7.2x (7.2 /
16.5 / 8.3 / 47.3x), 0.05 0.7x, 0.07 0.7x, 0.1 1.4x (2.1 / 2.4 / 4.0 / 1.4x): the demo's
hand-made peak is 0.03 (`lrkit.commands.demo.LR`). Run with ``--settings
8:0.03,8:0.05,8:0.07,8:0.1`` and each ``--seeds`` set.

Run: ``PYTHONPATH=src python benchmarks/bench_plan_demo.py [--seeds 0,1,2]``;
prints one markdown row per setting.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

from lrkit.bench import run_grid
from lrkit.commands.demo import seed_spread
from lrkit.tasks import get_task

HAND = (
    ("constant", "constant({lr})"),
    ("step decay", "step({lr}, gamma=0.1, every='40%')"),
    ("warmup + cosine", "warmup(cosine({lr}), steps='10%')"),
)


def _mean_std(xs: list[float]) -> tuple[float, float]:
    m = sum(xs) / len(xs)
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def spread(per_label: dict[str, list[float]]) -> tuple[float, float, float]:
    """(best - worst mean, pooled seed std, their ratio): the demo's own rule (seed_spread)."""
    means, pooled = seed_spread(per_label)
    d = max(means.values()) - min(means.values())
    return d, pooled, d / pooled if pooled > 0 else math.inf


def measure(epochs: int, lr: float, seeds: list[int], frac: float = 0.2) -> dict[str, object]:
    task = get_task("digits", seed=seeds[0], test_fraction=frac)
    t0 = time.perf_counter()
    res = run_grid(
        task,
        [s.format(lr=lr) for _, s in HAND],
        seeds=seeds,
        optimizer="sgd",
        epochs=epochs,
        labels=[lab for lab, _ in HAND],
    )
    wall = time.perf_counter() - t0
    acc: dict[str, list[float]] = {}
    ce: dict[str, list[float]] = {}
    tr: dict[str, list[float]] = {}
    for r in res:
        tr.setdefault(r.label, []).append(r.history[-1]["train_loss"] if r.history else math.inf)
        acc.setdefault(r.label, []).append(100.0 * r.final_metric)
        ce.setdefault(r.label, []).append(r.history[-1]["val_loss"] if r.history else math.inf)
    return {"acc": acc, "ce": ce, "train": tr, "wall": wall}


def _cells(d: dict[str, list[float]], fmt: str) -> list[str]:
    return [f"{_mean_std(v)[0]:{fmt}} ± {_mean_std(v)[1]:{fmt}}" for v in d.values()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument("--settings", default="3:0.05,4:0.05,5:0.05,8:0.05,3:0.1,4:0.1,5:0.1,8:0.1")
    a = ap.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in a.seeds.split(",")]
    print(
        "| epochs, peak | accuracy: constant / step / cosine | spread/std | "
        "held-out CE: constant / step / cosine | spread/std | "
        "last epoch's training loss: constant / step / cosine | spread/std | wall s |"
    )
    print("| --- | --- | ---: | --- | ---: | --- | ---: | ---: |")
    for item in a.settings.split(","):
        e, lr = item.split(":")
        m = measure(int(e), float(lr), seeds, a.test_fraction)
        _, _, ra = spread(m["acc"])  # type: ignore[arg-type]
        _, _, rc = spread(m["ce"])  # type: ignore[arg-type]
        _, _, rt = spread(m["train"])  # type: ignore[arg-type]
        print(
            f"| {e}, {lr} | {' / '.join(_cells(m['acc'], '.2f'))} | {ra:.1f}x | "  # type: ignore[arg-type]
            f"{' / '.join(_cells(m['ce'], '.3f'))} | {rc:.1f}x | "  # type: ignore[arg-type]
            f"{' / '.join(_cells(m['train'], '.4f'))} | {rt:.1f}x | {m['wall']:.1f} |",  # type: ignore[arg-type]
            flush=True,
        )


if __name__ == "__main__":
    main()
