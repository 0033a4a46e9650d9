"""torch.compile: a tensor learning rate updated in place never recompiles the optimizer step.

The compiled function is ``optimizer.step()``; the scheduler steps in eager
mode between calls. A counting backend records at which training step dynamo
produced a graph: steps 0 and 1 compile (the momentum buffers are created at
step 0), later steps must reuse the graph.

Measured with torch 2.13 (printed by the test, counts not timings):
- tensor lr (lrkit ``tensor_lr=True``): 0 recompilations after step 1, with
  either setting of ``torch._dynamo.config.specialize_float``;
- Python-float lr: 0 with torch 2.13's default (``specialize_float=False``
  traces floats symbolically), but a recompilation at every step until the
  cache limit (8) and then eager fallback with ``specialize_float=True``
  (the behaviour of pytorch/pytorch#107076, older releases).
"""

from __future__ import annotations

import warnings

import torch
import torch._dynamo

import lrkit
from lrkit.torch import Scheduler

torch.set_num_threads(1)
STEPS = 200


def _graph_steps(tensor_lr):
    torch._dynamo.reset()
    at: list[int] = []
    now = [0]

    def backend(gm, example_inputs):
        at.append(now[0])
        return gm.forward

    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    s = lrkit.warmup(lrkit.cosine(0.1, 1e-4), steps=20).bind(total_steps=STEPS)
    sched = Scheduler(opt, s, tensor_lr=tensor_lr)
    lr_obj = opt.param_groups[0]["lr"]

    @torch.compile(backend=backend)
    def opt_step():
        opt.step()

    x = torch.randn(8, 4)
    applied = []
    for i in range(STEPS):
        now[0] = i
        opt.zero_grad()
        model(x).sum().backward()
        applied.append(float(opt.param_groups[0]["lr"]))
        opt_step()
        sched.step()
    if tensor_lr:
        assert opt.param_groups[0]["lr"] is lr_obj  # same tensor object all along
    assert applied == [s(n) for n in range(STEPS)]
    return at


def test_tensor_lr_zero_recompiles_float_count_reported(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tensor_default = _graph_steps(True)
        float_default = _graph_steps(None)
        with torch._dynamo.config.patch(specialize_float=True):
            tensor_spec = _graph_steps(True)
            float_spec = _graph_steps(None)
    torch._dynamo.reset()

    def recompiles(at):
        return len([i for i in at if i >= 2])

    with capsys.disabled():
        print(
            f"\n  graphs after step 1 over {STEPS} steps: tensor lr {recompiles(tensor_default)} "
            f"(specialize_float=True: {recompiles(tensor_spec)}); Python float lr "
            f"{recompiles(float_default)} (specialize_float=True: {recompiles(float_spec)}, "
            f"compiled at steps {float_spec})"
        )
    assert recompiles(tensor_default) == 0
    assert recompiles(tensor_spec) == 0
    assert recompiles(float_spec) > 0  # the problem lrkit's tensor rate avoids


def test_tensor_lr_survives_loading_a_float_lr_optimizer_checkpoint():
    """Resuming a run saved with float rates into a compiled setup (``tensor_lr=True``):
    ``opt.load_state_dict`` writes the saved float over the tensor; the scheduler makes it
    a float64 tensor again (was: a float for the rest of the run, silently)."""
    import copy

    from lrkit.torch import ReduceOnPlateau

    s = lrkit.warmup(lrkit.cosine(0.1, 1e-4), steps=5).bind(total_steps=40)
    model = torch.nn.Linear(4, 1)
    for cls in (Scheduler, ReduceOnPlateau):
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = cls(opt, s)  # floats
        for _ in range(10):
            opt.step()
            sched.step()
        sd_opt, sd_sched = copy.deepcopy(opt.state_dict()), sched.state_dict()
        for order in ("opt first", "scheduler first"):
            opt2 = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            sched2 = cls(opt2, s, tensor_lr=True)
            if order == "opt first":
                opt2.load_state_dict(sd_opt)
                sched2.load_state_dict(sd_sched)
            else:
                sched2.load_state_dict(sd_sched)
                opt2.load_state_dict(sd_opt)
            applied = []
            for _ in range(5):
                opt2.step()
                sched2.step()
                lr = opt2.param_groups[0]["lr"]
                assert isinstance(lr, torch.Tensor) and lr.dtype == torch.float64, (cls, order)
                applied.append(float(lr))
            assert applied == [s(n) for n in range(11, 16)]
    # tensor_lr=None keeps the optimizer's types: a float stays a float
    opt = torch.optim.SGD(model.parameters(), lr=torch.tensor(0.1))
    sched = Scheduler(opt, s)
    opt.load_state_dict(
        {**opt.state_dict(), "param_groups": [{**opt.state_dict()["param_groups"][0], "lr": 0.05}]}
    )
    sched.step()
    assert type(opt.param_groups[0]["lr"]) is float and opt.param_groups[0]["lr"] == s(1)
