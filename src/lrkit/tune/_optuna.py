"""Optuna glue: storage from a URL or a journal path; the law rule as an Optuna pruner.

``optuna`` is imported inside the functions only.
"""

from __future__ import annotations

import math
import os
from typing import Any

from .._validate import check_int, check_number
from ..errors import ConfigError
from ._rule import LawRule

__all__ = ["open_storage", "law_pruner", "run_study"]

_RDB = ("sqlite:", "postgresql", "mysql", "oracle", "mssql")


def open_storage(storage: str) -> Any:
    """An Optuna storage several processes can share.

    ``storage``: an RDB URL (``sqlite:///study.db``, ``postgresql://...``) or
    the path of a journal file (``optuna.storages.JournalStorage`` over a
    ``JournalFileBackend``: no server, processes on one file system share it).
    Processes may open one new database at once (the losers of the race to
    create Optuna's tables try again). An in-memory SQLite URL is a
    :class:`ConfigError`: no other process sees it.
    The journal's folder must exist; an existing file must be an Optuna
    journal, not ending in a partial record (anything else is a
    :class:`ConfigError`, the file left as it was).
    """
    import optuna  # noqa: F401  (no Optuna: fail here, before any file is read)

    if not isinstance(storage, str) or not storage.strip():
        raise ConfigError(f"--storage must be an RDB URL or a journal file path, got {storage!r}")
    if "://" in storage:
        if not storage.startswith(_RDB):
            raise ConfigError(
                f"--storage: an RDB URL starts with sqlite://, postgresql://, mysql://, ... "
                f"got {storage!r}"
            )
        if _in_memory(storage):
            raise ConfigError(
                f"--storage {storage!r} is an in-memory database, which no other process "
                "(nor a rerun) sees; give a file, e.g. sqlite:///study.db"
            )
        return _open_rdb(storage)
    folder = os.path.dirname(os.path.abspath(storage))
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ConfigError(f"--storage {storage!r}: {folder} is a file, not a folder")
    if not os.path.isdir(folder):
        raise ConfigError(f"--storage {storage!r}: folder {folder} does not exist")
    if os.path.isdir(storage):
        raise ConfigError(f"--storage {storage!r} is a folder; give a journal file path")
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    not_journal = (
        f"--storage {storage!r} is not an Optuna journal file (%s); "
        "give a new file's path or a journal Optuna wrote"
    )
    try:
        with open(storage, "rb") as f:  # before Optuna appends to it
            first = f.readline()
    except FileNotFoundError:
        first = b""
    except OSError as e:
        raise ConfigError(f"--storage {storage!r}: cannot open the journal: {e}") from None
    if first.startswith(b"SQLite format 3\x00"):  # a database given as a path
        raise ConfigError(
            f"--storage {storage!r} is an SQLite database, not a journal file: give it as "
            f"a URL, sqlite:///{storage}"
        )
    if first and not _journal_record(first):
        raise ConfigError(not_journal % f"its first line is {first[:40]!r}")
    if first and _partial_end(storage):
        raise ConfigError(
            f"--storage {storage!r} ends in a partial record (its writer stopped while "
            "writing it); Optuna would append after it and make the whole journal "
            "unreadable: remove that last line"
        )
    try:
        return JournalStorage(JournalFileBackend(storage))
    except OSError as e:
        raise ConfigError(f"--storage {storage!r}: cannot open the journal: {e}") from None
    except Exception as e:  # Optuna replays the file: JSON, key and type errors, asserts
        raise ConfigError(not_journal % f"{type(e).__name__}: {e}") from None


def _in_memory(url: str) -> bool:
    """Whether ``url`` is an in-memory SQLite database (``sqlite://``, ``sqlite:///``,
    ``sqlite:///:memory:``): each connection to it is another, empty database."""
    if not url.startswith("sqlite:"):
        return False
    try:
        from sqlalchemy.engine import make_url

        database = make_url(url).database
    except Exception:  # pragma: no cover - a URL SQLAlchemy cannot read: RDBStorage says so
        return False
    return database in (None, "", ":memory:")


