"""Direct tests for plateau behaviours that the seed-5 mutation sample
(``benchmarks/mutation.py --seed 5``, ``benchmarks/results/mutation_seed5.md``)
showed no other test pinned."""

import math

from lrkit.control import PlateauConfig, PlateauState, plateau_init, plateau_update


def test_num_updates_counts_each_metric_taken_into_account_once():
    """``control.py:536``: ``num_updates`` is the number of metrics taken into account;
    skipped ones (a NaN with ``nan="skip"``, a step before ``start_step``) are not."""
    cfg = PlateauConfig(patience=1, nan="skip", start_step=2)
    st = plateau_init(cfg)
    metrics = [(0, 1.0), (1, 0.5), (2, 1.0), (3, math.nan), (4, 0.9), (5, 0.9), (6, 0.9)]
    seen = []
    for step, m in metrics:
        st = plateau_update(cfg, st, m, step=step)
        seen.append(st.num_updates)
    assert seen == [0, 0, 1, 1, 2, 3, 4]
    assert st.num_reductions == 1  # 1.0, then 0.9 better, 0.9, 0.9: two bad > patience 1
    assert PlateauState.from_dict(st.to_dict()).num_updates == 4
