"""Two real processes (gloo on 127.0.0.1): plateau and early stopping decide on the mean metric."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

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
    lrs, lone_scales, stop, lone_stop = [], [], None, None
    for epoch, m in enumerate(local):
        for _ in range(10):
            opt.step()
            sched.step()
        sched.step(m)  # averaged over the two ranks
        lone_plateau.update(m)  # what this rank alone would decide
        lrs.append(opt.param_groups[0]["lr"])
        lone_scales.append(lone_plateau.scale)
        if lone_stop is None and lone_es.update(m):
            lone_stop = epoch
        if es.step(m):
            stop = epoch
            break
    print(json.dumps({"lrs": lrs, "stop": stop, "lone_scales": lone_scales,
                      "lone_stop": lone_stop, "scale": sched.scale}), flush=True)
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
