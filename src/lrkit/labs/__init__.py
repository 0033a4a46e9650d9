"""Labs: runnable experiments that check what the literature claims about schedules.

Each lab states a claim, sets up a small experiment (numpy-only theory labs on
the noisy quadratic, or short trainings on the built-in tasks), measures, and
returns a :class:`LabResult` with a verdict (``"reproduced"``, ``"partly"`` or
``"not reproduced"``), the numbers behind it, the figures it wrote and a short
summary. The verdict is computed from the measured numbers by a rule fixed in
the lab's code: nothing is tuned until it agrees.

>>> from lrkit.labs import LABS
>>> len(LABS)
14
>>> LABS["optimal-constant"].claim.startswith("Gradient descent")
True

``budget="ci"`` runs a reduced version in seconds (used by the tests);
``budget="full"`` is the documented experiment (a minute or two on 2 CPUs).
"""

from __future__ import annotations

import difflib
import importlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from .._files import check_dir, check_file, json_safe
from .._validate import check_int
from ..errors import ConfigError, ConfigTypeError

__all__ = ["Lab", "LabResult", "LABS", "get_lab", "run_lab", "VERDICTS", "BUDGETS"]

VERDICTS = ("reproduced", "partly", "not reproduced")
BUDGETS = ("full", "ci")
#: seeds are below this: a lab trains seeds ``seed``, ``seed + 1``, ``seed + 2`` (tasks: < 2**63)
MAX_SEED = 2**63 - 3


