r"""The noisy quadratic model (NQM): a theory task with known answers.

The loss is a diagonal quadratic with a chosen eigenvalue spectrum
:math:`h_1 \le \dots \le h_d` and its minimum at the origin:

.. math:: L(x) = \tfrac12 \sum_i h_i x_i^2

A stochastic gradient is the true gradient plus Gaussian noise whose
covariance is proportional to the curvature, as in the NQM of Zhang et al.
(2019, "Which algorithmic choices matter at which batch sizes?"):

.. math:: g = h \odot x + \varepsilon,\qquad
          \varepsilon_i \sim \mathcal N\!\left(0,\ \sigma^2 h_i / B\right)

(``noise`` is :math:`\sigma^2`, ``batch_size`` is :math:`B`; ``noise=0`` gives
exact gradient descent).

Because every coordinate evolves linearly, the *expected* loss of SGD with
heavy-ball momentum under any learning-rate and momentum schedule is computed
exactly by propagating the 2×2 second-moment matrix of (x, velocity) per
coordinate (:meth:`NoisyQuadratic.expected_loss`); :meth:`NoisyQuadratic.sgd`
samples actual noisy runs (many seeds at once). The stationary loss of
plain SGD at a constant rate :math:`\eta` (the *noise floor*) is

.. math:: L_\infty(\eta) = \sum_i \frac{\eta\,\sigma^2 h_i}{2B\,(2-\eta h_i)}

(:meth:`NoisyQuadratic.noise_floor`), finite for :math:`\eta < 2/h_d`.

The update rule is PyTorch's SGD with momentum ``μ``:
:math:`v \leftarrow \mu v + g`, :math:`x \leftarrow x - \eta v`.

This module needs only numpy. :func:`make_task` also offers the model through
the torch task API (``make_model``, ``train_loader``, ``loss_fn``,
``evaluate``, ``make_optimizer``); torch is imported only when those are used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._validate import check_number
from ..errors import ConfigError, NonFiniteError
from ._info import TaskInfo, check_seed

__all__ = ["NoisyQuadratic", "make_task", "QuadraticTask"]


def _values(schedule: Any, steps: int, name: str) -> np.ndarray:
    """Per-step values of a schedule / spec / number over ``steps`` steps (bound to the run)."""
    from ..core import Schedule, as_schedule

    if isinstance(schedule, (int, float)) and not isinstance(schedule, bool):
        return np.full(steps, check_number("NoisyQuadratic", name, schedule))
    s = schedule if isinstance(schedule, Schedule) else as_schedule(schedule)
    s = s.bind(total_steps=steps)
    v = np.asarray(s(np.arange(steps)), dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise NonFiniteError(f"NoisyQuadratic: {name} schedule has non-finite values: {s}")
    return v


class NoisyQuadratic:
    """A diagonal noisy quadratic ``L(x) = ½ Σ h_i x_i²`` (see the module docstring).

    Args:
        dim: number of coordinates (>= 1).
        m, M: smallest and largest curvature (``0 < m <= M``).
        spectrum: ``"log"`` (log-spaced eigenvalues from m to M, both included),
            ``"linear"``, or an explicit sequence of positive eigenvalues
            (then ``dim``, ``m``, ``M`` are taken from it).
        noise: gradient-noise scale ``σ²`` (>= 0; 0 gives exact gradients).
        batch_size: ``B``; the noise variance is divided by it.
        x0: starting point: a number (every coordinate) or a length-``dim`` array.
            Default 1.0, so every eigen-direction starts with loss ``h_i / 2``.
    """

    def __init__(
        self,
        dim: int = 100,
        m: float = 0.01,
        M: float = 1.0,
        spectrum: Any = "log",
        noise: float = 1.0,
        batch_size: int = 1,
        x0: Any = 1.0,
    ) -> None:
        from .._validate import check_int, check_number

        if isinstance(spectrum, str):
            if spectrum not in ("log", "linear"):
                raise ConfigError(
                    f"NoisyQuadratic: spectrum must be 'log', 'linear' or a sequence of "
                    f"positive eigenvalues, got {spectrum!r}"
                )
            dim = check_int("NoisyQuadratic", "dim", dim, low=1)
            m = check_number("NoisyQuadratic", "m", m, positive=True)
            M = check_number("NoisyQuadratic", "M", M, positive=True)
            if M < m:
                raise ConfigError(f"NoisyQuadratic: M must be >= m, got m={m!r}, M={M!r}")
            if dim == 1:
                h = np.array([M], dtype=np.float64)
            elif spectrum == "log":
                h = np.geomspace(m, M, dim)
            else:
                h = np.linspace(m, M, dim)
        else:
            h = np.asarray(spectrum, dtype=np.float64).ravel()
            if h.size == 0 or not np.all(np.isfinite(h)) or np.any(h <= 0):
                raise ConfigError(
                    "NoisyQuadratic: spectrum must be positive finite eigenvalues, "
                    f"got {spectrum!r}"
                )
            h = np.sort(h)
        self.h = h
        self.dim = int(h.size)
        self.m = float(h[0])
        self.M = float(h[-1])
        self.noise = check_number("NoisyQuadratic", "noise", noise, nonneg=True)
        self.batch_size = check_int("NoisyQuadratic", "batch_size", batch_size, low=1)
        try:
            x0a = np.broadcast_to(np.asarray(x0, dtype=np.float64), (self.dim,)).copy()
        except (TypeError, ValueError):
            raise ConfigError(
                f"NoisyQuadratic: x0 must be a number or {self.dim} numbers (one per "
                f"coordinate), got {x0!r:.80}"
            ) from None
        if not np.all(np.isfinite(x0a)):
            raise ConfigError(f"NoisyQuadratic: x0 must be finite, got {x0!r:.80}")
        self.x0 = x0a

    def __repr__(self) -> str:
        return (
            f"NoisyQuadratic(dim={self.dim}, m={self.m:g}, M={self.M:g}, "
            f"noise={self.noise:g}, batch_size={self.batch_size})"
        )

    # ------------------------------------------------------------------ basics
    @property
    def noise_var(self) -> np.ndarray:
        """Per-coordinate gradient-noise variance ``σ² h_i / B``."""
        return self.noise * self.h / self.batch_size

    def loss(self, x: Any) -> Any:
        """``½ Σ h_i x_i²`` over the last axis (x may hold many runs)."""
        x = np.asarray(x, dtype=np.float64)
        return 0.5 * np.sum(self.h * x * x, axis=-1)

    def grad(self, x: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        """Exact gradient ``h ⊙ x``, plus noise when ``rng`` is given."""
        x = np.asarray(x, dtype=np.float64)
        g = self.h * x
        if rng is not None and self.noise > 0:
            g = g + rng.standard_normal(x.shape) * np.sqrt(self.noise_var)
        return g

    def noise_floor(self, lr: float) -> float:
        r"""Stationary expected loss of plain SGD at a constant rate (``inf`` if unstable).

        .. math:: \sum_i \frac{\eta\,\sigma^2 h_i}{2B(2-\eta h_i)}
        """
        lr = float(lr)
        if lr <= 0:
            raise ConfigError(f"NoisyQuadratic.noise_floor: lr must be > 0, got {lr!r}")
        if lr * self.M >= 2.0:
            return float("inf")
        return float(np.sum(lr * self.noise_var / (2.0 * (2.0 - lr * self.h))))

    # ------------------------------------------------------------ trajectories
    def expected_loss(self, lr: Any, steps: int, momentum: Any = 0.0, every: int = 1) -> np.ndarray:
        """Exact expected loss ``E[L(x_t)]`` for t = 0, every, 2·every, ..., steps.

        ``lr`` and ``momentum`` are lrkit schedules (or specs or numbers),
        bound to a run of ``steps`` steps. Heavy-ball (PyTorch) momentum:
        ``v ← μ v + g; x ← x − η v``. Deterministic: no sampling.
        """
        from .._validate import check_int

        steps = check_int("expected_loss", "steps", steps, low=1)
        every = check_int("expected_loss", "every", every, low=1)
        eta = _values(lr, steps, "lr")
        mu = _values(momentum, steps, "momentum")
        h, q = self.h, self.noise_var
        # second moments per coordinate: xx, xv, vv (v = velocity buffer)
        xx = self.x0**2
        xv = np.zeros_like(xx)
        vv = np.zeros_like(xx)
        out = [0.5 * float(np.sum(h * xx))]
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(steps):
                e, b = eta[t], mu[t]
                # v' = b v + h x + eps ; x' = x - e v' = (1 - e h) x - e b v - e eps
                a11, a12 = 1.0 - e * h, -e * b
                a21, a22 = h, b
                nxx = a11 * a11 * xx + 2 * a11 * a12 * xv + a12 * a12 * vv + e * e * q
                nxv = a11 * a21 * xx + (a11 * a22 + a12 * a21) * xv + a12 * a22 * vv - e * q
                nvv = a21 * a21 * xx + 2 * a21 * a22 * xv + a22 * a22 * vv + q
                xx, xv, vv = nxx, nxv, nvv
                if (t + 1) % every == 0:
                    out.append(0.5 * float(np.sum(h * xx)))
        return np.asarray(out)

    def sgd(
        self,
        lr: Any,
        steps: int,
        momentum: Any = 0.0,
        runs: int = 1,
        seed: int = 0,
        every: int = 1,
    ) -> np.ndarray:
        """Sampled noisy SGD: losses of shape ``(len(record), runs)``.

        Records the loss at t = 0, every, 2·every, ..., steps for ``runs``
        independent runs (vectorized). ``lr`` and ``momentum`` as in
        :meth:`expected_loss`. Divergent runs give ``inf``.
        """
        from .._validate import check_int

        steps = check_int("sgd", "steps", steps, low=1)
        runs = check_int("sgd", "runs", runs, low=1)
        every = check_int("sgd", "every", every, low=1)
        eta = _values(lr, steps, "lr")
        mu = _values(momentum, steps, "momentum")
        rng = np.random.default_rng(seed)
        x = np.tile(self.x0, (runs, 1))
        v = np.zeros_like(x)
        sd = np.sqrt(self.noise_var)
        out = [self.loss(x)]
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(steps):
                g = self.h * x
                if self.noise > 0:
                    g += rng.standard_normal(x.shape) * sd
                v = mu[t] * v + g
                x = x - eta[t] * v
                if (t + 1) % every == 0:
                    out.append(self.loss(x))
        res = np.asarray(out)
        return np.where(np.isfinite(res), res, np.inf)


# ---------------------------------------------------------------- task API


class QuadraticTask(TaskInfo):
    """The noisy quadratic through the common task API (torch used lazily).

    One "epoch" is ``steps_per_epoch`` noisy-gradient steps; a batch is a
    noise draw (already divided by the batch size). The training loss a step
    reports is the exact loss ``½ Σ h_i x_i²`` of the point it starts from, so
    it is never negative (a sampled ``½ Σ h_i x_i² + ε·x`` can be, and
    :func:`lrkit.plan` refuses negative losses); its gradient is the sampled
    one, ``h ⊙ x + ε``. ``evaluate`` returns the exact loss of the current
    point as both ``loss`` and ``metric`` (lower is better).
    """

    name = "quadratic"
    metric_name = "loss"
    higher_is_better = False
    default_lr = 0.5
    default_optimizer = "sgd"
    default_epochs = 10

    def __init__(self, seed: int = 0, steps_per_epoch: int = 100, **overrides: Any) -> None:
        from .._validate import check_int

        self.seed = check_seed(seed)
        self._steps_per_epoch = check_int("quadratic", "steps_per_epoch", steps_per_epoch, low=1)
        allowed = {"dim", "m", "M", "spectrum", "noise", "batch_size", "x0"}
        for key in overrides:
            if key not in allowed:
                raise ConfigError(
                    f"get_task('quadratic'): unknown option {key!r}; "
                    f"allowed: {', '.join(sorted(allowed | {'steps_per_epoch'}))}"
                )
        self.overrides = dict(overrides, steps_per_epoch=self.steps_per_epoch)
        self.problem = NoisyQuadratic(**overrides)
        self.batch_size = self.problem.batch_size
        self.description = (
            f"noisy quadratic: {self.problem.dim} coordinates, curvature "
            f"[{self.problem.m:g}, {self.problem.M:g}], noise {self.problem.noise:g}"
        )

    @property
    def steps_per_epoch(self) -> int:
        return self._steps_per_epoch

    def make_model(self) -> Any:
        import torch

        problem = self.problem

        class _Point(torch.nn.Module):
            h: torch.Tensor  # a buffer

            def __init__(self) -> None:
                super().__init__()
                self.x = torch.nn.Parameter(torch.tensor(problem.x0, dtype=torch.float64))
                self.register_buffer("h", torch.tensor(problem.h, dtype=torch.float64))

            def forward(self, eps: Any) -> Any:
                # value: the exact loss ½ Σ h x² of the current point (never negative);
                # gradient: the sampled one, h*x + eps
                exact = 0.5 * torch.sum(self.h * self.x * self.x)
                noise = torch.sum(eps * self.x)
                return exact + (noise - noise.detach())

        return _Point()

    def train_loader(self, epoch: int) -> Iterator[tuple[Any, Any]]:
        import torch

        rng = np.random.default_rng([self.seed, int(epoch)])
        sd = np.sqrt(self.problem.noise_var)
        for _ in range(self.steps_per_epoch):
            eps = torch.tensor(rng.standard_normal(self.problem.dim) * sd)
            yield eps, torch.zeros(())

    @staticmethod
    def loss_fn(output: Any, target: Any) -> Any:
        return output + 0.0 * target

    def evaluate(self, model: Any) -> dict[str, float]:
        x = model.x.detach().cpu().numpy()
        val = float(self.problem.loss(x))
        return {"loss": val, "metric": val}

    def make_optimizer(
        self,
        model: Any,
        name: str = "sgd",
        lr: float | None = None,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> Any:
        """As :meth:`TaskInfo.make_optimizer`, but plain SGD (``momentum=0``) by default."""
        return super().make_optimizer(model, name, lr, momentum, weight_decay)


def make_task(seed: int = 0, **overrides: Any) -> QuadraticTask:
    """The ``quadratic`` task; ``overrides`` go to :class:`NoisyQuadratic`
    (``dim``, ``m``, ``M``, ``spectrum``, ``noise``, ``batch_size``, ``x0``) or
    set ``steps_per_epoch``."""
    return QuadraticTask(seed=seed, **overrides)
