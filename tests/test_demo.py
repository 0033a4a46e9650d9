"""``lrkit demo`` end to end (reduced budget) and its HTML report in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
import torch

from lrkit.cli import main
from lrkit.report import chart, write_html

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]


def _chromium() -> str:
    path = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )
    if path is None:
        pytest.fail(
            "chromium is needed for the HTML report test; install it with "
            "`bash scripts/setup.sh --browser` (Debian package 'chromium')"
        )
    return path


def _browser(page: str, tmp_path, *extra: str) -> str:
    """Run headless Chromium on ``page`` (a file path); returns stdout (the DOM with --dump-dom)."""
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    cmd = [
        _chromium(),
        *FLAGS,
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        *extra,
        "file://" + os.path.abspath(page),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "lrkit-demo"
    n = torch.get_num_threads()
    try:
        rc = main(["demo", "--out", str(out), "--seeds", "1"])
    finally:
        torch.set_num_threads(n)  # the command sets it for its process
    assert rc == 0
    return out


def test_demo_writes_everything_and_says_where(demo_dir, capsys):
    for name in ("report.html", "results.json", "finder.png", "lr.png", "metric.png", "loss.png"):
        assert (demo_dir / name).stat().st_size > 0, name
    html = (demo_dir / "report.html").read_text()
    for label in ("constant", "step decay", "warmup + cosine", "plan (lrkit.plan)"):
        assert label in html
    assert html.count('class="chart"') == 4  # finder, applied lr, accuracy, losses
    assert not re.search(r"<script[^>]*\ssrc=|<link[^>]*\shref=", html)  # works offline
    assert html.count("Plotly.newPlot") == 1  # plotly.js embedded once, one render script


def test_demo_output_text(tmp_path, capsys):
    """Per-seed plan costs, the table's "+N" (their largest), the spread and the verdict."""
    out = tmp_path / "d"
    n = torch.get_num_threads()
    try:
        assert main(["demo", "--out", str(out), "--seeds", "2", "--no-png"]) == 0
    finally:
        torch.set_num_threads(n)
    captured = capsys.readouterr()
    text = captured.out
    assert "/360" not in captured.err  # no progress bar off a terminal
    data = json.loads((out / "results.json").read_text())
    plans = [r for r in data["runs"] if r["label"] == "plan (lrkit.plan)"]
    assert [r["seed"] for r in plans] == [0, 1] and all(r["steps"] == 360 for r in plans)
    for r in plans:  # every number printed is that seed's own count of extra updates
        f = r["finder"]
        assert r["overhead_steps"] == f["steps"] == f["plan"]["cost"] <= 180
        assert f"plan (seed {r['seed']}): {f['steps']} extra updates" in text
        assert f["schedule"] in text
    row = next(line for line in text.splitlines() if line.startswith("plan (lrkit.plan) "))
    assert f"360+{max(r['overhead_steps'] for r in plans)}" in row
    finals = {}
    for r in data["runs"]:
        finals.setdefault(r["label"], []).append(r["final_metric"])
    means = {k: np.mean(v) for k, v in finals.items()}
    pooled = np.sqrt(np.mean([np.var(v, ddof=1) for v in finals.values()]))
    spread = 100 * (max(means.values()) - min(means.values()))
    m = re.search(r"spread: best .* = ([0-9.]+)x the seed std \(([0-9.]+) pp", text)
    assert float(m.group(1)) == pytest.approx(spread / (100 * pooled), abs=0.06)
    assert float(m.group(2)) == pytest.approx(100 * pooled, abs=0.006)
    hand = max(v for k, v in means.items() if k != "plan (lrkit.plan)")
    won = means["plan (lrkit.plan)"] > hand
    assert ("the plan beats the best hand-made" in text) == won
    assert ("the plan does NOT beat the best hand-made" in text) == (not won)
    assert "best final accuracy:" in text
    # the spread in the last epoch's mean training loss, from every run's own history
    tl = {}
    for r in data["runs"]:
        tl.setdefault(r["label"], []).append(r["history"][-1]["train_loss"])
    tmeans = {k: np.mean(v) for k, v in tl.items()}
    tstd = np.sqrt(np.mean([np.var(v, ddof=1) for v in tl.values()]))
    best, worst = min(tmeans, key=tmeans.get), max(tmeans, key=tmeans.get)
    m = re.search(
        r"the last epoch's mean training loss: best (.+) ([0-9.]+) vs worst (.+) ([0-9.]+): "
        r"([0-9.]+) = ([0-9.]+)x the seed std \(([0-9.]+), pooled",
        text,
    )
    assert (m.group(1), m.group(3)) == (best, worst)
    assert float(m.group(2)) == pytest.approx(tmeans[best], abs=6e-5)
    assert float(m.group(5)) == pytest.approx(tmeans[worst] - tmeans[best], abs=6e-5)
    assert float(m.group(6)) == pytest.approx((tmeans[worst] - tmeans[best]) / tstd, abs=0.06)
    assert float(m.group(7)) == pytest.approx(tstd, abs=6e-5)
    assert f"report: {out / 'report.html'}" in text
    assert not list(out.glob("*.png"))


