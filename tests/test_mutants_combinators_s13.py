"""Direct tests for lrkit.combinators (issue 15, seed-13 training pass): the one line no
test ran, ``step_noise``'s keras.ops branch (``u = cast(top) * 2**-24``), pinned by the
keras adapter against numpy for both noise distributions, and the draw itself against
its documented range and distribution."""

from __future__ import annotations

import ast
import dataclasses
import pathlib
import re

import numpy as np
import pytest

import lrkit
from lrkit.combinators import step_noise
from lrkit.core import REGISTRY

STEPS = np.arange(0, 400, dtype=np.int64)


@pytest.mark.parametrize("dist", ["uniform", "normal"])
def test_keras_noise_matches_numpy(dist):
    """The keras adapter evaluates ``noise`` with keras.ops (the cast-and-scale branch):
    the same per-step factors as numpy, to float32 precision."""
    import lrkit.keras as lkeras

    s = lrkit.noise(lrkit.constant(0.1), pct=0.4, dist=dist, seed=7)
    got = np.asarray(lkeras.Schedule(s)(STEPS.astype(np.int32)), dtype=np.float64)
    want = s(STEPS)
    np.testing.assert_allclose(got, want, rtol=2e-6)
    assert np.ptp(want) > 0.01  # the noise is there


def test_uniform_noise_is_two_u_minus_one_times_pct():
    """``uniform``: (2u - 1) pct with u in [0, 1): inside (-pct, pct), spread over it."""
    t = np.arange(0, 20000, dtype=np.float64)
    n = step_noise(t, np, 3, 0.2, "uniform")
    assert n.min() >= -0.2 and n.max() < 0.2
    assert n.min() < -0.19 and n.max() > 0.19
    assert abs(n.mean()) < 0.01
    np.testing.assert_allclose(np.std(n), 0.2 / np.sqrt(3.0), rtol=0.03)


def test_normal_noise_is_the_normal_truncated_to_pct():
    """``normal``: the standard normal conditioned on |n| < pct; with pct = 3 its
    spread is close to 1 and it stays inside (-3, 3)."""
    t = np.arange(0, 20000, dtype=np.float64)
    n = step_noise(t, np, 11, 3.0, "normal")
    assert np.all(np.abs(n) < 3.0)
    np.testing.assert_allclose(np.std(n), 0.9733, rtol=0.03)  # var of N(0,1) cut at 3
    assert abs(np.mean(n)) < 0.03
    small = step_noise(t, np, 11, 0.1, "normal")
    assert np.all(np.abs(small) < 0.1)
    np.testing.assert_allclose(np.std(small), 0.1 / np.sqrt(3.0), rtol=0.05)


@pytest.mark.parametrize(
    "name", [n for n, c in REGISTRY.items() if c.__module__ == "lrkit.combinators"]
)
def test_every_default_is_the_one_the_gallery_documents(name):
    """``warmup``'s ``prefix=True``, ``opposite``'s 0.85/0.95, ``noise``'s
    ``pct=0.67, seed=42``...: the defaults docs/gallery.md shows are the code's."""
    text = (pathlib.Path(__file__).parent.parent / "docs" / "gallery.md").read_text("utf-8")
    (args,) = re.findall(rf"^`{name}\((.*)\)`$", text, flags=re.M)
    documented = {}
    for a in filter(None, (x.strip() for x in args.split(","))):
        key, _, default = a.lstrip("*").partition("=")
        documented[key] = ast.literal_eval(default) if default else dataclasses.MISSING
    assert {p.name: p.default for p in REGISTRY[name].params} == documented


@pytest.mark.parametrize(("n", "pct"), [(2**20 - 1, 0.3), (2**20 + 100_000, 0.99)])
def test_peak_info_scans_a_schedule_in_blocks_of_two_to_the_twenty(n, pct):
    """A schedule without ``peak_step`` is scanned over [0, n] in blocks of 2**20 steps:
    n + 1 = 2**20 exactly fills one block (no empty block after it), and a peak in the
    second block is found there."""
    from lrkit.combinators import KnownPeak, peak_info

    s = lrkit.one_cycle(1.0, steps=n, pct_start=pct)
    assert not isinstance(s, KnownPeak)
    v = s(np.arange(n + 1))
    assert peak_info(s) == (float(np.argmax(v)), float(v.max()), float(v[0]), float(v[-1]))


