"""Direct tests for ``lrkit.torch`` behaviours that a fresh sampled mutation run
(``benchmarks/mutation.py``, seed 4) showed no other test pinned."""

import math

import pytest

from lrkit.torch import total_steps


@pytest.mark.parametrize(
    ("batches", "accumulation", "world_size"),
    [(3, 4, 1), (1, 2, 1), (8, 3, 4), (11, 7, 2)],
)
def test_total_steps_refuses_an_epoch_with_no_full_accumulation_when_partial_is_drop(
    batches, accumulation, world_size
):
    """``partial="drop"`` with fewer batches per process than ``accumulation``:
    ``floor(ceil(b / W) / A) = 0`` updates per epoch, so the run would never step; it
    is refused (returning 0 total steps would bind every schedule to an empty run)."""
    per_rank = math.ceil(batches / world_size)
    assert per_rank < accumulation
    with pytest.raises(ValueError, match=r"partial='drop' makes no optimizer update") as e:
        total_steps(5, batches, accumulation=accumulation, world_size=world_size, partial="drop")
    assert f"an epoch of {per_rank} batches per process" in str(e.value)
    # the same loop with partial="step" makes one (partial) update per epoch
    assert (
        total_steps(5, batches, accumulation=accumulation, world_size=world_size, partial="step")
        == 5
    )


def test_total_steps_drop_at_exactly_one_full_accumulation():
    """The boundary: ``ceil(b / W) == A`` is exactly one update per epoch."""
    assert total_steps(7, 6, accumulation=6, partial="drop") == 7
    assert total_steps(7, 12, accumulation=3, world_size=4, partial="drop") == 7
    assert total_steps(7, 13, accumulation=4, world_size=4, partial="drop") == 7  # ceil(13/4) = 4
