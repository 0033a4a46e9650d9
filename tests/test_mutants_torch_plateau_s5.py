"""Direct tests for ``lrkit.torch.plateau`` behaviours that the seed-5 mutation sample
(``benchmarks/mutation.py --seed 5``, ``benchmarks/results/mutation_seed5.md``)
showed no other test pinned."""

from lrkit.torch import EarlyStopping


def _run(es, metrics):
    return [es.step(m) for m in metrics]


def test_early_stopping_resumes_its_call_count_from_the_checkpoint():
    """``plateau.py:452``: the epoch index of the next metric is the saved call count
    (metrics before ``start_step`` are counted as calls but not as updates), so a
    resumed run decides as the uninterrupted one; a checkpoint without ``calls``
    (older) resumes from the number of updates."""
    metrics = [5.0, 4.0, 3.0, 2.9, 3.5, 3.6, 3.7]
    whole = EarlyStopping(patience=2, start_step=3)
    want = _run(whole, metrics)
    assert want == [False] * 5 + [True, True] and whole.best_step == 3
    first = EarlyStopping(patience=2, start_step=3)
    _run(first, metrics[:3])  # steps 0-2: before start_step, ignored
    sd = first.state_dict()
    assert sd["calls"] == 3 and sd["state"]["num_updates"] == 0
    resumed = EarlyStopping(patience=2, start_step=3)
    resumed.load_state_dict(sd)
    assert _run(resumed, metrics[3:]) == want[3:]
    assert resumed.best_step == whole.best_step == 3 and resumed.state_dict() == whole.state_dict()
    # without "calls": the count restarts from num_updates (here after 4 metrics, 4 updates)
    plain = EarlyStopping(patience=2)
    _run(plain, metrics[:4])
    old = plain.state_dict()
    del old["calls"]
    again = EarlyStopping(patience=2)
    again.load_state_dict(old)
    assert again.state_dict()["calls"] == 4
    assert _run(again, metrics[4:]) == [False, True, True]
