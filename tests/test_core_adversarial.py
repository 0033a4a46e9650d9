"""Defects found by adversarial use of the core, the analysis helpers and the small CLI
verbs: each test names what was wrong before its fix."""

from __future__ import annotations

import re

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError


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
