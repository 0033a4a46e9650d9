"""Direct tests for ``lrkit.torch.Scheduler`` behaviours that a sampled mutation run
(``benchmarks/mutation.py``) showed no other test pinned."""

import warnings

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError
from lrkit.torch import Scheduler

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _opt(lr=0.1):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=lr)


def test_a_missing_key_error_lists_the_group_keys_but_not_params():
    opt = _opt()
    want = sorted(k for k in opt.param_groups[0] if k != "params")
    with pytest.raises(ConfigError, match="has no key 'nope'") as e:
        Scheduler(opt, {"nope": lrkit.constant(0.5)})
    assert f"(keys: {want})" in str(e.value)
    assert "'params'" not in str(e.value)


def test_jumping_without_follow_optimizer_keeps_the_optimizer_update_count():
    """``opt_count`` in the state is the update count that ``follow_optimizer`` mode
    follows (0 when the mode is off); ``step(n)`` moves it only in that mode."""
    opt = _opt()
    sched = Scheduler(opt, lrkit.cosine(1.0, steps=100))
    opt.step()
    sched.step(40)
    assert sched.state_dict()["step"] == 40
    assert sched.state_dict()["opt_count"] == 0
    assert opt.param_groups[0]["lr"] == pytest.approx(lrkit.cosine(1.0, steps=100)(40))
    followed = Scheduler(_opt(), lrkit.cosine(1.0, steps=100), follow_optimizer=True)
    followed.step(40)
    assert followed.state_dict()["opt_count"] == 40


def test_the_past_the_end_warning_points_at_the_callers_step():
    """``stacklevel`` makes the warning name the line that called ``step()``."""
    opt = _opt()
    sched = Scheduler(opt, lrkit.cosine(1.0), total_steps=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            opt.step()
            sched.step()
    past = [w for w in caught if "past the end of the run" in str(w.message)]
    assert len(past) == 1
    assert past[0].filename == __file__


def test_step_count_advances_like_torchs_own_schedulers():
    """``_step_count`` is the counter PyTorch's LRScheduler keeps (and reads, e.g. to warn
    about the order of ``optimizer.step()`` and ``scheduler.step()``): one per step."""
    ours = Scheduler(_opt(), lrkit.constant(0.1))
    theirs = torch.optim.lr_scheduler.StepLR(_opt(), step_size=2)
    for _ in range(5):
        ours.optimizer.step(), theirs.optimizer.step()
        ours.step(), theirs.step()
    assert ours._step_count == theirs._step_count == 6


def test_values_reads_group_0s_own_schedule():
    p = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    opt = torch.optim.SGD([{"params": [p[0]]}, {"params": [p[1]]}], lr=0.1)
    first, second = lrkit.cosine(0.1, steps=10), lrkit.constant(0.01)
    sched = Scheduler(opt, {"lr": [first, second]})
    assert sched.values("lr", 4) == pytest.approx(first(4), rel=1e-15)
    assert sched.values("lr", 4) != pytest.approx(second(4))


@pytest.mark.parametrize("bad", [[("format", "x")], "lrkit", 3])
def test_a_state_dict_that_is_not_a_mapping_is_a_config_error(bad):
    sched = Scheduler(_opt(), lrkit.constant(0.1))
    with pytest.raises(ConfigError, match="state_dict must come from lrkit.torch.Scheduler"):
        sched.load_state_dict(bad)
