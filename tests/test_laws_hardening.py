"""Adversarial use of the loss-curve laws (hardening pass)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError, NonFiniteError
from lrkit.laws import Law, Run, fit

MOM = {"L0": 2.0, "A": 1.0, "alpha": 0.5, "C": 100.0, "lam": 0.999}
STEPS = np.arange(20, 300, 20)


def _run() -> Run:
    eta = np.full(300, 0.01)
    return Run(eta, STEPS, 2.0 + 3.0 * np.cumsum(eta)[STEPS] ** -0.5, name="constant")


@pytest.mark.parametrize(
    ("kw", "error", "words"),
    [
        ({"law": ["momentum"]}, ConfigError, r"fit: law must be one of .*, got \['momentum'\]"),
        ({"max_nfev": 0}, ConfigError, "fit: max_nfev must be >= 1, got 0"),
        ({"max_nfev": "x"}, ConfigTypeError, "fit: max_nfev must be an integer, got 'x'"),
        ({"lam": False}, ConfigError, r"fit: lam must be in \[0, 1\), got False"),
        ({"lam": 1.0}, ConfigError, r"fit: lam must be in \[0, 1\), got 1.0"),
        ({"delta": math.inf}, ConfigError, "fit: delta must be a finite number > 0, got inf"),
        ({"delta": 0}, ConfigError, "fit: delta must be > 0, got 0"),
        ({"skip_warmup": "no"}, ConfigTypeError, "fit: skip_warmup must be True or False"),
    ],
)
def test_fit_refuses_bad_settings_naming_them(kw, error, words):
    """A list law raised TypeError (unhashable), max_nfev=0 scipy's own error, delta=inf
    ran a fit of NaN objectives and returned its start, skip_warmup='no' counted as True."""
    with pytest.raises(error, match=words):
        fit([_run()], **{"law": "momentum", **kw})


def test_law_refuses_a_law_name_that_is_not_a_string():
    with pytest.raises(ConfigError, match=r"Law: law must be one of .*, got \['x'\]"):
        Law.from_dict({"law": ["x"], "params": {}})


@pytest.mark.parametrize("total", [True, "100", 2.5, 0])
def test_predict_refuses_a_total_steps_that_is_not_a_positive_int(total):
    """With steps given, total_steps='100' raised TypeError ('<' between str and int) and
    True / 2.5 were compared with the last step."""
    law = Law("momentum", MOM)
    with pytest.raises(ConfigError, match=f"total_steps must be a positive int, got {total!r}"):
        law.predict("cosine(0.01)", [10], total_steps=total)
    assert law.predict("cosine(0.01)", [10], total_steps=100)[0] == pytest.approx(
        law.predict("cosine(0.01, steps=100)", [10])[0], rel=1e-12
    )


def test_predict_refuses_a_prediction_that_overflows():
    """alpha=1e308 (a corrupted saved law) predicted inf, silently."""
    law = Law("momentum", {**MOM, "alpha": 1e308})
    with pytest.raises(NonFiniteError, match=r"prediction at step 0 is inf"):
        law.predict("constant(0.01)", [0, 100], total_steps=200)
    # S(100) = 1.01 > 1: the power term underflows to 0 and a constant rate has no
    # drops, so the prediction there is L0
    assert law.predict("constant(0.01)", [100], total_steps=200)[0] == 2.0


def test_errors_refuses_no_runs():
    with pytest.raises(ConfigTypeError, match="Law.errors: runs must be a Run or a non-empty"):
        Law("momentum", MOM).errors([])
    exact = Law("momentum", {**MOM, "A": 3.0})  # the run's own curve (no drops: C is idle)
    assert exact.errors(_run())["mean_rel"] < 1e-12


@pytest.mark.parametrize("losses", [[True, False], ["1.5", "1.4"]])
def test_run_refuses_losses_that_are_not_numbers(losses):
    """[True, False] was read as 1.0, 0.0 and strings as their numbers."""
    with pytest.raises(ConfigTypeError, match="Run: losses must be numbers, got "):
        Run("constant(0.1)", [10, 20], losses)


def test_a_float_step_beyond_int64_is_refused_as_itself():
    """1e30 was cast to int64 (-2**63, with a RuntimeWarning) and refused as negative."""
    with pytest.raises(ConfigError, match=r"^Run: steps must be < 2\*\*63, got 1e\+30$"):
        Run("constant(0.1)", [1e30], [2.0])
    with pytest.raises(
        ConfigError, match=r"^Run: steps must be < 2\*\*63, got 18446744073709551615$"
    ):
        Run("constant(0.1)", np.array([2**64 - 1], dtype=np.uint64), [2.0])


def _csv(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _constant_csv(tmp_path) -> str:
    eta = np.full(300, 0.01)
    rows = [f"{s},{2.0 + 3.0 * float(np.cumsum(eta)[s]) ** -0.5}" for s in STEPS]
    return _csv(tmp_path, "con.csv", "step,loss\n" + "\n".join(rows) + "\n")


@pytest.mark.parametrize(
    ("make", "extra", "msg"),
    [
        # a short row: numpy's "inhomogeneous shape" text came out as "not a number"
        (
            lambda p: _csv(p, "ragged.csv", "step,loss\n1,2\n3\n"),
            ["constant(0.01)"],
            "ragged.csv: line 3 has 1 columns, expected 2 (step,loss), got ['3']",
        ),
        (
            lambda p: _csv(p, "word.csv", "step,loss\n1,2\n2,x\n"),
            ["constant(0.01)"],
            "word.csv: not a number in the data, line 3 (could not convert string to float: 'x')",
        ),
        # 1e30 was cast to int64 and refused as the negative step -9223372036854775808
        (
            lambda p: _csv(p, "big.csv", "step,loss\n1e30,2\n"),
            ["constant(0.01)"],
            "Run: steps must be < 2**63, got 1e+30",
        ),
        # the option is --out (the message said "out must end in ...")
        (_constant_csv, ["constant(0.01)", "--out", "x.txt"], "error: --out must end in .png"),
        # refused only after the fit, without naming the candidate
        (
            _constant_csv,
            ["constant(0.01)", "--candidate", "constant(0.0)", "--total", "300"],
            "error: --candidate constant(0.0): rates must not all be 0",
        ),
    ],
)
def test_predict_refuses_bad_input_in_one_line_before_fitting(tmp_path, capsys, make, extra, msg):
    from lrkit.cli import main

    rc = main(["predict", "--law", "momentum", "--run", make(tmp_path), *extra])
    err = capsys.readouterr()
    assert rc == 2
    assert msg in err.err and err.err.count("\n") == 1, err.err
    assert "law:" not in err.out  # nothing was fitted


MPL = {"L0": 2.0, "A": 1.0, "alpha": 0.5, "B": 300.0, "C": 2.0, "beta": 0.5, "gamma": 0.5}


def test_optimize_refuses_more_knots_than_steps_before_searching():
    """total_steps=10 with the default 16 knots ran the WSD search, then failed inside
    interpolate ('points steps must be strictly increasing, got [0, 1, 1, 2, ...]')."""
    law = Law("multi_power", MPL)
    with pytest.raises(
        ConfigError,
        match=r"^optimize: knots must be at most total_steps - warmup = 6 \(one knot per "
        r"step after the warmup\), got 16$",
    ):
        law.optimize(10, 0.01, warmup=4, family="interpolate")
    s = law.optimize(16, 0.01, family="interpolate")  # one knot per step: allowed
    assert [x for x, _ in s.points] == list(range(17))
    assert law.optimize(10, 0.01, warmup=4).steps == 10  # wsd has no knots


def test_optimize_takes_numpy_integers():
    """np.int64(200) was refused as 'total_steps must be an int >= 10, got np.int64(200)'."""
    law = Law("multi_power", MPL)
    got = law.optimize(np.int64(200), 0.01, warmup=np.int64(10))
    assert got == law.optimize(200, 0.01, warmup=10)


def test_to_dict_writes_an_array_in_info_as_a_list():
    """An array of several values in info raised 'can only convert an array of size 1'."""
    import json

    law = Law("momentum", MOM, {"steps": np.arange(3), "one": np.float64(0.5)})
    d = json.loads(json.dumps(law.to_dict()))
    assert d["info"] == {"steps": [0, 1, 2], "one": 0.5}
    assert Law.from_dict(d) == law


def test_numpy_integers_are_taken_as_total_steps():
    """np.int64(100) was refused as 'total_steps must be an int, got np.int64(100)'."""
    law = Law("momentum", MOM)
    run = Run("cosine(0.01)", [10, 20], [2.0, 1.9], total_steps=np.int64(100))
    assert run.total_steps == 100 and type(run.total_steps) is int
    assert (
        run.eta.tolist() == Run("cosine(0.01)", [10, 20], [2.0, 1.9], total_steps=100).eta.tolist()
    )
    want = law.predict("cosine(0.01)", [10, 99], total_steps=100)
    assert (
        law.predict("cosine(0.01)", [10, 99], total_steps=np.int64(100)).tolist() == want.tolist()
    )
    assert law.final("cosine(0.01)", total_steps=np.int32(100)) == want[1]


@pytest.mark.parametrize(
    ("schedule", "got"), [(None, "NoneType"), (["0.01"] * 11, "list"), ([True] * 11, "list")]
)
def test_run_refuses_a_schedule_that_is_not_rates(schedule, got):
    """None was refused as 'a 1-D array of rates, got shape ()' and strings were read as
    their numbers."""
    with pytest.raises(
        ConfigTypeError,
        match="^Run: schedule must be an lrkit schedule, a spec or a 1-D array of rates, "
        f"got {got}$",
    ):
        Run(schedule, [10], [2.0])


def test_predict_names_the_run_file_whose_data_a_run_refuses(tmp_path, capsys):
    """Run's errors ('Run: steps must be strictly increasing') did not say which of the
    --run files they were about."""
    from lrkit.cli import main

    good = _constant_csv(tmp_path)
    bad = _csv(tmp_path, "back.csv", "step,loss\n10,2.0\n5,1.9\n")
    rc = main(
        [
            "predict",
            "--law",
            "momentum",
            "--run",
            good,
            "constant(0.01)",
            "--run",
            bad,
            "constant(0.01)",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert f"error: --run {bad}: Run: steps must be strictly increasing" in err
    rc = main(["predict", "--run", good, "nonsense("])
    assert f"error: --run {good}: spec error at column 9" in capsys.readouterr().err


# ---------------------------------------------------------------- second pass


def test_fit_takes_runs_as_any_iterable_once():
    """A generator of runs was read by the fit, then again for the horizon, found empty
    and refused ('runs must hold at least one Run') after the whole fit."""
    runs = [_run()]
    want = fit(runs, "momentum")
    got = fit((r for r in runs), "momentum")
    assert got == want and got.info == want.info
    mean = fit(iter(runs), "mean")  # two fits of the same runs
    assert mean == fit(runs, "mean")


@pytest.mark.parametrize("delta", [1e-300, 1e-11, 1e9, 1e160])
def test_fit_refuses_a_delta_out_of_the_solvers_range(delta):
    """delta=1e-300 raised scipy's 'array must not contain infs or NaNs', 1e160 an
    OverflowError, and 1e-11 returned the solver's starting point as the fit."""
    with pytest.raises(
        ConfigError,
        match=rf"^fit: delta must be in \[1e-08, 1e\+08\], got {re.escape(repr(delta))}$",
    ):
        fit([_run()], "momentum", delta=delta)
    for ok in (1e-8, 1e8):
        assert fit([_run()], "momentum", delta=ok).info["delta"] == ok


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_a_non_finite_step_is_refused_as_itself(bad):
    """inf was refused as 'steps must be whole step numbers, got []'."""
    with pytest.raises(ConfigError, match=rf"^Run: steps must be whole step numbers, got {bad}$"):
        Run("constant(0.1)", [1.0, bad], [2.0, 1.5])
    with pytest.raises(ConfigError, match=r"^Run: steps must be whole step numbers, got 1.5$"):
        Run("constant(0.1)", [1.0, 1.5], [2.0, 1.5])


