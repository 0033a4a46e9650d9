"""Direct tests for lrkit.core (issue 15, seed-13 training pass): the lines no test ran
(``register`` refusing a field without a marker, the abstract ``_eval``, ``_fmt`` on a
value it cannot write) and the class behind them, the registry's own rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

import lrkit
from lrkit import core


def test_register_refuses_a_field_without_a_marker():
    """Every init field of a registered schedule carries exactly one marker (its kind);
    a bare annotation is a programming error named by class and field."""

    @dataclass(frozen=True, repr=False)
    class Bare(core.Schedule):
        name = "bare_for_test"
        value: float

    with pytest.raises(TypeError, match="Bare.value: annotate the field with one marker"):
        core.register(Bare)
    assert "bare_for_test" not in core.REGISTRY


def test_the_abstract_eval_is_not_implemented():
    with pytest.raises(NotImplementedError):
        core.Schedule._eval(lrkit.constant(1.0), np.zeros(1), np)


def test_fmt_refuses_a_value_it_cannot_write():
    assert core._fmt(0.5) == "0.5"
    assert core._fmt(3) == "3"
    assert core._fmt(None) == "None"
    assert core._fmt((1, 2)) == "[1, 2]"
    assert core._fmt(((0, 1.0), (5, 0.5))) == "[(0, 1.0), (5, 0.5)]"
    with pytest.raises(AssertionError):
        core._fmt(object())


def test_register_installs_the_immutable_setattr_and_the_checked_init():
    s = lrkit.cosine(1.0, steps=10)
    with pytest.raises(core.FrozenInstanceError, match="cosine schedules are immutable"):
        s.start = 2.0  # type: ignore[misc]
    with pytest.raises(core.FrozenInstanceError, match="cosine schedules are immutable"):
        del s.start  # type: ignore[misc]
    with pytest.raises(lrkit.errors.ConfigTypeError, match="takes at most"):
        lrkit.constant(1.0, 2, 3, 4, 5, 6)
    assert core.REGISTRY["cosine"] is type(s)
    assert [p.name for p in type(s).params][:2] == ["start", "end"]


def test_bind_edges():
    s = lrkit.cosine(1.0, steps="50%")
    assert s.bind(total_steps=1).unbound() is None
    with pytest.raises(lrkit.errors.ConfigError, match="bind: total_steps must be >= 1, got 0"):
        s.bind(total_steps=0)
    e = lrkit.cosine(1.0, steps="3ep")
    assert e.bind(steps_per_epoch=1).length == 3
    with pytest.raises(lrkit.errors.ConfigError, match="bind: steps_per_epoch must be >= 1, got 0"):
        e.bind(steps_per_epoch=0)


def test_plot_needs_at_least_one_step():
    with pytest.raises(lrkit.errors.ConfigError, match="plot: total_steps must be >= 1, got 0"):
        lrkit.cosine(1.0, steps=10).plot(total_steps=0)


# ------------------------------------------------------------------ refusals, in words
REFUSALS = [
    (
        lambda: lrkit.cosine(1.0, steps="1%").bind(total_steps=10),
        lrkit.errors.ConfigError,
        r"cosine: steps='1%' rounds to 0 steps of a 10-step run; it must be at least 1 step",
    ),
    (
        lambda: lrkit.cosine(1.0, steps="1ep").bind(steps_per_epoch=1).length,
        None,
        1,
    ),
    (
        lambda: lrkit.warmup(lrkit.constant(1.0), None),
        lrkit.errors.ConfigError,
        r"warmup: steps must be given \(a duration\), got None",
    ),
    (
        lambda: lrkit.warmup(0.5, 5),
        lrkit.errors.ConfigTypeError,
        "warmup: schedule must be a schedule, got 0.5",
    ),
    (
        lambda: lrkit.sequence([lrkit.constant(1.0, steps=2), 0.5]),
        lrkit.errors.ConfigTypeError,
        r"sequence: phases\[1\] must be a schedule, got 0.5",
    ),
    (
        lambda: lrkit.sequence([]),
        lrkit.errors.ConfigError,
        "sequence: needs at least one schedule, got none",
    ),
    (
        lambda: lrkit.linear(1e308, -1e308, steps=10),
        lrkit.errors.ConfigError,
        r"linear: the parameters overflow float64: end - start gives -inf",
    ),
    (
        lambda: lrkit.custom(lambda t: float("nan") if t == 2 else 1.0, steps=5)([0, 1, 2]),
        lrkit.errors.NonFiniteError,
        r"custom\(<lambda>, steps=5\) is not finite at step 2; check its parameters",
    ),
    (
        lambda: lrkit.custom(lambda t: float("nan") if t == 3 else 1.0, steps=5)(3),
        lrkit.errors.NonFiniteError,
        "is not finite at step 3",
    ),
]


@pytest.mark.parametrize(("call", "error", "words"), REFUSALS)
def test_core_refusals_name_the_problem(call, error, words):
    if error is None:
        assert call() == words
        return
    with pytest.raises(error, match=words):
        call()


def test_plot_takes_a_single_step_and_fmt_writes_empty_lists():
    fig = lrkit.cosine(1.0, steps=10).plot(total_steps=1)
    assert fig is not None
    assert core._fmt(()) == "[]"
    s = lrkit.piecewise([0.3], [])
    assert s.spec() == "piecewise(values=[0.3], boundaries=[])"
    assert lrkit.parse(s.spec()) == s


@pytest.mark.parametrize(
    ("s", "name"),
    [
        (lrkit.multistep(1.0, 0.5, milestones=["10%", "2ep"]), "milestones"),
        (lrkit.piecewise([1.0, 0.5, 0.1], ["10%", "2ep"]), "boundaries"),
        (lrkit.interpolate([(0, 1.0), ("10%", 1.0), ("2ep", 0.5)]), "points"),
    ],
)
def test_unbound_names_the_first_relative_entry_of_a_list(s, name):
    """``unbound()`` says what to bind first: the first relative entry and its bind."""
    assert s.unbound() == (
        f"{s.name}: {name}='10%' is relative to the run; "
        "call .bind(total_steps=N) before evaluating"
    )
    assert "2ep" in str(s.bind(total_steps=100).unbound())
    assert s.bind(total_steps=100, steps_per_epoch=6).unbound() is None