def _open_rdb(url: str, attempts: int = 5) -> Any:
    """``RDBStorage(url)``, tried again a few times: processes opening one new database at
    once all create Optuna's tables, and all but one fail ("table studies already
    exists", a UNIQUE constraint on ``alembic_version``); a new try finds them made."""
    import time

    import optuna

    for attempt in range(attempts):
        try:
            return optuna.storages.RDBStorage(url)
        except Exception as e:  # SQLAlchemy raises many kinds for a bad URL
            if attempt == attempts - 1 or not _dbapi_error(e):
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise ConfigError(f"--storage {url!r}: cannot open the database: {first}") from None
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _dbapi_error(e: BaseException) -> bool:
    """Whether ``e`` is an error the database raised (not a bad URL or a missing driver)."""
    try:
        from sqlalchemy.exc import DBAPIError
    except ImportError:  # pragma: no cover - Optuna's RDB storage needs SQLAlchemy
        return False
    return isinstance(e, DBAPIError)


def _partial_end(path: str) -> bool:
    """Whether the journal at ``path`` ends in a record without its newline, still so a
    moment later (not another process's write in progress)."""
    import time

    for attempt in range(2):
        try:
            with open(path, "rb") as f:
                f.seek(-1, os.SEEK_END)
                if f.read(1) == b"\n":
                    return False
        except OSError:  # gone or emptied meanwhile: Optuna's to judge
            return False
        if attempt == 0:
            time.sleep(0.2)
    return True


def _journal_record(line: bytes) -> bool:
    """Whether ``line`` is a record of an Optuna journal (a JSON object with an ``op_code``)."""
    import json

    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and "op_code" in record


def law_pruner(
    total_steps: int, *, schedule_attr: str = "schedule", schedule_of: Any = None, **options: Any
) -> Any:
    """An Optuna pruner applying the law rule (:class:`LawRule`).

    Trials report their training loss with ``trial.report(loss, step)`` (step:
    the update index) and carry their schedule's spec in
    ``trial.user_attrs[schedule_attr]`` (:meth:`Space.suggest` sets it). At
    each ``should_prune()`` the curves of every trial of the study (running,
    complete or pruned) feed the law; ``options`` go to :class:`LawRule`.
    ``schedule_of(frozen_trial)``, when given, returns a trial's schedule
    instead (a spec, a schedule or per-step rates; ``None``: not known).
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
                sched = schedule_of(t) if schedule_of else t.user_attrs.get(schedule_attr)
                if sched is None or not t.intermediate_values:
                    continue
                steps = sorted(t.intermediate_values)
                self.rule.update(t.number, sched, steps, [t.intermediate_values[s] for s in steps])
            if trial.number not in self.rule.curves:
                return False
            return self.rule.should_stop(trial.number, int(step))

    return LawPruner()


def run_study(
    objective: Any,
    storage: str,
    study_name: str,
    trials: int,
    *,
    direction: str = "minimize",
    sampler: Any = None,
    pruner: Any = None,
    wait: float = 120.0,
) -> dict[str, Any]:
    """Run ``trials`` trials of ``objective(trial)`` in the shared study ``study_name``.

    The study is created in ``storage`` (:func:`open_storage`) if it is not
    there, else joined: several processes given the same storage and name
    share it (each runs its own ``trials``). Afterwards the trials still
    running elsewhere are waited for, up to ``wait`` seconds, so that the
    processes report the same best trial (a trial another process has yet to
    start is not waited for: a process that finishes while another is between
    trials reports without it). A trial records the process running it (host,
    process namespace and id, a system attribute): the trial of a process of
    this host that is gone (killed mid-trial) is marked failed, before the
    trials and while waiting, instead of being waited for (a process on another
    host, or in another container, cannot be checked: its trial is waited for,
    up to ``wait``). Returns ``{"study": name, "trials": finished count,
    "complete": count, "pruned": count, "failed": count (a trial whose value was
    NaN, that raised, or whose process was gone),
    "not_finite": count (of those, the trials whose value was NaN), "abandoned":
    count (of those, the trials whose process was gone), "running":
    count, "best": {number, value, params, user_attrs} or None, "mine": [numbers run
    here]}``.
    """
    import time

    o = "run_study"
    trials = check_int(o, "trials", trials, low=0)
    wait = check_number(o, "wait", wait, nonneg=True)
    if not isinstance(study_name, str) or not study_name:
        raise ConfigError(f"{o}: study_name must be a non-empty str, got {study_name!r}")
    if direction not in ("minimize", "maximize"):
        raise ConfigError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
    store = open_storage(storage)
    study = join_study(store, study_name, direction, sampler, pruner)
    study_id = store.get_study_id_from_name(study_name)
    mine: list[int] = []

    def record(study: Any, trial: Any) -> None:
        mine.append(trial.number)

    def marked(trial: Any) -> Any:
        trial_id = store.get_trial_id_from_study_id_trial_number(study_id, trial.number)
        store.set_trial_system_attr(trial_id, _WORKER, _worker())
        value = objective(trial)
        if _is_nan(value):  # Optuna fails the trial; say why
            store.set_trial_system_attr(trial_id, _NAN, True)
        return value

    _fail_abandoned(store, study_id, study)
    if trials > 0:
        study.optimize(marked, n_trials=trials, callbacks=[record])
    deadline = time.monotonic() + wait
    while _fail_abandoned(store, study_id, study) and time.monotonic() < deadline:
        time.sleep(0.5)
    return {"study": study_name, **_summary(study), "mine": mine}


def join_study(
    store: Any, name: str, direction: str, sampler: Any = None, pruner: Any = None
) -> Any:
    """The study ``name`` in ``store`` (:func:`open_storage`), created if it is not there;
    ConfigError when the one there optimizes in the other direction."""
    import optuna

    study = optuna.create_study(
        storage=store,
        study_name=name,
        direction="maximize" if direction == "maximize" else "minimize",
        sampler=sampler,
        pruner=pruner,
        load_if_exists=True,
    )
    if study.direction.name.lower() != direction:
        raise ConfigError(
            f"--storage: study {name!r} there is a {study.direction.name.lower()} study, "
            f"this run needs {direction}"
        )
    return study


def _summary(study: Any) -> dict[str, Any]:
    """The counts of :func:`run_study`'s result (every trial of the study) and its best."""
    import optuna

    states = optuna.trial.TrialState
    all_trials = study.get_trials(deepcopy=False)
    failed = [t for t in all_trials if t.state == states.FAIL]
    complete = [t for t in all_trials if t.state == states.COMPLETE]
    best = None
    if complete:
        b = study.best_trial
        best = {"number": b.number, "value": b.value, "params": b.params,
                "user_attrs": b.user_attrs}  # fmt: skip
    return {
        "trials": sum(t.state.is_finished() for t in all_trials),
        "complete": len(complete),
        "pruned": sum(t.state == states.PRUNED for t in all_trials),
        "failed": len(failed),
        "not_finite": sum(_NAN in t.system_attrs for t in failed),
        "abandoned": sum(_ABANDONED in t.system_attrs for t in failed),
        "running": sum(t.state == states.RUNNING for t in all_trials),
        "best": best,
    }


