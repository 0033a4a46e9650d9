"""Direct tests for laws behaviours left open by seed 9 (issue 15, seed-10 pass): the
fit's starting points (``_fit.py``: each start inside the solver's box, the floor
``L0`` below the lowest loss at every scale of loss) and a start outside the box
(moved just inside it before the solver sees it)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError
from lrkit.laws import Law, Run
from lrkit.laws._fit import _SPACE, _fit_one, _starts

MPL = {"L0": 0.2, "A": 0.4, "alpha": 0.5, "B": 300.0, "C": 2.0, "beta": 0.6, "gamma": 0.5}
KW = dict(lam=0.999, delta=1e-3, skip_warmup=True, max_nfev=20, weight="step")


def _in_box(name: str, value: float, lmin: float) -> bool:
    kind, lo, hi = _SPACE[name]
    x = math.log(value) if kind == "log" else value
    hi = lmin * (1 - 1e-6) if name == "L0" else hi
    return lo < x < hi


@pytest.mark.parametrize("law", ["multi_power", "momentum"])
@pytest.mark.parametrize("lmin", [0.05, 0.3, 0.69, 2.0, 40.0])
def test_every_start_lies_strictly_inside_the_fit_s_box(law, lmin):
    """The fit is bounded (docs/laws.md, "Fit"; ``fit``'s docstring: ``L0`` in
    [0, (1 - 1e-6) x the lowest loss)). Every fixed starting point lies strictly inside
    those bounds whatever the scale of the losses, fine-tuning losses below 1 included:
    a start outside would only be clipped onto the edge, a different start."""
    starts = _starts(law, lmin)
    assert len(starts) >= 2
    for s in starts:
        for name, value in s.items():
            assert _in_box(name, value, lmin), (name, value, lmin)
    # distinct starts: the multi-start fit tries different floors, both below lmin
    floors = sorted(s["L0"] for s in starts)
    assert floors[0] < floors[-1] < lmin


def _runs() -> list[Run]:
    law = Law("multi_power", MPL)
    out = []
    for s in (lrkit.cosine(3e-3, 3e-4, steps=400), lrkit.constant(3e-3, steps=400)):
        steps = np.arange(10, 400, 10)
        out.append(Run(s, steps, law.predict(s, steps)))
    return out


def test_a_start_outside_the_box_is_moved_just_inside_it():
    """``_fit_one``'s ``start`` (the profile's warm start) is clipped into the open box
    before the solver (scipy's ``least_squares`` rejects an infeasible start): a start
    whose ``L0`` is above every loss and whose ``alpha`` is above its bound 3 still
    fits, with ``L0`` below the lowest loss."""
    runs = _runs()
    lmin = min(float(r.losses.min()) for r in runs)
    start = {**MPL, "L0": 2.0 * lmin, "alpha": 3.5}
    law, cost = _fit_one(runs, "multi_power", start=start, **KW)
    assert np.isfinite(cost)
    assert 0.0 <= law.params["L0"] < lmin
    assert law.params["alpha"] <= 3.0


@pytest.mark.parametrize(("steps", "bad"), [([3, 1], 1), ([4, 0, 2], 0), ([2, 3, 1, 0], 1)])
def test_predict_names_the_first_requested_step_before_any_rate(steps, bad):
    """``predict`` at a step where the summed rate S(t) is still 0 raises, naming the
    first such step in the order given (steps need not be sorted); steps where S(t) is
    positive but below 1 (rates of 0.25 from step 2) are valid."""
    eta = np.array([0.0, 0.0, 0.25, 0.25, 0.25])
    law = Law("multi_power", MPL)
    with pytest.raises(ConfigError, match=rf"after the first non-zero rate, got step {bad} "):
        law.predict(eta, steps)
    got = law.predict(eta, [4, 2, 3])  # S = 0.75, 0.25, 0.5: all below 1, all valid
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, law.predict(eta, [2, 3, 4])[[2, 0, 1]], rtol=1e-12)
