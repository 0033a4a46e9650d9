"""lrkit.torch under adversarial use: every value saved can be loaded back, the finder and
the planner leave everything as they found it, bad input ends in a clear error."""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError, OutputError
from lrkit.torch import EarlyStopping, ReduceOnPlateau, Scheduler

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _sgd(lr=0.1, **kw):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, **kw)


# ----------------------------------------------------------------------------- huge steps


@pytest.mark.parametrize("n", [2**53 + 1, 2**60, 2**63, 2**70])
def test_a_step_past_2_53_is_refused_before_anything_changes(n):
    opt = _sgd()
    s = Scheduler(opt, lrkit.linear(0.1, 0.0, steps=10))
    s.step()
    with pytest.raises(ConfigError, match=r"Scheduler: epoch must be at most 2\*\*53"):
        s.step(n)
    assert s.last_epoch == 1 and opt.param_groups[0]["lr"] == pytest.approx(0.09)


def test_the_largest_step_allowed_is_saved_and_loaded_back():
    s = Scheduler(_sgd(), lrkit.linear(0.1, 0.0, steps=10))
    s.step(2**53)
    t = Scheduler(_sgd(), lrkit.linear(0.1, 0.0, steps=10))
    t.load_state_dict(s.state_dict())
    assert t.last_epoch == 2**53 and t.optimizer.param_groups[0]["lr"] == 0.0


@pytest.mark.parametrize("key", ["total_steps", "steps_per_epoch"])
def test_run_sizes_past_2_53_are_refused_so_every_checkpoint_loads_back(key):
    with pytest.raises(ConfigError, match=rf"Scheduler: {key} must be at most 2\*\*53"):
        Scheduler(_sgd(), lrkit.constant(0.1), **{key: 2**60})
    s = Scheduler(_sgd(), lrkit.constant(0.1), **{key: 2**53})
    Scheduler(_sgd(), lrkit.constant(0.1), **{key: 2**53}).load_state_dict(s.state_dict())


# ----------------------------------------------------------------------------- find_lr / plan


def _task(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 4, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    batches = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]
    torch.manual_seed(seed)
    return torch.nn.Linear(4, 1), batches


def _sweep(which, model, opt, loss_fn, batches):
    if which == "find_lr":
        return lrkit.torch.find_lr(model, opt, loss_fn, batches, progress=False, steps=30)
    return lrkit.torch.plan(model, opt, loss_fn, batches, 20, budget=5.0)


@pytest.mark.parametrize("which", ["find_lr", "plan"])
def test_parameters_the_optimizer_trains_outside_the_model_are_restored(which):
    # a learnable temperature in the loss: in the optimizer, not in model.parameters()
    model, batches = _task()
    temp = torch.nn.Parameter(torch.tensor([1.5]))
    opt = torch.optim.SGD(
        [{"params": model.parameters()}, {"params": [temp], "lr": 0.01}], lr=0.1, momentum=0.9
    )

    def loss_fn(out, y):
        return torch.nn.functional.mse_loss(out * temp, y)

    loss_fn(model(batches[0][0]), batches[0][1]).backward()  # a gradient is there before
    grad = temp.grad.clone()
    _sweep(which, model, opt, loss_fn, batches)
    assert torch.equal(temp.detach(), torch.tensor([1.5]))
    assert torch.equal(temp.grad, grad)


@pytest.mark.parametrize("which", ["find_lr", "plan"])
def test_the_sweeps_updates_do_not_move_a_follow_optimizer_scheduler_or_an_auto_monitor(
    which, tmp_path
):
    model, batches = _task()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = Scheduler(opt, lrkit.linear(0.1, 0.0, steps=1000), follow_optimizer=True)
    mon = lrkit.torch.LRMonitor(opt, auto=True, csv_path=tmp_path / "lr.csv")
    for xb, yb in batches[:2]:  # two real updates first
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
        sched.step()
    _sweep(which, model, opt, torch.nn.functional.mse_loss, batches)
    assert sched.state_dict()["opt_count"] == 2
    assert [r["step"] for r in mon.history] == [0, 1]
    assert (tmp_path / "lr.csv").read_text().count("\n") == 3  # header and two rows
    # the hooks work again once the sweep is over
    opt.step()
    sched.step()
    assert sched.last_epoch == 3 and opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.997)
    assert mon.steps() == [0, 1, 2]


