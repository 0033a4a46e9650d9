"""Load a task by name or from the user's own code: ``NAME`` or ``module:function``.

The built-in tasks (:data:`lrkit.tasks.TASKS`) are examples of a small
protocol. A task is any object with

- ``make_model()`` -> a fresh ``torch.nn.Module`` (the same initialisation every call),
- ``train_loader(epoch)`` -> an iterable of ``(x, y)`` batches for that epoch,
- ``loss_fn(output, y)`` -> a scalar loss tensor,
- ``steps_per_epoch`` -> optimizer updates per epoch (an int),

and optionally ``name``, ``make_optimizer(model, name, lr, ...)`` (default:
:meth:`lrkit.tasks._info.TaskInfo.make_optimizer`, plain torch SGD / Adam /
AdamW), ``default_lr``, ``default_optimizer``, ``default_epochs``,
``evaluate(model) -> {"loss", "metric"}``, ``metric_name`` and
``higher_is_better``. :func:`load_task` fills the optional ones with the
defaults of :class:`lrkit.tasks._info.TaskInfo`, and what ``lrkit bench``
needs: ``seed``, ``with_seed(s)`` (the function called again with seed
``s``), ``describe()``, ``description`` and, without ``evaluate``, the mean
loss over the batches of ``train_loader(0)`` in eval mode (metric
``"loss"``: a task without held-out data is scored on its training data, and
says so in ``description``).

``module:function`` imports ``module`` (a dotted module name on ``sys.path``
or in the current folder, as ``python -m`` would find it, or a path to a
``.py`` file) and calls ``function(seed=seed, **options)``
(``function()`` when it takes no ``seed``: its task is seed 0's, and
another seed is an error, since every seed would be the same task).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any

from .._validate import check_int
from ..errors import ConfigError, ConfigTypeError
from ._info import TaskInfo

__all__ = ["load_task", "REQUIRED", "check_task"]

#: lrkit's own package folder (frames there are not the user's code)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

#: what every task must offer
REQUIRED = ("make_model", "train_loader", "loss_fn", "steps_per_epoch")

_DEFAULTS = {
    "metric_name": "loss",
    "higher_is_better": False,
    "default_lr": TaskInfo.default_lr,
    "default_optimizer": TaskInfo.default_optimizer,
    "default_epochs": TaskInfo.default_epochs,
}


def _raised(spec: str, what: str, e: BaseException) -> ConfigError:
    """One line for an exception raised by the user's task code while it is loaded:
    what raised it, the exception and the innermost line of the user's code."""
    import traceback

    # the innermost frame in the user's own code: not lrkit's, the interpreter's or a
    # library's (a torch call that raised is reported at the user's line that made it)
    theirs = (_PACKAGE, sys.prefix, sys.base_prefix, sys.exec_prefix)
    where = ""
    for frame in reversed(traceback.extract_tb(e.__traceback__)):
        path = os.path.abspath(frame.filename)
        if not frame.filename.startswith("<") and not path.startswith(theirs):
            where = f" (at {os.path.basename(frame.filename)}:{frame.lineno})"
            break
    return ConfigError(f"--task {spec!r}: {what} raised {type(e).__name__}: {e}{where}")


def _import(module: str, spec: str) -> Any:
    if module.endswith(".py"):
        path = os.path.abspath(module)
        if not os.path.isfile(path):
            raise ConfigError(f"--task {spec!r}: no such file {module!r}")
        name = "_lrkit_user_task_" + os.path.splitext(os.path.basename(path))[0]
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:  # pragma: no cover
            raise ConfigError(f"--task {spec!r}: cannot load {module!r}")
        mod = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = mod
        try:
            loader_spec.loader.exec_module(mod)
        except Exception as e:  # the user's module failed to run: say where, in one line
            raise _raised(spec, f"importing {module!r}", e) from None
        return mod
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        cwd = os.getcwd()
        # `lrkit` runs as a console script, whose sys.path lacks the current folder that
        # `python -m` would add: look there too, so `--task mytask:make_task` finds ./mytask.py
        if e.name != module.split(".")[0] or cwd in sys.path or "" in sys.path:
            raise ConfigError(f"--task {spec!r}: cannot import module {module!r} ({e})") from None
        sys.path.insert(0, cwd)
        return _import(module, spec)
    except ImportError as e:
        raise ConfigError(f"--task {spec!r}: cannot import module {module!r} ({e})") from None
    except Exception as e:
        raise _raised(spec, f"importing {module!r}", e) from None


