"""`lrkit predict` end to end: CSV runs in, ranked predictions and a figure out;
bad input exits 2 with one line on stderr."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.cli import main
from lrkit.laws import Law

MPL = dict(L0=2.0, A=0.5, alpha=0.5, B=300.0, C=2.0, beta=0.5, gamma=0.5)
SPECS = {
    "const": "warmup(constant(3e-4), steps=200)",
    "cos": "warmup(cosine(3e-4, 3e-5), steps=200)",
    "step": "warmup(multistep(3e-4, 0.3, milestones=[1200]), steps=200)",
}
T = 2000


@pytest.fixture(scope="module")
def csvs(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs")
    law = Law("multi_power", MPL)
    out = {}
    for name, spec in SPECS.items():
        s = lrkit.parse(spec).bind(total_steps=T)
        st = np.arange(210, T, 10)
        y = law.predict(s, st)
        p = d / f"{name}.csv"
        p.write_text("step,loss\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(st, y)))
        out[name] = p
    s = lrkit.parse(SPECS["const"]).bind(total_steps=T)
    st = np.arange(0, T)
    y = law.predict(s, st)  # the default warmup never starts at 0, so step 0 is defined
    p = d / "const_lr.csv"
    p.write_text(
        "step,lr,loss\n" + "".join(f"{a},{s(int(a))!r},{float(b)!r}\n" for a, b in zip(st, y))
    )
    out["const_lr"] = p
    return out


def _args(csvs):
    a = []
    for n in ("const", "cos", "step"):
        a += ["--run", str(csvs[n]), SPECS[n]]
    return a


def test_predict_default_law_is_fit_s_default_the_mean_of_both(csvs, capsys):
    from lrkit.commands.predict import read_run
    from lrkit.laws import DEFAULT_LAW, fit

    assert DEFAULT_LAW == "mean_pqs"
    wsd = f"wsd(3e-4, steps={T}, warmup=200, decay='20%')"
    # the note does not depend on the law (the momentum law: the fastest fit)
    assert main(["predict", *_args(csvs), "--candidate", wsd, "--law", "momentum"]) == 0
    err = capsys.readouterr().err
    assert (
        f"note: {wsd} lasts 2000 steps but is predicted for a run of 1991 (the recorded runs' "
        "length): give --total 2000 to predict its end"
    ) in err
    assert main(["predict", *_args(csvs), "--candidate", wsd, "--total", str(T)]) == 0
    text, err = capsys.readouterr()
    assert "note:" not in err
    assert text.startswith("mean_pqs law: L(t) = (multi_power_pqs(t) + momentum_pqs(t)) / 2")
    runs = [read_run(str(csvs[n]), SPECS[n]) for n in ("const", "cos", "step")]
    law = fit(runs)
    mpl, mom = law.parts()
    s = lrkit.parse(wsd).bind(total_steps=T)
    assert law.final(s) == pytest.approx((mpl.final(s) + mom.final(s)) / 2, rel=1e-12)
    got = [ln.split(None, 2) for ln in text.splitlines() if ln.strip().endswith(wsd)]
    assert float(got[0][1]) == pytest.approx(law.final(s), abs=6e-6)


def test_predict_law_momentum_pqs_ranks_by_that_law(csvs, capsys):
    """``--law momentum_pqs`` (a sixth-pass law): the report is that law's, fitted as
    ``fit(runs, "momentum_pqs")``, and each candidate's printed prediction is its
    ``final``."""
    from lrkit.commands.predict import read_run
    from lrkit.laws import fit

    wsd = f"wsd(3e-4, steps={T}, warmup=200, decay='20%')"
    argv = ["predict", *_args(csvs), "--candidate", wsd]
    assert main([*argv, "--total", str(T), "--law", "momentum_pqs"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("momentum_pqs law: L(t) = L0 + A*S(t)^-alpha - C*S2(t)")
    runs = [read_run(str(csvs[n]), SPECS[n]) for n in ("const", "cos", "step")]
    law = fit(runs, "momentum_pqs")
    assert text.splitlines()[1] == "  " + ", ".join(f"{k}={v:.6g}" for k, v in law.params.items())
    s = lrkit.parse(wsd).bind(total_steps=T)
    got = [ln.split(None, 2) for ln in text.splitlines() if ln.strip().endswith(wsd)]
    assert float(got[0][1]) == pytest.approx(law.final(s), abs=6e-6)


def test_predict_ranks_candidates_and_writes_a_figure(csvs, tmp_path, capsys):
    out = tmp_path / "curves.png"
    wsd = f"wsd(3e-4, steps={T}, warmup=200, decay='20%')"
    cos_long = "warmup(cosine(3e-4, 0.0), steps=200)"
    rc = main(
        ["predict", *_args(csvs), "--candidate", wsd, "--candidate", cos_long]
        + ["--total", str(T), "--out", str(out), "--law", "multi_power"]
    )
    text = capsys.readouterr().out
    assert rc == 0
    assert "multi_power law" in text and "fitted on: const, cos, step" in text
    rows = [ln.split(None, 2) for ln in text.splitlines() if ln.strip()[:1].isdigit()]
    ranked = [(int(r[0]), float(r[1]), r[2]) for r in rows]
    assert [r[0] for r in ranked] == list(range(1, 6))
    vals = [r[1] for r in ranked]
    assert vals == sorted(vals)
    # the printed values are those of the law fitted in Python on the same runs, and
    # close to the generating law's
    from lrkit.commands.predict import read_run
    from lrkit.laws import fit

    runs = [read_run(str(csvs[n]), SPECS[n]) for n in ("const", "cos", "step")]
    want = fit(runs, "multi_power").final(lrkit.parse(wsd).bind(total_steps=T))
    got = dict((r[2], r[1]) for r in ranked)[wsd]
    assert got == pytest.approx(want, abs=6e-6)
    true = Law("multi_power", MPL).final(lrkit.parse(wsd).bind(total_steps=T))
    assert got == pytest.approx(true, rel=1e-3)
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_predict_reads_an_lr_column(csvs, capsys):
    rc = main(
        ["predict", "--run", str(csvs["const_lr"]), "--run", str(csvs["cos"]), SPECS["cos"]]
        + ["--run", str(csvs["step"]), SPECS["step"], "--law", "momentum"]
    )
    assert rc == 0
    assert "momentum law" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, msg",
    [
        (["--out", "{file}/x.png"], "cannot write"),
        (["--out", "x.txt"], "out must end in .png"),
        (["--candidate", "cosine(1e-3"], "cosine(1e-3"),
        (["--law", "mpl"], "invalid choice"),
        (["--total", "3"], "--total must be an int in [10, 100,000,000], got 3"),
    ],
)
def test_predict_bad_input_exits_2_with_one_line(csvs, capsys, extra, msg):
    extra = [e.replace("{file}", str(csvs["cos"])) for e in extra]  # a file is not a folder
    rc = main(["predict"] + _args(csvs) + extra)
    err = capsys.readouterr().err
    assert rc == 2
    assert msg in err and err.count("\n") == 1 and "Traceback" not in err


def test_predict_bad_files_exit_2(csvs, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("step,loss\n1,2\nx,3\n")
    nolr = tmp_path / "nolr.csv"
    nolr.write_text("step,loss\n1,2\n2,1.9\n")
    gaps = tmp_path / "gaps.csv"
    gaps.write_text("step,lr,loss\n0,1e-3,3\n5,1e-3,2.9\n")
    nan = tmp_path / "nan.csv"
    nan.write_text("step,lr,loss\n0,1e-3,3\n\n1,1e-3,nan\n")  # a blank line before it
    head = tmp_path / "head.csv"
    head.write_text("step,lr,loss\n")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"step,loss\n1,\xff\xfe\n")
    far = tmp_path / "far.csv"  # one logged step far beyond what a per-step rate array holds
    far.write_text("step,loss\n300,2.5\n1000000000000000,2.0\n")
    cases = [
        (["--run", str(binary), "constant(1e-3)"], "binary.csv: not a UTF-8 text file"),
        (
            ["--run", str(far), "constant(1e-3)"],
            "Run: schedule: the run spans 1,000,000,000,000,001 steps (its last step is "
            "1,000,000,000,000,000); the laws hold one rate per step, at most 100,000,000 steps",
        ),
        (["--run", str(csvs["const_lr"]), "--total", "100000001"], "--total must be an int in "),
        (["--run", str(csvs["const_lr"]), "--total", "9"], "[10, 100,000,000], got 9"),
        (["--run", str(nan)], "nan.csv: line 4 holds a non-finite number ['1', '1e-3', 'nan']"),
        (["--run", str(head)], "head.csv: no data rows under the header"),
        (["--run", str(tmp_path / "missing.csv"), "constant(1e-3)"], "no such file"),
        (["--run", str(bad), "constant(1e-3)"], "not a number in the data"),
        (["--run", str(nolr)], "no lr column; give the schedule's SPEC"),
        (["--run", str(gaps)], "must cover every step from 0"),
        (["--run", str(nolr), "constant(1e-3)", "10", "x"], "at most one SPEC and its STEPS"),
        # a run's length given where its SPEC goes was fitted as a constant rate of 400
        (["--run", str(nolr), "400"], "SPEC 400 would be a constant rate of 400; a run's length"),
        (
            ["--run", str(nolr), "constant(1e-3)", "extra"],
            "nolr.csv: STEPS (the run's length) must be an int > the last logged step, got 'extra'",
        ),
        (["--run", str(nolr), "cosine(1e-3)", "2"], "must be an int > the last logged step 2"),
        (["--run", str(nolr), "cosine(1e-3)", "3.5"], "got '3.5'"),
        (["--run", str(nolr), "cosine(1e-3)", "-3"], "got '-3'"),
        (
            ["--run", str(nolr), "cosine(1e-3)", "100000001"],
            "nolr.csv: STEPS (the run's length) must be an int > the last logged step, "
            "at most 100,000,000 (the laws hold one rate per step), got '100000001'",
        ),
    ]
    for args, msg in cases:
        rc = main(["predict"] + args)
        err = capsys.readouterr().err
        assert rc == 2, args
        assert msg in err and err.count("\n") == 1, (args, err)


def test_predict_cli_reads_runs_logged_from_a_zero_rate(tmp_path, capsys):
    """Step 0 of a warm-up from 0 (lr 0 in the CSV) is logged but has no predicted value:
    the fit, the ranking and the figure leave it out instead of failing."""
    paths = []
    for name, lr in (("flat", lambda s: 0.01), ("decay", lambda s: 0.01 * (1 - s / 300))):
        p = tmp_path / f"{name}.csv"
        rows = ["step,lr,loss"] + [
            f"{s},{lr(s) if s else 0.0},{3.0 - 0.004 * s**0.8}" for s in range(300)
        ]
        p.write_text("\n".join(rows) + "\n")
        paths.append(str(p))
    out = tmp_path / "pred.png"
    args = ["--run", paths[0], "--run", paths[1], "--candidate", "cosine(0.01)"]
    assert main(["predict", *args, "--law", "momentum", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert out.stat().st_size > 1000
    assert "cosine(0.01)" in text and "flat (recorded)" in text


def test_predict_notes_a_run_much_longer_than_the_fitted_ones(csvs, capsys):
    """The recorded runs end at step 1990 (horizon 1991); candidates predicted for more
    than 1.5x that get one note on stderr with the factor; at the runs' own length none."""
    cos = "warmup(cosine(3e-4, 3e-5), steps=200)"
    base = ["predict", *_args(csvs), "--candidate", cos, "--law", "momentum"]
    assert main([*base, "--total", "5973"]) == 0  # 3.0x
    text, err = capsys.readouterr()
    assert "fitted on: const, cos, step (up to step 1990)" in text
    assert (
        err.count("note:") == 1
        and (
            "note: predicting runs of 5973 steps from runs of at most 1991 (3.0x): how much a "
            "decay buys over a longer run is not in the fitted runs"
        )
        in err
    )
    assert main([*base, "--total", "2986"]) == 0  # 1.4998x: under the 1.5x bar
    assert "note:" not in capsys.readouterr().err