def test_run_refuses_complex_losses():
    """2+1j was read as 2.0 (numpy's ComplexWarning, the imaginary part dropped)."""
    with pytest.raises(ConfigTypeError, match=r"^Run: losses must be numbers, got \[\(2\+1j\)"):
        Run("constant(0.1)", [1, 2], [2.0 + 1j, 1.5])


def test_optimize_refuses_a_run_longer_than_the_laws_take_naming_total_steps():
    """10**12 steps was refused by the first prediction, as 'predict: schedule: the run
    spans ...' (neither optimize nor total_steps named)."""
    from lrkit.laws import MAX_RUN_STEPS

    law = Law("multi_power", MPL)
    with pytest.raises(
        ConfigError,
        match=rf"^optimize: total_steps must be at most {MAX_RUN_STEPS:,} \(the laws hold one "
        r"rate per step\), got 1000000000000$",
    ):
        law.optimize(10**12, 0.01)


def test_plot_refuses_runs_that_are_not_runs_and_takes_one_schedule(tmp_path):
    """runs=['a'] raised AttributeError ('str' object has no attribute 'name'); one spec
    as schedules was read letter by letter ('unknown name 'c'')."""
    law = Law("momentum", MOM)
    with pytest.raises(ConfigTypeError, match=r"^plot: runs\[0\] must be a Run, got str$"):
        law.plot(str(tmp_path / "a.png"), runs=["a"])
    fig = law.plot(schedules="cosine(0.01)", labels="cos", total_steps=300)
    (line,) = fig.axes[0].get_lines()
    assert line.get_label() == "cos (predicted)"
    want = law.predict("cosine(0.01)", np.arange(300), total_steps=300)
    assert np.array_equal(line.get_ydata(), want)
    one = law.plot(schedules=lrkit.parse("cosine(0.01)"), total_steps=300)
    assert np.array_equal(one.axes[0].get_lines()[0].get_ydata(), want)