def _signature(factory: Any) -> tuple[Any, bool]:
    """``factory``'s parameters (by name), and whether it takes ``**kwargs``."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return {}, False
    return params, any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _takes_seed(factory: Any) -> bool:
    """Whether ``factory`` takes ``seed`` (a parameter of that name, or ``**kwargs``)."""
    params, takes_kw = _signature(factory)
    return "seed" in params or takes_kw


def _call(factory: Any, spec: str, seed: int, options: dict[str, Any]) -> Any:
    params, takes_kw = _signature(factory)
    kwargs = dict(options)
    if "seed" in params or takes_kw:  # as _takes_seed
        kwargs["seed"] = seed
    unknown = [k for k in kwargs if k not in params and not takes_kw]
    if unknown:
        raise ConfigError(
            f"--task {spec!r}: the function takes no option(s) {', '.join(unknown)}; "
            f"its parameters: {', '.join(params) or 'none'}"
        )
    try:
        return factory(**kwargs)
    except Exception as e:  # the user's function failed: say where, in one line
        name = getattr(factory, "__name__", "the function")
        raise _raised(
            spec, f"{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})", e
        ) from None


def check_task(task: Any, where: str = "task", reload: Any = None, seed: int = 0) -> Any:
    """``task`` with the optional parts filled in, or ``ConfigTypeError`` naming what is missing.

    ``reload(seed)`` builds the task again for another seed (``with_seed``);
    ``seed`` is the one it was built with (``task.seed`` when it has none).
    """
    if isinstance(task, type):
        raise ConfigTypeError(
            f"{where}: the function returned the class {task.__name__}, not a task: return "
            f"an instance ({task.__name__}(...))"
        )
    missing = [a for a in REQUIRED if not hasattr(task, a)]
    if missing:
        raise ConfigTypeError(
            f"{where}: the object returned ({type(task).__name__}) lacks {', '.join(missing)}; "
            f"a task needs {', '.join(REQUIRED)} (see docs/plan.md)"
        )
    spe = task.steps_per_epoch
    if type(spe) is not int:  # a numpy integer or an integral float, as every count takes
        try:
            task.steps_per_epoch = check_int(where, "steps_per_epoch", spe, low=1)
        except (ConfigError, AttributeError):  # not integral, or a read-only property
            pass
        spe = task.steps_per_epoch
    if isinstance(spe, bool) or not isinstance(spe, int) or spe < 1:
        raise ConfigTypeError(f"{where}: steps_per_epoch must be a positive int, got {spe!r}")
    for name, value in _DEFAULTS.items():
        if not hasattr(task, name):
            setattr(task, name, value)
    if not hasattr(task, "name"):
        task.name = type(task).__name__
    if not hasattr(task, "make_optimizer"):

        def make_optimizer(
            model: Any, name: str = "sgd", lr: float | None = None, **kw: Any
        ) -> Any:
            return TaskInfo.make_optimizer(task, model, name, lr, **kw)

        task.make_optimizer = make_optimizer
    _fill_bench_parts(task, where, reload, seed)
    return task


def _fill_bench_parts(task: Any, where: str, reload: Any, seed: int) -> None:
    """``seed``, ``with_seed``, ``evaluate``, ``description`` and ``describe`` when missing."""
    if not hasattr(task, "seed"):
        task.seed = seed
    if not hasattr(task, "with_seed"):

        def with_seed(s: int) -> Any:
            if reload is None:
                raise ConfigError(f"{where}: the task cannot be rebuilt for seed {s}")
            return reload(s)

        task.with_seed = with_seed
    if not hasattr(task, "evaluate"):

        def evaluate(model: Any) -> dict[str, float]:
            return _train_loss(task, model)

        task.evaluate = evaluate
        task.metric_name, task.higher_is_better = "loss", False
        extra = "scored by its training loss (no evaluate(model) given)"
        task.description = (str(getattr(task, "description", "") or "") + "; " + extra).lstrip("; ")
    if not hasattr(task, "description"):
        task.description = str(task.name)
    if not hasattr(task, "describe"):

        def describe() -> dict[str, Any]:
            return {
                "name": task.name,
                "description": task.description,
                "metric": task.metric_name,
                "higher_is_better": task.higher_is_better,
                "steps_per_epoch": task.steps_per_epoch,
                "default_optimizer": task.default_optimizer,
                "default_lr": task.default_lr,
                "default_epochs": task.default_epochs,
            }

        task.describe = describe


def _train_loss(task: Any, model: Any) -> dict[str, float]:
    """Mean ``loss_fn`` over ``train_loader(0)`` in eval mode, without gradients."""
    import torch

    was = model.training
    model.eval()
    total, n = 0.0, 0
    try:
        with torch.no_grad():
            for x, y in task.train_loader(0):
                total += float(task.loss_fn(model(x), y))
                n += 1
    finally:
        model.train(was)
    value = total / n if n else float("nan")
    return {"loss": value, "metric": value}


def load_task(spec: str, seed: int = 0, **options: Any) -> Any:
    """The task ``spec``: a built-in name (``digits``, ...) or ``module:function``.

    ``options`` go to the built-in task (its documented overrides) or to the
    function. Errors (unknown name, import failure, missing function, an
    object that is not a task) raise :class:`lrkit.errors.ConfigError` /
    :class:`~lrkit.errors.ConfigTypeError` naming the spec.
    """
    from . import TASKS, get_task

    if not isinstance(spec, str) or not spec.strip():
        raise ConfigTypeError(f"--task must be a task name or module:function, got {spec!r}")
    spec = spec.strip()
    if ":" not in spec:
        if spec not in TASKS:
            raise ConfigError(
                f"--task must be one of {', '.join(sorted(TASKS))} or module:function, got {spec!r}"
            )
        try:
            return get_task(spec, seed=seed, **options)
        except (ValueError, TypeError) as e:
            raise ConfigError(str(e)) from None
    module, _, func = spec.rpartition(":")
    if not module or not func.isidentifier():
        raise ConfigError(f"--task must look like module:function, got {spec!r}")
    mod = _import(module, spec)
    factory = getattr(mod, func, None)
    if factory is None:
        raise ConfigError(f"--task {spec!r}: module {module!r} has no attribute {func!r}")
    if not callable(factory):
        raise ConfigTypeError(f"--task {spec!r}: {func!r} is not callable")
    where = f"--task {spec!r}"
    takes_seed = _takes_seed(factory)

    def reload(s: int) -> Any:
        if s != 0 and not takes_seed:  # every seed would be the same task, seed 0's
            name = getattr(factory, "__name__", func)
            raise ConfigError(
                f"{where}: {name} takes no seed, so seed {s} would be the task of seed 0 "
                f"again: give it a seed parameter ({name}(seed=...)) or use seed 0 only"
            )
        return check_task(_call(factory, spec, s, options), where, reload, s)

    return reload(seed)