def test_predict_reads_a_csv_with_a_byte_order_mark(csvs, tmp_path, capsys):
    """Spreadsheets save UTF-8 CSVs with a byte-order mark; it is not part of "step"."""
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + csvs["cos"].read_bytes())
    argv = ["predict", "--run", str(bom), SPECS["cos"], "--law", "momentum"]
    assert main(argv) == 0
    with_bom = capsys.readouterr().out
    assert main(["predict", "--run", str(csvs["cos"]), SPECS["cos"], "--law", "momentum"]) == 0
    plain = capsys.readouterr()
    assert (
        with_bom.replace("bom (recorded)", "cos (recorded)").replace(
            "fitted on: bom", "fitted on: cos"
        )
        == plain.out
    )
    # no candidate: nothing is predicted beyond the runs, so no note about their length
    assert main([*argv, "--total", "100000"]) == 0
    assert "note:" not in capsys.readouterr().err


def test_predict_does_not_rank_a_candidate_predicted_below_zero(tmp_path, capsys):
    """A run at a vanishing rate (1e-30) fits a law whose drop term, at a real rate, outgrows
    the loss: the candidate's predicted final loss is negative, said on stderr, not ranked."""
    st = np.arange(100, 2000, 10)
    run = tmp_path / "tinylr.csv"
    run.write_text("step,loss\n" + "".join(f"{s},{float(2 + 1 / np.sqrt(s))!r}\n" for s in st))
    argv = ["predict", "--run", str(run), "constant(1e-30)", "--candidate", "cosine(1e-3)"]
    assert (
        main([*argv, "--candidate", "constant(1e-30)", "--total", "2000", "--law", "momentum"]) == 0
    )
    out, err = capsys.readouterr()
    assert err.startswith("note: the law predicts a final loss of -") and err.endswith(
        " for cosine(1e-3): outside what the recorded runs support (its drop term outgrew the "
        "loss); not ranked\n"
    )
    ranked = [ln.split(None, 2)[2] for ln in out.splitlines() if ln.strip()[:1].isdigit()]
    assert ranked == ["constant(1e-30)", "tinylr (recorded)"]