@dataclass
class LabResult:
    """The outcome of one lab run."""

    name: str
    claim: str
    verdict: str
    numbers: dict[str, Any] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    summary: str = ""
    budget: str = "full"
    seed: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        lines = [f"lab {self.name}: {self.verdict.upper()}", f"  claim: {self.claim}"]
        if self.summary:
            lines.append(f"  {self.summary}")
        for k, v in self.numbers.items():
            lines.append(f"  {k}: {_fmt(v)}")
        for f in self.figures:
            lines.append(f"  figure: {f}")
        lines.append(f"  ({self.budget} budget, seed {self.seed}, {self.seconds:.1f} s)")
        return "\n".join(lines)


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_fmt(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


@dataclass(frozen=True)
class Lab:
    """A registered lab: ``name``, one-line ``claim``, ``setup`` text and its runner.

    ``target`` is ``"module:function"`` inside :mod:`lrkit.labs`; the function
    takes ``(out_dir, budget, seed)`` and returns a dict with ``verdict``,
    ``numbers``, ``figures`` and ``summary``. ``needs`` names what the lab
    imports beyond numpy (``"numpy"`` or ``"torch"``). It writes ``NAME.json``,
    ``NAME.png`` and the figures named in ``more_figures`` (:attr:`outputs`).
    """

    name: str
    claim: str
    setup: str
    target: str
    needs: str = "numpy"
    more_figures: tuple[str, ...] = ()

    @property
    def outputs(self) -> tuple[str, ...]:
        """The files the lab writes into its folder."""
        return (f"{self.name}.json", f"{self.name}.png", *self.more_figures)

    def check_outputs(self, out_dir: str, option: str) -> str:
        """Before any work: ``out_dir`` can be a folder and each of :attr:`outputs` a file in it."""
        check_dir(out_dir, option)
        for name in self.outputs:
            check_file(os.path.join(out_dir, name), option)
        return out_dir

    def run(self, out_dir: str = ".", budget: str = "full", seed: int = 0) -> LabResult:
        """Run the lab, write its figures under ``out_dir`` and return a :class:`LabResult`."""
        if budget not in BUDGETS:
            raise ConfigError(f"lab {self.name}: budget must be 'full' or 'ci', got {budget!r}")
        seed = check_int(f"lab {self.name}", "seed", seed, low=0, rule="a non-negative int")
        if seed >= MAX_SEED:
            raise ConfigError(
                f"lab {self.name}: seed must be an int in [0, 2**63 - 3), got {seed} (a lab "
                "trains seeds up to seed + 2)"
            )
        if not isinstance(out_dir, (str, os.PathLike)):
            raise ConfigTypeError(f"lab {self.name}: out_dir must be a path, got {out_dir!r}")
        out_dir = self.check_outputs(os.fspath(out_dir), f"lab {self.name}: out_dir")
        os.makedirs(out_dir, exist_ok=True)
        mod_name, fn_name = self.target.split(":")
        fn = getattr(importlib.import_module(f"{__name__}.{mod_name}"), fn_name)
        t0 = time.perf_counter()
        if self.needs == "torch":  # the lab trains on one thread: the caller's count back after
            import torch

            threads = torch.get_num_threads()
            try:
                out = fn(out_dir, budget, seed)
            finally:
                torch.set_num_threads(threads)
        else:
            out = fn(out_dir, budget, seed)
        verdict = out["verdict"]
        if verdict not in VERDICTS:  # pragma: no cover - a lab bug
            raise RuntimeError(f"lab {self.name} returned an unknown verdict {verdict!r}")
        res = LabResult(
            name=self.name,
            claim=self.claim,
            verdict=verdict,
            numbers=out.get("numbers", {}),
            figures=list(out.get("figures", [])),
            summary=out.get("summary", ""),
            budget=budget,
            seed=seed,
            seconds=time.perf_counter() - t0,
        )
        with open(os.path.join(out_dir, f"{self.name}.json"), "w") as f:
            json.dump(json_safe(res.to_dict()), f, indent=1)
        return res


def _lab(
    name: str, claim: str, setup: str, target: str, needs: str = "numpy", more: tuple[str, ...] = ()
) -> Lab:
    return Lab(name=name, claim=claim, setup=setup, target=target, needs=needs, more_figures=more)


_ALL = [
    _lab(
        "noise-floor",
        "SGD with a constant rate stalls at an error floor that grows with the rate; "
        "a decaying rate goes lower.",
        "Noisy quadratic, 50 coordinates, curvature log-spaced in [0.05, 1], gradient noise "
        "with covariance 0.1·H; plain SGD at constant rates 0.05..0.8 and at step / cosine "
        "decay from 0.8, many sampled runs; the floor is compared with the closed form "
        "Σ η σ² h / (2(2 − η h)).",
        "theory:noise_floor",
    ),
    _lab(
        "half-life",
        "Step decay and the exponential with the same half-life decay alike in the long run "
        "but follow different paths and end slightly differently.",
        "step(0.8, 0.5, every=T/8) against lrkit.step_to_exponential of it on the noisy "
        "quadratic; exact expected loss and sampled runs.",
        "theory:half_life",
    ),
    _lab(
        "optimal-constant",
        "Gradient descent on a strongly convex quadratic with curvature in [m, M] contracts "
        "fastest at the constant rate 2/(m+M), by (M−m)/(M+m) per step.",
        "Exact gradient descent on a quadratic with eigenvalues spread over [0.1, 1]; the "
        "contraction per step is measured from the error over the second half of the run "
        "for a sweep of constant rates (lrkit.constant) and compared with "
        "lrkit.contraction_rate and lrkit.optimal_constant_lr.",
        "theory:optimal_constant",
    ),
    _lab(
        "decay-speed",
        "Too aggressive a decay underfits, too slow a decay overfits; early stopping fires "
        "on the overfitting run.",
        "digits (half the data held out) with SGD+momentum: exponential decay with a "
        "half-life of 1/3 epoch, a constant rate, and cosine over the run; train and "
        "validation loss per epoch; lrkit.control.EarlyStopping fed the validation loss.",
        "training:decay_speed",
        "torch",
    ),
    _lab(
        "restarts",
        "Warm restarts (SGDR) escape a poor local minimum of a multi-modal objective where "
        "monotone decay stays stuck.",
        "Noisy gradient descent on f(x) = x²/4 + ½(1 − cos 2πx) (best basin at 0), every "
        "run starting in the poor basin at x = 3; exponential, step and cosine decay "
        "against sgdr with the same peak and budget; fraction of runs ending in the best "
        "basin.",
        "theory:restarts",
    ),
    _lab(
        "warmup",
        "A Transformer trained at a high rate without warmup is unstable or diverges; with "
        "warmup it trains.",
        "charlm (2-layer post-LN char Transformer) with AdamW at a high peak rate, cosine "
        "decay, with and without a linear warmup (lrkit.warmup); training loss per step "
        "and validation bits per char.",
        "training:warmup",
        "torch",
    ),
    _lab(
        "momentum-decay",
        "High momentum with a rapidly decaying rate converges slower than with a matched decay.",
        "Noisy quadratic, exact expected loss of heavy-ball SGD; the same effective rate "
        "η/(1−μ) for μ = 0, 0.9, 0.99 under exponential decay with half-lives from much "
        "shorter to much longer than the momentum horizon 1/(1−μ).",
        "theory:momentum_decay",
    ),
    _lab(
        "weight-decay",
        "With AdamW the effective regularization η_t·λ falls with the rate; a coupled "
        "weight-decay schedule keeps it constant.",
        "digits, AdamW, cosine decay of the rate; constant λ against lrkit.coupled_wd "
        "(λ_t = λ·η_peak/η_t, capped at 10λ); effective η_t·λ_t, weight norm and accuracy.",
        "training:weight_decay",
        "torch",
    ),
    _lab(
        "batch-scaling",
        "With larger batches the linear scaling rule plus warmup keeps accuracy close to "
        "the small-batch run for the same epochs; no scaling falls behind.",
        "digits, SGD+momentum, batch 16 at rate η against batch 128 at η (no scaling) and "
        "at lrkit.scale_lr(η, 128, 16) with a warmup; same epochs.",
        "training:batch_scaling",
        "torch",
    ),
    _lab(
        "range-test",
        "The LR range test points at a rate that trains well.",
        "lrkit.find on digits (SGD+momentum, exponential sweep), the suggestions marked; "
        "then short trainings at the suggested rate and at a grid of rates.",
        "training:range_test",
        "torch",
        ("range-test-curve.png",),
    ),
    _lab(
        "super-convergence",
        "one_cycle reaches in a fraction of the epochs the accuracy that step decay reaches "
        "with the full budget.",
        "digits, SGD+momentum: multistep decay over the full budget against one_cycle "
        "over 1/4, 1/3 and 1/2 of it (same peak rate); test accuracy.",
        "training:super_convergence",
        "torch",
    ),
    _lab(
        "d2z",
        "Linear decay to zero ends lower than cosine decay to 10 % of the peak "
        "(Bergsma et al. 2025).",
        "charlm with AdamW, the same peak and 5 % warmup: linear to 0 against cosine to "
        "peak/10; validation bits/char over seeds.",
        "laws:d2z",
        "torch",
    ),
    _lab(
        "cooldown",
        "WSD with a short cooldown matches or beats cosine, and a loss-curve law fitted on "
        "three other runs predicts which cooldown ends best.",
        "charlm with AdamW: a Multi-Power Law fitted on constant, cosine and two-stage runs "
        "predicts the final loss of WSD with 10/20/40 % cooldowns and of cosine before "
        "the WSD runs; then they are trained.",
        "laws:cooldown",
        "torch",
    ),
    _lab(
        "schedule-free",
        "Schedule-free AdamW, with no schedule to choose, trains as well as a planned "
        "schedule at the same number of updates (AlgoPerf 2024 self-tuning winner).",
        "mnist1d and charlm, 3 seeds: lrkit.torch.plan (budget 0.5) then the run under "
        "plan.schedule, against schedulefree.AdamWScheduleFree with its default "
        "hyperparameters and a 5 % warmup for the same updates; final validation metric.",
        "schedulefree:schedule_free",
        "torch",
    ),
]

#: name -> :class:`Lab`, in the order of the documentation.
LABS: dict[str, Lab] = {lab.name: lab for lab in _ALL}


def get_lab(name: str) -> Lab:
    """The lab called ``name``; ``ValueError`` with a did-you-mean for an unknown one."""
    if isinstance(name, str) and name in LABS:
        return LABS[name]
    close = difflib.get_close_matches(str(name), list(LABS), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ConfigError(f"unknown lab {name!r}{hint} (labs: {', '.join(LABS)})")


def run_lab(name: str, out_dir: str = ".", budget: str = "full", seed: int = 0) -> LabResult:
    """Run the lab ``name`` (see :func:`get_lab`) and return its :class:`LabResult`."""
    return get_lab(name).run(out_dir, budget=budget, seed=seed)
