"""Report folders: user text escaped in the page (rendered in headless Chromium), stale
outputs removed, overwrites said, finished results never lost to a failed write."""

from __future__ import annotations

import dataclasses
import json
import os
import re

import pytest
import torch
from test_demo import _browser

from lrkit.bench import aggregate, run_grid, table, write_outputs
from lrkit.cli import main
from lrkit.errors import OutputError
from lrkit.report import _script_json, comparison_cells
from lrkit.tasks import get_task

NASTY = "constant(0.05) # <!--<script>"


@pytest.fixture(scope="module")
def runs():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        task = get_task("digits", seed=0)
        res = run_grid(
            task,
            ["constant(0.05)", "cosine(0.05)"],
            seeds=1,
            epochs=1,
            labels=[NASTY, "cos </script> & more"],
        )
    finally:
        torch.set_num_threads(n)
    return task, res


def test_script_json_escapes_what_ends_or_confuses_a_script():
    text = _script_json({"name": "</script><!--<script>& -->"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><!--<script>& -->"}


def test_report_with_user_text_renders_in_chromium(runs, tmp_path):
    task, res = runs
    paths = write_outputs(res, task, str(tmp_path / "r"), title="t <b>", subtitle="s", png=False)
    page = paths["report"]
    html = open(page, encoding="utf-8").read()
    assert "<!--<script>" not in html and "&lt;!--&lt;script&gt;" in html  # table cell escaped
    dom = _browser(page, tmp_path, "--dump-dom")
    assert 'data-lrkit-rendered="3"' in dom, dom[-3000:]
    assert re.search(r'<div id="lrkit-errors"></div>', dom)
    assert "# &lt;!--&lt;script&gt;" in dom  # the label is shown as text


def test_stale_outputs_removed_and_overwrites_said(runs, tmp_path):
    task, res = runs
    out = tmp_path / "b"
    first = write_outputs(res, task, str(out), title="t", subtitle="s", png=True)
    assert first["overwritten"] == [] and first["removed"] == []
    assert (out / "lr.png").exists()
    (out / "finder.png").write_bytes(b"an auto run's figure")  # from an earlier run
    (out / "notes.txt").write_text("the user's own file")
    second = write_outputs(res, task, str(out), title="t", subtitle="s", png=False)
    assert second["overwritten"] == ["results.json", "report.html"]
    assert sorted(second["removed"]) == ["finder.png", "loss.png", "lr.png", "metric.png"]
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "report.html", "results.json"]


def test_failed_write_keeps_the_results(runs, tmp_path):
    task, res = runs
    out = tmp_path / "b"
    (out / "results.json").mkdir(parents=True)  # cannot be opened as a file
    with pytest.raises(OutputError, match=r"the results were saved to (\S+)") as e:
        write_outputs(res, task, str(out), title="t", subtitle="s", png=False)
    saved = re.search(r"saved to (\S+)", str(e.value)).group(1)
    data = json.loads(open(saved, encoding="utf-8").read())
    assert len(data["runs"]) == 2 and data["runs"][0]["lr"] == res[0].lr


def test_one_seed_has_no_spread(runs):
    _, res = runs
    rows = aggregate(res)
    assert "±" not in table(rows)
    cells = comparison_cells(dict(rows[0], runs=3, diverged=0, final_std=0.01))
    assert "±" in cells[0]


def test_a_loss_far_from_1_keeps_its_significant_digits(runs):
    """A loss metric below 1 (a user task's mean squared error) is not rounded to 4
    decimals: 7.0e-3 ± 4.3e-5 is not "0.0070 ± 0.0000", nor 3e-5 "0.0000"; one of a
    million or more is not 138 digits wide."""
    _, res = runs
    row = dict(aggregate(res)[0], metric_name="loss", runs=2, diverged=0)
    cells = [
        comparison_cells(dict(row, final_mean=m, final_std=s))[0]
        for m, s in (
            (0.0070056, 4.32e-05),
            (3.0e-5, 1.2e-6),
            (1.29245, 0.0),
            (123.4, 2.5),
            (6.53e137, 1.2e136),  # a loss that blew up but stayed finite
        )
    ]
    assert cells == [
        "0.007006 ± 0.000043",
        "0.00003000 ± 0.00000120",
        "1.2925 ± 0.0000",
        "123.4000 ± 2.5000",
        "6.5300e+137 ± 1.2000e+136",
    ]
    assert comparison_cells(dict(row, runs=1, final_mean=2.5e-4))[0] == "0.0002500"


def test_cli_bench_says_what_it_wrote(tmp_path, capsys):
    out = tmp_path / "b"
    out.mkdir()
    (out / "lr.png").write_bytes(b"old")
    n = torch.get_num_threads()
    try:
        argv = ["bench", "--task", "digits", "--schedule", "0.05", "--epochs", "1", "--no-png"]
        assert main([*argv, "--out", str(out)]) == 0
    finally:
        torch.set_num_threads(n)
    text = capsys.readouterr().out
    said = next(line for line in text.splitlines() if line.startswith("results written to"))
    assert said.endswith("(report.html, results.json)") and "PNG" not in text
    assert "removed the earlier run's lr.png" in text
    assert not (out / "lr.png").exists()


def test_json_safe_is_strict_json_for_labs_and_bench():
    """One rule for every results file: non-finite -> null, numpy -> Python, keys -> str."""
    import numpy as np

    from lrkit._files import json_safe

    raw = {
        "gap": float("inf"),
        "loss": np.float32(0.25),
        "n": np.int64(3),
        "ok": np.bool_(True),
        "flag": True,
        7: [float("-inf"), np.float64("nan"), (1, 2.5)],
    }
    out = json_safe(raw)
    assert out == {
        "gap": None,
        "loss": 0.25,
        "n": 3,
        "ok": True,
        "flag": True,
        "7": [None, None, [1, 2.5]],
    }
    assert type(out["n"]) is int and type(out["ok"]) is bool and type(out["loss"]) is float
    # strict JSON: the encoder refuses NaN/inf, and accepts the result
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_unwritable_folders_refused_before_any_work(capsys):
    """Root ignores permission bits and /proc refuses new files whatever they say: the
    output checks create (and remove) a probe file instead of trusting ``os.access``."""
    from lrkit._files import check_dir, check_file

    with pytest.raises(OutputError, match=r"--out: folder '/proc/self' is not writable"):
        check_dir("/proc/self", "--out")
    with pytest.raises(OutputError, match=r"cannot write '/proc/lrkit-x/x.png': folder '/proc'"):
        check_file("/proc/lrkit-x/x.png", "--out")
    # the demo refuses before it loads data or trains anything
    assert main(["demo", "--out", "/proc/lrkit-demo", "--seeds", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "--out" in err and "'/proc'" in err
    assert not os.path.exists("/proc/lrkit-demo")


def test_budget_note_is_the_run_length_when_the_first_row_diverged(tmp_path):
    # the first schedule diverges after a few updates: the note must still say 45 (one epoch)
    task = get_task("digits", seed=0)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        res = run_grid(task, ["constant(50.0)", "constant(0.05)"], seeds=1, epochs=1)
    finally:
        torch.set_num_threads(n)
    assert res[0].diverged and res[0].steps < 45 and res[1].steps == 45
    write_outputs(res, task, str(tmp_path), title="t", subtitle="s", png=False)
    page = (tmp_path / "report.html").read_text()
    assert "same budget (45 updates) for each" in page


def test_a_run_diverged_in_its_first_epoch_keeps_the_pngs(tmp_path, capsys):
    # constant(50) diverges after 5 updates: no epoch, no loss to draw; loss.png's log axis
    # refused the empty series and the command ended in "lrkit: error: log scale: ..." (exit 2)
    # after the training, without loss.png
    out = tmp_path / "b"
    argv = ["bench", "--task", "digits", "--epochs", "1", "--out", str(out)]
    assert main([*argv, "--schedule", "constant(50)", "--schedule", "constant(0.05)"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"constant\(50\) +nan .* 1/1", text)
    for name in ("report.html", "results.json", "lr.png", "metric.png", "loss.png"):
        assert (out / name).stat().st_size > 0
    data = json.loads((out / "results.json").read_text())
    assert [r["diverged"] for r in data["runs"]] == [True, False]


def test_loss_png_of_runs_that_all_diverged_at_once(runs, tmp_path):
    _, res = runs
    bad = [dataclasses.replace(r, history=[], diverged=True) for r in res]
    paths = write_outputs(bad, get_task("digits"), str(tmp_path), title="t", subtitle="s")
    assert os.path.getsize(paths["loss_png"]) > 0


def test_loss_png_of_a_task_whose_loss_is_not_positive(runs, tmp_path):
    # a user task's loss may be <= 0 (e.g. a negative log-likelihood): drawn on a linear axis
    _, res = runs
    neg = [{**h, "train_loss": -1.5, "val_loss": 0.0} for h in res[0].history]
    bad = [dataclasses.replace(r, history=neg) for r in res]
    paths = write_outputs(bad, get_task("digits"), str(tmp_path), title="t", subtitle="s")
    assert os.path.getsize(paths["loss_png"]) > 0


def test_write_outputs_without_results_says_so(tmp_path):
    with pytest.raises(ValueError, match=r"write_outputs: results is empty"):
        write_outputs([], get_task("digits"), str(tmp_path), title="t", subtitle="s")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "argv, name",
    [
        (["bench", "--task", "digits", "--schedule", "0.05", "--epochs", "1"], "report.html"),
        (["bench", "--task", "digits", "--schedule", "0.05", "--epochs", "1"], "loss.png"),
        (["demo", "--seeds", "1"], "metric.png"),
        (["lab", "optimal-constant", "--quick"], "optimal-constant.json"),
        (["lab", "restarts", "--quick"], "restarts.png"),
        (["lab", "range-test", "--quick"], "range-test-curve.png"),
    ],
)
def test_an_output_file_that_is_a_folder_is_refused_before_any_work(argv, name, tmp_path, capsys):
    # was found when writing, after the training: a traceback (IsADirectoryError) for a lab,
    # "could not write the report ..." (exit 2) for bench
    (tmp_path / name).mkdir()
    assert main([*argv, "--out", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert f"--out: {str(tmp_path / name)!r} is an existing folder, not a file" in err
    assert sorted(os.listdir(tmp_path)) == [name]


def test_results_json_takes_a_user_tasks_numpy_description(runs, tmp_path):
    # a user task's describe() (or the one lrkit fills in from its attributes) with numpy
    # numbers: json.dumps raised TypeError after the training and nothing was written
    import types

    import numpy as np

    _, res = runs
    desc = {"name": "mine", "default_lr": np.float32(0.05), "default_epochs": np.int64(1),
            "spectrum": np.array([0.5, 1.0]), "bad": float("nan")}  # fmt: skip
    task = types.SimpleNamespace(describe=lambda: desc)
    write_outputs(res, task, str(tmp_path), title="t", subtitle="s", png=False)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["task"]["default_lr"] == pytest.approx(0.05) and data["task"]["default_epochs"] == 1
    assert data["task"]["spectrum"] == [0.5, 1.0] and data["task"]["bad"] is None
    assert len(data["runs"]) == 2


def test_report_of_auto_with_a_given_peak_has_no_range_test_to_draw(tmp_path):
    # finder_options={"lr": ...}: the plan skips its range test (finder["result"] is None);
    # the report then failed after the training: "FinderResult.from_dict: ... got None"
    task = get_task("digits", seed=0)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        res = run_grid(task, ["auto"], seeds=1, epochs=2, finder_options={"lr": 0.05, "budget": 2})
    finally:
        torch.set_num_threads(n)
    assert res[0].finder["result"] is None
    paths = write_outputs(res, task, str(tmp_path), title="t", subtitle="s")
    assert "finder_png" not in paths and not (tmp_path / "finder.png").exists()
    page = (tmp_path / "report.html").read_text()
    assert "<h2>The plan (auto)</h2>" in page and res[0].finder["schedule"] in page
    assert page.count('class="chart"') == 3  # lr, metric, loss


def test_the_table_highlights_every_row_tied_with_the_best():
    # lrkit demo: the plan and the constant rate got the same 1,053 of 1,077 test images
    # right; their float32 means differ in the last bits, and only one was highlighted
    from lrkit.report import _rows_table, _table_html

    def row(label, mean, hib=True):
        return {"label": label, "final_mean": mean, "final_std": 0.0074, "runs": 3,
                "metric_name": "accuracy", "higher_is_better": hib, "best_epoch": 6.0,
                "target": None, "time_to_target": None, "wall_time": 0.3, "steps": 360,
                "overhead_steps": 0, "diverged": 0}  # fmt: skip

    rows = [row("constant", 0.9777158), row("step", 0.9740), row("plan", 0.97771585),
            row("nan", float("nan"))]  # fmt: skip
    t = _rows_table(rows)
    assert t["best"] == [0, 2]
    assert _table_html(t).count('<tr class="best">') == 2
    rows[2]["final_mean"] = 0.9805  # a real win: one row
    assert _rows_table(rows)["best"] == [2]
    low = [row("a", 0.30, hib=False), row("b", 0.25, hib=False), row("c", 0.2500001, hib=False)]
    assert _rows_table(low)["best"] == [1, 2]  # lower is better; tied up to 1e-6
    assert _rows_table([row("x", float("nan"))])["best"] == []