EDGES = [
    # (a call accepted at the edge, a call just past it, words of the refusal)
    (
        lambda: lrkit.noise(lrkit.constant(1.0), pct=1.0),
        lambda: lrkit.noise(lrkit.constant(1.0), pct=1.0001),
        "pct",
    ),
    (
        lambda: lrkit.noise(lrkit.constant(1.0), pct=1e-9),
        lambda: lrkit.noise(lrkit.constant(1.0), pct=0.0),
        "pct",
    ),
    (
        lambda: lrkit.coupled_wd(lrkit.constant(1.0), 0.0),
        lambda: lrkit.coupled_wd(lrkit.constant(1.0), -1e-9),
        "value",
    ),
    (
        lambda: lrkit.coupled_wd(lrkit.constant(1.0), 0.1, ref=1e-9),
        lambda: lrkit.coupled_wd(lrkit.constant(1.0), 0.1, ref=0.0),
        "ref",
    ),
    (
        lambda: lrkit.coupled_wd(lrkit.constant(1.0), 0.1, cap=1e-9),
        lambda: lrkit.coupled_wd(lrkit.constant(1.0), 0.1, cap=0.0),
        "cap",
    ),
    (
        lambda: lrkit.warmup(lrkit.constant(1.0), 5, start=0.0),
        lambda: lrkit.warmup(lrkit.constant(1.0), 5, start=-1e-9),
        "start",
    ),
    (
        lambda: lrkit.warmup(lrkit.constant(1.0), 5, start=1e-9, shape="exp"),
        lambda: lrkit.warmup(lrkit.constant(1.0), 5, start=0.0, shape="exp"),
        r"start must be > 0 with shape='exp'",
    ),
]


@pytest.mark.parametrize(("ok", "bad", "words"), EDGES)
def test_combinator_bounds_edges(ok, bad, words):
    from lrkit.errors import ConfigError

    ok()
    with pytest.raises(ConfigError, match=words):
        bad()


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: lrkit.clip(lrkit.constant(1.0)), "clip: give low, high or both, got neither"),
        (
            lambda: lrkit.clip(lrkit.constant(1.0), low=0.5, high=0.4),
            "clip: low must be <= high, got low=0.5, high=0.4",
        ),
        (
            lambda: lrkit.opposite(lrkit.constant(1.0), low=0.9, high=0.8),
            "opposite: low must be <= high, got low=0.9, high=0.8",
        ),
        (
            lambda: lrkit.coupled_wd(lrkit.constant(0.0), 0.1),
            r"coupled_wd: the reference rate \(the schedule's peak\) must be > 0, got 0.0",
        ),
        (
            lambda: lrkit.noise(lrkit.constant(1.0), seed=2**63),
            "noise: seed must be < 2\\*\\*63, got 9223372036854775808",
        ),
    ],
)
def test_combinator_refusals_name_the_problem(call, words):
    from lrkit.errors import ConfigError

    with pytest.raises(ConfigError, match=words):
        call()


def test_the_edges_of_those_refusals_are_accepted():
    one = lrkit.constant(1.0)
    assert lrkit.clip(one, low=0.5, high=0.5)(0) == 0.5
    assert lrkit.clip(one, high=0.4)(0) == 0.4
    assert lrkit.opposite(lrkit.linear(1.0, 0.0, steps=4), low=0.9, high=0.9)(2) == 0.9
    assert lrkit.noise(one, seed=2**63 - 1) is not None
    assert lrkit.coupled_wd(lrkit.constant(2.0), 0.1)(0) == pytest.approx(0.1)


def _printed_cases():
    c, ln = lrkit.constant(1.0), lrkit.linear(1.0, 0.0, steps=10)
    C, L = c.spec(), ln.spec()
    return [
        ((c + ln) * ln, f"({C} + {L}) * {L}"),
        (c + ln * ln, f"{C} + {L} * {L}"),
        ((c - ln) - (ln - c), f"{C} - {L} - ({L} - {C})"),
        (c - (ln - c), f"{C} - ({L} - {C})"),
        (-(c + ln), f"-({C} + {L})"),
        (-(c * ln), f"-({C} * {L})"),
        ((-c) * ln, f"-{C} * {L}"),
        (c / (ln * c), f"{C} / ({L} * {C})"),
        ((c / ln) * c, f"{C} / {L} * {C}"),
        (2 * (c + ln), f"2.0 * ({C} + {L})"),
        ((c + ln) / 2, f"({C} + {L}) / 2.0"),
        (c + (-ln), f"{C} + -{L}"),
        (c * (ln / c), f"{C} * ({L} / {C})"),
    ]


@pytest.mark.parametrize("i", range(13))
def test_arithmetic_prints_with_the_fewest_brackets_and_parses_back(i):
    """Python's precedence: ``+ -`` below ``* /`` below unary ``-``; a right operand of
    equal precedence keeps its brackets (``a - (b - c)``, ``a / (b * c)``)."""
    s, text = _printed_cases()[i]
    assert s.spec() == text
    assert lrkit.parse(text) == s


def test_warmup_refuses_a_start_whose_distance_to_the_first_value_overflows():
    """The ramp spans ``first - start``: finite ends whose difference is not finite are
    refused at construction (the values would be inf/NaN)."""
    from lrkit.errors import ConfigError

    with pytest.raises(
        ConfigError, match="warmup: the parameters overflow float64: start gives -inf"
    ):
        lrkit.warmup(lrkit.constant(-1.5e308), 5, start=1.5e308)
    s = lrkit.warmup(lrkit.constant(-0.5e308), 5, start=1.0e308)
    assert np.all(np.isfinite(s(np.arange(7))))