def test_run_refuses_a_total_steps_beyond_its_array_of_rates():
    """Run(rates of 10 steps, total_steps=100) was taken: the run's length said 100 steps
    whose rates were never given (lrkit predict then failed on its final)."""
    with pytest.raises(
        ConfigError,
        match=r"^Run: total_steps must be at most the 10 rates of the schedule's array \(the "
        r"run's rates from step 0\), got 100$",
    ):
        Run(np.full(10, 0.1), [1, 2], [2.0, 1.5], total_steps=100)
    assert Run(np.full(10, 0.1), [1, 2], [2.0, 1.5], total_steps=10).total_steps == 10


def test_a_law_s_params_cannot_be_changed_behind_its_back():
    """law.params['A'] = nan was taken: the 'immutable' law then predicted NaN and its
    hash changed (a law in a set or as a dict key was lost)."""
    import json
    import pickle

    law = Law("momentum", MOM)
    h = hash(law)
    with pytest.raises(TypeError):
        law.params["A"] = math.nan  # type: ignore[index]
    with pytest.raises((TypeError, AttributeError)):
        law.params.update(A=5.0)  # type: ignore[attr-defined]
    assert law.params == MOM and hash(law) == h
    assert pickle.loads(pickle.dumps(law)) == law
    assert Law.from_dict(json.loads(json.dumps(law.to_dict()))) == law
    d = law.to_dict()["params"]
    d["A"] = 5.0  # to_dict's copy is the caller's
    assert law.params["A"] == 1.0


