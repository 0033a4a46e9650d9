"""Direct tests for lrkit.schedules (issue 15, seed-13 training pass). The lines no test
ran were all ``peak_step()`` / ``nonincreasing()`` overrides (``cosine`` with several
cycles starting at its top, ``piecewise``, ``inverse_time``, ``wsd`` starting above its
peak, ``table``): the class is "a schedule's claims about its own values, never checked
against the values". Every family's claims are checked here, with ties, negative
starts, equal ends and rising variants: ``peak_step()`` is the first step of the
maximum over ``[0, length]`` (docs/core.md), ``peak_info`` is (that step, the maximum,
the first value, the last value), and ``nonincreasing()`` is never claimed for values
that rise (exactly the values' monotonicity for the families listed as exact)."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.combinators import KnownPeak, peak_info

#: (spec, nonincreasing() is exact for it)
CASES = [
    ("constant(0.5, steps=5)", True),
    ("linear(1.0, 0.0, steps=10)", True),
    ("linear(0.0, 1.0, steps=10)", True),
    ("linear(0.5, 0.5, steps=10)", True),
    ("cosine(1.0, 0.1, steps=20)", True),
    ("cosine(0.1, 1.0, steps=20)", True),
    ("cosine(0.5, 0.5, steps=20)", True),
    ("cosine(1.0, 0.1, steps=20, cycles=1.0)", True),
    ("cosine(1.0, 0.1, steps=20, cycles=1.5)", True),
    ("cosine(1.0, 0.1, steps=20, cycles=0.25)", False),  # never rises; not claimed
    ("cosine(0.5, 0.5, steps=20, cycles=2.0)", False),  # flat; not claimed
    ("cosine(0.1, 1.0, steps=20, cycles=1.0)", True),
    ("cosine(0.1, 1.0, steps=21, cycles=0.75)", True),
    ("polynomial(1.0, 0.1, steps=10)", True),
    ("polynomial(0.1, 1.0, steps=10)", True),
    ("polynomial(0.3, 0.3, steps=10, power=2.0)", True),
    ("tanh(1.0, 0.1, steps=30)", True),
    ("tanh(0.1, 1.0, steps=30)", True),
    ("multistep(1.0, gamma=0.5, milestones=[3, 7])", True),
    ("multistep(0.0, gamma=0.5, milestones=[3, 7])", True),
    ("multistep(1.0, gamma=2.0, milestones=[3, 7])", True),
    ("multistep(-1.0, gamma=0.5, milestones=[3, 7])", True),
    ("multistep(1.0, gamma=1.0, milestones=[3, 7])", True),
    ("piecewise([1.0, 0.5, 0.1], [4, 9])", True),
    ("piecewise([0.1, 0.5, 0.5], [4, 9])", True),
    ("piecewise([0.5, 0.5, 0.1], [4, 9])", True),
    ("piecewise([0.1, 1.0, 0.2], [4, 9])", True),
    ("piecewise([0.2, 0.1, 0.3], [4, 9])", True),
    ("piecewise([0.3], [])", True),
    ("wsd(1.0, steps=30, warmup=5, decay=10)", None),
    ("wsd(1.0, steps=30, warmup=5, decay=10, start=2.0)", None),  # starts above its peak
    ("wsd(1.0, steps=30, warmup=0, decay=10, start=2.0)", None),  # no warmup: start unused
    ("wsd(1.0, steps=30, warmup=5, decay=10, end=3.0)", None),  # rises to its end
    ("wsd(1.0, steps=30, warmup=5, decay=10, end=3.0, start=5.0)", None),
    ("wsd(1.0, steps=30, warmup=5, decay=10, end=3.0, start=2.0)", None),
    ("wsd(1.0, steps=30, warmup=5, decay=10, end=0.5, start=0.8)", None),
    ("table([0.1, 0.5, 0.2, 0.5])", None),  # two equal maxima: the first
    ("table([1.0, 0.5])", None),
    ("table([0.1, 0.2, 0.3])", None),
    ("table([0.4])", None),
    ("interpolate([(0, 0.1), (5, 1.0), (9, 1.0), (12, 0.0)])", None),
]
#: schedules that never end: nonincreasing() against their first 200 values
ENDLESS = [
    ("constant(0.5)", True),
    ("exponential(1.0, gamma=0.9)", True),
    ("exponential(-1.0, gamma=0.9)", True),
    ("exponential(1.0, gamma=1.1)", True),
    ("exponential(0.0, gamma=2.0)", False),  # zero forever; not claimed
    ("step(1.0, gamma=0.5, every=3)", True),
    ("step(-1.0, gamma=0.5, every=3)", True),
    ("step(1.0, gamma=1.5, every=3)", True),
    ("inverse_time(1.0, decay=0.5)", True),
    ("inverse_time(-1.0, decay=0.5)", True),
    ("inverse_time(0.0, decay=0.5)", True),
    ("inverse_time(1.0, decay=0.5, every=3, staircase=True)", True),
    ("inverse_time(-2.0, decay=0.1, every=3, staircase=True)", True),
    ("polynomial(1.0, 0.1, steps=10, cycle=True)", True),
]


def _values(s, n):
    return np.asarray(s(np.arange(n + 1)), dtype=np.float64)


@pytest.mark.parametrize(("spec", "exact"), CASES, ids=[c[0] for c in CASES])
def test_peak_step_and_peak_info_are_the_values_first_maximum(spec, exact):
    s = lrkit.spec.parse(spec)
    n = s.length
    v = _values(s, n)
    k = int(np.argmax(v))
    assert isinstance(s, KnownPeak)
    assert s.peak_step() == k
    info = peak_info(s)
    assert info[0] == k
    np.testing.assert_allclose(info[1:], [v[k], v[0], v[n]], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("spec", "exact"), CASES + ENDLESS, ids=[c[0] for c in CASES + ENDLESS])
def test_nonincreasing_is_never_claimed_for_rising_values(spec, exact):
    s = lrkit.spec.parse(spec)
    if not hasattr(s, "nonincreasing"):
        assert exact is None
        return
    v = _values(s, s.length if s.length is not None else 200)
    falls = bool(np.all(np.diff(v) <= 0))
    if s.nonincreasing():
        assert falls
    if exact:
        assert s.nonincreasing() == falls


# ------------------------------------------------------------------ documented defaults
def gallery_signatures() -> dict[str, dict[str, object]]:
    """docs/gallery.md's signature line of each schedule: ``name(a, b=1.0, ...)``, as
    {name: {parameter: default or MISSING}}."""
    import ast
    import dataclasses
    import pathlib
    import re

    text = (pathlib.Path(__file__).parent.parent / "docs" / "gallery.md").read_text("utf-8")
    out: dict[str, dict[str, object]] = {}
    for name, args in re.findall(r"^`([a-z_]+)\((.*)\)`$", text, flags=re.M):
        params: dict[str, object] = {}
        for a in filter(None, (x.strip() for x in args.split(","))):
            key, _, default = a.lstrip("*").partition("=")
            params[key] = ast.literal_eval(default) if default else dataclasses.MISSING
        out[name] = params
    return out


def _defaults_of(module: str) -> list[str]:
    from lrkit.core import REGISTRY

    return [n for n, c in REGISTRY.items() if c.__module__ == module]


@pytest.mark.parametrize("name", _defaults_of("lrkit.schedules"))
def test_every_default_is_the_one_the_gallery_documents(name):
    """A default changed in the code and not in docs/gallery.md is a changed behaviour
    (``every=1`` is one step per decay, ``cycles=0.5`` half a cosine...)."""
    from lrkit.core import REGISTRY

    documented = gallery_signatures()[name]
    got = {p.name: p.default for p in REGISTRY[name].params}
    assert got == documented


# ------------------------------------------------------------------ refusals, in words
@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: lrkit.piecewise([1.0, 0.5], [1, 2]),
            "piecewise: values must have one more entry than "
            "boundaries, got 2 values and 2 boundaries",
        ),
        (
            lambda: lrkit.interpolate([]),
            r"interpolate: points must be a non-empty list of \(step, value\)",
        ),
        (lambda: lrkit.cyclic(1.0, 0.5, 10), "cyclic: high must be >= low, got low=1.0, high=0.5"),
        (
            lambda: lrkit.cyclic(0.1, 1.0, 10, gamma=0.9),
            "cyclic: gamma is only used with mode='exp_range', "
            "got gamma=0.9 with mode='triangular'",
        ),
        (
            lambda: lrkit.tanh(1.0, lower=3.0, upper=3.0, steps=10),
            "tanh: lower must be < upper, got lower=3.0, upper=3.0",
        ),
        (
            lambda: lrkit.one_cycle(1.0, steps=3, pct_start=0.1, three_phase=True),
            "one_cycle: steps=3 is too short for pct_start=0.1 with "
            "three_phase: every phase needs at least one step",
        ),
        (
            lambda: lrkit.one_cycle(1.0, steps=3, pct_start=0.1),
            "one_cycle: steps=3 is too short for pct_start=0.1: "
            "every phase needs at least one step",
        ),
    ],
)
def test_schedule_refusals_name_the_problem(call, words):
    from lrkit.errors import ConfigError

    with pytest.raises(ConfigError, match=words):
        call()


def test_the_edges_of_those_refusals_are_accepted():
    assert lrkit.piecewise([1.0, 0.5], [3])(3) == 0.5
    assert lrkit.cyclic(0.5, 0.5, 10)(3) == 0.5
    assert lrkit.cyclic(0.1, 1.0, 10, gamma=1.0).mode == "triangular"
    assert lrkit.tanh(1.0, lower=2.0, upper=3.0, steps=10).length == 10
    assert lrkit.one_cycle(1.0, steps=11, pct_start=0.1).length == 11  # p T - 1 = 0.1 > 0
    with pytest.raises(lrkit.errors.ConfigError, match="steps=10 is too short"):
        lrkit.one_cycle(1.0, steps=10, pct_start=0.1)  # p T - 1 = 0: an empty first phase
    with pytest.raises(lrkit.errors.ConfigTypeError, match="custom: fn must be a callable, got 5"):
        lrkit.custom(5, steps=3)


@pytest.mark.parametrize(("n", "t"), [(12345, 16826235), (100, 67109100), (10, 268435760)])
def test_a_cycling_polynomial_ends_its_cycle_at_end_in_float32(n, t):
    """``polynomial(cycle=True)``: at a multiple of ``steps`` the value is ``end`` (TF's
    PolynomialDecay(cycle=True)). In float32 (jax) at these large steps ``ceil(t / n)``
    overshoots, and the correction steps it back one cycle: the value is still ``end``,
    as in float64."""
    import jax.numpy as jnp

    import lrkit.jax as ljax

    s = lrkit.polynomial(1.0, 0.0, steps=n, cycle=True)
    f = ljax.schedule(s)
    got = float(f(jnp.asarray(t, dtype=jnp.int32)))
    assert abs(got - s(t)) < 1e-6
    assert s(n * (t // n)) == 0.0


# ------------------------------------------------ two real bugs the seed-13/14 pass found
@pytest.mark.parametrize(
    "values, boundaries",
    [([2.0, 1.0, 2.0], [0, 1]), ([9.0, 1.0, 3.0, 2.0], [0, 4, 6]), ([0.1, 1.0, 0.5], [0, 5])],
)
def test_piecewise_with_a_boundary_at_0_never_uses_its_first_value(values, boundaries):
    """``values[0]`` holds for no step when ``boundaries[0] == 0``: the peak and the
    monotonicity claim are those of the values that apply (found by Hypothesis)."""
    s = lrkit.piecewise(values, boundaries)
    v = np.asarray(s(np.arange(boundaries[-1] + 2)))
    assert s.peak_step() == int(np.argmax(v))
    assert peak_info(s)[1] == v.max()
    assert s.nonincreasing() == bool(np.all(np.diff(v) <= 0))


@pytest.mark.parametrize("end", [0.0, 1.0])
def test_wsd_whose_warmup_starts_at_the_peak_peaks_at_step_0(end):
    s = lrkit.wsd(1.0, steps=30, warmup=5, decay=10, start=1.0, end=end)
    v = np.asarray(s(np.arange(31)))
    assert s.peak_step() == int(np.argmax(v)) == 0
