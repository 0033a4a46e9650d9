"""Direct tests for lrkit.finder (issue 15, seed-13 training pass): ``find``'s progress
rule (docs: a bar only when stderr is a terminal and ``CI`` is unset) and ``as_loss``'s
shape rule (one number: any shape whose size is not 1 is refused, an empty one
included), each against the documented rule with real streams and arrays."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import torch

from lrkit.errors import ConfigTypeError
from lrkit.finder import find
from lrkit.finder.sweep import as_loss


class _Terminal(io.StringIO):
    """A text stream that says it is a terminal (as a console's stderr does)."""

    def isatty(self) -> bool:
        return True


def _run(progress, stream):
    with contextlib.redirect_stderr(stream):
        res = find(lambda lr: 1.0, start=1e-4, end=1e-2, steps=5, progress=progress)
    assert len(res.lrs) == 5
    return stream.getvalue()


@pytest.mark.parametrize("ci", [None, "1"])
def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert "lrkit find" not in _run(None, io.StringIO())


def test_a_bar_on_a_terminal_unless_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert "lrkit find" in _run(None, _Terminal())
    monkeypatch.setenv("CI", "true")
    assert "lrkit find" not in _run(None, _Terminal())
    assert "lrkit find" in _run(True, io.StringIO())  # forced
    monkeypatch.delenv("CI", raising=False)
    assert "lrkit find" not in _run(False, _Terminal())  # forced off


@pytest.mark.parametrize(
    "out",
    [np.float32(2.5), np.array(2.5), np.array([2.5]), np.array([[2.5]]), torch.tensor([[[2.5]]])],
)
def test_as_loss_takes_any_one_element_value(out):
    assert as_loss(out, "find", 0.1) == 2.5


@pytest.mark.parametrize(
    ("out", "shape"),
    [
        (np.zeros(0), "(0,)"),
        (np.zeros((3, 0)), "(3, 0)"),
        (np.zeros(2), "(2,)"),
        (np.zeros((2, 3)), "(2, 3)"),
        (torch.zeros(0), "(0,)"),
        (torch.zeros(1, 4), "(1, 4)"),
    ],
)
def test_as_loss_refuses_every_other_size_by_shape(out, shape):
    with pytest.raises(
        ConfigTypeError, match=rf"one number, got a \w+ of shape \{shape[:-1]}\) at lr=0.1"
    ):
        as_loss(out, "find", 0.1)


# ------------------------------------------------------------------ every bound's edge
SWEEP_EDGES = [
    # (settings accepted at the edge, settings just past it, words of the refusal)
    ({"steps": 2}, {"steps": 1}, "steps must be >= 2, got 1"),
    ({"start": 1e-300}, {"start": 0.0}, r"start must be > 0 \(mode='exp'\), got 0.0"),
    (
        {"start": 0.0, "mode": "linear"},
        {"start": -1e-9, "mode": "linear"},
        "start must be >= 0, got -1e-09",
    ),
    (
        {"start": 0.1, "end": 0.1000001},
        {"start": 0.1, "end": 0.1},
        "end must be > start, got start=0.1, end=0.1",
    ),
    ({"smooth": 0.0}, {"smooth": -1e-9}, "smooth must be"),
    ({"smooth": 0.999}, {"smooth": 1.0}, "smooth must be"),
    ({"diverge": 1.0000001}, {"diverge": 1.0}, "diverge must be"),
    ({"diverge": None}, {"mode": "log"}, "mode must be one of"),
]


@pytest.mark.parametrize(("ok", "bad", "words"), SWEEP_EDGES)
def test_sweep_options_edges(ok, bad, words):
    from lrkit.errors import ConfigError
    from lrkit.finder import SweepOptions

    opts = SweepOptions(**ok)
    for k, v in ok.items():
        assert getattr(opts, k) == v
    with pytest.raises(ConfigError, match=f"find: {words}"):
        SweepOptions(**bad)


def test_sweep_defaults_are_the_documented_ones():
    """docs/finder.md: 1e-7 to 10 over 100 steps, exponential, EMA 0.98, stop at 4x the best."""
    from lrkit.finder import SweepOptions

    o = SweepOptions()
    assert (o.start, o.end, o.steps, o.mode, o.smooth, o.diverge) == (
        1e-7,
        10.0,
        100,
        "exp",
        0.98,
        4.0,
    )


# ------------------------------------------------------------------ refusals, in words
def _result(**kw):
    from lrkit.finder import FinderResult

    return FinderResult([1e-3, 1e-2], [1.0, 0.9], [1.0, 0.9], **kw)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (
            lambda: find(lambda lr: 1.0, foo=1),
            ConfigTypeError,
            r"find: unknown sweep setting\(s\) foo; allowed: "
            r"diverge, end, mode, smooth, start, steps",
        ),
        (
            lambda: __import__("lrkit.finder").finder.FinderResult([1e-3, 1e-2], [1.0], [1.0]),
            None,
            "FinderResult: lrs, losses and smoothed must have the same length, got 2, 1, 1",
        ),
        (
            lambda: _result(stop_reason="x"),
            None,
            "FinderResult: stop_reason must be one of 'completed', "
            "'diverged', 'nonfinite', 'exhausted', got 'x'",
        ),
        (
            lambda: _result(curve=[1.0]),
            None,
            r"FinderResult: curve must have one value per recorded lr \(2\), got 1",
        ),
        (
            lambda: _result().suggest("foo"),
            None,
            "suggest: method must be one of 'auto', 'steep', 'valley', 'minimum', got 'foo'",
        ),
        (
            lambda: _result().schedule(),
            None,
            r"FinderResult.schedule: no range to build a "
            r"'one_cycle' schedule from \(too few points",
        ),
    ],
)
def test_finder_refusals_name_the_problem(call, error, words):
    from lrkit.errors import ConfigError

    with pytest.raises(error or ConfigError, match=words):
        call()