def test_demo_verdict_in_words():
    from lrkit.commands.demo import verdict

    def row(label, mean, std):
        return {"label": label, "final_mean": mean, "final_std": std, "runs": 3,
                "metric_name": "accuracy", "higher_is_better": True}  # fmt: skip

    rows = [row("constant", 0.90, 0.01), row("step decay", 0.95, 0.01),
            row("plan (lrkit.plan)", 0.93, 0.01)]  # fmt: skip
    text = verdict(rows)
    assert "spread: best step decay 95.00% vs worst constant 90.00%: 5.00 pp = 5.0x" in text
    assert "the plan does NOT beat the best hand-made schedule (step decay 95.00%): " in text
    assert "behind by 2.00 pp (2.0 seed std)" in text
    rows[2]["final_mean"] = 0.955
    assert "beats the best hand-made schedule (step decay 95.00%) by 0.50 pp (0.5 seed " in (
        verdict(rows)
    )
    assert "within the seed noise, not a clear win" in verdict(rows)
    rows[2]["final_mean"] = 0.95 + 3e-8  # equal counts, float32 rounding (359-image split)
    text = verdict(rows)
    assert "the plan ties with the best hand-made schedule (step decay 95.00%)" in text
    assert "beats" not in text and "does NOT" not in text
    assert "best final accuracy: plan (lrkit.plan) 95.00% (tied with step decay)" in text


def test_demo_verdict_when_schedules_diverged():
    # lrkit demo --lr 50: every hand-made schedule diverges (final_mean NaN), the plan trains
    from lrkit.commands.demo import verdict

    nan = float("nan")

    def row(label, mean, std):
        return {"label": label, "final_mean": mean, "final_std": std, "runs": 3,
                "metric_name": "accuracy", "higher_is_better": True}  # fmt: skip

    rows = [row("constant", nan, nan), row("step decay", nan, nan),
            row("plan (lrkit.plan)", 0.90, 0.01)]  # fmt: skip
    text = verdict(rows)
    assert "nan" not in text and "inf" not in text
    assert "best final accuracy: plan (lrkit.plan) 90.00%" in text
    assert "every hand-made schedule diverged; the plan did not" in text
    rows = [row("constant", 0.90, 0.01), row("step decay", 0.95, 0.01),
            row("plan (lrkit.plan)", nan, nan)]  # fmt: skip
    text = verdict(rows)
    assert "nan" not in text and "inf" not in text
    assert "spread: best step decay 95.00% vs worst constant 90.00%: 5.00 pp = 5.0x" in text
    assert "the plan diverged; the best hand-made schedule: step decay 95.00%" in text
    rows[1]["final_mean"] = rows[0]["final_mean"] = nan
    text = verdict(rows)
    assert "nan" not in text and "inf" not in text
    assert "every schedule diverged" in text


def test_demo_bad_option_exit_2(capsys):
    assert main(["demo", "--epochs", "0"]) == 2
    assert "--epochs must be a positive int, got 0" in capsys.readouterr().err
    assert main(["demo", "--epochs", "1"]) == 2  # 45 updates: too few for the plan's budget
    err = capsys.readouterr().err
    assert "--epochs 1 with --budget 0.5: plan: budget too small" in err
    assert err.count("\n") == 1


def test_report_renders_in_chromium_without_errors(demo_dir, tmp_path):
    dom = _browser(str(demo_dir / "report.html"), tmp_path, "--dump-dom")
    assert 'data-lrkit-rendered="4"' in dom
    assert re.search(r'id="lrkit-status">rendered 4 charts<', dom)
    assert re.search(r'<div id="lrkit-errors"></div>', dom)  # window.onerror recorded nothing
    assert dom.count('class="main-svg"') >= 4  # plotly drew its svg layers
    shot = tmp_path / "demo_report.png"
    _browser(
        str(demo_dir / "report.html"), tmp_path, f"--screenshot={shot}", "--window-size=1200,2600"
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_error_hook_catches_a_broken_page(tmp_path):
    """Negative control: a script error is recorded and the render marker says so."""
    page = write_html(
        str(tmp_path / "broken.html"),
        [
            {"title": "ok", "figure": chart([{"x": [1, 2], "y": [3, 4], "name": "a"}])},
            {"title": "bad", "html": "<script>throw new Error('boom-lrkit')</script>"},
        ],
        title="broken",
    )
    dom = _browser(page, tmp_path, "--dump-dom")
    assert "boom-lrkit" in dom.split('id="lrkit-errors"')[1].split("</div>")[0]
    assert 'data-lrkit-rendered="1"' in dom  # the good chart still rendered


def test_demo_shows_a_progress_bar_on_a_terminal(tmp_path, capsys, monkeypatch):
    """On a terminal (stderr a TTY) every schedule's training draws a tqdm bar; off it, none."""
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    n = torch.get_num_threads()
    try:
        assert main(["demo", "--out", str(tmp_path / "d"), "--seeds", "1", "--no-png"]) == 0
    finally:
        torch.set_num_threads(n)
    err = capsys.readouterr().err
    for label in ("digits constant", "digits step decay", "digits plan (lrkit.plan)"):
        assert re.search(re.escape(label) + r".*\d+/360", err), label


def test_train_spread_in_words():
    """Lower is better; the std is pooled over the schedules; diverged runs are left out."""
    from types import SimpleNamespace

    from lrkit.commands.demo import train_spread

    def run(label, loss, diverged=False):
        return SimpleNamespace(label=label, history=[{"train_loss": loss}], diverged=diverged)

    rs = [run("constant", 0.05), run("constant", 0.03), run("cosine", 0.004),
          run("cosine", 0.006), run("cosine", float("nan"), diverged=True)]  # fmt: skip
    text = train_spread(rs)
    std = np.sqrt((np.var([0.05, 0.03], ddof=1) + np.var([0.004, 0.006], ddof=1)) / 2)
    assert text.startswith(
        "the last epoch's mean training loss: best cosine 0.0050 vs worst constant 0.0400: 0.0350"
    )
    assert f"= {0.035 / std:.1f}x the seed std ({std:.4f}, pooled" in text
    assert "seed std" not in train_spread([run("a", 0.1), run("b", 0.2)])  # one seed each
    assert "fewer than two schedules" in train_spread([run("a", 0.1)])
