"""Defects found by adversarial use of the core, the analysis helpers and the small CLI
verbs: each test names what was wrong before its fix."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, ConfigTypeError


# ---------------------------------------------------------------- sequence
@pytest.mark.parametrize(
    "phase",
    [
        lrkit.cosine(1.0),
        lrkit.warmup(lrkit.cosine(1.0), steps=2),
        lrkit.cosine(1.0) * 2.0,
        lrkit.sequence(lrkit.constant(1.0, steps=2), lrkit.cosine(1.0)),
    ],
    ids=str,
)
def test_middle_phase_without_steps_is_an_error_at_bind_not_a_request_to_bind(phase):
    # before: bind(total_steps=10) returned an unbound schedule whose evaluation said
    # "call .bind(total_steps=N) first", which the caller had just done
    s = lrkit.sequence(phase, lrkit.cosine(0.5))
    msg = f"sequence: phase 0 ({phase}) has no length: a steps left out runs to the end"
    for kw in ({"total_steps": 10}, {"steps_per_epoch": 3}):
        with pytest.raises(ConfigError, match=re.escape(msg)):
            s.bind(**kw)


def test_middle_phase_given_a_length_by_its_wrapper_still_binds():
    s = lrkit.sequence(lrkit.truncate(lrkit.cosine(1.0), steps=4), lrkit.cosine(1.0))
    b = s.bind(total_steps=10)
    assert b.phases == (
        lrkit.truncate(lrkit.cosine(1.0, steps=4), steps=4),
        lrkit.cosine(1.0, steps=6),
    )
    # the last phase may still run to the end; a relative middle phase resolves
    b = lrkit.sequence(lrkit.cosine(1.0, steps="30%"), lrkit.cosine(1.0)).bind(total_steps=10)
    assert [p.length for p in b.phases] == [3, 7]


def test_cli_values_middle_phase_without_steps_says_so(capsys):
    from lrkit.cli import main

    assert main(["values", "sequence(cosine(0.1), cosine(0.01))", "--total", "10"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "phase 0 (cosine(start=0.1)) has no length" in err[0]
    assert "call .bind" not in err[0]


# ---------------------------------------------------------------- noise
@pytest.mark.parametrize("begin,until", [(5, 3), (5, 5)])
def test_noise_with_an_empty_range_is_refused(begin, until):
    # before: accepted; the noise then never applied
    with pytest.raises(ConfigError, match=f"until must be > begin.*begin={begin}, until={until}"):
        lrkit.noise(lrkit.cosine(0.1, steps=100), begin=begin, until=until)


def test_noise_with_an_empty_range_is_refused_when_bound():
    s = lrkit.noise(lrkit.cosine(0.1), begin="50%", until="10%")
    with pytest.raises(ConfigError, match="until must be > begin.*got begin=50, until=10"):
        s.bind(total_steps=100)
    ok = lrkit.noise(lrkit.cosine(0.1), begin=5, until=6, pct=0.5, seed=1).bind(total_steps=10)
    t = np.arange(10)
    noisy = ok(t) != lrkit.cosine(0.1, steps=10)(t)
    assert noisy.tolist() == [i == 5 for i in range(10)]


# ---------------------------------------------------------------- analysis
@pytest.mark.parametrize(
    "s",
    [lrkit.constant(0.0), lrkit.constant(-1.0), lrkit.linear(-1.0, 0.0, steps=10)],
    ids=str,
)
def test_no_half_life_for_a_value_that_is_not_positive(s):
    # before: 1 (0 <= 0 / 2, -1 <= -1 / 2), a decay that never happened
    assert lrkit.half_life(s) is None
    assert lrkit.summary(s, 10).half_life is None


def test_show_table_says_never_for_a_constant_zero(capsys):
    from lrkit.cli import main

    assert main(["show", "constant(0.0)", "--total", "5"]) == 0
    row = capsys.readouterr().out.strip().splitlines()[-1].split()
    assert row[0] == "constant(0.0)" and row[-1] == "never"


def test_half_life_near_the_last_step_is_searched_up_to_it():
    # before: at + ks overflowed int64 into a negative step ("step must be >= 0")
    last = 2**63 - 1
    assert lrkit.half_life(lrkit.cyclic(0.1, 1.0, half_period=5), at=last - 10) is None
    assert lrkit.half_life(lrkit.exponential(1.0, gamma=0.9), at=2**62) is None
    assert lrkit.half_life(lrkit.constant(1.0), at=last) is None


@pytest.mark.parametrize("gamma", [2.0, 1.5])
def test_step_to_exponential_of_a_growth(gamma):
    # before: "exponential: half_life must be a positive duration ..., got -30"
    ex = lrkit.step_to_exponential(lrkit.step(0.1, gamma, every=30))
    assert ex == lrkit.exponential(0.1, gamma=gamma, every=30)
    assert ex(60) == pytest.approx(0.1 * gamma**2)


def test_scale_lr_overflow_is_an_error_not_inf():
    msg = r"scale_lr: the scaled rate is beyond float64's normal range \(base_lr="
    for args in ((1e308, 10**6, 1), (0.1, 10**400, 1), (0.1, 1, 10**400), (1e-300, 1, 10**20)):
        with pytest.raises(ConfigError, match=msg):  # inf, OverflowError, 0.0, subnormal
            lrkit.scale_lr(*args)
    assert lrkit.scale_lr(1e300, 1024) == pytest.approx(4e300)


def test_optimal_constant_lr_of_huge_curvatures():
    # before: 2 / (m + M) overflowed to 2 / inf = 0.0
    assert lrkit.optimal_constant_lr(1e308, 1e308) == 1e-308
    assert lrkit.optimal_constant_lr(1.0, 3.0) == 0.5
    # m == M: one step solves it (rho 0; before: eta 0, so rho 1)
    assert lrkit.contraction_rate(m=1e308, M=1e308) == pytest.approx(0.0, abs=1e-12)
    assert lrkit.contraction_rate(m=1e300, M=1e300) == 0.0
    with pytest.raises(ConfigError, match=r"contraction_rate: lr \* M overflows float64"):
        lrkit.contraction_rate(1e308, 1.0, 1e308)


@pytest.mark.parametrize(
    "matrix,exc,fragment",
    [
        ([[float("nan")]], ConfigError, "matrix must hold finite numbers"),
        ([[float("inf"), 0.0], [0.0, 1.0]], ConfigError, "matrix must hold finite numbers"),
        ([["a"]], ConfigTypeError, "matrix must be a square array of numbers, got [['a']]"),
        (np.zeros((0, 0)), ConfigError, "matrix must not be empty, got shape (0, 0)"),
        ([[1e308, 1e308], [1e308, 1e308]], ConfigError, "the eigenvalues of matrix overflow"),
    ],
    ids=["nan", "inf", "str", "empty", "overflow"],
)
def test_bad_curvature_matrix(matrix, exc, fragment):
    # before: 0.0 for inf, "must be symmetric" for nan, numpy's own errors for the others
    for f in (lrkit.optimal_constant_lr, lrkit.contraction_rate):
        with pytest.raises(exc, match=re.escape(f"{f.__name__}: {fragment}")):
            f(matrix=matrix)
    assert math.isclose(lrkit.optimal_constant_lr(matrix=[[2.0, 0.0], [0.0, 4.0]]), 1 / 3)


# ---------------------------------------------------------------- show --log
@pytest.mark.parametrize("ext", ["png", "html"])
def test_show_log_chart_of_a_schedule_with_no_positive_value_is_refused(tmp_path, capsys, ext):
    # before: exit 0, an empty chart and matplotlib's two-line UserWarning on stderr
    from lrkit.cli import main

    out = tmp_path / f"z.{ext}"
    args = ["show", "cosine(0.1)", "constant(0.0)", "--total", "5", "--log", "--out", str(out)]
    assert main(args) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and not out.exists()
    assert cap.err.strip().splitlines() == [
        "lrkit: error: --log: constant(0.0) has no value > 0 to draw (its peak is 0); "
        "a log axis shows only positive values: drop --log"
    ]
    # a schedule that is 0 at some steps only (inverse_sqrt at step 0) is drawn
    args = ["show", "inverse_sqrt(1.0, warmup=3)", "--total", "5", "--log", "--out", str(out)]
    assert main(args) == 0 and out.exists()


def test_schedule_plot_log_scale_needs_a_positive_value():
    # before: an empty figure and matplotlib's UserWarning
    with pytest.raises(ConfigError, match=r"plot: log=True, but constant\(value=0\.0\) has no"):
        lrkit.constant(0.0).plot(total_steps=5, log=True)
    fig = lrkit.inverse_sqrt(1.0, warmup=2).plot(total_steps=5, log=True)  # 0 at step 0 only
    assert fig.axes[0].get_yscale() == "log"


def test_plot_schedules_log_scale_needs_a_positive_value(tmp_path):
    from lrkit.plot import schedules

    with pytest.raises(ConfigError, match=re.escape("log scale: -constant(value=1.0) has no")):
        schedules([lrkit.constant(1.0), -lrkit.constant(1.0)], 5, str(tmp_path / "a.png"), log=True)
    assert not (tmp_path / "a.png").exists()


# ---------------------------------------------------------------- a full disk
@pytest.mark.parametrize(
    "argv",
    [
        ["values", "cosine(0.1)", "--total", "200000"],
        ["values", "cosine(0.1)", "--total", "3", "--format", "json"],
        ["show", "cosine(0.1)", "--total", "20"],
        ["lab"],
    ],
    ids=" ".join,
)
def test_cli_output_to_a_full_disk_is_one_line_not_a_traceback(argv):
    # before: OSError's traceback (exit 1) and, for some verbs, a second error at exit
    import subprocess
    import sys
    from pathlib import Path

    lrkit_cli = str(Path(sys.executable).parent / "lrkit")
    with open("/dev/full", "w") as full:  # every write fails with ENOSPC
        r = subprocess.run([lrkit_cli, *argv], stdout=full, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "lrkit: error: cannot write the output: No space left on device"
    ]


# ---------------------------------------------------------------- output folders
def test_unusable_output_folder_is_named_as_given(tmp_path, capsys):
    # before: "cannot write '<DIR>/x': ...", a file name the user never gave
    from lrkit._files import check_dir
    from lrkit.cli import main
    from lrkit.errors import OutputError

    with pytest.raises(OutputError, match=r"^--out: cannot create folder '/proc/lrkit-d': folder"):
        check_dir("/proc/lrkit-d", "--out")
    afile = tmp_path / "afile"
    afile.write_text("")
    sub = str(afile / "sub")
    assert main(["lab", "half-life", "--quick", "--out", sub]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"lrkit: error: --out: cannot create folder {sub!r}: {str(afile)!r} is a file, not a folder"
    ]


# ---------------------------------------------------------------- spec arithmetic
def test_int_powers_in_a_spec_are_exact():
    # before: ** was computed in floats, so 2**53 + 1 became 2**53 (accepted as steps,
    # though over the limit) and seed=2**60 + 1 silently became another seed
    from lrkit.spec import SpecError, parse

    msg = "steps must be at most 2**53 steps, got 9007199254740993"
    with pytest.raises(SpecError, match=re.escape(msg)):
        parse("cosine(1.0, steps=2**53 + 1)")
    assert parse("cosine(1.0, steps=2**53)").steps == 2**53
    s = parse("noise(constant(1.0), seed=2**60 + 1)")
    assert s.seed == 2**60 + 1 and s == lrkit.noise(lrkit.constant(1.0), seed=2**60 + 1)
    assert parse(str(s)) == s
    # floats, negative and huge exponents as before
    assert parse("cosine(2**-1)").start == 0.5 and parse("cosine((-2)**3)").start == -8.0
    assert parse("cosine(1**10**10)").start == 1.0
    for text in ("cosine(9**9**9)", "cosine(2**1024)", "cosine(0.1, steps=10**400)"):
        with pytest.raises(SpecError, match="arithmetic error: the result is too large"):
            parse(text)
    assert parse("cosine(2**1023)").start == 2.0**1023


# ---------------------------------------------------------------- steps
def test_uint64_step_arrays_past_the_last_step_are_refused_like_scalars():
    # before: the scalar np.uint64(2**64 - 1) was refused, the same step in an array
    # was evaluated (as 1.8e19)
    s = lrkit.cosine(0.1, steps=10)
    msg = "step must be <= 2**63 - 1, got 18446744073709551615"
    with pytest.raises(ConfigError, match=re.escape(msg)):
        s(np.uint64(2**64 - 1))
    with pytest.raises(ConfigError, match=re.escape(msg)):
        s(np.array([0, 2**64 - 1], dtype=np.uint64))
    ok = np.array([0, 5, 2**63 - 1], dtype=np.uint64)
    assert s(ok).tolist() == [0.1, s(5), 0.0]


# ---------------------------------------------------------------- one_cycle
@pytest.mark.parametrize("steps", [7, 10, 101])
def test_three_phase_one_cycle_accepts_pct_start_one_half_as_pytorch(steps):
    # before: "pct_start must be > 0 and < 0.5" for a configuration OneCycleLR runs
    import torch

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0, momentum=0.9)
    ref = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=1.0, total_steps=steps, pct_start=0.5, three_phase=True
    )
    lrs, moms = [], []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        ref.step()
    s = lrkit.one_cycle(1.0, steps=steps, pct_start=0.5, three_phase=True)
    t = np.arange(steps)
    np.testing.assert_allclose(s(t), lrs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(lrkit.opposite(s, 0.85, 0.95)(t), moms, rtol=1e-12)
    with pytest.raises(ConfigError, match=r"pct_start must be > 0 and <= 0\.5, got 0\.51"):
        lrkit.one_cycle(1.0, steps=steps, pct_start=0.51, three_phase=True)


# ---------------------------------------------------------------- bench
@pytest.mark.parametrize(
    "spec,fragment",
    [
        ("constant(-0.1)", "gives -0.1 at step 0"),
        ("0.05 - linear(0.0, 0.1)", "gives -0.000111111 at step 451"),
    ],
)
def test_bench_refuses_a_negative_rate_before_the_header(tmp_path, capsys, spec, fragment):
    # before: the header line, then the Scheduler's error at the first step: two lines
    from lrkit.cli import main

    out = tmp_path / "b"
    argv = ["bench", "--task", "digits", "--schedule", spec, "--out", str(out), "--seeds", "1"]
    assert main(argv) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and not out.exists()
    assert cap.err.splitlines() == [
        f"lrkit: error: --schedule {spec!r} {fragment}; a learning rate must be >= 0"
    ]


def test_steps_past_2_53_are_evaluated_as_the_nearest_float64_as_documented():
    # docs/core.md: exact up to 2**53, the nearest float64 past it
    c = lrkit.cyclic(0.1, 1.0, half_period=10)
    assert c(2**53 - 1) != c(2**53 - 2)
    assert c(2**53 + 1) == c(2**53)
    assert lrkit.cosine(0.1, steps=10)(2**63 - 1) == 0.0  # an end: its final value


# ---------------------------------------------------------------- long charts
def test_chart_of_a_long_run_draws_its_envelope_not_every_step(tmp_path, capsys):
    # before: every step was written: 27 MB of HTML for 10**6 steps (2.7 GB at the
    # documented limit of 10**8), and as many points drawn in the PNG
    from lrkit.cli import main
    from lrkit.plot import MAX_POINTS, schedules

    out = tmp_path / "long.html"
    argv = ["show", "cyclic(0.1, 1.0, half_period=7)", "--total", "1000000", "--out", str(out)]
    assert main([*argv, "--plotly-js", "cdn"]) == 0
    assert out.stat().st_size < 2_000_000
    s = lrkit.cyclic(0.1, 1.0, half_period=7)
    fig = schedules([s, lrkit.cosine(0.1)], 1_000_000)
    for line in fig.axes[0].get_lines():
        x, y = line.get_xdata(), line.get_ydata()
        assert len(x) <= MAX_POINTS + 2 and x[0] == 0 and x[-1] == 999_999
        ref = (s if "cyclic" in line.get_label() else lrkit.cosine(0.1, steps=10**6))(x)
        np.testing.assert_array_equal(y, ref)  # points of the schedule itself
    y = fig.axes[0].get_lines()[0].get_ydata()
    assert (y.min(), y.max()) == (0.1, 1.0)  # the extremes of every run are kept
    # a short run: every step, as before
    fig = schedules([s], 1000)
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_ydata(), s(np.arange(1000)))


# ---------------------------------------------------------------- custom
@pytest.mark.parametrize(
    "value,shown",
    [
        ("a", "'a' (str)"),
        (None, "None (NoneType)"),
        ([1, 2], "[1, 2] (list)"),
        (True, "True (bool)"),
        (1j, "1j (complex)"),
    ],
    ids=["str", "none", "list", "bool", "complex"],
)
def test_custom_function_returning_a_non_number_is_named(value, shown):
    # before: numpy's/float()'s own error ("could not convert string to float: 'a'"),
    # naming neither the schedule nor the step; a bool became 1.0
    s = lrkit.custom(lambda t: value)
    msg = f"custom(<lambda>): fn(3) must return a number, got {shown}"
    with pytest.raises(ConfigTypeError, match=re.escape(msg)):
        s(3)
    assert lrkit.custom(lambda t: np.float32(0.5))(np.arange(2)).tolist() == [0.5, 0.5]
    assert lrkit.custom(lambda t: 2)(3) == 2.0


def test_vectorized_custom_function_must_return_one_number_per_step():
    s = lrkit.custom(lambda t: np.ones(5), vectorized=True)
    msg = "must return numbers, one per step (shape (3,))"
    with pytest.raises(ConfigTypeError, match=re.escape(msg)):
        s(np.arange(3))
    with pytest.raises(ConfigTypeError, match="got 'x' \\(str\\)"):
        lrkit.custom(lambda t: "x", vectorized=True)(np.arange(3))
    ok = lrkit.custom(lambda t: 0.1 * t, vectorized=True)
    assert ok(np.arange(3)).tolist() == [0.0, 0.1, 0.2] and ok(3) == pytest.approx(0.3)
    assert lrkit.custom(lambda t: 0.5, vectorized=True)(np.arange(2)).tolist() == [0.5, 0.5]
    assert lrkit.custom(lambda t: [0.5], vectorized=True)(np.arange(2)).tolist() == [0.5, 0.5]


# ---------------------------------------------------------------- plot.schedules arguments
def test_plot_schedules_checks_its_arguments(tmp_path):
    # before: total_steps=None a TypeError, errors named "bind", no schedule an empty
    # chart, too few labels an IndexError, too many or a string silently used
    from lrkit.plot import schedules

    two = ["cosine(0.1)", "linear(0.1, 0.0)"]
    cases = [
        ({"items": two, "total_steps": None}, ConfigTypeError, "schedules: total_steps must be"),
        ({"items": two, "total_steps": 0}, ConfigError, "schedules: total_steps must be >= 1"),
        ({"items": [], "total_steps": 5}, ConfigError, "schedules: items must hold at least one"),
        (
            {"items": two, "total_steps": 5, "labels": ["a"]},
            ConfigError,
            "schedules: labels must hold one string per schedule (2), got ['a']",
        ),
        ({"items": two[:1], "total_steps": 5, "labels": ["a", "b"]}, ConfigError, "(1)"),
        ({"items": two, "total_steps": 5, "labels": "ab"}, ConfigTypeError, "must be a list"),
    ]
    for kwargs, exc, fragment in cases:
        with pytest.raises(exc, match=re.escape(fragment)):
            schedules(**kwargs)
    fig = schedules(two, 5, labels=("a", "b"))
    assert [ln.get_label() for ln in fig.axes[0].get_lines()] == ["a", "b"]
    one = schedules({"name": "cosine", "start": 0.1}, 5)  # a dict is one schedule
    assert len(one.axes[0].get_lines()) == 1
    # a path object for out, as a string
    out = tmp_path / "p.png"
    assert schedules(two, 5, out=out) == str(out) and out.exists()


# ---------------------------------------------------------------- labs
def test_run_lab_checks_its_folder_before_any_work(tmp_path):
    # before: os.makedirs' own FileExistsError / FileNotFoundError
    from lrkit.errors import OutputError
    from lrkit.labs import run_lab

    afile = tmp_path / "afile"
    afile.write_text("")
    with pytest.raises(
        OutputError, match=re.escape(f"lab half-life: out_dir: {str(afile)!r} is an existing file")
    ):
        run_lab("half-life", str(afile), budget="ci")
    with pytest.raises(
        OutputError, match=r"^lab half-life: out_dir: cannot create folder '/proc/lrkit-lab'"
    ):
        run_lab("half-life", "/proc/lrkit-lab", budget="ci")


# ---------------------------------------------------------------- values
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_values_not_finite_past_the_first_chunk_writes_nothing(capsys, fmt):
    # before: the first 65 536 rows (or an unclosed JSON list), then the error
    from lrkit.cli import main

    spec = "exponential(1e-300, gamma=1.01)"  # overflows at step 71 333
    assert main(["values", spec, "--total", "100000", "--format", fmt]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    assert cap.err.splitlines() == [
        "lrkit: error: exponential(start=1e-300, gamma=1.01) is not finite at step 71333; "
        "check its parameters"
    ]


def test_bind_names_total_steps_past_the_duration_limit():
    # before: "cosine: steps must be at most 2**53 steps", a parameter left out
    for s in (lrkit.cosine(0.1), lrkit.warmup(lrkit.cosine(0.1), steps=10), lrkit.constant(1.0)):
        with pytest.raises(ConfigError, match=r"^bind: total_steps must be at most 2\*\*53 steps"):
            s.bind(total_steps=2**53 + 1)
    assert lrkit.cosine(0.1).bind(total_steps=2**53).steps == 2**53


def test_output_through_a_link_is_checked_where_it_leads(tmp_path, capsys):
    # before: the check looked at the link's own folder; the chart was computed, then
    # writing through the link failed with FileNotFoundError's traceback
    from lrkit.cli import main

    gone = tmp_path / "gone" / "a.png"
    link = tmp_path / "link.png"
    link.symlink_to(gone)
    assert main(["show", "cosine(0.1)", "--total", "5", "--out", str(link)]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    assert cap.err.splitlines() == [
        f"lrkit: error: --out: {str(link)!r} is a link to {str(gone)!r}, whose folder does "
        "not exist"
    ]
    proc = tmp_path / "proc.png"
    proc.symlink_to("/proc/lrkit-x.png")
    assert main(["show", "cosine(0.1)", "--total", "5", "--out", str(proc)]) == 2
    assert "cannot write '/proc/lrkit-x.png': folder '/proc'" in capsys.readouterr().err
    # a link to a file still to be made, in a folder that exists: written there
    ok = tmp_path / "ok.png"
    ok.symlink_to(tmp_path / "target.png")
    assert main(["show", "cosine(0.1)", "--total", "5", "--out", str(ok)]) == 0
    assert (tmp_path / "target.png").stat().st_size > 0


def test_output_folder_that_is_a_link_to_nothing_is_refused_before_any_work(tmp_path, capsys):
    # before: accepted; os.makedirs then failed with FileExistsError (for bench and the
    # demo: after every training run)
    from lrkit.cli import main

    link = tmp_path / "ldir"
    link.symlink_to(tmp_path / "nodir")
    assert main(["lab", "half-life", "--quick", "--out", str(link)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"lrkit: error: --out: {str(link)!r} is a link to {str(tmp_path / 'nodir')!r}, which "
        "does not exist; create that folder or name another"
    ]
    (tmp_path / "nodir").mkdir()
    assert main(["lab", "half-life", "--quick", "--out", str(link)]) == 0
    assert (tmp_path / "nodir" / "half-life.json").exists()


def test_cli_numbers_refuse_subnormals_before_any_output(tmp_path, capsys):
    # before: demo printed its header, then "spec error at column 1: constant: value
    # must be 0 or of magnitude >= ..." about a spec the user never wrote
    from lrkit.cli import main

    argv = ["demo", "--lr", "1e-320", "--out", str(tmp_path / "d"), "--seeds", "1"]
    assert main(argv) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    assert cap.err.splitlines() == [
        "lrkit: error: --lr must be 0 or of magnitude >= 2.2250738585072014e-308 (the "
        "smallest normal float64), got 1e-320"
    ]
    from lrkit.commands._args import number

    assert number("--x", 2.2250738585072014e-308, positive=True) == 2.2250738585072014e-308
    assert number("--x", 0.0) == 0.0


def test_schedule_plot_of_a_long_schedule_draws_its_envelope():
    # before: every step drawn (a notebook showing a 10**8-step schedule needed GBs)
    from lrkit._render import MAX_POINTS

    s = lrkit.cyclic(0.1, 1.0, half_period=7)
    fig = s.plot(total_steps=10**6)
    (line,) = fig.axes[0].get_lines()
    x, y = line.get_xdata(), line.get_ydata()
    assert len(x) <= MAX_POINTS + 2 and (x[0], x[-1]) == (0, 10**6 - 1)
    np.testing.assert_array_equal(y, s(np.asarray(x)))
    assert (y.min(), y.max()) == (0.1, 1.0)
    short = lrkit.cosine(0.1, steps=100).plot()
    assert len(short.axes[0].get_lines()[0].get_xdata()) == 100


def test_python_dash_m_lrkit_runs_the_command():
    # before: "No module named lrkit.__main__; 'lrkit' is a package and cannot be
    # directly executed"
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "lrkit", "values", "linear(1.0, 0.0, steps=2)", "--total", "3"],
        capture_output=True,
        text=True,
    )
    assert (r.returncode, r.stdout, r.stderr) == (0, "step,value\n0,1.0\n1,0.5\n2,0.0\n", "")
    r = subprocess.run([sys.executable, "-m", "lrkit", "values"], capture_output=True, text=True)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