def test_predict_run_steps_is_the_length_of_a_run_logged_short_of_its_end(csvs, capsys):
    """``--run FILE.csv SPEC STEPS``: the runs were 2000 steps, logged up to step 1990; with
    STEPS their schedules are the whole runs' (as ``Run(..., total_steps=STEPS)`` and as a
    spec with its length), not cut at step 1991, and the candidates' runs default to them."""
    from lrkit.commands.predict import read_run
    from lrkit.laws import Run, fit

    wsd = f"wsd(3e-4, steps={T}, warmup=200, decay='20%')"
    argv = ["predict", "--law", "multi_power", "--candidate", wsd]
    for n in ("const", "cos", "step"):
        argv += ["--run", str(csvs[n]), SPECS[n], str(T)]
    assert main(argv) == 0
    text, err = capsys.readouterr()
    assert "note:" not in err  # the candidate lasts as long as the recorded runs
    runs = [read_run(str(csvs[n]), SPECS[n], T) for n in ("const", "cos", "step")]
    assert [r.total_steps for r in runs] == [T] * 3
    for r, n in zip(runs, ("const", "cos", "step"), strict=True):
        whole = lrkit.parse(SPECS[n]).bind(total_steps=T)(np.arange(len(r.eta)))
        assert np.array_equal(r.eta, whole)
        spelled = Run(lrkit.parse(SPECS[n]).bind(total_steps=T), r.steps, r.losses)
        assert np.array_equal(spelled.eta, r.eta)
    cut = read_run(str(csvs["cos"]), SPECS["cos"])
    assert not np.array_equal(cut.eta, runs[1].eta)  # without STEPS: a cosine ending at 1991
    law = fit(runs, "multi_power")
    assert text.splitlines()[1] == "  " + ", ".join(f"{k}={v:.6g}" for k, v in law.params.items())
    s = lrkit.parse(wsd).bind(total_steps=T)
    got = [ln.split(None, 2) for ln in text.splitlines() if ln.strip().endswith(wsd)]
    assert float(got[0][1]) == pytest.approx(law.final(s), abs=6e-6)
    assert float(got[0][1]) == pytest.approx(Law("multi_power", MPL).final(s), rel=1e-4)
    # a recorded run's row is its end too: step 1999, not its last logged step 1990
    for n in ("const", "cos", "step"):
        (row,) = [ln.split() for ln in text.splitlines() if ln.endswith(f" {n} (recorded)")]
        end = law.final(SPECS[n], total_steps=T)
        assert float(row[1]) == pytest.approx(end, abs=6e-6)
    cos = lrkit.parse(SPECS["cos"]).bind(total_steps=T)
    assert law.final(cos) < law.predict(cos, [1990])[0] - 1e-5  # the 9 steps tell apart