@pytest.mark.parametrize("losses", [[[2.0, 1.5]], [[2.0], [1.5]], [[2.0, 1.5], [1.4, 1.3]]])
def test_run_refuses_losses_that_are_not_a_list(losses):
    """Losses of shape (1, 2), (2, 1) or (2, 2) were flattened (a table's rows read as one
    curve) while steps of such shapes were refused."""
    steps = [1, 2, 3, 4][: np.asarray(losses).size]
    with pytest.raises(
        ConfigError,
        match=rf"^Run: losses must be a 1-D list of losses, got shape \({np.shape(losses)[0]}, ",
    ):
        Run("constant(0.1)", steps, losses)
    assert Run("constant(0.1)", 3, 2.0).losses.tolist() == [2.0]  # one point: a scalar


@pytest.mark.parametrize(
    ("info", "words"),
    [
        ({"horizon": "x"}, r"info\['horizon'\] must be an int >= 1, got 'x'"),
        ({"horizon": 0}, r"info\['horizon'\] must be an int >= 1, got 0"),
        ({"runs": "abc"}, r"info\['runs'\] must be a list of run names, got 'abc'"),
        ({"fit_mean_rel": 0.1}, r"info\['fit_worst_rel'\] is missing \(with fit_mean_rel\)"),
        (
            {"fit_mean_rel": "x", "fit_worst_rel": 0.2},
            r"info\['fit_mean_rel'\] must be a number >= 0, got 'x'",
        ),
        (
            {"fit_mean_rel": 0.1, "fit_worst_rel": math.nan},
            r"info\['fit_worst_rel'\] must be a number >= 0, got nan",
        ),
    ],
)
def test_from_dict_refuses_an_info_that_report_cannot_print(info, words):
    """A saved law whose info was corrupted loaded, then report() raised TypeError,
    KeyError or ValueError ('Unknown format code'), or printed 'fitted on: a, b, c'."""
    with pytest.raises(ConfigError, match=rf"^Law.from_dict: {words}$"):
        Law.from_dict({"law": "momentum", "params": MOM, "info": info})
    good = fit([_run()], "momentum")
    back = Law.from_dict(json.loads(json.dumps(good.to_dict())))
    assert back.info == good.info and back.report() == good.report()


