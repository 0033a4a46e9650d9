"""benchmarks/bench_plan_heldout.py --recipe: the new user's recipe row is exactly
``find_lr`` with its defaults, then ``res.schedule("one_cycle", total)``, trained by the
same ``train`` as the grid, and its ratio is taken against the stored best cell."""

from __future__ import annotations

import os
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_recipe_row_is_find_lr_defaults_then_one_cycle():
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import bench_plan_heldout as bh
    from bench_plan import _Epochs

    import lrkit.torch as lt
    from lrkit.bench import train
    from lrkit.tasks._load import load_task

    threads = torch.get_num_threads()
    try:
        stored = {
            "softmax-blobs": {
                "seeds": 1,
                "cells": {"constant(0.3)": 0.65},
                "best_cell": "constant(0.3)",
                "best_per_seed": [0.65],
            }
        }
        (row,) = bh.run(1, ["softmax-blobs"], stored, recipe=True)
        task = load_task(bh.TASKS["softmax-blobs"][0], seed=0)
        total = task.default_epochs * task.steps_per_epoch
        model = task.make_model()
        opt = task.make_optimizer(model, task.default_optimizer, lr=task.default_lr)
        res = lt.find_lr(model, opt, task.loss_fn, _Epochs(task), progress=False)
        assert len(res.lrs) <= 100 and res.lrs[0] == pytest.approx(1e-7)
        sched = res.schedule("one_cycle", total)
        final = train(task, sched, task.default_optimizer, task.default_epochs).final_metric
    finally:
        torch.set_num_threads(threads)
    assert row["recipe_schedules"] == [f"{sched} ({len(res.lrs)} updates)"]
    assert row["recipe_per_seed"] == [pytest.approx(final, rel=1e-6)]
    assert row["recipe_ratio"] == pytest.approx(final / 0.65, rel=1e-6)
    md = bh.markdown([row])
    assert f"| softmax-blobs | {final:.4g} ({final:.4g}) | {final / 0.65:.2f}x |" in md
