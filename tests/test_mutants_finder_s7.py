"""Direct tests for finder behaviours that the seed-7 mutation sample
(``benchmarks/mutation.py --seed 7``, ``benchmarks/results/mutation_seed7.md``)
showed no other test pinned; written after that sample ran."""

import numpy as np

from lrkit.finder import FinderResult, sweep_lrs
from lrkit.finder.figure import finder_figure


def _res(z):
    z = np.asarray(z, dtype=np.float64)
    lrs = sweep_lrs(1e-5, 10.0, len(z))
    return FinderResult(lrs, z, z, curve=z, skip_start=0, skip_end=0)


def test_no_range_when_the_minimum_is_at_or_next_to_the_start():
    """``suggest.py:323``: a curve whose minimum is its first point (it never falls), or
    the second (one step of fall), has no (base, max) range: None, not an error."""
    x = np.arange(40)
    rising = 1.0 + (x / 39.0) ** 2
    assert _res(rising).suggest_range() is None
    assert "  range    none" in _res(rising).report().splitlines()
    second = 1.0 + ((x - 1) / 38.0) ** 2
    second[0] = 1.5
    assert _res(second).suggest_range() is None
    bowl = 1.0 + ((x - 25) / 10.0) ** 2  # a real fall: a range
    assert _res(bowl).suggest_range() is not None


def test_the_raw_loss_is_labelled_spiky_only_when_a_loss_is_above_the_chart():
    """``figure.py:99``: the label says "spikes above the chart" when a raw loss is
    above the y cap, not merely above the floor."""
    x = np.arange(60)
    bowl = 1.0 + ((x - 30) / 15.0) ** 2
    fig = finder_figure(_res(bowl))
    assert fig.series[0][0] == "loss" and max(bowl) <= fig.ylim[1]
    spiky = bowl.copy()
    spiky[45] = 100.0
    res = FinderResult(
        sweep_lrs(1e-5, 10.0, 60), spiky, spiky, curve=bowl, skip_start=0, skip_end=0
    )
    fig = finder_figure(res)
    assert fig.series[0][0] == "loss (spikes above the chart)" and 100.0 > fig.ylim[1]


def test_the_interactive_chart_s_margins():
    """``figure.py:167`` (cosmetic): the plotly layout's margins, in pixels."""
    from lrkit.finder.figure import to_plotly

    x = np.arange(60)
    layout = to_plotly(finder_figure(_res(1.0 + ((x - 30) / 15.0) ** 2)))["layout"]
    assert layout["margin"] == {"l": 60, "r": 20, "t": 50, "b": 50}