def test_run_refuses_a_name_that_is_not_a_string():
    """name=5 was taken; the fitted law's info then held 5 among the run names."""
    with pytest.raises(ConfigTypeError, match=r"^Run: name must be a string, got 5$"):
        Run("constant(0.1)", [1, 2], [2.0, 1.5], name=5)


def test_plot_draws_a_long_schedule_to_its_last_step():
    """A schedule over more than 2000 steps is drawn every n-th step from its peak; the
    last drawn step was the last multiple (71964 of a 72000-step run), so the curve
    stopped short of the final loss that law.final gives."""
    law = Law("momentum", MOM)
    wsd = "wsd(0.01, steps=72000, warmup=2160, decay='20%')"
    fig = law.plot(schedules=[wsd])
    (line,) = fig.axes[0].get_lines()
    x, y = line.get_xdata(), line.get_ydata()
    assert x[-1] == 71999 and y[-1] == law.final(wsd)
    assert x[0] == 2160 and np.all(np.diff(x) > 0)


def test_errors_r2_on_equal_losses_is_finite_as_sklearn_s():
    """One point, or losses all equal: R² was -inf (or NaN) with numpy's 'divide by zero'
    warning; the planner then threw the fit away ('non-finite errors'). sklearn's
    r2_score gives 1 for an exact prediction and 0 otherwise there (for two points or
    more; one point, NaN to it, is taken the same way)."""
    import warnings

    from sklearn.metrics import r2_score

    law = Law("momentum", MOM)
    at = law.predict("constant(0.01)", [10, 20])
    cases = [([10, 20], [2.5, 2.5]), ([10, 20], [at[0], at[0]])]
    for steps, losses in cases:
        run = Run("constant(0.01)", steps, losses)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = law.errors(run)["r2"]
        assert got == r2_score(losses, law.predict("constant(0.01)", steps)) == 0.0
    cst = Law("momentum", {**MOM, "A": 0.0})  # predicts L0 = 2 everywhere
    assert cst.errors(Run("constant(0.01)", [10, 20], [2.0, 2.0]))["r2"] == 1.0
    assert r2_score([2.0, 2.0], cst.predict("constant(0.01)", [10, 20])) == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert law.errors(Run("constant(0.01)", [10], [2.5]))["r2"] == 0.0
        assert law.errors(Run("constant(0.01)", [10], [at[0]]))["r2"] == 1.0
    run = _run()  # spread losses: the usual formula
    pred = law.predict(run.eta, run.steps)
    assert law.errors(run)["r2"] == pytest.approx(r2_score(run.losses, pred), rel=1e-12)