@pytest.mark.parametrize("which", ["find_lr", "plan"])
def test_a_loss_fn_returning_per_sample_losses_is_named_in_the_error(which):
    model, batches = _task()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.weight.detach().clone()

    def per_sample(out, y):
        return (out - y) ** 2

    with pytest.raises(
        ConfigTypeError,
        match=rf"{which}: loss_fn must return one number, got a "
        r"tensor of shape \(16, 1\) \(reduce it, e.g. loss.mean\(\)\)",
    ):
        _sweep(which, model, opt, per_sample, batches)
    assert torch.equal(model.weight.detach(), before)


@pytest.mark.parametrize("returned", [None, torch.ones(3)])
def test_plan_step_fn_returning_something_else_than_one_number(returned):
    model, batches = _task()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step_fn(m, o, batch):
        return returned

    with pytest.raises(ConfigTypeError, match="plan: step_fn must return the loss as one number"):
        lrkit.torch.plan(model, opt, None, batches, 20, budget=5.0, step_fn=step_fn)


# ----------------------------------------------------------------------------- LRMonitor


@pytest.mark.parametrize(
    "kw, exc, match",
    [
        ({"start_step": -5}, ConfigError, r"LRMonitor: start_step must be >= 0, got -5"),
        ({"start_step": 2.7}, ConfigError, r"LRMonitor: start_step must be an integer, got 2.7"),
        ({"start_step": "3"}, ConfigTypeError, r"LRMonitor: start_step must be an integer"),
        ({"start_step": True}, ConfigTypeError, r"LRMonitor: start_step must be an integer"),
        ({"auto": "no"}, ConfigTypeError, r"LRMonitor: auto must be True or False, got 'no'"),
        ({"keys": (1,)}, ConfigTypeError, r"LRMonitor: keys must be param-group key names"),
        ({"keys": ()}, ConfigError, r"LRMonitor: keys must name at least one key"),
        ({"keys": ("lrr",)}, ConfigError, r"LRMonitor: no param group has the key 'lrr' \(keys:"),
        ({"keys": ("beta1",)}, ConfigError, r"LRMonitor: no param group has the key 'beta1'"),
        ({"tag_prefix": 5}, ConfigTypeError, r"LRMonitor: tag_prefix must be a string, got 5"),
    ],
)
def test_monitor_bad_settings_are_refused_at_construction(kw, exc, match):
    opt = _sgd(momentum=0.9)
    with pytest.raises(exc, match=match):
        lrkit.torch.LRMonitor(opt, **kw)
    assert not opt._optimizer_step_pre_hooks  # nothing attached


def test_monitor_record_step_is_checked():
    mon = lrkit.torch.LRMonitor(_sgd())
    with pytest.raises(ConfigError, match=r"LRMonitor: step must be >= 0, got -1"):
        mon.record(-1)
    with pytest.raises(ConfigError, match=r"LRMonitor: step must be an integer, got 1.5"):
        mon.record(1.5)
    assert mon.history == []


def test_monitor_csv_path_is_checked_before_training(tmp_path):
    with pytest.raises(OutputError, match="LRMonitor: csv_path: .* is an existing folder"):
        lrkit.torch.LRMonitor(_sgd(), csv_path=tmp_path)
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputError, match="LRMonitor: csv_path: cannot write"):
        lrkit.torch.LRMonitor(_sgd(), csv_path=tmp_path / "f" / "lr.csv")
    # a folder that does not exist yet is created at the first record
    mon = lrkit.torch.LRMonitor(_sgd(), csv_path=tmp_path / "new" / "lr.csv")
    mon.record()
    assert (tmp_path / "new" / "lr.csv").read_text().splitlines() == ["step,lr/0", "0,0.1"]


