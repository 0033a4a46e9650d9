"""examples/quickstart.ipynb runs from top to bottom in a real Jupyter kernel (nbclient).

The kernel is this interpreter (ipykernel's own spec), with this environment, so
it imports the lrkit under test.
"""

from __future__ import annotations

import os

import nbformat
from nbclient import NotebookClient

import lrkit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, "examples", "quickstart.ipynb")


def _text(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            out.append(o["text"])
        elif "data" in o and "text/plain" in o["data"]:
            out.append(o["data"]["text/plain"])
    return "".join(out)


def test_quickstart_notebook_runs(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # committed without outputs, so the diff of a change shows the code only
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError with the cell's traceback on failure
    code = [c for c in nb.cells if c.cell_type == "code"]
    s = lrkit.warmup(lrkit.cosine(0.1, 1e-5), steps="5%").bind(total_steps=1_000)
    # the schedule's repr, its values and the spec round trip, as a user sees them
    assert _text(code[0]).strip() == repr(s)
    first = _text(code[1]).splitlines()[0].split()
    assert [float(v) for v in first] == [s(0), s(50), s(999)]
    assert str(s) in _text(code[3])
    # the plot cell displays a PNG
    assert any("image/png" in o.get("data", {}) for o in code[2]["outputs"])
    # the range test reports a suggestion and builds a schedule from it
    report = _text(code[4])
    assert report.startswith("range test:") and "auto" in report and "range" in report
    last = _text(code[5]).split()
    # the sweep diverges near lr=4 on this least-squares problem: a sound rate is well below
    assert 1e-3 < float(last[0]) < 1 and "one_cycle" in _text(code[5])
    # rich display: the schedule and the range-test result show as figures, .plot() a Figure
    assert any("image/png" in o.get("data", {}) for o in code[0]["outputs"])
    assert _text(code[6]).splitlines()[0] == "Figure 1000"
    assert any("image/png" in o.get("data", {}) for o in code[6]["outputs"])
