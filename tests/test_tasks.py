"""Built-in tasks: data offline and exact, deterministic by seed, the documented API."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest
import torch

from lrkit.tasks import TASKS, get_task

pytestmark = pytest.mark.usefixtures("one_torch_thread")


SMALL = {
    "digits": {},
    "mnist1d": {},
    "charlm": {"epoch_steps": 3, "val_windows": 8, "batch_size": 4},
}


def _params(model: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def test_registry_names_and_lazy_import():
    assert sorted(TASKS) == ["charlm", "digits", "mnist1d", "quadratic"]
    assert all(isinstance(v, str) and v for v in TASKS.values())


def test_unknown_task_seed_and_option_raise():
    with pytest.raises(ValueError, match=r"task must be one of .*got 'cifar'"):
        get_task("cifar")
    with pytest.raises(ValueError, match=r"seed must be a non-negative int, got -1"):
        get_task("digits", seed=-1)
    with pytest.raises(ValueError, match=r"unknown option 'lr'.*allowed: .*batch_size"):
        get_task("digits", lr=0.1)
    with pytest.raises(ValueError, match=r"batch_size must be a positive int, got 0"):
        get_task("digits", batch_size=0)


@pytest.mark.parametrize(
    "name, option, value, msg",
    [
        ("digits", "default_lr", -1.0, "digits: default_lr must be > 0, got -1.0"),
        ("digits", "default_lr", math.nan, "digits: default_lr must be a finite number"),
        ("digits", "default_epochs", 0, "digits: default_epochs must be a positive int, got 0"),
        ("digits", "default_epochs", 2.5, "digits: default_epochs must be an integer, got 2.5"),
        ("digits", "default_optimizer", "rmsprop", "default_optimizer must be one of 'sgd'"),
        ("digits", "hidden", 0, "digits: hidden must be a positive int, got 0"),
        ("digits", "hidden", True, "digits: hidden must be an integer, got True"),
        ("digits", "test_fraction", 0.0, "digits: test_fraction must be > 0 and < 1, got 0.0"),
        ("digits", "test_fraction", 1.0, "digits: test_fraction must be > 0 and < 1, got 1.0"),
        ("digits", "test_fraction", -0.5, "digits: test_fraction must be > 0 and < 1"),
        ("digits", "test_fraction", math.nan, "digits: test_fraction must be a finite number"),
        ("digits", "test_fraction", 0.001, "digits: test_fraction 0.001 leaves no test example"),
        ("mnist1d", "channels", 0, "mnist1d: channels must be a positive int, got 0"),
        ("mnist1d", "num_samples", 3, "mnist1d: num_samples must be an int >= 10"),
        ("mnist1d", "data_seed", -1, "mnist1d: data_seed must be an int in [0, 2**32), got -1"),
        ("mnist1d", "data_seed", 2**32, "mnist1d: data_seed must be an int in [0, 2**32)"),
        ("charlm", "val_fraction", 0.0, "charlm: val_fraction must be > 0 and < 1, got 0.0"),
        ("charlm", "val_fraction", 1.0, "charlm: val_fraction must be > 0 and < 1, got 1.0"),
        ("charlm", "val_fraction", 1e-5, "charlm: context 64 is too long for val_fraction 1e-05"),
        ("charlm", "context", 10**6, "charlm: context 1000000 is too long for val_fraction 0.1"),
        ("charlm", "heads", 3, "charlm: d_model (64) must be a multiple of heads, got heads=3"),
        ("charlm", "norm_first", "yes", "charlm: norm_first must be True or False, got 'yes'"),
    ],
)
def test_bad_options_are_refused_when_the_task_is_built(name, option, value, msg):
    # each was accepted, then failed later (NaN metric, ZeroDivisionError, a torch assertion,
    # an allocation of terabytes) or trained silently with a negative default rate
    with pytest.raises((ValueError, TypeError), match=re.escape(msg)):
        get_task(name, **{option: value})


def test_an_integral_float_seed_is_the_int_seed():
    # the seed check accepts 2.0 as 2; digits split with the raw 2.0 (numpy TypeError)
    a, b = get_task("digits", seed=2.0), get_task("digits", seed=2)
    assert a.seed == 2 and torch.equal(a.y_test, b.y_test) and torch.equal(a.x_test, b.x_test)


@pytest.mark.parametrize("name", ["digits", "mnist1d", "charlm"])
def test_task_api_and_determinism(name):
    task = get_task(name, seed=1, **SMALL[name])
    assert task.name == name and task.seed == 1
    assert task.metric_name == ("bpc" if name == "charlm" else "accuracy")
    assert task.higher_is_better is (name != "charlm")
    assert task.default_optimizer in ("sgd", "adam", "adamw") and task.default_lr > 0
    rng_before = torch.random.get_rng_state()
    m1, m2 = task.make_model(), task.make_model()
    assert torch.equal(rng_before, torch.random.get_rng_state())  # global RNG untouched
    assert all(torch.equal(a, b) for a, b in zip(_params(m1), _params(m2)))
    other = task.with_seed(2).make_model()
    assert not all(torch.equal(a, b) for a, b in zip(_params(m1), _params(other)))

    loader = task.train_loader(epoch=0)
    batches = list(loader)
    assert len(batches) == len(loader) == task.steps_per_epoch
    again = list(task.train_loader(epoch=0))
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(batches, again))
    nxt = list(task.train_loader(epoch=1))
    assert not torch.equal(batches[0][0], nxt[0][0])  # reshuffled per epoch
    assert torch.equal(rng_before, torch.random.get_rng_state())
    x, y = batches[0]
    assert x.shape[0] == y.shape[0] == task.batch_size
    out = m1(x)
    loss = task.loss_fn(out, y)
    ref = torch.nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    assert float(loss.detach()) == pytest.approx(float(ref.detach()), rel=1e-6)

    ev = task.evaluate(m1)
    assert set(ev) == {"loss", "metric"} and m1.training
    if name == "charlm":
        assert ev["metric"] == pytest.approx(ev["loss"] / math.log(2))
        # untrained: close to uniform over the vocabulary
        assert abs(ev["metric"] - math.log2(len(task.vocab))) < 1.0
    else:
        with torch.no_grad():
            acc = float((m1(task.x_test).argmax(1) == task.y_test).float().mean())
        assert ev["metric"] == acc and 0.0 <= acc <= 1.0


def test_digits_split_exact_stratified_and_by_seed():
    a, b, c = get_task("digits", 0), get_task("digits", 0), get_task("digits", 1)
    assert len(a.y_train) == 1438 and len(a.y_test) == 359
    assert torch.equal(a.x_test, b.x_test) and not torch.equal(a.x_test, c.x_test)
    counts = torch.bincount(a.y_test, minlength=10)
    total = torch.bincount(torch.cat([a.y_train, a.y_test]), minlength=10)
    assert torch.all((counts.float() - 0.2 * total.float()).abs() <= 0.5)
    # standardised with the training split: mean 0, std 1 (constant pixels stay 0)
    mu, sd = a.x_train.mean(0), a.x_train.std(0, unbiased=False)
    assert float(mu.abs().max()) < 1e-5
    assert torch.all(((sd - 1).abs() < 1e-4) | (sd == 0))
    from sklearn.datasets import load_digits

    assert len(load_digits().target) == len(a.y_train) + len(a.y_test) == 1797


def test_mnist1d_generated_locally_never_downloads(tmp_path, monkeypatch):
    import requests

    def no_net(*a, **k):
        raise AssertionError("mnist1d tried to download")

    monkeypatch.setattr(requests, "get", no_net)
    monkeypatch.chdir(tmp_path)
    np_state, py_state = np.random.get_state()[1].copy(), random.getstate()
    from lrkit.tasks import mnist1d as mod

    mod._generate.cache_clear()
    task = get_task("mnist1d", seed=3)
    assert list(tmp_path.iterdir()) == []  # no cache file written
    assert np.array_equal(np.random.get_state()[1], np_state) and random.getstate() == py_state
    assert tuple(task.x_train.shape) == (4000, 40) and tuple(task.x_test.shape) == (1000, 40)
    assert task.steps_per_epoch == 40
    # the canonical data set (seed 42) is what the package itself builds
    from mnist1d.data import get_dataset_args, make_dataset

    ref = make_dataset(get_dataset_args())
    assert np.array_equal(task.x_train.numpy(), ref["x"].astype(np.float32))
    assert np.array_equal(task.y_test.numpy(), ref["y_test"])


def test_charlm_corpus_from_cpython():
    from pydoc_data.topics import topics

    from lrkit.tasks.charlm import corpus

    text = corpus()
    assert text == "\n".join(topics[k] for k in sorted(topics))
    assert len(text) > 400_000
    task = get_task("charlm", **SMALL["charlm"])
    assert task.vocab == sorted(set(text))
    assert len(task.train_ids) + len(task.val_ids) == len(text)
    x, y = next(iter(task.train_loader(0)))
    assert x.shape == (4, task.context) and torch.equal(x[:, 1:], y[:, :-1])
    assert task.x_val.shape == (8, task.context)


def test_make_optimizer_kinds_and_errors():
    task = get_task("digits")
    model = task.make_model()
    sgd = task.make_optimizer(model, "sgd", lr=0.2, momentum=0.8, weight_decay=1e-4)
    assert isinstance(sgd, torch.optim.SGD)
    g = sgd.param_groups[0]
    assert (g["lr"], g["momentum"], g["weight_decay"]) == (0.2, 0.8, 1e-4)
    adamw = task.make_optimizer(model, "adamw", lr=1e-3, momentum=0.85)
    assert isinstance(adamw, torch.optim.AdamW) and adamw.param_groups[0]["betas"] == (0.85, 0.999)
    assert isinstance(task.make_optimizer(model, "adam"), torch.optim.Adam)
    assert task.make_optimizer(model).param_groups[0]["lr"] == task.default_lr
    with pytest.raises(ValueError, match=r"name must be one of sgd, adamw, adam, got 'rmsprop'"):
        task.make_optimizer(model, "rmsprop")
    with pytest.raises(ValueError, match=r"lr must be a number >= 0, got -1"):
        task.make_optimizer(model, "sgd", lr=-1)
    # torch's "Invalid momentum value: -0.1" / "Invalid beta parameter at index 0: 1.0" /
    # "Invalid weight_decay value: -1.0" named neither make_optimizer nor the allowed values;
    # True was taken as momentum 1
    for kw, msg in [
        ({"momentum": -0.1}, "make_optimizer: momentum must be >= 0 and < 1, got -0.1"),
        ({"name": "adam", "momentum": 1.0}, "make_optimizer: momentum must be >= 0 and < 1"),
        ({"momentum": True}, "make_optimizer: momentum must be a number, got True"),
        ({"weight_decay": -1.0}, "make_optimizer: weight_decay must be >= 0, got -1.0"),
        ({"weight_decay": math.nan}, "make_optimizer: weight_decay must be a finite number"),
    ]:
        with pytest.raises((ValueError, TypeError), match=re.escape(msg)):
            task.make_optimizer(model, **kw)


def test_module_function_task_is_found_in_the_current_folder(tmp_path, monkeypatch):
    """`lrkit` runs as a console script, whose sys.path lacks the current folder (unlike
    `python -m`): `--task mytask:make_task` must still find ./mytask.py."""
    import os
    import sys

    from lrkit.errors import ConfigError
    from lrkit.tasks._load import load_task

    (tmp_path / "my_cwd_task.py").write_text(
        "from lrkit.tasks import get_task\n\n"
        "def make_task(seed=0):\n"
        "    return get_task('quadratic', seed=seed)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", os.getcwd())])
    monkeypatch.delitem(sys.modules, "my_cwd_task", raising=False)
    task = load_task("my_cwd_task:make_task", seed=3)
    assert task.name == "quadratic" and task.seed == 3
    assert sys.path[0] == str(tmp_path)
    # a module that is nowhere still fails with one clear error, and a missing module
    # imported *inside* the user's module is reported as it is
    with pytest.raises(ConfigError, match="cannot import module 'no_such_task_mod'"):
        load_task("no_such_task_mod:make_task")
    (tmp_path / "imports_missing.py").write_text("import no_such_dependency_xyz\n")
    with pytest.raises(ConfigError, match="No module named 'no_such_dependency_xyz'"):
        load_task("imports_missing:make_task")


def test_description_follows_the_task_options():
    """describe() (what bench's report and results.json show) tells the split and model
    the options built, not the defaults'."""
    d = get_task("digits")
    assert d.describe()["description"] == (
        "scikit-learn 8x8 digits (1,438 train / 359 test, split by seed), "
        "MLP 64-128-128-10, test accuracy"
    )
    d = get_task("digits", test_fraction=0.5, hidden=16)
    text = d.describe()["description"]
    assert f"({len(d.y_train):,} train / {len(d.y_test):,} test" in text
    assert (len(d.y_train), len(d.y_test)) == (899, 898)
    assert "MLP 64-16-16-10" in text
    m = get_task("mnist1d", num_samples=500, channels=8)
    text = m.describe()["description"]
    assert "(400 train / 100 test)" in text and "(8 channels)" in text
    assert get_task("mnist1d").description == (
        "MNIST-1D generated locally (4,000 train / 1,000 test), "
        "3-layer 1-D CNN (25 channels), test accuracy"
    )
    c = get_task("charlm", layers=1, d_model=32, norm_first=True, val_fraction=0.2)
    assert c.description == (
        "character LM on CPython's pydoc topics text (~465k chars, last 20% validation), "
        "1-layer pre-LN Transformer (d=32), validation bits per char"
    )
    assert get_task("charlm").description == (
        "character LM on CPython's pydoc topics text (~465k chars, last 10% validation), "
        "2-layer post-LN Transformer (d=64), validation bits per char"
    )