def test_predict_says_when_a_runs_lr_column_disagrees_with_its_spec(csvs, tmp_path, capsys):
    """A log with an lr column every 10th step (not every step: the SPEC is needed): the
    column checks the SPEC's rates. Bound to the last logged step + 1, the cosine is not
    the one logged, and a note says where; with the run's STEPS it is, and nothing is
    said."""
    s = lrkit.parse(SPECS["cos"]).bind(total_steps=T)
    st = np.arange(210, T, 10)
    y = Law("multi_power", MPL).predict(s, st)
    p = tmp_path / "cos_lr.csv"
    p.write_text(
        "step,lr,loss\n" + "".join(f"{a},{s(int(a))!r},{float(b)!r}\n" for a, b in zip(st, y))
    )
    others = ["--run", str(csvs["const"]), SPECS["const"], "--law", "momentum"]
    assert main(["predict", "--run", str(p), SPECS["cos"], *others]) == 0
    err = capsys.readouterr().err
    short = lrkit.parse(SPECS["cos"]).bind(total_steps=1991)
    bad = next(int(a) for a in st if abs(short(int(a)) - s(int(a))) > 1e-4 * s(int(a)))
    assert bad > 300  # the warmup and the early cosine agree to 1e-4
    assert (
        f"note: --run {p}: its lr column differs from the SPEC's rates (step {bad}: "
        f"{s(bad):.6g} in the file, {short(bad):.6g} from the SPEC); the SPEC is used: "
        "give the run's length after it (STEPS) if the log ends before the run"
    ) in err
    assert main(["predict", "--run", str(p), SPECS["cos"], str(T), *others]) == 0
    assert "note:" not in capsys.readouterr().err


