"""LRMonitor's TensorBoard path with the real `tensorboard` package (a dev dependency)."""

import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import lrkit
from lrkit.torch import LRMonitor, Scheduler


def test_monitor_writes_the_applied_values_to_tensorboard(tmp_path):
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=1.0, momentum=0.9)
    lr = lrkit.one_cycle(0.5, steps=20)
    sched = Scheduler(opt, {"lr": lr, "momentum": lrkit.opposite(lr)})
    mon = LRMonitor(opt, keys=("lr", "momentum"), tensorboard=tmp_path, auto=True)
    for _ in range(12):
        p.grad = torch.ones_like(p)
        opt.step()
        sched.step()
    mon.close()
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert set(tags) >= {"lr/0", "momentum/0"}
    got = [(e.step, e.value) for e in acc.Scalars("lr/0")]
    assert [s for s, _ in got] == list(range(12))
    # TensorBoard stores float32
    for step, value in got:
        assert abs(value - lr(step)) <= 1e-7 * max(1.0, lr(step))
    mom = [e.value for e in acc.Scalars("momentum/0")]
    assert abs(mom[5] - lrkit.opposite(lr)(5)) < 1e-7