def test_a_resumed_monitor_appends_to_its_csv(tmp_path):
    path = tmp_path / "lr.csv"
    opt = _sgd(momentum=0.9)
    sched = Scheduler(opt, lrkit.linear(0.1, 0.0, steps=4))
    mon = lrkit.torch.LRMonitor(opt, keys=("lr", "momentum"), csv_path=path)
    for _ in range(2):
        mon.record()
        sched.step()
    # a resumed run: fresh objects, the monitor starts at the scheduler's step
    opt = _sgd(momentum=0.9)
    sched2 = Scheduler(opt, lrkit.linear(0.1, 0.0, steps=4))
    sched2.load_state_dict(sched.state_dict())
    mon2 = lrkit.torch.LRMonitor(opt, keys=("lr", "momentum"), csv_path=path, start_step=2)
    for _ in range(2):
        mon2.record()
        sched2.step()
    rows = path.read_text().splitlines()
    assert rows[0] == "step,lr/0,momentum/0"
    s = lrkit.linear(0.1, 0.0, steps=4)
    assert [(int(r.split(",")[0]), float(r.split(",")[1])) for r in rows[1:]] == [
        (n, s(n)) for n in range(4)
    ]
    # a new run (start_step 0) starts the file afresh, whatever the steps it records
    lrkit.torch.LRMonitor(opt, keys=("lr", "momentum"), csv_path=path).record(step=1)
    assert len(path.read_text().splitlines()) == 2


# ----------------------------------------------------------------------------- metrics


@pytest.mark.parametrize("metric", ["loss", True, [1.0]])
@pytest.mark.parametrize("owner", ["ReduceOnPlateau", "EarlyStopping"])
def test_a_metric_that_is_not_a_number_is_refused_naming_the_owner(owner, metric):
    opt = _sgd()
    ctl = ReduceOnPlateau(opt, patience=0) if owner == "ReduceOnPlateau" else EarlyStopping()
    with pytest.raises(ConfigTypeError, match=rf"{owner}: metric must be a number, got "):
        ctl.step(metric)
    assert opt.param_groups[0]["lr"] == 0.1


@pytest.mark.parametrize("owner", ["ReduceOnPlateau", "EarlyStopping"])
def test_a_metric_tensor_of_several_values_is_refused_naming_the_owner(owner):
    ctl = ReduceOnPlateau(_sgd()) if owner == "ReduceOnPlateau" else EarlyStopping()
    with pytest.raises(ConfigError, match=rf"{owner}: metric must be a single number, got a "):
        ctl.step(torch.ones(2))


def test_early_stopping_restore_best_must_be_a_bool():
    with pytest.raises(ConfigTypeError, match="EarlyStopping: restore_best must be True or False"):
        EarlyStopping(restore_best="no")


# ----------------------------------------------------------------------------- added groups


def test_the_advice_for_an_added_group_works_for_reduce_on_plateau_too():
    # the error for an added group says: a new scheduler, then load_state_dict(on_mismatch="new")
    opt = _sgd()
    sched = ReduceOnPlateau(opt, lrkit.linear(1.0, 0.0, steps=10), relative=True, patience=0)
    for metric in (1.0, 2.0):  # one reduction
        sched.step()
        sched.step(metric)
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.05})
    with pytest.raises(ConfigError, match="param group 1 was added"):
        sched.step()
    new = ReduceOnPlateau(opt, lrkit.linear(1.0, 0.0, steps=10), relative=True, patience=0)
    new.load_state_dict(sched.state_dict(), on_mismatch="new")
    # the old group keeps its reduction, the new one has had none (PyTorch's rule too)
    assert new.last_epoch == 2 and new.group_scales == [0.1, 1.0]
    assert new.plateau == sched.plateau
    assert [g["lr"] for g in opt.param_groups] == [0.1 * 0.8 * 0.1, 0.05 * 0.8]
    new.step()
    new.step(3.0)  # the next reduction cuts both groups
    assert new.group_scales == pytest.approx([0.01, 0.1])
    with pytest.raises(ConfigError, match="schedule differs"):  # the default policy still refuses
        ReduceOnPlateau(opt, lrkit.linear(1.0, 0.0, steps=10), relative=True).load_state_dict(
            sched.state_dict()
        )


