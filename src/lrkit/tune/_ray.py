"""Ray glue: run independent cells as Ray tasks; the law rule as a Ray Tune ``Stopper``.

``ray`` is imported inside the functions only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ConfigError, LrkitError
from ._rule import LawRule

__all__ = ["init_ray", "check_address", "map_cells", "law_stopper"]


def init_ray(address: str | None = None, *, num_cpus: int | None = None) -> dict[str, Any]:
    """Start a local Ray (``address=None``) or join the cluster at ``address``.

    Reuses a Ray already initialised in this process. A local start has no
    dashboard and keeps the workers' output off the driver. Returns
    ``ray.cluster_resources()``. A cluster that cannot be reached is a
    :class:`ConfigError` naming ``address``.
    """
    import ray

    if not ray.is_initialized():
        if address is not None:
            check_address(address)
        try:
            if address is None:
                ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as e:
            where = "a local Ray" if address is None else f"--address {address!r}"
            raise ConfigError(f"could not start or join {where}: {e}") from None
    return dict(ray.cluster_resources())


def check_address(address: str, timeout: float = 5.0) -> None:
    """Refuse a ``host:port`` or ``ray://host:port`` cluster address that takes no TCP
    connection: Ray itself retries an unreachable one for many minutes (ignoring
    SIGTERM). Other forms (``auto``, ``local``) are left to Ray."""
    import socket

    rest = address[len("ray://") :] if address.startswith("ray://") else address
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit():
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return
    except (OSError, OverflowError) as e:
        raise ConfigError(f"--address {address!r} cannot be reached: {e}") from None


def _call_one_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` with one torch thread (when torch is there)."""
    import sys

    if "torch" in sys.modules or _has_torch():
        import torch

        torch.set_num_threads(1)
    return fn(*args, **kwargs)


def _has_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def map_cells(
    fn: Callable[..., Any],
    cells: Sequence[tuple[tuple[Any, ...], dict[str, Any]]],
    *,
    address: str | None = None,
    on_result: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``[fn(*args, **kwargs) for (args, kwargs) in cells]``, each cell a Ray task.

    Each task uses one CPU and one torch thread. ``fn`` and its arguments must
    be picklable (a module-level function). ``on_result(i, value)`` is called
    as each cell finishes (in finishing order); the list returned is in cell
    order. A task's exception is raised again here (the first one met): an
    :class:`lrkit.errors.LrkitError` (a user's error) as itself, any other
    as Ray gives it (the remote traceback in its message).
    An argument object shared by several cells (the task and its data) is put
    in Ray's object store once, not sent with every cell.
    """
    import ray

    init_ray(address)
    _ship_user_task_modules()
    remote = ray.remote(num_cpus=1)(_call_one_thread)
    fn_ref = ray.put(fn)
    shared: dict[int, Any] = {}

    def once(x: Any) -> Any:
        if isinstance(x, (str, int, float, bool, type(None))):
            return x
        if id(x) not in shared:
            shared[id(x)] = (ray.put(x), x)  # keep x alive: its id stays unique
        return shared[id(x)][0]

    refs = [remote.remote(fn_ref, *[once(x) for x in a], **dict(k)) for a, k in cells]
    index = {r: i for i, r in enumerate(refs)}
    out: list[Any] = [None] * len(refs)
    pending = list(refs)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            i = index[ref]
            try:
                out[i] = ray.get(ref)
            except ray.exceptions.RayTaskError as e:
                for r in pending:
                    ray.cancel(r)
                if isinstance(e.cause, LrkitError):  # a user's error: itself, as serially
                    raise e.cause from None
                raise e.as_instanceof_cause() from None
            if on_result is not None:
                on_result(i, out[i])
    return out


def _ship_user_task_modules() -> None:
    """Send the code of tasks loaded from a ``.py`` file with the cells.

    ``lrkit bench --task path/to/file.py:function`` loads the file as a module
    that exists only in this process (:mod:`lrkit.tasks._load`); a Ray worker
    could not import it by name, so it is pickled by value instead.
    """
    import sys

    from ray import cloudpickle

    for name, module in list(sys.modules.items()):
        if name.startswith("_lrkit_user_task_") and module is not None:
            cloudpickle.register_pickle_by_value(module)


def law_stopper(
    total_steps: int,
    *,
    metric: str = "loss",
    step_key: str = "step",
    schedule_key: str = "schedule",
    **options: Any,
) -> Any:
    """A Ray Tune ``Stopper`` applying the law rule (:class:`LawRule`) to every trial.

    Each trial reports ``{metric: training loss, step_key: update index}`` and
    has its schedule's spec in ``config[schedule_key]`` (as
    :meth:`Space.to_ray` gives). ``options`` go to :class:`LawRule`
    (``margin``, ``grace``, ``min_trials``, ...). Give it as
    ``tune.RunConfig(stop=law_stopper(T))``; its ``rule`` attribute holds the
    state (curves, last predictions).
    """
    from ray.tune import Stopper

    rule = LawRule(total_steps, **options)

    class LawStopper(Stopper):
        """Stops a trial whose predicted final loss is beyond the margin of the best."""

        def __init__(self) -> None:
            self.rule = rule

        def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
            config = result.get("config") or {}
            if metric not in result or step_key not in result or schedule_key not in config:
                raise ConfigError(
                    f"law_stopper: each report needs {metric!r} and {step_key!r}, and the "
                    f"trial's config needs {schedule_key!r}; got report keys "
                    f"{sorted(k for k in result if k != 'config')}"
                )
            step = int(result[step_key])
            self.rule.record(trial_id, config[schedule_key], step, float(result[metric]))
            return self.rule.should_stop(trial_id, step)

        def stop_all(self) -> bool:
            return False

    return LawStopper()