def test_predict_gives_the_fit_error_of_the_points_fitted_when_warmup_is_logged(
    csvs, tmp_path, capsys
):
    """Runs logged from step 0: the report's fit error counts the warmup points, which the
    fit leaves out and the law does not model (thousands of percent here); the line after
    it gives the error on the points fitted. Runs logged after warmup only: no such line."""
    from lrkit.laws import Run, fit

    law0 = Law("multi_power", MPL)
    paths, runs = [], []
    for n in ("const", "cos"):
        s = lrkit.parse(SPECS[n]).bind(total_steps=T)
        st = np.arange(0, T, 10)
        y = np.r_[np.full(21, 9.0), law0.predict(s, st[21:])]  # warmup: near the start loss
        p = tmp_path / f"{n}_from0.csv"
        p.write_text("step,loss\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(st, y)))
        paths += ["--run", str(p), SPECS[n], str(T)]
        keep = st > 200
        runs.append(Run(s, st[keep], y[keep]))
    assert main(["predict", *paths, "--law", "momentum"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("  fit error: mean"))
    assert float(lines[at].split()[3]) > 10  # the warmup points, in percent
    fitted = fit(
        [Run(SPECS[n], r.steps, r.losses, total_steps=T) for n, r in zip(("const", "cos"), runs)],
        "momentum",
    )
    err = fitted.errors(runs)
    assert lines[at + 1] == (
        f"  fit error after warmup (the points fitted): mean {100 * err['mean_rel']:.3f} %, "
        f"worst {100 * err['worst_rel']:.3f} %"
    )
    assert main(["predict", *_args(csvs), "--law", "momentum"]) == 0
    assert "after warmup" not in capsys.readouterr().out


def test_predict_names_a_run_file_once_and_a_bad_candidate(csvs, tmp_path, capsys):
    """A file without an lr column and without a SPEC said '--run F: --run F: no lr
    column'; a candidate that does not parse was refused without saying it was one."""
    assert main(["predict", "--run", str(csvs["const"])]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"lrkit: error: --run {csvs['const']}: no lr column; give the schedule's SPEC "
        "after the file\n"
    )
    gaps = tmp_path / "gaps.csv"
    gaps.write_text("step,lr,loss\n0,0.1,3.0\n2,0.1,2.5\n")
    assert main(["predict", "--run", str(gaps)]) == 2
    err = capsys.readouterr().err
    assert err.count(f"--run {gaps}:") == 1 and "cover every step from 0" in err
    assert main(["predict", *_args(csvs), "--candidate", "wsd("]) == 2
    err = capsys.readouterr()
    assert err.err == (
        "lrkit: error: --candidate wsd(: spec error at column 4: invalid syntax in 'wsd('\n"
    )
    assert "law:" not in err.out  # refused before the fit


def test_predict_refuses_an_empty_out_before_fitting(csvs, capsys):
    """--out '' ran the fit and exited 0 without writing a chart (an empty path was
    taken as no --out)."""
    assert main(["predict", *_args(csvs), "--law", "momentum", "--out", ""]) == 2
    err = capsys.readouterr()
    assert err.err == "lrkit: error: --out must name a file, got ''\n"
    assert "law:" not in err.out


@pytest.mark.parametrize("head", ["step,loss,step", "step,loss,Loss", "step,lr,loss,lr"])
def test_predict_refuses_a_header_naming_a_column_twice(tmp_path, capsys, head):
    """step,loss,step was read with the first 'step' and the other one ignored (which
    one the file meant is not known)."""
    p = tmp_path / "twice.csv"
    n = len(head.split(","))
    p.write_text(head + "\n" + "\n".join(",".join([f"{s}"] + ["0.5"] * (n - 1)) for s in (1, 2)))
    assert main(["predict", "--run", str(p), "constant(0.1)"]) == 2
    err = capsys.readouterr().err
    name = head.split(",")[-1].lower()
    assert err == (
        f"lrkit: error: --run {p}: the header names column {name} twice, got {head.split(',')}\n"
    )


def test_predict_draws_a_bound_candidate_over_the_length_it_is_ranked_at(csvs, tmp_path, capsys):
    """A candidate with its own length (3000 steps) was ranked at its end, step 2999, but
    drawn only up to the recorded runs' length (step 1990): the chart did not show the
    final loss the ranking printed. An unbound candidate is drawn over --total."""
    import json

    from lrkit.commands.predict import read_run
    from lrkit.laws import fit

    long = "warmup(cosine(3e-4, 3e-5, steps=2800), steps=200)"
    free = "cosine(3e-4)"
    out = tmp_path / "c.html"
    args = ["--candidate", long, "--candidate", free, "--law", "momentum", "--out", str(out)]
    assert main(["predict", *_args(csvs), *args]) == 0
    text = capsys.readouterr().out
    html = out.read_text()
    dec = json.JSONDecoder()
    data, _ = dec.raw_decode(html, html.index("[", html.index("Plotly.newPlot(")))
    by = {t["name"]: t for t in data}
    law = fit([read_run(str(csvs[n]), SPECS[n]) for n in ("const", "cos", "step")], "momentum")
    drawn = by[f"{long} (predicted)"]
    assert drawn["x"][-1] == 2999
    assert drawn["y"][-1] == pytest.approx(law.final(long), rel=1e-12)
    assert f"{law.final(long):.5f}  {long}" in text
    drawn = by[f"{free} (predicted)"]
    assert drawn["x"][-1] == 1990  # the recorded runs' length, 1991 steps
    assert drawn["y"][-1] == pytest.approx(law.final(free, total_steps=1991), rel=1e-12)


def test_predict_says_when_total_does_not_apply_to_a_bound_candidate(csvs, capsys):
    """--total 2500 with a candidate bound by its spec to 2000 steps: it was ranked at
    step 1999 without a word, as if --total had been taken."""
    from lrkit.commands.predict import read_run
    from lrkit.laws import fit

    wsd = "warmup(cosine(3e-4, 3e-5, steps=1800), steps=200)"
    assert lrkit.parse(wsd).is_bound and lrkit.parse(wsd).length == T
    argv = ["predict", *_args(csvs), "--law", "momentum", "--candidate", wsd]
    assert main([*argv, "--total", "2500"]) == 0
    out, err = capsys.readouterr()
    assert err == (
        f"note: {wsd} lasts {T} steps, its spec's own length: it is predicted over it, "
        "not over --total 2500\n"
    )
    law = fit([read_run(str(csvs[n]), SPECS[n]) for n in ("const", "cos", "step")], "momentum")
    assert f"{law.final(wsd):.5f}  {wsd}" in out
    assert main([*argv, "--total", str(T)]) == 0
    assert capsys.readouterr().err == ""