#: the system attribute of a trial naming the process that runs it (:func:`_worker`)
_WORKER = "lrkit:worker"
#: the system attribute of a trial failed because its process was gone
_ABANDONED = "lrkit:abandoned"
#: the system attribute of a trial failed because its objective's value was NaN
_NAN = "lrkit:nan"


def _is_nan(value: Any) -> bool:
    try:
        return math.isnan(value)
    except TypeError:  # several objectives, or not a number: Optuna judges it
        return False


def _worker() -> str:
    """This process: ``host:pid-namespace:pid`` (containers sharing a host name, as with
    host networking, have their own process ids: they are told apart)."""
    import socket

    try:
        ns = os.readlink("/proc/self/ns/pid")
    except OSError:  # not Linux
        ns = ""
    return f"{socket.gethostname()}:{ns}:{os.getpid()}"


def _gone(worker: Any) -> bool:
    """Whether ``worker`` (:func:`_worker`) is a process of this host and process namespace
    that no longer runs."""
    if not isinstance(worker, str) or os.name == "nt":  # os.kill(pid, 0) ends it on Windows
        return False
    here = _worker().rsplit(":", 1)[0]
    where, _, pid = worker.rpartition(":")
    if where != here or not here.split(":", 1)[1] or not pid.isdigit():
        return False  # another host or namespace (or none known): cannot be checked
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process, ...: alive
        return False
    return False


def _fail_abandoned(store: Any, study_id: int, study: Any) -> int:
    """Mark failed the running trials whose process (of this host) is gone; return how
    many trials are still running."""
    import optuna

    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    left = len(running)
    for t in running:
        if not _gone(t.system_attrs.get(_WORKER)):
            continue
        trial_id = store.get_trial_id_from_study_id_trial_number(study_id, t.number)
        try:
            store.set_trial_system_attr(trial_id, _ABANDONED, True)
            store.set_trial_state_values(trial_id, optuna.trial.TrialState.FAIL)
        except optuna.exceptions.UpdateFinishedTrialError:
            pass  # it finished (or another process failed it) meanwhile
        left -= 1
    return left