@pytest.mark.parametrize("which", ["find_lr", "plan"])
def test_tensor_hyperparameters_are_restored_in_place_same_objects(which):
    # the compile recipe: lr (and betas) as tensors, which the user's code may hold on to
    model, batches = _task()
    lr, b1, b2 = torch.tensor(0.01, dtype=torch.float64), torch.tensor(0.9), torch.tensor(0.99)
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(b1, b2), foreach=False)
    _sweep(which, model, opt, torch.nn.functional.mse_loss, batches)
    g = opt.param_groups[0]
    assert g["lr"] is lr and g["betas"][0] is b1 and g["betas"][1] is b2
    assert lr.item() == 0.01 and lr.dtype == torch.float64 and b1.item() == pytest.approx(0.9)
    lr.fill_(0.02)  # the user's handle still drives the optimizer
    assert g["lr"].item() == 0.02


# ----------------------------------------------------------------------------- total_steps


@pytest.mark.parametrize("bad", ["False", "no", 1, None])
def test_total_steps_drop_last_must_be_a_bool(bad):
    # drop_last="False" was truthy: 33 updates instead of 36
    with pytest.raises(ConfigTypeError, match="total_steps: drop_last must be True or False"):
        lrkit.torch.total_steps(3, 100, 3, world_size=3, drop_last=bad)
    assert lrkit.torch.total_steps(3, 100, 3, world_size=3, drop_last=False) == 36
    assert lrkit.torch.total_steps(3, 100, 3, world_size=3, drop_last=True) == 33


def test_total_steps_beyond_what_a_scheduler_takes_is_refused():
    assert lrkit.torch.total_steps(2**27, 2**26) == 2**53
    with pytest.raises(
        ConfigError,
        match=r"total_steps: 2 epochs of 9007199254740992 updates "
        r"make 18014398509481984, more than 2\*\*53",
    ):
        lrkit.torch.total_steps(2, 2**53)


# ----------------------------------------------------------------------------- migration notes


@pytest.mark.parametrize("opt_name, key", [("SGD", "momentum"), ("Adam", "beta1")])
def test_one_cycle_lr_momentum_cycling_as_the_migration_note_says(opt_name, key):
    # docs/migration/pytorch.md: OneCycleLR cycles momentum by default; opposite(lr, 0.85, 0.95)
    def make():
        p = [torch.nn.Parameter(torch.zeros(1))]
        if opt_name == "SGD":
            return torch.optim.SGD(p, lr=0.1, momentum=0.9)
        return torch.optim.Adam(p, lr=0.1)

    ref, ours = make(), make()
    torch_sched = torch.optim.lr_scheduler.OneCycleLR(ref, max_lr=0.1, total_steps=100)
    lr = lrkit.one_cycle(0.1, steps=100)
    sched = Scheduler(ours, {"lr": lr, key: lrkit.opposite(lr, 0.85, 0.95)})

    def read(opt):
        g = opt.param_groups[0]
        return g["lr"], g["momentum"] if key == "momentum" else g["betas"][0]

    for t in range(100):
        assert read(ours) == read(ref), t
        if t < 99:
            ref.step()
            torch_sched.step()
            sched.step()


def test_reduce_on_plateau_get_lr_is_the_applied_rate_base_lr_the_schedules():
    opt = torch.optim.SGD(
        [
            {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.1},
            {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.01},
        ]
    )
    s = ReduceOnPlateau(opt, lrkit.cosine(1.0, 0.0, steps=10), relative=True, patience=0)
    s.step(1.0)
    s.step()
    s.step(2.0)  # a reduction
    applied = [g["lr"] for g in opt.param_groups]
    assert s.get_lr() == applied == s.get_last_lr()
    assert s.base_lr() == [
        0.1 * lrkit.cosine(1.0, 0.0, steps=10)(1),
        0.01 * lrkit.cosine(1.0, 0.0, steps=10)(1),
    ]
    assert applied == pytest.approx([0.1 * x for x in s.base_lr()])


