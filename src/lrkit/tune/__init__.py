"""Schedule sweeps on Ray Tune and Optuna: spaces of schedules, and a law-based stopper.

- :func:`space`: a space of schedules (shapes, log-uniform peak, warmup,
  cooldown) whose every point is a spec string that round-trips;
  ``to_ray()`` gives a Ray Tune ``param_space``, ``suggest(trial)`` an
  Optuna suggestion, ``sample(rng)`` a random point.
- :func:`law_stopper` (Ray Tune) and :func:`law_pruner` (Optuna): stop the
  trials whose *predicted final* loss (a loss-curve law fitted on the
  partial curves, each under its own schedule) is beyond a margin of the
  best, instead of comparing losses at equal steps as ASHA and median
  pruning do (:class:`LawRule` holds the rule).
- :func:`map_cells`: independent cells as Ray tasks (``lrkit bench --backend ray``);
  :func:`open_storage`: an Optuna storage from an RDB URL or a journal file path.

``ray`` and ``optuna`` are imported only inside the functions that need them.

>>> from lrkit.tune import space
>>> s = space(["cosine"], peak=0.01, warmup=0.05)
>>> s.spec({"shape": "cosine", "peak": 0.01, "warmup": 5})
"warmup(cosine(start=0.01), steps='5%')"
"""

from __future__ import annotations

from ._optuna import law_pruner, open_storage, run_study
from ._ray import init_ray, law_stopper, map_cells
from ._rule import LawRule, predicted_finals
from ._space import SHAPES, Space, parse_space, space

__all__ = [
    "space",
    "Space",
    "SHAPES",
    "parse_space",
    "LawRule",
    "predicted_finals",
    "law_stopper",
    "law_pruner",
    "map_cells",
    "init_ray",
    "open_storage",
    "run_study",
]
