"""Two real processes (gloo on 127.0.0.1): plateau and early stopping decide on the mean metric."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

from lrkit.control import EarlyStopping as EarlyStoppingRef
from lrkit.control import Plateau

WORKER = textwrap.dedent(
    """
    import json, sys
    from datetime import timedelta
    import torch
    import torch.distributed as dist
    import lrkit
    from lrkit.control import Plateau, EarlyStopping as PureES
    from lrkit.torch import ReduceOnPlateau, EarlyStopping

    torch.set_num_threads(1)
    rank, port = int(sys.argv[1]), int(sys.argv[2])
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2,
        timeout=timedelta(seconds=40),
    )
    # each rank sees a different local validation loss
    local = {
        0: [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
        1: [1.0, 0.8, 0.7, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    }[rank]
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    sched = ReduceOnPlateau(opt, lrkit.cosine(1.0, 0.1, steps=200), patience=1, factor=0.5)
    es = EarlyStopping(patience=4)
    lone_plateau, lone_es = Plateau(patience=1, factor=0.5), PureES(patience=4)
    # absolute thresholds: decisions that depend on the metric's scale (mean, not sum)
    opt_abs = torch.optim.SGD(model.parameters(), lr=1.0)
    sched_abs = ReduceOnPlateau(opt_abs, None, patience=1, factor=0.5,
                                threshold_mode="abs", threshold=0.07)
    es_abs = EarlyStopping(patience=3, min_delta=0.07)
    lrs, lone_scales, stop, lone_stop = [], [], None, None
    bests, abs_lrs, abs_stop = [], [], None
    for epoch, m in enumerate(local):
        for _ in range(10):
            opt.step()
            sched.step()
        sched.step(m)  # averaged over the two ranks
        sched_abs.step(m)
        bests.append(sched.best)
        abs_lrs.append(opt_abs.param_groups[0]["lr"])
        if abs_stop is None and es_abs.step(m):
            abs_stop = epoch
        lone_plateau.update(m)  # what this rank alone would decide
        lrs.append(opt.param_groups[0]["lr"])
        lone_scales.append(lone_plateau.scale)
        if lone_stop is None and lone_es.update(m):
            lone_stop = epoch
        if es.step(m):
            stop = epoch
            break
    print(json.dumps({"lrs": lrs, "stop": stop, "lone_scales": lone_scales,
                      "lone_stop": lone_stop, "scale": sched.scale, "bests": bests,
                      "abs_lrs": abs_lrs, "abs_stop": abs_stop, "es_best": es_abs.best}),
          flush=True)
    # leave together, then skip the interpreter's C++ teardown: under load gloo's
    # background threads can otherwise abort the exit ("terminate called without
    # an active exception") after the results are already out
    dist.barrier()
    dist.destroy_process_group()
    sys.stdout.flush()
    import os
    os._exit(0)
    """
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_gloo_same_lr_and_stop_step(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    port = _free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1", GLOO_SOCKET_IFNAME="lo")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(rank), str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for rank in (0, 1)
    ]
    outs = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=90)
            assert p.returncode == 0, err[-2000:]
            outs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    r0, r1 = outs
    # identical learning rates and stop epoch on both ranks
    assert r0["lrs"] == r1["lrs"]
    assert r0["stop"] == r1["stop"] is not None
    assert r0["scale"] == r1["scale"] < 1.0
    # the mean metric [1.0, 0.85, 0.8, 0.75, 0.7, 0.7, ...] improves until epoch 4,
    # then plateaus: reductions at epochs 6 and 8, stop at epoch 8 (4 bad epochs)
    assert r0["stop"] == 8
    assert r0["scale"] == 0.25
    # alone, the ranks would have decided differently
    assert r0["lone_scales"] != r1["lone_scales"]
    assert r0["lone_stop"] != r1["lone_stop"]
    # best is the MEAN across ranks (not the sum), as one process fed the mean would hold
    l0 = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    l1 = [1.0, 0.8, 0.7, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    mean = [(a + b) / 2 for a, b in zip(l0, l1)]
    n = len(r0["bests"])
    assert r0["bests"] == r1["bests"] == [min(mean[: i + 1]) for i in range(n)]
    # absolute thresholds behave exactly as on one process given the mean metric
    lone = Plateau(patience=1, factor=0.5, threshold_mode="abs", threshold=0.07)
    lone_es = EarlyStoppingRef(patience=3, min_delta=0.07)
    want_lrs, want_stop = [], None
    for i, m in enumerate(mean[:n]):
        lone.update(m, value=1.0)
        want_lrs.append(lone.apply(1.0))
        if want_stop is None and lone_es.update(m):
            want_stop = i
    assert r0["abs_lrs"] == r1["abs_lrs"] == want_lrs
    assert 0.25 in want_lrs  # the threshold really decided something (0.05 steps are not 0.07)
    assert r0["abs_stop"] == r1["abs_stop"] == want_stop is not None
    assert r0["es_best"] == r1["es_best"] == lone_es.state.best == 0.75
