"""``lrkit.finder.cycle.Cycle``: endless batches, pass after pass (issue 15, seed 19 pass).

Counters (``passes`` begun, ``served`` batches), the pass numbers handed to
``make_pass`` from ``first`` on, and the two ways data can fail: nothing at all (a
ConfigError worded with ``where`` and ``name``) or nothing on a later pass (a one-shot
iterator: LoaderExhausted, which ends a sweep keeping its points).
"""

from __future__ import annotations

import itertools

import pytest

import lrkit
from lrkit.errors import ConfigError
from lrkit.finder import LoaderExhausted
from lrkit.finder.cycle import Cycle


def test_cycle_passes_counters_and_pass_numbers():
    seen = []

    def make(k):
        seen.append(k)
        return [(k, i) for i in range(3)]

    c = Cycle(make, first=5)
    got = list(itertools.islice(c, 8))
    assert got == [(5, 0), (5, 1), (5, 2), (6, 0), (6, 1), (6, 2), (7, 0), (7, 1)]
    assert seen == [5, 6, 7] and c.passes == 3 and c.served == 8 and c.next_pass == 8
    assert iter(c) is c
    o = Cycle.over([1, 2])
    assert list(itertools.islice(o, 5)) == [1, 2, 1, 2, 1] and o.passes == 3 and o.served == 5


def test_cycle_failures_name_the_data_and_the_caller():
    with pytest.raises(ConfigError, match=r"^plan: the data yielded no batch$"):
        next(Cycle.over([], name="data", where="plan"))
    once = Cycle.over(iter([1, 2, 3]), name="loader")
    assert [next(once) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(LoaderExhausted, match=r"the loader ran out after 3 batches"):
        next(once)
    # a pass that is empty after a full one: exhausted too (one retry per call)
    passes = iter([[1], [], []])
    c = Cycle(lambda k: next(passes))
    assert next(c) == 1
    with pytest.raises(LoaderExhausted, match="after 1 batches"):
        next(c)


def test_a_sweep_over_a_one_shot_loader_stops_exhausted_keeping_its_points():
    data = Cycle.over(iter(range(7)))

    def step(lr):
        next(data)
        return 1.0

    res = lrkit.find(step, steps=20, progress=False)
    assert res.stop_reason == "exhausted" and len(res) == 7 and res.calls == 7
    assert "ran out after 7 batches" in res.stop_detail
