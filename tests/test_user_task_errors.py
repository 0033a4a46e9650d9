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
