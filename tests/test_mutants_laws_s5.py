"""The laws' documented formulas and checks pinned broadly (issue 15, seed-5 pass).

Fresh mutation samples left 30 % of the laws' mutants alive (seed 3): the fits are
tested by their outcome, the values often not at all. Here every prediction is
held to a direct evaluation of the formula in :class:`lrkit.laws.Law`'s docstring
(the drop sum term by term, the momentum filter step by step), on schedules with
a warm-up, a smooth decay and steps, on the few-steps path and on the dense path
(more than 256 steps); plus every documented check of ``Run``, ``rates``,
``Law`` and ``optimize``, and ``errors()``'s five statistics.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_laws import momentum_direct

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError, NonFiniteError
from lrkit.laws import Law, Run, optimize, rates

MPL = {"L0": 2.5, "A": 0.66, "alpha": 0.42, "B": 770.0, "C": 0.53, "beta": 0.27, "gamma": 0.65}
MOM = {"L0": 2.4, "A": 0.7, "alpha": 0.45, "C": 120.0, "lam": 0.99}


def _mpl(eta, t, p):
    """L(t) of the Multi-Power Law, term by term (the docstring's formula)."""
    S = np.cumsum(eta)
    kp = int(np.argmax(eta))  # the first step at the maximum
    total = 0.0
    for k in range(kp + 1, t + 1):
        d = eta[k - 1] - eta[k]
        if d == 0:
            continue
        Sk = S[t] - S[k - 1]
        total += d * (1 - (p["C"] * eta[k] ** (-p["gamma"]) * Sk + 1) ** (-p["beta"]))
    return p["L0"] + p["A"] * S[t] ** (-p["alpha"]) - p["B"] * total


def _schedules(T):
    return {
        "cosine": lrkit.warmup(lrkit.cosine(3e-3, 3e-4), 20).bind(total_steps=T),
        "wsd": lrkit.wsd(3e-3, steps=T, warmup=10, decay="30%").bind(total_steps=T),
        "steps": lrkit.piecewise([3e-3, 1e-3, 3e-4], [T // 3, 2 * T // 3]).bind(total_steps=T),
    }


@pytest.mark.parametrize("name", ["cosine", "wsd", "steps"])
def test_multi_power_predictions_are_the_direct_sum_few_and_dense(name):
    T = 600
    s = _schedules(T)[name]
    eta = np.asarray(s(np.arange(T)), dtype=np.float64)
    law = Law("multi_power", MPL)
    few = np.array([25, 199, 200, 201, 399, 450, 599])
    want = [_mpl(eta, t, MPL) for t in few]
    np.testing.assert_allclose(law.predict(s, few), want, rtol=1e-9)
    dense = np.arange(30, T, 2)  # 285 steps: the dense (interpolated) path
    got = law.predict(s, dense)
    np.testing.assert_allclose(got, [_mpl(eta, t, MPL) for t in dense], rtol=1e-6)
    assert law.final(s, total_steps=T) == pytest.approx(_mpl(eta, T - 1, MPL), rel=1e-9)


@pytest.mark.parametrize("name", ["cosine", "wsd", "steps"])
def test_momentum_predictions_are_the_direct_recursion(name):
    T = 600
    s = _schedules(T)[name]
    eta = np.asarray(s(np.arange(T)), dtype=np.float64)
    law = Law("momentum", MOM)
    steps = np.array([25, 150, 199, 200, 201, 420, 599])
    np.testing.assert_allclose(
        law.predict(s, steps), [momentum_direct(eta, t, MOM) for t in steps], rtol=1e-9
    )
    mean = Law("mean", {**MPL, **{f"m_{k}": v for k, v in MOM.items()}})
    a, b = mean.parts()
    assert a == Law("multi_power", MPL) and b == Law("momentum", MOM)
    np.testing.assert_allclose(
        mean.predict(s, steps),
        [(_mpl(eta, t, MPL) + momentum_direct(eta, t, MOM)) / 2 for t in steps],
        rtol=1e-9,
    )


def test_errors_are_the_five_documented_statistics():
    mom = {**MOM, "C": 2.0}
    law = Law("momentum", mom)
    s = _schedules(400)["wsd"]
    eta = np.asarray(s(np.arange(400)), dtype=np.float64)
    runs = []
    for k, steps in enumerate((np.arange(50, 400, 50), np.arange(20, 300, 40))):
        pred = np.array([momentum_direct(eta, t, mom) for t in steps])
        obs = pred * (1 + 0.02 * np.cos(steps + k))
        runs.append(Run(eta[: steps[-1] + 1], steps, obs))
    e = law.errors(runs)
    preds = [np.array([momentum_direct(eta, t, mom) for t in r.steps]) for r in runs]
    obs = np.concatenate([r.losses for r in runs])
    res = np.concatenate(preds) - obs
    assert e["mean_rel"] == pytest.approx(np.mean(np.abs(res) / obs), rel=1e-9)
    worst = np.mean([np.max(np.abs(p - r.losses) / r.losses) for p, r in zip(preds, runs)])
    assert e["worst_rel"] == pytest.approx(worst, rel=1e-9)
    assert e["r2"] == pytest.approx(1 - np.sum(res**2) / np.sum((obs - obs.mean()) ** 2))
    assert e["mae"] == pytest.approx(np.mean(np.abs(res)), rel=1e-9)
    assert e["rmse"] == pytest.approx(np.sqrt(np.mean(res**2)), rel=1e-9)
    assert law.errors(runs[0])["mae"] == pytest.approx(np.mean(np.abs(preds[0] - runs[0].losses)))


# ---------------------------------------------------------------------------------------
# rates and Run
# ---------------------------------------------------------------------------------------
def test_rates_of_every_documented_form():
    np.testing.assert_allclose(rates(lrkit.linear(1.0, 0.0), 4), [1.0, 0.75, 0.5, 0.25])
    np.testing.assert_allclose(rates("linear(1.0, 0.0, steps=8)", 3), [1.0, 0.875, 0.75])
    np.testing.assert_array_equal(rates(0.5, 3), [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(rates([0.3, 0.2, 0.1, 9.0], 3), [0.3, 0.2, 0.1])
    np.testing.assert_array_equal(rates([0.0, 0.0, 1e-9], 3), [0.0, 0.0, 1e-9])


@pytest.mark.parametrize(
    ("schedule", "total", "err", "msg"),
    [
        ([[0.1, 0.2]], 2, ConfigError, "must be a 1-D array of rates, got shape (1, 2)"),
        ([0.1, 0.2], 3, ConfigError, "the array has 2 rates but steps up to 2 need at least 3"),
        ([0.1, math.nan], 2, NonFiniteError, "rates must be finite, got nan"),
        ([0.1, -0.2], 2, ConfigError, "rates must be >= 0, got -0.2"),
        ([0.0, 0.0], 2, ConfigError, "rates must not all be 0"),
        (True, 2, ConfigTypeError, "a spec or a 1-D array of rates, got bool"),  # not a rate
        (object(), 2, ConfigTypeError, "must be an lrkit schedule, a spec or a 1-D array"),
    ],
)
def test_rates_refuses_what_is_not_per_step_rates(schedule, total, err, msg):
    with pytest.raises(err) as e:
        rates(schedule, total)
    assert msg in str(e.value)


@pytest.mark.parametrize(
    ("kw", "err", "msg"),
    [
        ({"steps": [1, 2], "losses": [1.0]}, ConfigError, "same length, got 2 and 1"),
        ({"steps": [1, 2], "losses": [1.0, math.inf]}, NonFiniteError, "losses must be finite"),
        ({"steps": [1, 2], "losses": [1.0, 0.0]}, ConfigError, "losses must be > 0, got 0"),
        ({"steps": [2, 2], "losses": [1.0, 1.0]}, ConfigError, "strictly increasing"),
        ({"steps": [3, 2], "losses": [1.0, 1.0]}, ConfigError, "strictly increasing"),
        ({"steps": [1.5, 2], "losses": [1.0, 1.0]}, ConfigError, "whole step numbers"),
        ({"steps": [-1, 2], "losses": [1.0, 1.0]}, ConfigError, "must be >= 0, got -1"),
        ({"steps": [], "losses": []}, ConfigError, "non-empty 1-D list of steps"),
        ({"steps": ["a"], "losses": [1.0]}, ConfigTypeError, "must be integers"),
        ({"total_steps": 2}, ConfigError, "total_steps must be > the last step 2, got 2"),
        ({"total_steps": 5.0}, ConfigTypeError, "Run: total_steps must be an int, got 5.0"),
        ({"total_steps": True}, ConfigTypeError, "Run: total_steps must be an int, got True"),
    ],
)
def test_run_checks(kw, err, msg):
    args = {"schedule": 0.1, "steps": [1, 2], "losses": [2.0, 1.5]}
    args.update(kw)
    with pytest.raises(err) as e:
        Run(**args)
    assert msg in str(e.value)


def test_run_binds_an_unbound_schedule_to_its_total_steps():
    r = Run(lrkit.linear(1.0, 0.0), [1, 3], [2.0, 1.0])  # bound to 4 (last step + 1)
    np.testing.assert_allclose(r.eta, [1.0, 0.75, 0.5, 0.25])
    r = Run(lrkit.linear(1.0, 0.0), [1, 3], [2.0, 1.0], total_steps=8)
    np.testing.assert_allclose(r.eta, [1.0, 0.875, 0.75, 0.625])
    r = Run("linear(1.0, 0.0)", [1, 3], [2.0, 1.0], total_steps=4)
    np.testing.assert_allclose(r.eta, [1.0, 0.75, 0.5, 0.25])
    r = Run(lrkit.linear(1.0, 0.0, steps=8), [1, 3], [2.0, 1.0], total_steps=100)
    np.testing.assert_allclose(r.eta, [1.0, 0.875, 0.75, 0.625])  # bound already: kept
    assert repr(r) == "Run('unnamed', 2 points)" and repr(Run(0.1, [1], [1.0], "a")) == (
        "Run('a', 1 points)"
    )
    np.testing.assert_array_equal(r.steps, [1, 3])
    assert r.steps.dtype == np.int64


# ---------------------------------------------------------------------------------------
# Law: parameters, predict's arguments, values
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("law", "change", "err", "msg"),
    [
        ("power", {}, ConfigError, "Law: law must be one of multi_power, momentum, mean"),
        ("momentum", {"lam": 1.0}, ConfigError, "Law momentum: lam must be in [0, 1), got 1.0"),
        ("momentum", {"lam": -0.1}, ConfigError, "lam must be in [0, 1), got -0.1"),
        ("momentum", {"A": -1.0}, ConfigError, "Law momentum: A must be >= 0, got -1.0"),
        ("momentum", {"C": math.inf}, ConfigError, "Law momentum: C must be finite, got inf"),
        ("momentum", {"C": "1"}, ConfigTypeError, "Law momentum: C must be a number, got '1'"),
        ("momentum", {"C": True}, ConfigTypeError, "C must be a number, got True"),
        ("momentum", {"D": 1.0}, ConfigError, "unknown parameter 'D' (parameters: L0, A, alpha"),
        ("multi_power", {"gamma": -0.1}, ConfigError, "gamma must be >= 0, got -0.1"),
    ],
)
def test_law_parameter_checks(law, change, err, msg):
    params = dict(MPL if law == "multi_power" else MOM)
    params.update(change)
    with pytest.raises(err) as e:
        Law(law, params)
    assert msg in str(e.value)


def test_law_parameters_at_their_edges():
    assert Law("momentum", {**MOM, "lam": 0.0}).params["lam"] == 0.0
    assert Law("momentum", {**MOM, "L0": -1.0}).params["L0"] == -1.0  # L0 may be negative
    assert Law("momentum", {**MOM, "A": 0}).params["A"] == 0.0
    p = {k: v for k, v in MOM.items() if k != "alpha"}
    with pytest.raises(ConfigError, match=r"Law momentum: parameter 'alpha' is missing"):
        Law("momentum", p)
    mean = {**MPL, **{f"m_{k}": v for k, v in MOM.items()}}
    with pytest.raises(ConfigError, match=r"m_lam must be in \[0, 1\), got 1.5"):
        Law("mean", {**mean, "m_lam": 1.5})
    assert Law("mean", {**mean, "m_L0": -2.0}).params["m_L0"] == -2.0
    with pytest.raises(ConfigTypeError, match=r"Law: params must be a dict, got list"):
        Law("momentum", [1, 2])  # type: ignore[arg-type]


def test_predict_arguments():
    law = Law("momentum", MOM)
    s = lrkit.linear(1e-2, 0.0)
    full = law.predict(s, total_steps=50)
    assert full.shape == (50,)
    np.testing.assert_allclose(full[[3, 49]], law.predict(s, [3, 49], total_steps=50))
    with pytest.raises(ConfigError, match=r"total_steps must be > the last step 49, got 49"):
        law.predict(s, [49], total_steps=49)
    with pytest.raises(ConfigError, match=r"total_steps must be a positive int, got 0"):
        law.final(s, total_steps=0)
    with pytest.raises(ConfigError, match=r"is not bound to a run; give total_steps"):
        law.final(s)
    with pytest.raises(ConfigError, match=r"has no end; give total_steps"):
        law.final(lrkit.constant(1e-2).bind(total_steps=None))
    with pytest.raises(ConfigError, match=r"a constant rate has no end; give total_steps"):
        law.final(1e-2)
    assert law.final(np.full(30, 1e-2)) == pytest.approx(
        momentum_direct(np.full(30, 1e-2), 29, MOM)
    )
    # a schedule that names its own length: wsd(..., steps=300)
    w = lrkit.wsd(1e-2, steps=300, warmup=0, decay="20%")
    assert law.final(w) == pytest.approx(law.final(w, total_steps=300))
    z = lrkit.sequence(lrkit.constant(0.0, steps=5), lrkit.constant(1e-2))
    with pytest.raises(ConfigError, match=r"steps must come after the first non-zero rate"):
        law.predict(z, [2, 8], total_steps=10)
    assert law.predict(z, [5, 8], total_steps=10).shape == (2,)


def test_law_values_round_trip_and_report():
    law = Law(
        "multi_power", MPL, {"runs": ["a", "b"], "fit_mean_rel": 0.0123, "fit_worst_rel": 0.05}
    )
    back = Law.from_dict(json.loads(json.dumps(law.to_dict())))
    assert back == law and back.info == law.info and hash(back) == hash(law)
    assert Law("multi_power", MPL) == law  # info is not compared
    lines = law.report().splitlines()
    assert lines[0].startswith("multi_power law: L(t) = L0 + A*S(t)^-alpha")
    assert lines[1] == "  L0=2.5, A=0.66, alpha=0.42, B=770, C=0.53, beta=0.27, gamma=0.65"
    assert lines[2] == "  fitted on: a, b"
    assert lines[3] == "  fit error: mean 1.230 %, worst 5.000 %"
    assert Law("momentum", MOM).report().count("\n") == 1
    for bad, err, msg in [
        ([], ConfigTypeError, "Law.from_dict: expected a dict, got list"),
        ({"law": "momentum"}, ConfigError, "Law.from_dict: key 'params' is missing"),
        ({"params": MOM}, ConfigError, "Law.from_dict: key 'law' is missing"),
        ({"law": "momentum", "params": [1]}, ConfigTypeError, "params must be a dict, got list"),
        ({"law": "momentum", "params": MOM, "info": [1]}, ConfigTypeError, "info must be a dict"),
    ]:
        with pytest.raises(err) as e:
            Law.from_dict(bad)
        assert msg in str(e.value)
    assert Law.from_dict({"law": "momentum", "params": MOM, "info": None}).info == {}


@pytest.mark.parametrize(
    ("args", "kw", "err", "msg"),
    [
        ((9, 1e-3), {}, ConfigError, "optimize: total_steps must be an int >= 10, got 9"),
        ((100.0, 1e-3), {}, ConfigError, "total_steps must be an int >= 10, got 100.0"),
        ((100, "x"), {}, ConfigTypeError, "optimize: peak must be a number, got 'x'"),
        ((100, True), {}, ConfigTypeError, "optimize: peak must be a number, got True"),
        ((100, 0.0), {}, ConfigError, "optimize: peak must be a finite number > 0, got 0.0"),
        ((100, math.inf), {}, ConfigError, "peak must be a finite number > 0, got inf"),
        ((100, 1e-3), {"warmup": 50}, ConfigError, "warmup must be an int in [0, total_steps/2)"),
        ((100, 1e-3), {"warmup": -1}, ConfigError, "warmup must be an int in [0, total_steps/2)"),
        ((100, 1e-3), {"family": "cos"}, ConfigError, "family must be one of wsd, interpolate"),
        (
            (100, 1e-3),
            {"knots": 1},
            ConfigError,
            "knots must be an int in [2, 64], got 1",
        ),
        ((100, 1e-3), {"knots": 65}, ConfigError, "knots must be an int in [2, 64], got 65"),
    ],
)
def test_optimize_checks_its_arguments(args, kw, err, msg):
    with pytest.raises(err) as e:
        optimize(Law("momentum", MOM), *args, **kw)
    assert msg in str(e.value)


# ---------------------------------------------------------------------------------------
# seed-5 survivors (benchmarks/results/mutation_seed5.md), one test each
# ---------------------------------------------------------------------------------------
def test_the_law_plot_is_8_by_5_inches_with_its_y_range_padded_by_5_percent():
    """``plotting.py:104`` and ``:114``: the y range spans every curve's lowest point to
    its highest after its first 5 % (the warm-up's huge losses are left above),
    padded by 5 % of that span on each side."""
    law = Law("momentum", {**MOM, "C": 2.0})
    s = _schedules(400)["wsd"]
    eta = np.asarray(s(np.arange(400)), dtype=np.float64)
    steps = np.arange(10, 400, 10)
    run = Run(eta, steps, law.predict(eta, steps) * 1.01, name="obs")
    fig = law.plot(runs=[run], schedules=[lrkit.cosine(3e-3, 0.0, steps=400)])
    assert fig.get_size_inches().tolist() == [8.0, 5.0]
    (ax,) = fig.axes
    ys = [np.asarray(ln.get_ydata(), dtype=np.float64) for ln in ax.get_lines()]
    assert len(ys) == 3  # observed, predicted for it, predicted for the cosine
    tops = [float(np.max(y[len(y) // 20 :])) for y in ys]
    lows = [float(np.min(y)) for y in ys]
    pad = 0.05 * (max(tops) - min(lows))
    assert min(tops) < max(tops)  # the curves' tops differ: max, not min, sets the range
    assert ax.get_ylim() == pytest.approx((min(lows) - pad, max(tops) + pad), rel=1e-12)
