"""One self-contained HTML report: plotly.js embedded once, works offline, no CDN.

:func:`write_html` assembles sections (charts given as plotly figure dicts,
tables, text) into one page. The page records script errors in
``window.lrkitErrors`` (shown in ``#lrkit-errors``) and, once every chart has
rendered, sets ``data-lrkit-rendered="N"`` on ``<body>`` and writes
``rendered N charts`` into ``#lrkit-status`` — what the browser test checks.

:func:`bench_report` turns benchmark runs (and an optional finder curve) into
such a page plus PNG figures.

plotly is needed only for its JavaScript (``plotly.offline.get_plotlyjs``),
matplotlib only for the PNGs; both are imported when used.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Sequence
from typing import Any

__all__ = [
    "write_html",
    "bench_report",
    "chart",
    "text_table",
    "comparison_cells",
    "comparison_header",
    "PALETTE",
]

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
)

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}
h2{font-size:1.2em;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 16px}
.chart{background:#fff;border:1px solid #e3e3e3;border-radius:6px;height:420px;margin:8px 0}
.note{color:#444;font-size:.93em}
table{border-collapse:collapse;background:#fff;font-size:.92em}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left;font-family:ui-monospace,monospace}
th{background:#f0f0f0}
tr.best td{font-weight:600;background:#eef7ee}
#lrkit-errors{color:#b00;white-space:pre-wrap}
#lrkit-status{color:#999;font-size:.8em}
footer{color:#999;font-size:.8em;margin-top:32px}
"""

_HOOK = """
window.lrkitErrors = [];
window.onerror = function (msg, src, line, col, err) {
  window.lrkitErrors.push(String(msg) + " (" + src + ":" + line + ")");
  var el = document.getElementById("lrkit-errors");
  if (el) { el.textContent = window.lrkitErrors.join("\\n"); }
};
"""

_RENDER = """
(function () {
  var figs = JSON.parse(document.getElementById("lrkit-figures").textContent);
  var cfg = {responsive: true, displaylogo: false};
  var jobs = figs.map(function (f, i) {
    return Plotly.newPlot("lrkit-chart-" + i, f.data, f.layout, cfg);
  });
  Promise.all(jobs).then(function () {
    var n = 0;
    document.querySelectorAll(".chart").forEach(function (el) {
      if (el.querySelector("svg.main-svg")) { n += 1; }
    });
    document.body.setAttribute("data-lrkit-rendered", String(n));
    document.getElementById("lrkit-status").textContent = "rendered " + n + " charts";
  }).catch(function (e) {
    window.onerror(String(e), "render", 0, 0, e);
  });
})();
"""


def chart(
    series: Sequence[dict[str, Any]],
    *,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    logx: bool = False,
    logy: bool = False,
    shapes: Sequence[dict[str, Any]] = (),
    yrange: Sequence[float] | None = None,
) -> dict[str, Any]:
    """A plotly figure as a plain dict: ``series`` are plotly trace dicts (x, y, name, ...)."""
    layout: dict[str, Any] = {
        "title": {"text": title},
        "xaxis": {"title": {"text": xlabel}, "type": "log" if logx else "linear"},
        "yaxis": {"title": {"text": ylabel}, "type": "log" if logy else "linear"},
        "template": "plotly_white",
        "hovermode": "closest",
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "legend": {"font": {"size": 11}},
        "shapes": list(shapes),
    }
    if yrange is not None:
        layout["yaxis"]["range"] = [float(yrange[0]), float(yrange[1])]
    data = []
    for s in series:
        t: dict[str, Any] = {"type": "scatter", "mode": "lines"}
        t.update(s)
        t["x"] = [_num(v) for v in t.get("x", [])]
        t["y"] = [_num(v) for v in t.get("y", [])]
        data.append(t)
    return {"data": data, "layout": layout}


def _num(v: Any) -> Any:
    v = float(v)
    return v if math.isfinite(v) else None


