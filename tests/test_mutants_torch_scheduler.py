"""Direct tests for ``lrkit.torch.Scheduler`` behaviours that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned. Public API only; expected
values come from the schedule itself (``schedule(n)``)."""

import numpy as np
import pytest
import torch

import lrkit
from lrkit.torch import Scheduler

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _opt(lr=0.1):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=lr)


def test_follow_optimizer_jump_then_count_real_updates():
    """``step(n)`` in ``follow_optimizer`` mode moves the count to ``n``; the next
    optimizer update then makes ``step()`` land on ``n + 1`` (not back on the number
    of updates seen before the jump)."""
    s = lrkit.cosine(1.0, steps=100)
    opt = _opt()
    sched = Scheduler(opt, s, follow_optimizer=True)
    opt.step()
    sched.step()
    assert sched.last_epoch == 1
    sched.step(50)
    assert opt.param_groups[0]["lr"] == pytest.approx(s(50))
    opt.step()
    sched.step()
    assert sched.last_epoch == 51
    assert opt.param_groups[0]["lr"] == pytest.approx(s(51))
    sched.step()  # no optimizer update in between (e.g. skipped by GradScaler): stays
    assert sched.last_epoch == 51


def test_values_reads_the_plan_at_given_steps_and_at_the_current_one():
    s = lrkit.warmup(lrkit.cosine(1.0, steps=80), steps=20)
    opt = _opt()
    sched = Scheduler(opt, {"lr": s}, multipliers=[0.5])
    for _ in range(7):
        opt.step()
        sched.step()
    steps = np.arange(0, 120, 7)
    np.testing.assert_allclose(sched.values("lr", steps), 0.5 * s(steps), rtol=1e-12)
    assert float(sched.values("lr", 90)) == pytest.approx(0.5 * s(90))
    assert float(sched.values("lr")) == pytest.approx(0.5 * s(7))
    assert float(sched.values("lr")) == pytest.approx(opt.param_groups[0]["lr"])


@pytest.mark.parametrize("bad", [0, -1])
def test_total_steps_needs_at_least_one_epoch(bad):
    from lrkit.torch import total_steps

    with pytest.raises(ValueError, match="epochs"):
        total_steps(bad, 100)
    assert total_steps(1, 100) == 100


def _two_groups():
    return torch.optim.SGD(
        [{"params": [torch.nn.Parameter(torch.zeros(1))]} for _ in range(2)], lr=0.1
    )


def test_mismatch_error_shows_both_specs_in_full():
    """docs/torch.md: loading a checkpoint of a different schedule is an error that
    shows both specs: per-group schedules as a list, one shared schedule once."""
    a, b = lrkit.cosine(1.0, steps=10), lrkit.linear(1.0, 0.0, steps=10)
    c = lrkit.constant(0.5)
    saved = Scheduler(_two_groups(), [a, b])
    saved.step()
    with pytest.raises(ValueError) as info:
        Scheduler(_two_groups(), c).load_state_dict(saved.state_dict())
    msg = str(info.value)
    assert f"lr: [{a}, {b}]" in msg
    assert f"lr: {c}" in msg and f"[{c}" not in msg