def test_plan_refuses_groups_it_cannot_keep_in_proportion_like_find_lr():
    model, batches = _task()
    extra = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD(
        [{"params": model.parameters(), "lr": 0.0}, {"params": [extra], "lr": 0.01}]
    )
    for which in ("find_lr", "plan"):
        with pytest.raises(ConfigError, match=rf"{which}: param group 0 must have lr > 0 to sweep"):
            _sweep(which, model, opt, torch.nn.functional.mse_loss, batches)


@pytest.mark.parametrize(
    "spec, first, second",
    [
        ({"beta1": 0.9, "betas": 0.8}, "beta1", "betas"),
        ({"momentum": 0.9, "beta1": 0.8}, "momentum", "beta1"),
    ],
)
def test_two_schedules_for_the_same_hyperparameter_are_refused(spec, first, second):
    # on Adam "momentum", "betas" and "beta1" all mean betas[0]: one schedule was dropped
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(
        ConfigError,
        match=rf"Scheduler: {first!r} and {second!r} both set betas\[0\] of param group 0",
    ):
        Scheduler(opt, {"lr": 0.1, **spec})
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)


def test_reduce_on_plateau_step_with_a_metric_and_an_epoch_is_refused():
    # step(val_loss, epoch) (PyTorch's deprecated form) ignored the epoch silently
    opt = _sgd()
    s = ReduceOnPlateau(opt, lrkit.linear(0.1, 0.0, steps=10))
    with pytest.raises(ConfigError, match=r"ReduceOnPlateau: step\(metrics, epoch\) takes one"):
        s.step(1.0, epoch=5)
    assert s.last_epoch == 0 and s.plateau.num_updates == 0
    s.step(epoch=5)  # each alone works
    s.step(1.0)
    assert s.last_epoch == 5 and s.plateau.num_updates == 1


@pytest.mark.parametrize("which", ["find_lr", "plan"])
def test_a_generator_inside_the_loaders_batch_sampler_is_restored(which):
    # DataLoader(batch_sampler=BatchSampler(RandomSampler(ds, generator=g), ...)): the
    # shuffling generator sits on batch_sampler.sampler; the real run must see the same order
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset

    _, batches = _task()
    ds = TensorDataset(torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches]))
    g = torch.Generator().manual_seed(0)
    loader = DataLoader(ds, batch_sampler=BatchSampler(RandomSampler(ds, generator=g), 16, False))
    before = g.get_state().clone()
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    _sweep(which, model, opt, torch.nn.functional.mse_loss, loader)
    assert torch.equal(g.get_state(), before)


# ----------------------------------------------------------------------------- torch.compile


@pytest.mark.parametrize("tensor_lr", [True, None])
def test_a_compiled_training_step_that_steps_the_scheduler_applies_every_value(tensor_lr):
    # dynamo traced step() and baked the first value into the graph: with a tensor lr the
    # rate stayed at 0.1 while last_epoch advanced (PyTorch's own schedulers always run
    # eagerly: dynamo skips torch/optim/lr_scheduler.py)
    torch._dynamo.reset()
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    s = lrkit.linear(0.1, 0.0, steps=10)
    sched = Scheduler(opt, s, tensor_lr=tensor_lr)
    x = torch.randn(8, 4)

    @torch.compile(backend="aot_eager")
    def train_step():
        model(x).sum().backward()
        opt.step()
        opt.zero_grad()
        sched.step()

    applied = []
    for _ in range(5):
        applied.append(float(opt.param_groups[0]["lr"]))
        train_step()
    assert applied == [s(t) for t in range(5)] and sched.last_epoch == 5


def test_a_compiled_function_reporting_plateau_metrics_applies_the_reductions():
    torch._dynamo.reset()
    opt = _sgd()
    sched = ReduceOnPlateau(opt, patience=0, factor=0.5, tensor_lr=True)

    @torch.compile(backend="aot_eager")
    def evaluate(metric):
        sched.step(metric)

    applied = []
    for metric in (1.0, 2.0, 2.0):
        evaluate(metric)
        applied.append(float(opt.param_groups[0]["lr"]))
    assert applied == [0.1, 0.05, 0.025] and sched.plateau.num_reductions == 2


