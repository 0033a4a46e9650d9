"""``lrkit demo`` end to end (reduced budget) and its HTML report in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

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
        rc = main(
            ["demo", "--out", str(out), "--epochs", "2", "--seeds", "1", "--finder-steps", "60"]
        )
    finally:
        torch.set_num_threads(n)  # the command sets it for its process
    assert rc == 0
    return out


def test_demo_writes_everything_and_says_where(demo_dir, capsys):
    for name in ("report.html", "results.json", "finder.png", "lr.png", "metric.png", "loss.png"):
        assert (demo_dir / name).stat().st_size > 0, name
    html = (demo_dir / "report.html").read_text()
    for label in ("constant", "step decay", "warmup + cosine", "auto (range test + one_cycle)"):
        assert label in html
    assert html.count('class="chart"') == 4  # finder, applied lr, accuracy, losses
    assert not re.search(r"<script[^>]*\ssrc=|<link[^>]*\shref=", html)  # works offline
    assert html.count("Plotly.newPlot") == 1  # plotly.js embedded once, one render script


def test_demo_output_text(tmp_path, capsys):
    out = tmp_path / "d"
    n = torch.get_num_threads()
    try:
        assert (
            main(
                [
                    "demo",
                    "--out",
                    str(out),
                    "--epochs",
                    "1",
                    "--seeds",
                    "1",
                    "--finder-steps",
                    "40",
                    "--no-png",
                ]
            )
            == 0
        )
    finally:
        torch.set_num_threads(n)
    text = capsys.readouterr().out
    assert re.search(r"range test \(seed 0\): \d+ updates .*suggested constant rate", text)
    assert re.search(r"auto schedule: one_cycle\(peak=[0-9.e-]+\) \(peak [0-9.e-]+: where", text)
    assert "auto schedule: one_cycle(peak=" in text
    assert "best final accuracy:" in text
    assert f"report: {out / 'report.html'}" in text
    assert not list(out.glob("*.png"))


def test_demo_bad_option_exit_2(capsys):
    assert main(["demo", "--epochs", "0"]) == 2
    assert "--epochs must be a positive int, got 0" in capsys.readouterr().err


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