def test_from_dict_refusals_name_the_problem():
    from lrkit.errors import ConfigError
    from lrkit.finder import FinderResult

    d = _result().to_dict()
    assert FinderResult.from_dict(d).losses.tolist() == [1.0, 0.9]
    with pytest.raises(
        ConfigError, match=r"from_dict: d must be a dict made by to_dict\(\), got 5"
    ):
        FinderResult.from_dict(5)
    with pytest.raises(
        ConfigError, match=r"from_dict: d must be a dict made by to_dict\(\), got \{\}"
    ):
        FinderResult.from_dict({})
    with pytest.raises(ConfigError, match="from_dict: version must be 1 or 2, got 99"):
        FinderResult.from_dict({**d, "version": 99})
    with pytest.raises(ConfigTypeError, match="from_dict: config must be a dict"):
        FinderResult.from_dict({**d, "config": 5})
    missing = {k: v for k, v in d.items() if k != "losses"}
    with pytest.raises(ConfigError, match="from_dict: missing"):
        FinderResult.from_dict(missing)


def _loess(x, y, h):
    """Local linear fit at every x_0 with Gaussian weights of width h (one row at a time)."""
    out = np.empty(len(x))
    for i, x0 in enumerate(x):
        w = np.exp(-0.5 * ((x - x0) / h) ** 2)
        A = np.stack([np.ones_like(x), x - x0], axis=1)
        coef = np.linalg.solve(A.T @ (w[:, None] * A), A.T @ (w * y))
        out[i] = coef[0]
    return out


def test_zero_lag_fits_every_row_of_a_long_sweep():
    """More than 512 points (rows are fitted in blocks of 512): every row is the local
    linear fit at its own x, the rows at and past each block's start included."""
    from lrkit.finder import zero_lag

    n = 1100
    lrs = np.geomspace(1e-6, 1.0, n)
    rng = np.random.default_rng(5)
    y = 2.0 + 0.3 * np.sin(3.0 * np.log10(lrs)) + rng.normal(0.0, 0.05, n)
    got = zero_lag(lrs, y)
    x = np.log10(lrs)
    h = max(0.15, 2.0 * float(np.median(np.abs(np.diff(x)))))
    np.testing.assert_allclose(got, _loess(x, y, h), rtol=1e-9, atol=1e-12)


def test_skips_are_counts_from_zero_with_documented_defaults():
    """docs/finder.md: ``skip_start = steps // 20`` (at least 1), ``skip_end = 3``; each
    may be 0, neither negative."""
    from lrkit.errors import ConfigError

    r = _result(skip_start=0, skip_end=0)
    assert (r.skip_start, r.skip_end) == (0, 0)
    d = _result()
    assert (d.skip_start, d.skip_end) == (1, 3)
    from lrkit.finder import FinderResult

    lrs = sweep_lrs_for(200)
    big = FinderResult(lrs, np.ones(200), np.ones(200), config={"steps": 200})
    assert big.skip_start == 10
    with pytest.raises(ConfigError, match="skip_start and skip_end must be >= 0, got -1, 0"):
        _result(skip_start=-1, skip_end=0)
    with pytest.raises(ConfigError, match="skip_start and skip_end must be >= 0, got 0, -1"):
        _result(skip_start=0, skip_end=-1)


def sweep_lrs_for(n):
    from lrkit.finder import sweep_lrs

    return sweep_lrs(start=1e-5, end=1.0, steps=n)


def _edge_case(n, head):
    """A curve over n rates: ``head`` at the start, then 5, down to 0 at n/2, up to 12."""
    from lrkit.finder import FinderResult, sweep_lrs

    z = np.concatenate(
        [head, np.linspace(5.0, 0.0, n // 2 - len(head)), np.linspace(0.0, 12.0, n - n // 2)]
    )
    lrs = sweep_lrs(start=1e-5, end=10.0, steps=n)
    res = FinderResult(
        lrs, z, z, curve=z, skip_start=0, skip_end=0, config={"steps": n, "mode": "exp"}
    )
    return res, lrs, z


@pytest.mark.parametrize(
    ("n", "head"),
    [
        (100, [10.0, 10.0, 10.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]),  # a tenth: 10 points
        (20, [2.0, 9.0, 9.0]),  # a tenth is 2 points: at least 3
    ],
)
def test_divergence_edge_is_back_at_the_median_of_the_first_tenth(n, head):
    """docs: the first rate past the minimum where the curve is back at or above its
    start level, the median of the first tenth of the usable points (at least 3)."""
    from lrkit.finder.suggest import divergence_edge

    res, lrs, z = _edge_case(n, head)
    start = float(np.median(z[: max(3, n // 10)]))
    imin = int(np.argmin(z))
    k = imin + int(np.flatnonzero(z[imin:] >= start)[0])
    assert divergence_edge(res) == float(lrs[k])
    assert start == {100: 2.0, 20: 9.0}[n]
