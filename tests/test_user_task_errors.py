"""A user's ``--task module:function`` that fails: its own code raising while the task is
built (or its module imported), a model without trainable parameters, a train_loader that
yields nothing. Each is one line on stderr naming what raised, the exception and the
user's line, exit 2, no traceback (find, plan and bench alike)."""

from __future__ import annotations

import pytest

from lrkit.cli import main

TASKS = """
import torch


class Base:
    default_lr = 0.05
    default_epochs = 2

    def __init__(self, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(64, 3, generator=g)
        self.y = self.x.sum(1, keepdim=True)
        self.steps_per_epoch = 4

    def make_model(self):
        return torch.nn.Linear(3, 1)

    def train_loader(self, epoch):
        for i in range(0, 64, 16):
            yield self.x[i : i + 16], self.y[i : i + 16]

    @staticmethod
    def loss_fn(out, y):
        return torch.nn.functional.mse_loss(out, y)


class NoParams(Base):
    def make_model(self):
        return torch.nn.Identity()


class Empty(Base):
    def train_loader(self, epoch):
        return iter(())


class NanLoss(Base):
    @staticmethod
    def loss_fn(out, y):
        return (out - y).pow(2).mean() * float("nan")


def nan_loss(seed=0):
    return NanLoss(seed)


def no_params(seed=0):
    return NoParams(seed)


def empty(seed=0):
    return Empty(seed)


def boom(seed=0):
    raise ValueError("cannot build the task")


def torch_boom(seed=0):
    return torch.randn(-1)


def the_class(seed=0):
    return Base


def no_seed():
    return Base(0)


def numpy_count(seed=0):  # steps_per_epoch from numpy arithmetic
    import numpy as np

    task = Base(seed)
    task.steps_per_epoch = np.ceil(np.float64(64) / 16)
    return task


def counts_12(seed=0):  # 4 batches an epoch, steps_per_epoch says 12
    task = Base(seed)
    task.steps_per_epoch = 12
    return task


def counts_3(seed=0):  # 4 batches an epoch, steps_per_epoch says 3
    task = Base(seed)
    task.steps_per_epoch = 3
    return task


def own_seed(seed=0):
    task = Base(0)
    task.seed = 0  # built for any seed, it says 0
    return task
"""


def _line(text: str) -> int:
    """The line of ``text`` in the task file (the file is ``TASKS`` as written)."""
    return TASKS.splitlines().index(text) + 1


VERBS = [
    ["find"],
    ["plan", "--total", "40", "--budget", "2"],
    ["bench", "--schedule", "cosine(0.05)", "--epochs", "1"],
]


@pytest.fixture()
def task_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # bench writes its results here
    (tmp_path / "usertasks.py").write_text(TASKS)
    (tmp_path / "badmod.py").write_text("import math\n\nraise RuntimeError('bad module')\n")
    (tmp_path / "syntax.py").write_text("def f(:\n")
    return tmp_path


def _err(argv, capsys, one_line=True):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    if one_line:  # bench's header comes after the task's model and optimizer are built
        assert len(lines) == 1, lines
    return lines[-1]


@pytest.mark.parametrize("verb", VERBS, ids=[v[0] for v in VERBS])
@pytest.mark.parametrize(
    ("fn", "want"),
    [
        (
            "boom",
            "lrkit: error: --task '{f}:boom': boom(seed=0) raised ValueError: cannot build "
            "the task (at usertasks.py:{boom})",
        ),
        (  # a library call that raised is reported at the user's line that made it
            "torch_boom",
            "lrkit: error: --task '{f}:torch_boom': torch_boom(seed=0) raised RuntimeError: "
            "Trying to create tensor with negative dimension -1: [-1] "
            "(at usertasks.py:{torch_boom})",
        ),
        (  # the class itself, not an instance
            "the_class",
            "lrkit: error: --task '{f}:the_class': the function returned the class Base, not "
            "a task: return an instance (Base(...))",
        ),
        (
            "no_params",
            "lrkit: error: make_optimizer: the model (Identity) has no trainable parameters; "
            "the task's make_model must return a model with some",
        ),
    ],
)
def test_a_failing_user_task_is_one_line(task_file, capsys, verb, fn, want):
    f = str(task_file / "usertasks.py")
    lines = {
        "boom": _line('    raise ValueError("cannot build the task")'),
        "torch_boom": _line("    return torch.randn(-1)"),
    }
    assert _err([*verb, "--task", f"{f}:{fn}"], capsys) == want.format(f=f, **lines)


@pytest.mark.parametrize("verb", VERBS, ids=[v[0] for v in VERBS])
def test_a_train_loader_without_batches_is_one_line(task_file, capsys, verb):
    # bench finds an empty loader while training, after its header line
    argv = [*verb, "--task", str(task_file / "usertasks.py") + ":empty"]
    err = _err(argv, capsys, one_line=verb[0] != "bench")
    assert err.startswith("lrkit: error: task: the train_loader yielded no batch")