@pytest.mark.parametrize(
    ("steps", "losses", "words"),
    [
        ([True, 2], [2.0, 1.5], r"^Run: steps must be integers, got True in \[True, 2\]$"),
        ((1, False), [2.0, 1.5], r"^Run: steps must be integers, got False in \(1, False\)$"),
        ([1, 2], [True, 1.5], r"^Run: losses must be numbers, got True in \[True, 1.5\]$"),
    ],
)
def test_run_refuses_a_bool_among_numbers(steps, losses, words):
    """[True, 2] became the steps [1, 2] and [True, 1.5] the losses [1.0, 1.5] (numpy
    reads a list mixing bools and numbers as numbers); a list of bools only was refused."""
    with pytest.raises(ConfigTypeError, match=words):
        Run("constant(0.1)", steps, losses)
    with pytest.raises(ConfigTypeError, match=r"^predict: steps must be integers, got True in "):
        Law("momentum", MOM).predict("constant(0.1)", [True, 2], total_steps=10)


def test_run_refuses_a_total_steps_beyond_what_the_laws_take():
    """total_steps=10**12 was taken; predicting the run's end then failed as 'predict:
    schedule: the run spans 1,000,000,000,000 steps' (total_steps not named)."""
    from lrkit.laws import MAX_RUN_STEPS

    with pytest.raises(
        ConfigError,
        match=rf"^Run: total_steps must be at most {MAX_RUN_STEPS:,} \(the laws hold one rate "
        r"per step\), got 1000000000000$",
    ):
        Run("cosine(0.1)", [1, 2], [2.0, 1.5], total_steps=10**12)
    assert Run("cosine(0.1)", [1, 2], [2.0, 1.5], total_steps=MAX_RUN_STEPS).total_steps == (
        MAX_RUN_STEPS
    )


def test_a_fit_on_runs_without_a_decay_says_its_drop_terms_are_not_fitted(tmp_path, capsys):
    """Runs at a constant rate after warmup leave the drop terms (the MPL's B, C, beta,
    gamma; the momentum law's C) at the solver's starting values: the fit 'succeeded',
    and the law then ranked decays by those arbitrary values without a word."""
    from lrkit.cli import main

    note = (
        "  no fitted run decays (no drop in rate after its peak up to a fitted point): "
        "the drop terms are the solver's starting values, not fitted"
    )
    for name in ("momentum", "multi_power", "mean"):
        law = fit([_run()], name)
        assert law.info["no_decay"] is True and note in law.report().splitlines()
        back = Law.from_dict(json.loads(json.dumps(law.to_dict())))
        assert back.report() == law.report()
    assert fit([_run()], "momentum_q").info["no_decay"] is True
    eta = np.r_[np.full(150, 0.01), np.linspace(0.01, 0.001, 150)]
    decays = Run(eta, STEPS, 2.0 + 3.0 * np.cumsum(eta)[STEPS] ** -0.5)
    for name in ("momentum", "multi_power_pqs"):
        law = fit([_run(), decays], name)
        assert "no_decay" not in law.info and note not in law.report()
    rc = main(["predict", "--law", "momentum", "--run", _constant_csv(tmp_path), "constant(0.01)"])
    assert rc == 0 and note in capsys.readouterr().out.splitlines()


def _scaled_runs(peak: float) -> list[Run]:
    """Two runs (constant, cosine to 0 after a 20-step warmup) at rates ``peak`` times
    the unit schedules, their losses the same curves at any scale (a momentum law whose
    A and C are scaled with the rates)."""
    k = peak / 0.01
    law = Law("momentum", {**MOM, "A": MOM["A"] * k**0.5, "C": 0.2 / k})
    T, st = 300, np.arange(25, 300, 5)
    runs = []
    for spec in (f"warmup(constant({peak}), steps=20)", f"warmup(cosine({peak}, 0.0), steps=20)"):
        eta = np.asarray(lrkit.parse(spec).bind(total_steps=T)(np.arange(T)), float)
        runs.append(Run(eta, st, law.predict(eta, st)))
    return runs


@pytest.mark.parametrize("peak", [1.0, 100.0])
@pytest.mark.parametrize("name", ["momentum", "multi_power", "multi_power_warmup"])
def test_a_fit_does_not_depend_on_the_rates_units(peak, name):
    """Rates given as multipliers (peak 1.0) or 100: every starting point of the solver
    predicted negative losses (its drop term, made for rates of ~1e-3, was hundreds of
    times the loss), the residuals were clipped flat there, and the fit ended 10,000 %
    off (momentum at peak 1: mean error 180 = 18,000 %) without a word; at peak 0.01
    the same curves fit to 1e-6."""
    small = fit(_scaled_runs(0.01), name)
    got = fit(_scaled_runs(peak), name)
    assert small.info["fit_mean_rel"] < (1e-9 if name == "momentum" else 2.5e-3)
    assert got.info["fit_mean_rel"] == pytest.approx(small.info["fit_mean_rel"], abs=1e-6)