def write_html(
    path: str,
    sections: Sequence[dict[str, Any]],
    *,
    title: str = "lrkit report",
    subtitle: str = "",
) -> str:
    """Write one self-contained page and return its path.

    Each section is a dict with ``title`` and one of ``figure`` (a plotly
    figure dict, see :func:`chart`), ``table`` (``{"header": [...], "rows":
    [[...], ...], "best": a row index, a list of them (ties) or None}``) or
    ``html`` (trusted markup),
    plus an optional ``note`` (plain text).
    """
    from .plot import require

    offline = require("plotly.offline")
    figures: list[dict[str, Any]] = []
    body: list[str] = []
    for sec in sections:
        body.append(f"<h2>{html.escape(str(sec.get('title', '')))}</h2>")
        if sec.get("note"):
            body.append(f'<p class="note">{html.escape(str(sec["note"]))}</p>')
        if "figure" in sec:
            body.append(f'<div class="chart" id="lrkit-chart-{len(figures)}"></div>')
            figures.append(sec["figure"])
        if "table" in sec:
            body.append(_table_html(sec["table"]))
        if "html" in sec:
            body.append(str(sec["html"]))
    payload = _script_json(figures)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
<script>{_HOOK}</script>
<script>{offline.get_plotlyjs()}</script>
</head><body>
<main>
<h1>{html.escape(title)}</h1>
<p class="sub">{html.escape(subtitle)}</p>
<div id="lrkit-errors"></div>
{chr(10).join(body)}
<footer>Made by lrkit. Self-contained: plotly.js is embedded, no network needed.
<span id="lrkit-status">rendering…</span></footer>
</main>
<script type="application/json" id="lrkit-figures">{payload}</script>
<script>{_RENDER}</script>
</body></html>
"""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return path


def _script_json(data: Any) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` written as ``\\u`` escapes.

    User text (a spec's comment, a label) could otherwise end the script
    (``</script>``) or switch the HTML parser into its "double-escaped"
    state (``<!--<script>``), and the page would never render.

    >>> _script_json({"a": "</script><!--"})
    '{"a": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _table_html(t: dict[str, Any]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in t["header"])
    rows = []
    for i, r in enumerate(t["rows"]):
        best = t.get("best")
        tied = best if isinstance(best, (list, tuple)) else [best]
        cls = ' class="best"' if i in tied else ""
        cells = "".join(f"<td>{html.escape(str(c))}</td>" for c in r)
        rows.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


# ---------------------------------------------------------------------------- benchmark pages
def _by_label(results: Sequence[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for r in results:
        out.setdefault(r.label, []).append(r)
    return out


def _mean_curve(runs: Sequence[Any], key: str) -> tuple[list[int], list[float]]:
    n = max(len(r.history) for r in runs)
    xs, ys = [], []
    for e in range(n):
        vals = [r.history[e][key] for r in runs if len(r.history) > e]
        vals = [v for v in vals if v is not None and math.isfinite(v)]
        if vals:
            xs.append(e + 1)
            ys.append(sum(vals) / len(vals))
    return xs, ys


def _finder_result(finder: dict[str, Any]) -> Any:
    """The typed range-test result behind a benchmark's finder dict.

    ``finder`` is what ``bench.auto_schedule`` returns (its ``"result"`` is
    ``FinderResult.to_dict()``) or a ``FinderResult.to_dict()`` itself.
    """
    from .finder import FinderResult

    return FinderResult.from_dict(finder.get("result", finder))


def _has_range_test(finder: dict[str, Any]) -> bool:
    """Whether ``finder`` holds a range-test curve (the plan skips it when given ``lr``)."""
    return finder.get("result", finder) is not None


def finder_figure(finder: dict[str, Any], title: str = "LR range test") -> dict[str, Any]:
    """The finder chart (``lrkit.finder.figure``, the same as ``FinderResult.plot``) as a
    plotly figure dict: loss against learning rate, every suggestion marked where it was
    read on the lag-free curve, the (base, max) range as a band."""
    from .finder.figure import finder_figure as figure_of
    from .finder.figure import to_plotly

    return to_plotly(figure_of(_finder_result(finder), title))


def bench_report(
    results: Sequence[Any],
    out_dir: str,
    *,
    rows: Sequence[dict[str, Any]],
    title: str,
    subtitle: str = "",
    intro: str = "",
    finder: dict[str, Any] | None = None,
    png: bool = True,
) -> dict[str, str]:
    """Write ``report.html`` (and PNGs) for benchmark runs into ``out_dir``.

    ``rows``: the comparison, one dict per schedule (``lrkit.bench.aggregate``).
    Charts: the finder curve (``finder``, or the first ``auto`` run's; none when the plan
    was given its peak and ran no range test), the
    learning rate applied per step (first seed of each schedule), the
    validation metric and the train/validation loss per epoch (mean over
    seeds). Returns ``{"report": path, "<name>_png": path, ...}``.
    """
    os.makedirs(out_dir, exist_ok=True)
    first = results[0]
    if finder is None:
        finder = next((r.finder for r in results if r.finder), None)
    series = _bench_series(results)
    metric = first.metric_name
    mlabel = "test accuracy" if metric == "accuracy" else f"validation {metric}"
    seeds = len(_by_label(results)[first.label])
    budget = first.epochs * first.steps_per_epoch  # a diverged run's steps stop short of it
    sections = _bench_sections(rows, series, finder, mlabel, seeds, intro, budget)
    out = {
        "report": write_html(
            os.path.join(out_dir, "report.html"), sections, title=title, subtitle=subtitle
        )
    }
    if png:
        out.update(_bench_pngs(series, finder, mlabel, out_dir))
    return out


def _bench_series(results: Sequence[Any]) -> dict[str, list[dict[str, Any]]]:
    """The chart series of a benchmark: ``lr`` (first seed), ``metric`` and ``loss`` (means)."""
    groups = _by_label(results)
    colors = {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(groups)}
    spe = results[0].steps_per_epoch
    lr_series, metric_series, loss_series = [], [], []
    for lab, runs in groups.items():
        r0 = runs[0]
        c = colors[lab]
        lr_series.append(
            {
                "x": [i / spe for i in range(len(r0.lr))],
                "y": r0.lr,
                "name": lab,
                "line": {"color": c},
            }
        )
        xs, ys = _mean_curve(runs, "metric")
        metric_series.append({"x": xs, "y": ys, "name": lab, "line": {"color": c}})
        for key, word, dash in (("train_loss", "train", "solid"), ("val_loss", "val", "dash")):
            xs, ys = _mean_curve(runs, key)
            loss_series.append(
                {
                    "x": xs,
                    "y": ys,
                    "name": f"{lab} {word}",
                    "line": {"color": c, "dash": dash},
                    "legendgroup": lab,
                }
            )
    return {"lr": lr_series, "metric": metric_series, "loss": loss_series}


def _bench_sections(
    rows: Sequence[dict[str, Any]],
    series: dict[str, list[dict[str, Any]]],
    finder: dict[str, Any] | None,
    mlabel: str,
    seeds: int,
    intro: str,
    budget: int,
) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    if intro:
        sections.append({"title": "What this is", "html": f"<p>{html.escape(intro)}</p>"})
    note = _table_note(rows, budget)
    sections.append({"title": "Comparison", "table": _rows_table(rows), "note": note})
    if finder:
        planned = "plan" in finder  # bench's auto: the planner's range test and probe runs
        what = "extra updates (range test and probe runs)" if planned else "updates"
        note = f"{finder['steps']} {what}, {finder['wall_time']:.1f} s"
        if finder.get("suggestion"):
            note = f"suggested learning rate {finder['suggestion']:.3g}; " + note
        if finder.get("range"):
            note += f"; range (base, max) = ({finder['range'][0]:.3g}, {finder['range'][1]:.3g})"
        note += f"; auto schedule: {finder.get('schedule', '?')}"
        curve = _has_range_test(finder)
        title = "The plan (auto)" if planned else "LR range test"
        if planned and curve:
            title += " and its LR range test"
        section: dict[str, Any] = {"title": title, "note": note}
        if curve:
            section["figure"] = finder_figure(finder)
        sections.append(section)
    sections.append(
        {
            "title": "Learning rate actually applied",
            "note": "read back from the optimizer before every update (first seed)",
            "figure": chart(series["lr"], xlabel="epoch", ylabel="learning rate"),
        }
    )
    sections.append(
        {
            "title": f"{mlabel.capitalize()} per epoch",
            "note": f"mean over {seeds} seed(s)",
            "figure": chart(series["metric"], xlabel="epoch", ylabel=mlabel),
        }
    )
    sections.append(
        {
            "title": "Training and validation loss",
            "note": "solid: training loss (epoch mean); dashed: validation loss",
            "figure": chart(series["loss"], xlabel="epoch", ylabel="loss", logy=True),
        }
    )
    return sections


def _bench_pngs(
    series: dict[str, list[dict[str, Any]]],
    finder: dict[str, Any] | None,
    mlabel: str,
    out_dir: str,
) -> dict[str, str]:
    from .plot import lines

    def tri(items: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
        return [(s["name"], s["x"], s["y"]) for s in items]

    # a schedule whose runs all diverged in their first epoch has no loss to draw, and a
    # user task's loss may be <= 0: a log axis would refuse either after the training
    losses = [s for s in tri(series["loss"]) if len(s[2])]
    logy = all(any(v is not None and v > 0 for v in s[2]) for s in losses)

    out = {
        "lr_png": lines(
            tri(series["lr"]),
            os.path.join(out_dir, "lr.png"),
            title="learning rate applied",
            xlabel="epoch",
            ylabel="learning rate",
        ),
        "metric_png": lines(
            tri(series["metric"]),
            os.path.join(out_dir, "metric.png"),
            title=mlabel,
            xlabel="epoch",
            ylabel=mlabel,
        ),
        "loss_png": lines(
            losses,
            os.path.join(out_dir, "loss.png"),
            title="train / validation loss",
            xlabel="epoch",
            ylabel="loss",
            logy=logy,
        ),
    }
    if finder and _has_range_test(finder):
        out["finder_png"] = _finder_result(finder).plot(
            os.path.join(out_dir, "finder.png"), title="LR range test"
        )
    return out


#: the comparison's columns after the schedule's name: (terminal header, HTML header)
_COLUMNS = (
    ("final {m} (mean ± std)", "final {m} (mean ± std)"),
    ("best epoch", "best epoch"),
    ("to target", "epochs to target"),
    ("wall s", "wall time (s)"),
    ("updates", "updates (+finder)"),
    ("diverged", "diverged"),
)


def comparison_header(metric: str, *, wordy: bool = False, spread: bool = True) -> list[str]:
    """The header of the comparison table (terminal, or the HTML report's with ``wordy``).

    ``spread=False`` (every schedule ran once) drops "(mean ± std)".
    """
    head = ["schedule"] + [c[1 if wordy else 0].format(m=metric) for c in _COLUMNS]
    if not spread:
        head[1] = f"final {metric}"
    return head


def comparison_cells(r: dict[str, Any], *, wordy: bool = False) -> list[str]:
    """The cells of one comparison row (``lrkit.bench.aggregate``), after the label.

    final (mean ± std over the finite runs, just the mean for one run;
    accuracy in percent; another metric with 4 decimals, or 4 significant
    digits when below 1, in scientific notation from 1e6; ``nan`` when not
    finite), best epoch (``-`` when
    none), epochs to target (``-`` without a target, ``never`` when no run
    reached it), wall seconds, updates (+ the finder's), diverged/runs.
    ``wordy`` gives the HTML report's longer wording (``" %"``, ``"(2/3
    runs)"``, ``"300 + 40"``) instead of the terminal's (``"%"``, ``"ep
    (2/3)"``, ``"300+40"``).

    >>> row = {"final_mean": 0.9512, "final_std": 0.0, "metric_name": "accuracy", "runs": 1,
    ...        "diverged": 0, "best_epoch": 3.0, "target": None, "time_to_target": None,
    ...        "reached": 0, "wall_time": 1.25, "steps": 300, "overhead_steps": 0}
    >>> comparison_cells(row)
    ['95.12%', '3.0', '-', '1.2', '300', '0/1']
    """
    fm, fs = r["final_mean"], r["final_std"]
    spread = r["runs"] - r["diverged"] > 1
    pct = r["metric_name"] == "accuracy"
    if not math.isfinite(fm):
        final = "nan"
    elif pct:
        final = f"{100 * fm:.2f}" + (f" ± {100 * fs:.2f}" if spread else "")
        final += " %" if wordy else "%"
    elif abs(fm) >= 1e6:  # a loss that blew up: not a row of 100 digits
        final = f"{fm:.4e}" + (f" ± {fs:.4e}" if spread else "")
    else:  # 4 decimals, more below 1 to keep 4 significant digits (a small loss)
        d = min(max(4, 3 - math.floor(math.log10(abs(fm)))), 12) if fm else 4
        final = f"{fm:.{d}f}" + (f" ± {fs:.{d}f}" if spread else "")
    be = "-" if not math.isfinite(r["best_epoch"]) else f"{r['best_epoch']:.1f}"
    if r["target"] is None:
        tt = "-"
    elif r["time_to_target"] is None:
        tt = "never"
    elif wordy:
        tt = f"{r['time_to_target']:.1f} ({r['reached']}/{r['runs']} runs)"
    else:
        tt = f"{r['time_to_target']:.1f} ep ({r['reached']}/{r['runs']})"
    upd = str(r["steps"])
    if r["overhead_steps"]:
        upd += f"{' + ' if wordy else '+'}{r['overhead_steps']}"
    return [final, be, tt, f"{r['wall_time']:.1f}", upd, f"{r['diverged']}/{r['runs']}"]


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], first_width: int = 48) -> str:
    """Aligned plain text: the first column left-aligned (cut to ``first_width`` with "…"),
    the others right-aligned, a dashed rule under the header.

    >>> print(text_table(["name", "value"], [["a", "1"], ["long name", "10"]]))
    name       value
    ---------  -----
    a              1
    long name     10
    """
    lines = [tuple(header)] + [tuple(r) for r in rows]
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    widths[0] = min(widths[0], first_width)

    def fmt(row: tuple[str, ...]) -> str:
        first = row[0] if len(row[0]) <= widths[0] else row[0][: widths[0] - 1] + "…"
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "  ".join([first.ljust(widths[0])] + rest)

    out = [fmt(lines[0]), "  ".join("-" * w for w in widths)] + [fmt(r) for r in lines[1:]]
    return "\n".join(out)


def same_final(a: float, b: float) -> bool:
    """Two final metrics equal up to float rounding: accuracies are float32 counts over a
    test split (the same count reads ~6e-8 apart), so a tie must not read as a win."""
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _rows_table(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The comparison table; ``best`` lists every row whose final mean ties with the best
    one (:func:`same_final`)."""
    sign = 1.0 if rows[0]["higher_is_better"] else -1.0
    finals = [sign * r["final_mean"] for r in rows]
    top = max((v for v in finals if math.isfinite(v)), default=math.nan)
    best = [i for i, v in enumerate(finals) if math.isfinite(v) and same_final(v, top)]
    out = [[r["label"], *comparison_cells(r, wordy=True)] for r in rows]
    spread = any(r["runs"] > 1 for r in rows)
    header = comparison_header(rows[0]["metric_name"], wordy=True, spread=spread)
    return {"header": header, "rows": out, "best": best}


def _table_note(rows: Sequence[dict[str, Any]], budget: int) -> str:
    r = rows[0]
    t = "" if r["target"] is None else f" Target {r['metric_name']}: {r['target']:g}."
    return (
        f"{r['runs']} seed(s) per schedule, same budget ({budget} updates) for each; "
        f"the finder's updates are counted separately.{t} Best final value highlighted (every "
        "row tied with it)."
    )
