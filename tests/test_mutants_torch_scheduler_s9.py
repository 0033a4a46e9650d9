"""Direct tests for the torch scheduler's construction-time check past a million
steps between samples (issue 15, seed-9 pass): the survivor ``scheduler.py:214``
(``2**20`` -> ``2**21``, found with seed 7) and its companions."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import Scheduler


def _sgd():
    return torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=0.1)


def _sampled(total: int) -> np.ndarray:
    """The documented construction-time sample of a run of ``total`` steps (more than
    8192): the first 4096 steps, 4096 evenly spaced ones and the last."""
    spaced = np.linspace(0, total, 4096).astype(np.int64)
    return np.unique(np.concatenate([np.arange(4096), spaced, [total]]))


@pytest.mark.parametrize(
    ("total", "exact"),
    [
        (4_200_000_000, True),  # about 1.03 million steps between two samples
        (4095 * (2**20 + 1), True),  # exactly 2**20 steps strictly between two samples
        (4095 * (2**20 + 2), False),  # one more: past the bound
        (6_000_000_000, False),  # about 1.47 million
    ],
)
def test_a_bad_value_is_found_between_samples_up_to_2_20_steps_apart(total, exact):
    """Between two sampled steps every step is evaluated when at most 2**20 of them lie
    between (the error names the first bad step); beyond that bound the sampled step
    where the value was seen bad is reported (still a bad step, with its value)."""
    # linear from 1 to -1 over `total` steps: first negative at total // 2 + 1
    s = lrkit.linear(1.0, -1.0)
    first = total // 2 + 1
    samples = _sampled(total)
    seen = int(samples[samples >= first][0])
    gap = seen - int(samples[samples < first][-1]) - 1  # steps strictly between
    assert (gap <= 2**20) == exact
    step = first if exact else seen
    with pytest.raises(ConfigError) as e:
        Scheduler(_sgd(), s, total_steps=total)
    value = float(s.bind(total_steps=total)(step))
    assert value < 0
    assert f"gives {value!r} at step {step};" in str(e.value)


def test_a_bad_value_in_a_later_block_raises_at_its_step_never_earlier():
    """Seed 9, ``scheduler.py:616``: a schedule without a length (nothing to check at
    construction) whose rate turns negative at step 5000, inside the look-ahead block
    that starts at step 4096. Every step before 5000 applies its value; step 5000
    raises, naming the step and the value, and leaves step 4999 in place."""
    s = 0.3 - lrkit.step(0.1, every=2500, gamma=2.0)  # 0.2, then 0.1 from 2500, -0.1 from 5000
    assert s.length is None
    opt = _sgd()
    sch = Scheduler(opt, s)
    for n in range(1, 5000):
        sch.step()
        if n in (2499, 2500, 4095, 4096, 4999):
            assert opt.param_groups[0]["lr"] == pytest.approx(0.3 - 0.1 * 2 ** (n // 2500))
    with pytest.raises(ConfigError) as e:
        sch.step()
    assert f"gives {float(s(5000))!r} at step 5000;" in str(e.value)
    assert sch.last_epoch == 4999
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    # a jump into that block, before the bad step, is no error either
    sch2 = Scheduler(_sgd(), s)
    sch2.step(4096)
    sch2.step(4999)
    with pytest.raises(ConfigError, match="at step 5000;"):
        sch2.step(5000)


def test_the_longer_schedule_warning_points_at_the_callers_line():
    """Seed 9 draws 11-20, ``scheduler.py:495`` (``stacklevel``): the warning that a
    schedule runs longer than ``total_steps`` is reported at the line that built the
    scheduler, not inside lrkit."""
    with pytest.warns(UserWarning, match="runs for 100 steps, but total_steps=50") as rec:
        Scheduler(_sgd(), lrkit.linear(1.0, 0.0, steps=100), total_steps=50)
    assert [r.filename for r in rec] == [__file__]
    # and so is the warning that one schedule overwrites the groups' different values
    opt = torch.optim.SGD(
        [
            {"params": [torch.nn.Parameter(torch.ones(2))], "lr": 0.1},
            {"params": [torch.nn.Parameter(torch.ones(2))], "lr": 0.2},
        ],
        lr=0.1,
    )
    with pytest.warns(UserWarning, match=r"different 'lr' values \[0.1, 0.2\]") as rec:
        Scheduler(opt, 0.5)
    assert [r.filename for r in rec] == [__file__]


def test_a_pickled_scheduler_reevaluates_its_values():
    """Seed 9 draws 11-20, ``scheduler.py:860``: pickling drops the look-ahead cache, so
    the copy evaluates every value again, step 0 included."""
    s = lrkit.linear(1.0, 0.0, steps=10)
    sch = pickle.loads(pickle.dumps(Scheduler(_sgd(), s)))
    assert sch.get_lr() == [1.0]
    sch.optimizer.param_groups[0]["lr"] = 0.123
    sch.step(0)
    assert sch.optimizer.param_groups[0]["lr"] == 1.0
    sch.step()
    assert sch.optimizer.param_groups[0]["lr"] == pytest.approx(0.9)