def test_find_lr_accumulate_with_a_step_fn_is_refused():
    # step_fn is one complete update of the user's own: accumulate was silently ignored
    model, batches = _task()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step_fn(m, o, batch):
        return torch.nn.functional.mse_loss(m(batch[0]), batch[1])

    with pytest.raises(ConfigError, match="find_lr: accumulate=4 applies to the default step"):
        lrkit.torch.find_lr(model, opt, None, batches, step_fn=step_fn, accumulate=4)
    res = lrkit.torch.find_lr(model, opt, None, batches, step_fn=step_fn, steps=5, progress=False)
    assert res.meta["accumulate"] == 1


@pytest.mark.parametrize(
    "which, kw",
    [("find_lr", {"val_every": 3}), ("find_lr", {"val_batches": 2}), ("plan", {"val_batches": 2})],
)
def test_validation_settings_without_a_val_loader_are_refused(which, kw):
    model, batches = _task()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    name = next(iter(kw))
    with pytest.raises(ConfigError, match=rf"{which}: {name}={kw[name]} needs val_loader"):
        if which == "find_lr":
            lrkit.torch.find_lr(model, opt, torch.nn.functional.mse_loss, batches, **kw)
        else:
            lrkit.torch.plan(model, opt, torch.nn.functional.mse_loss, batches, 20, **kw)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"restore": "no"}, "find_lr: restore must be True or False, got 'no'"),
        ({"progress": "no"}, "find_lr: progress must be True, False or None, got 'no'"),
    ],
)
def test_find_lr_flags_must_be_bools(kw, match):
    model, batches = _task()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.weight.detach().clone()
    with pytest.raises(ConfigTypeError, match=match):
        lrkit.torch.find_lr(model, opt, torch.nn.functional.mse_loss, batches, steps=5, **kw)
    assert torch.equal(model.weight.detach(), before)


def test_a_negative_eps_is_refused_as_the_optimizer_itself_does():
    # Adam(eps=-1) raises in PyTorch; a schedule for "eps" going negative was accepted
    p = [torch.nn.Parameter(torch.zeros(1))]
    with pytest.raises(ValueError, match="Invalid epsilon value"):
        torch.optim.Adam(p, eps=-1e-8)
    opt = torch.optim.Adam(p, lr=0.1)
    with pytest.raises(
        ConfigError,
        match=r"the schedule for 'eps' \(param group 0\) gives -2.0+\d*e-09 at "
        r"step 21; eps must be >= 0",
    ):
        Scheduler(opt, {"lr": 0.1, "eps": lrkit.linear(4e-8, -4e-8, steps=40)})
    assert opt.param_groups[0]["eps"] == 1e-8


@pytest.mark.parametrize("which", ["find_lr", "plan"])
def test_a_param_group_without_a_numeric_lr_is_named(which):
    # HuggingFace's Adafactor(relative_step=True) keeps lr=None: float(None) was a TypeError
    model, batches = _task()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    opt.param_groups[0]["lr"] = None
    with pytest.raises(ConfigTypeError, match=rf"{which}: param group 0 has lr=None"):
        _sweep(which, model, opt, torch.nn.functional.mse_loss, batches)


@pytest.mark.parametrize("which", ["find_lr", "plan"])
def test_a_loss_fn_returning_a_float_is_named(which):
    # loss.item() instead of loss: "'float' object has no attribute 'backward'" before
    model, batches = _task()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.weight.detach().clone()

    def loss_fn(out, y):
        return torch.nn.functional.mse_loss(out, y).item()

    with pytest.raises(
        ConfigTypeError,
        match=rf"{which}: loss_fn must return the loss tensor "
        r"\(to back-propagate\), got float",
    ):
        _sweep(which, model, opt, loss_fn, batches)
    assert torch.equal(model.weight.detach(), before)
