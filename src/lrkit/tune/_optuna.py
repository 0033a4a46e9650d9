"""Optuna glue: storage from a URL or a journal path; the law rule as an Optuna pruner.

``optuna`` is imported inside the functions only.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import ConfigError
from ._rule import LawRule

__all__ = ["open_storage", "law_pruner"]

_RDB = ("sqlite:", "postgresql", "mysql", "oracle", "mssql")


def open_storage(storage: str) -> Any:
    """An Optuna storage several processes can share.

    ``storage``: an RDB URL (``sqlite:///study.db``, ``postgresql://...``) or
    the path of a journal file (``optuna.storages.JournalStorage`` over a
    ``JournalFileBackend``: no server, processes on one file system share it).
    The journal's folder must exist.
    """
    import optuna

    if not isinstance(storage, str) or not storage.strip():
        raise ConfigError(f"--storage must be an RDB URL or a journal file path, got {storage!r}")
    if "://" in storage:
        if not storage.startswith(_RDB):
            raise ConfigError(
                f"--storage: an RDB URL starts with sqlite://, postgresql://, mysql://, ... "
                f"got {storage!r}"
            )
        try:
            return optuna.storages.RDBStorage(storage)
        except Exception as e:  # SQLAlchemy raises many kinds for a bad URL
            raise ConfigError(f"--storage {storage!r}: cannot open the database: {e}") from None
    folder = os.path.dirname(os.path.abspath(storage))
    if not os.path.isdir(folder):
        raise ConfigError(f"--storage {storage!r}: folder {folder} does not exist")
    if os.path.isdir(storage):
        raise ConfigError(f"--storage {storage!r} is a folder; give a journal file path")
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    try:
        return JournalStorage(JournalFileBackend(storage))
    except OSError as e:
        raise ConfigError(f"--storage {storage!r}: cannot open the journal: {e}") from None


def law_pruner(total_steps: int, *, schedule_attr: str = "schedule", **options: Any) -> Any:
    """An Optuna pruner applying the law rule (:class:`LawRule`).

    Trials report their training loss with ``trial.report(loss, step)`` (step:
    the update index) and carry their schedule's spec in
    ``trial.user_attrs[schedule_attr]`` (:meth:`Space.suggest` sets it). At
    each ``should_prune()`` the curves of every trial of the study (running,
    complete or pruned) feed the law; ``options`` go to :class:`LawRule`.
    """
    from optuna.pruners import BasePruner

    rule = LawRule(total_steps, **options)

    class LawPruner(BasePruner):
        """Prunes a trial whose predicted final loss is beyond the margin of the best."""

        def __init__(self) -> None:
            self.rule = rule

        def prune(self, study: Any, trial: Any) -> bool:
            step = trial.last_step
            if step is None:
                return False
            for t in study.get_trials(deepcopy=False):
                sched = t.user_attrs.get(schedule_attr)
                if sched is None or not t.intermediate_values:
                    continue
                steps = sorted(t.intermediate_values)
                self.rule.update(t.number, sched, steps, [t.intermediate_values[s] for s in steps])
            if trial.user_attrs.get(schedule_attr) is None:
                return False
            return self.rule.should_stop(trial.number, int(step))

    return LawPruner()
