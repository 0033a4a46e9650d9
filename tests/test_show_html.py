"""``lrkit show --out FILE.html``: offline by default (plotly.js embedded), or with
``--plotly-js cdn|directory`` small pages (plotly's ``include_plotlyjs`` convention)."""

import re

import numpy as np
import pytest

import lrkit
from lrkit.cli import main
from lrkit.errors import ConfigError

SPEC = "warmup(cosine(0.1), 10)"


def _show(tmp_path, mode, capsys):
    out = tmp_path / mode / "chart.html"
    argv = ["show", SPEC, "--total", "100", "--out", str(out)]
    assert main([*argv, "--plotly-js", mode] if mode != "default" else argv) == 0
    assert f"chart written to {out}" in capsys.readouterr().out
    return out


def _trace_y(html):
    """The first trace's y values as written into the page."""
    m = re.search(r'"y":\[([^\]]*)\]', html)
    return np.array([float(v) for v in m.group(1).split(",")])


def test_default_and_inline_embed_plotly_js_and_work_offline(tmp_path, capsys):
    for mode in ("default", "inline"):
        out = _show(tmp_path, mode, capsys)
        html = out.read_text()
        assert out.stat().st_size > 3_000_000  # plotly.js itself is several MB
        assert "<script" in html and not re.search(r"<script[^>]*\bsrc=", html)
        assert sorted(p.name for p in out.parent.iterdir()) == ["chart.html"]
        want = lrkit.parse(SPEC).bind(total_steps=100)(np.arange(100))
        np.testing.assert_allclose(_trace_y(html), want, rtol=1e-12)


def test_cdn_is_a_small_page_linking_plotly_js(tmp_path, capsys):
    inline = _show(tmp_path, "inline", capsys).stat().st_size
    out = _show(tmp_path, "cdn", capsys)
    html = out.read_text()
    assert out.stat().st_size < 50_000 and out.stat().st_size * 100 < inline
    assert re.search(r'<script[^>]* src="https://cdn\.plot\.ly/plotly-[0-9.]+\.min\.js"', html)
    want = lrkit.parse(SPEC).bind(total_steps=100)(np.arange(100))
    np.testing.assert_allclose(_trace_y(html), want, rtol=1e-12)


def test_directory_writes_plotly_min_js_next_to_the_page(tmp_path, capsys):
    out = _show(tmp_path, "directory", capsys)
    html = out.read_text()
    assert out.stat().st_size < 50_000
    assert re.search(r'<script[^>]* src="plotly.min.js"', html)
    js = out.parent / "plotly.min.js"
    assert js.stat().st_size > 3_000_000 and "plotly" in js.read_text()[:2000].lower()


def test_bad_plotly_js_values_are_refused(tmp_path, capsys):
    assert main(["show", SPEC, "--total", "10", "--plotly-js", "web"]) == 2
    assert "invalid choice: 'web'" in capsys.readouterr().err
    with pytest.raises(ConfigError, match=r"plotly_js must be one of inline, cdn, directory"):
        lrkit.plot.schedules(SPEC, 10, str(tmp_path / "a.html"), plotly_js="web")
    path = lrkit.plot.schedules(SPEC, 10, str(tmp_path / "b.html"), plotly_js=True)
    assert (tmp_path / "b.html").stat().st_size > 3_000_000 and path.endswith("b.html")