def test_a_module_that_fails_to_import_is_one_line(task_file, capsys):
    assert _err(["find", "--task", "badmod.py:make"], capsys) == (
        "lrkit: error: --task 'badmod.py:make': importing 'badmod.py' raised RuntimeError: "
        "bad module (at badmod.py:3)"
    )
    assert _err(["find", "--task", "syntax:f"], capsys) == (
        "lrkit: error: --task 'syntax:f': importing 'syntax' raised SyntaxError: invalid "
        "syntax (syntax.py, line 1)"
    )


def test_a_loss_that_is_nan_from_the_first_step_is_named_so_by_find(task_file, capsys):
    """Not "lower start": the first update's loss is NaN whatever the rate."""
    assert main(["find", "--task", str(task_file / "usertasks.py") + ":nan_loss"]) == 0
    out = capsys.readouterr().out
    assert (
        "warning: no points: the loss was not finite at the first step (lr=1e-07), before "
        "the rate could matter — check the task's loss_fn, data and model"
    ) in out
    assert "lower start" not in out


def test_bench_seeds_of_a_task_that_takes_no_seed_are_refused(task_file, capsys, tmp_path):
    """--seeds 2 of a function without a seed parameter (or of a task that says seed 0
    whatever it is built for) would be one run twice, reported as two seeds with a std of
    0: refused in one line before any training; one seed is fine."""
    f = str(task_file / "usertasks.py")
    argv = ["bench", "--schedule", "cosine(0.05)", "--epochs", "1", "--no-png"]
    err = _err([*argv, "--seeds", "2", "--task", f"{f}:no_seed"], capsys, one_line=False)
    assert err == (
        f"lrkit: error: --task '{f}:no_seed': no_seed takes no seed, so seed 1 would be the "
        "task of seed 0 again: give it a seed parameter (no_seed(seed=...)) or use seed 0 only"
    )
    assert not (tmp_path / "lrkit-bench-usertasks-no_seed").exists()
    err = _err([*argv, "--seeds", "2", "--task", f"{f}:own_seed"], capsys, one_line=False)
    assert err == (
        "lrkit: error: run_grid: the task built for seed 1 says its seed is 0: every seed "
        "would be the same run; its seed must follow the one it is built for"
    )
    assert main([*argv, "--seeds", "1", "--task", f"{f}:no_seed"]) == 0
    capsys.readouterr()
    for verb in (["find"], ["plan", "--total", "40", "--budget", "2"]):  # --seed 3: the same
        err = _err([*verb, "--seed", "3", "--task", f"{f}:no_seed"], capsys)
        assert err.startswith(
            f"lrkit: error: --task '{f}:no_seed': no_seed takes no seed, so seed 3 would be"
        )
    capsys.readouterr()
    journal = tmp_path / "study.log"
    optuna = ["bench", "--backend", "optuna", "--storage", str(journal), "--trials", "1",
              "--epochs", "1", "--no-png", "--seeds", "2", "--task", f"{f}:no_seed"]  # fmt: skip
    assert main(optuna) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "trial 0" not in err  # before the study's first trial
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"lrkit: error: --task '{f}:no_seed': no_seed takes no seed")


@pytest.mark.parametrize(
    ("fn", "want"),
    [
        ("counts_12", "train_loader(0) yielded 4 batches, but steps_per_epoch is 12"),
        ("counts_3", "train_loader(0) yielded more than steps_per_epoch = 3 batches"),
    ],
)
def test_bench_a_task_whose_loader_disagrees_with_its_steps_per_epoch(task_file, capsys, fn, want):
    """The schedules are sized by steps_per_epoch (epochs x steps_per_epoch updates): a
    loader that yields fewer batches cut every schedule short (a cosine stopped a third
    of the way down), one that yields more trained past their end, silently. One line,
    exit 2, in the first epoch."""
    f = str(task_file / "usertasks.py")
    argv = ["bench", "--schedule", "cosine(0.05)", "--epochs", "3", "--no-png", "--task"]
    err = _err([*argv, f"{f}:{fn}"], capsys, one_line=False)
    assert err == (
        f"lrkit: error: task: {want}: every schedule is sized by steps_per_epoch "
        "(epochs x steps_per_epoch updates); make the two agree"
    )


def test_a_numpy_or_integral_float_steps_per_epoch_is_taken_as_its_int(task_file, capsys):
    """As every count in lrkit (numpy integers and integral floats are taken): np.ceil's
    4.0 is 4 updates an epoch; 4.5 is refused, naming it."""
    from lrkit.tasks._load import load_task

    f = str(task_file / "usertasks.py")
    task = load_task(f"{f}:numpy_count")
    assert task.steps_per_epoch == 4 and type(task.steps_per_epoch) is int
    argv = ["bench", "--schedule", "cosine(0.05)", "--epochs", "1", "--no-png", "--task"]
    assert main([*argv, f"{f}:numpy_count"]) == 0
    capsys.readouterr()
    task.steps_per_epoch = 4.5
    from lrkit.errors import ConfigTypeError
    from lrkit.tasks._load import check_task

    with pytest.raises(ConfigTypeError, match=r"steps_per_epoch must be a positive int, got 4.5"):
        check_task(task)