@pytest.mark.parametrize(
    ("kw", "error", "words"),
    [
        ({"total": "3"}, ConfigTypeError, r"rates: total must be an integer, got '3' \(str\)"),
        ({"total": None}, ConfigTypeError, r"rates: total must be an integer, got None"),
        ({"total": 2.5}, ConfigError, r"rates: total must be an integer, got 2.5"),
        ({"total": 0}, ConfigError, r"rates: total must be >= 1, got 0"),
        ({"total": 3, "total_steps": "9"}, ConfigTypeError, r"rates: total_steps must be an "),
    ],
)
def test_rates_refuses_a_total_that_is_not_a_positive_int(kw, error, words):
    """lrkit.laws.rates (public) raised TypeError ('>' not supported between 'str' and
    'int') for '3' or None, and refused 0 as 'bind: total_steps must be >= 1'; with an
    array of rates, 2.5 raised numpy's 'slice indices must be integers'."""
    from lrkit.laws import rates

    for schedule in ("cosine(0.1)", np.full(5, 0.1)):
        with pytest.raises(error, match=f"^{words}"):
            rates(schedule, **kw)
    assert rates("cosine(0.1)", np.int64(3)).tolist() == rates("cosine(0.1)", 3).tolist()
    assert rates(np.full(5, 0.1), 3.0).tolist() == [0.1] * 3  # an integral float


WSD_OWN = "wsd(3e-4, steps=2000, warmup=200, decay='20%')"  # unbound, but its length given


def test_a_spec_that_names_its_length_is_bound_to_it_whatever_the_steps():
    """wsd(..., steps=2000, decay='20%') is unbound (its decay is a share of the run) but
    names the run's length. predict(spec) used it, predict(spec, [1699]) bound the spec to
    1700 steps instead (its decay the last 340 steps, not 400): 3.376 at step 1699 where
    predict(spec)[1699] said 3.090. Run did the same: a spec 'with its length written in',
    as docs/laws.md puts it, was bound to the last logged step + 1."""
    law = Law("momentum", MOM)
    whole = lrkit.parse(WSD_OWN).bind(total_steps=2000)
    want = law.predict(whole, [1699])[0]
    assert law.predict(WSD_OWN)[1699] == want
    assert law.predict(WSD_OWN, [1699])[0] == want
    assert law.predict(WSD_OWN, [1699], total_steps=2000)[0] == want
    run = Run(WSD_OWN, [1600, 1699], [2.0, 1.9])
    assert run.eta.tolist() == np.asarray(whole(np.arange(1700)), float).tolist()
    assert run.total_steps is None  # not given: the run's end is its last logged point
    # total_steps still binds it to another length, as documented
    other = lrkit.parse(WSD_OWN).bind(total_steps=1700)
    assert law.predict(WSD_OWN, [1699], total_steps=1700)[0] == law.predict(other, [1699])[0]
    assert Run(WSD_OWN, [1699], [1.9], total_steps=1700).eta[-1] == other(1699)


def test_a_warmup_s_length_is_not_taken_for_the_run_s():
    """predict('warmup(cosine(3e-4), steps=200)') predicted a run of 200 steps (the
    warmup's 'steps' read as the run's length) and final() returned the loss at step 199,
    the end of the warmup, where the run's length is not known: it must be given."""
    law = Law("momentum", MOM)
    spec = "warmup(cosine(3e-4), steps=200)"
    for call in (lambda: law.predict(spec), lambda: law.final(spec)):
        with pytest.raises(
            ConfigError,
            match=r"^the schedule warmup\(.*\) is not bound to a run; give total_steps$",
        ):
            call()
    want = law.predict(lrkit.parse(spec).bind(total_steps=1000), [999])[0]
    assert law.final(spec, total_steps=1000) == want
