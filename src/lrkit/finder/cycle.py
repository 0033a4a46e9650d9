"""The one "cycle the data forever" helper of lrkit (framework-free).

The finders, the planners and the built-in tasks draw their batches from a
:class:`Cycle`: pass 0 of the data, then pass 1, and so on without end. Data
that yields nothing at all is a :class:`~lrkit.errors.ConfigError`; data that
yielded batches but yields nothing on a later pass (a one-shot generator or
iterator) raises :class:`~lrkit.finder.LoaderExhausted`, which ends a sweep
with ``stop_reason="exhausted"`` and keeps the points recorded so far.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import ConfigError
from .sweep import LoaderExhausted

__all__ = ["Cycle"]


class Cycle:
    """Endless batches from ``make_pass(first)``, ``make_pass(first + 1)``, ...

    ``name`` and ``where`` word the errors (``"find_lr: the loader yielded no
    batch"``). ``served`` counts the batches given out, ``passes`` the passes
    begun. :meth:`over` cycles one iterable, iterated again for every pass.
    """

    def __init__(
        self,
        make_pass: Callable[[int], Iterable[Any]],
        name: str = "loader",
        where: str = "find_lr",
        first: int = 0,
    ) -> None:
        self.make_pass, self.name, self.where = make_pass, name, where
        self.next_pass = first
        self.it: Iterator[Any] | None = None
        self.passes = 0
        self.served = 0

    @classmethod
    def over(cls, data: Iterable[Any], name: str = "loader", where: str = "find_lr") -> Cycle:
        """Cycle ``data`` itself: every pass is a new ``iter(data)``."""
        return cls(lambda _: data, name, where)

    def __iter__(self) -> Cycle:
        return self

    def __next__(self) -> Any:
        for _ in range(2):
            if self.it is None:
                self.it = iter(self.make_pass(self.next_pass))
                self.next_pass += 1
                self.passes += 1
            try:
                batch = next(self.it)
            except StopIteration:
                self.it = None
                continue
            self.served += 1
            return batch
        if self.served:
            raise LoaderExhausted(
                f"the {self.name} ran out after {self.served} batches and yields nothing when "
                "iterated again (a one-shot generator or iterator?)"
            )
        raise ConfigError(f"{self.where}: the {self.name} yielded no batch")
