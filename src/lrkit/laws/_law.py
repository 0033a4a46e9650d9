"""The fitted law as a value: parameters, prediction, serialization, report."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core import as_schedule
from ..errors import ConfigError, ConfigTypeError, NonFiniteError
from . import _forms as F
from ._run import Run, as_steps, own_steps, rates

__all__ = ["Law", "LAWS"]

#: law name -> its parameter names; ``"mean"`` holds both laws' (the momentum law's
#: prefixed ``m_``) and predicts the mean of their two predictions
#: ``"multi_power_q"``, ``"momentum_q"``, ``"mean_q"``: the same with a drop exponent
#: ``q`` (drops :math:`\eta_{\max}^{1-q}(\eta_{k-1}^q - \eta_k^q)`; q = 1: the laws above)
#: ``"multi_power_pq"``, ``"momentum_pq"``, ``"mean_pq"``: also with a progress exponent
#: ``p`` (the area :math:`S_p = \sum \eta_{\max}(\eta_\tau/\eta_{\max})^p`; p = 1: the ``_q`` laws)
LAWS: dict[str, tuple[str, ...]] = {
    "multi_power": F.MPL_NAMES,
    "momentum": F.MOMENTUM_NAMES,
    "mean": F.MPL_NAMES + tuple(f"m_{n}" for n in F.MOMENTUM_NAMES),
    "multi_power_q": F.MPL_NAMES + ("q",),
    "momentum_q": F.MOMENTUM_NAMES + ("q",),
    "mean_q": F.MPL_NAMES + ("q",) + tuple(f"m_{n}" for n in F.MOMENTUM_NAMES + ("q",)),
    "multi_power_pq": F.MPL_NAMES + ("q", "p"),
    "momentum_pq": F.MOMENTUM_NAMES + ("q", "p"),
    "mean_pq": F.MPL_NAMES + ("q", "p") + tuple(f"m_{n}" for n in F.MOMENTUM_NAMES + ("q", "p")),
    "multi_power_pqs": F.MPL_NAMES + ("q", "p", "nu"),
    "momentum_pqs": F.MOMENTUM_NAMES + ("q", "p", "xi"),
    "mean_pqs": F.MPL_NAMES
    + ("q", "p", "nu")
    + tuple(f"m_{n}" for n in F.MOMENTUM_NAMES + ("q", "p", "xi")),
    "multi_power_warmup": F.MPL_NAMES,
}
#: the laws that average an MPL and a momentum law: name -> (the MPL's law, the momentum law's)
_MEANS = {
    "mean": ("multi_power", "momentum"),
    "mean_q": ("multi_power_q", "momentum_q"),
    "mean_pq": ("multi_power_pq", "momentum_pq"),
    "mean_pqs": ("multi_power_pqs", "momentum_pqs"),
}


#: the MPL as Luo et al.'s released code sums it: the warmup's rises are (negative) drops
RISES = "multi_power_warmup"
#: the laws evaluated as a Multi-Power Law (a drop sum with G); the others are momentum laws
MPL_LAWS = ("multi_power", RISES)


def _base(law: str) -> str:
    """The law a ``*_q`` / ``*_pq`` / ``*_pqs`` form extends (``"momentum_pq"`` ->
    ``"momentum"``)."""
    for sfx in ("_pqs", "_pq", "_q"):
        if law.endswith(sfx):
            return law.removesuffix(sfx)
    return law


#: above this many requested steps, the MPL is evaluated by :func:`F.mpl_dense`
#: (adaptive knots + local cubic; relative error < 1e-6 vs the exact sum at the public
#: fits' scale, tested; more when the drop term dominates the loss: see mpl_dense)
_DENSE = 256

_FORMULAS = {
    "multi_power": "L(t) = L0 + A*S(t)^-alpha "
    "- B*sum_k d_k*(1 - (C*eta_k^-gamma*S_k(t) + 1)^-beta)",
    "multi_power_warmup": "L(t) = L0 + A*S(t)^-alpha "
    "- B*sum_(k>=1) d_k*(1 - (C*eta_k^-gamma*S_k(t) + 1)^-beta), the warmup's rises as drops",
    "momentum": "L(t) = L0 + A*S(t)^-alpha - C*S2(t), S2 = sum m_i, m_i = lam*m_(i-1) + d_i",
    "mean": "L(t) = (multi_power(t) + momentum(t)) / 2, the momentum law's parameters m_*",
}
_Q = ", drops d_k = eta_max^(1-q)*(eta_(k-1)^q - eta_k^q)"
_FORMULAS["multi_power_q"] = _FORMULAS["multi_power"] + _Q
_FORMULAS["momentum_q"] = _FORMULAS["momentum"] + _Q
_FORMULAS["mean_q"] = (
    "L(t) = (multi_power_q(t) + momentum_q(t)) / 2, the momentum law's parameters m_*" + _Q
)
_P = ", area S(t) = sum eta_max*(eta_tau/eta_max)^p (also in S_k(t))"
_FORMULAS["multi_power_pq"] = _FORMULAS["multi_power_q"] + _P
_FORMULAS["momentum_pq"] = _FORMULAS["momentum_q"] + _P
_FORMULAS["mean_pq"] = (
    "L(t) = (multi_power_pq(t) + momentum_pq(t)) / 2, the momentum law's parameters m_*" + _Q + _P
)
_NU_MAP = "S(t) -> ln(1 + nu*S(t))/nu"
_XI_MAP = "S(t) -> Sw*(1 + xi*ln(S(t)/Sw))^(1/xi) after the peak"
_FORMULAS["multi_power_pqs"] = (
    _FORMULAS["multi_power_pq"] + f", in the power term {_NU_MAP} (S(t) if nu = 0)"
)
_FORMULAS["momentum_pqs"] = (
    _FORMULAS["momentum_pq"]
    + f", in the power term {_XI_MAP} (Sw: the area at the peak; S(t) if xi = 0)"
)
_FORMULAS["mean_pqs"] = (
    "L(t) = (multi_power_pqs(t) + momentum_pqs(t)) / 2, the momentum law's parameters m_*"
    + _Q
    + _P
    + f"; the MPL's power term {_NU_MAP}, the momentum law's {_XI_MAP}"
)


class _Params(dict[str, float]):
    """A law's parameters: a dict that cannot be changed (a :class:`Law` is immutable and
    hashed on them; ``Law(law.law, {**law.params, "A": 1.0})`` makes another)."""

    def _read_only(self, *args: Any, **kw: Any) -> Any:
        raise TypeError(
            "a Law's params cannot be changed; make another Law: "
            "Law(law.law, {**law.params, name: value})"
        )

    __setitem__ = __delitem__ = __ior__ = _read_only  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:  # pickle: rebuilt whole, not item by item
        return (_Params, (dict(self),))


def _check_params(law: str, params: dict[str, Any]) -> dict[str, float]:
    if not isinstance(law, str) or law not in LAWS:
        raise ConfigError(f"Law: law must be one of {', '.join(LAWS)}, got {law!r}")
    names = LAWS[law]
    extra = sorted(set(params) - set(names))
    if extra:
        raise ConfigError(
            f"Law {law}: unknown parameter {extra[0]!r} (parameters: {', '.join(names)})"
        )
    out = {}
    for n in names:
        if n not in params:
            raise ConfigError(f"Law {law}: parameter {n!r} is missing")
        v = params[n]
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ConfigTypeError(f"Law {law}: {n} must be a number, got {v!r}")
        v = float(v)
        if not math.isfinite(v):
            raise ConfigError(f"Law {law}: {n} must be finite, got {v!r}")
        base = n[2:] if n.startswith("m_") else n
        if base == "lam" and not 0.0 <= v < 1.0:
            raise ConfigError(f"Law {law}: {n} must be in [0, 1), got {v!r}")
        elif base in ("q", "p") and not 0.0 < v <= 4.0:
            raise ConfigError(f"Law {law}: {n} must be in (0, 4], got {v!r}")
        elif base != "lam" and base != "L0" and v < 0:
            raise ConfigError(f"Law {law}: {n} must be >= 0, got {v!r}")
        out[n] = v
    return _Params(out)


@dataclass(frozen=True)
class Law:
    """A fitted loss-curve law (immutable): ``law`` name and its ``params``.

    ``multi_power`` (Luo et al. 2025), with :math:`S(t)=\\sum_{\\tau\\le t}\\eta_\\tau`,
    drops :math:`d_k=\\eta_{k-1}-\\eta_k` after the peak and
    :math:`S_k(t)=\\sum_{\\tau=k}^{t}\\eta_\\tau`:

    .. math:: L(t) = L_0 + A\\,S(t)^{-\\alpha}
              - B\\sum_k d_k \\left(1 - (C\\,\\eta_k^{-\\gamma} S_k(t) + 1)^{-\\beta}\\right)

    ``multi_power_warmup``: the same sum over every step :math:`k \\ge 1`, the warmup's
    rises entering as negative drops: the formula of Luo et al.'s released code, in
    which the fits released with the paper are expressed (with them it reproduces the
    published figures; ``multi_power`` does not, 3-6 % off).

    ``momentum`` (Tissue et al. 2024):
    :math:`L(t) = L_0 + A\\,S(t)^{-\\alpha} - C\\,S_2(t)`,
    :math:`S_2(t)=\\sum_{i\\le t} m_i`, :math:`m_i=\\lambda m_{i-1}+d_i`.

    ``mean``: the mean of the two laws' predictions, each with its own
    parameters (the momentum law's named ``m_L0``, ``m_A``, ...).

    ``multi_power_q``, ``momentum_q``, ``mean_q``: the same with an eighth (sixth)
    parameter, the drop exponent ``q``: every drop is
    :math:`d_k = \\eta_{\\max}^{1-q}(\\eta_{k-1}^q - \\eta_k^q)` (:math:`\\eta_{\\max}`
    the schedule's peak; the drops from the peak to 0 still sum to
    :math:`\\eta_{\\max}`); :math:`q < 1` makes a drop at a low rate worth more,
    :math:`q = 1` gives the laws above.

    ``multi_power_pq``, ``momentum_pq``, ``mean_pq``: the ``_q`` laws with one more
    parameter, the progress exponent ``p``: the area is
    :math:`S_p(t) = \\sum_{\\tau \\le t} \\eta_{\\max}(\\eta_\\tau/\\eta_{\\max})^p` (in the
    power term and in the MPL's :math:`S_k(t)`); :math:`p > 1`: a step at a rate below
    the peak makes less progress than its rate says; :math:`p = 1` gives the ``_q`` laws.

    ``multi_power_pqs``, ``momentum_pqs``: the ``_pq`` laws with diminishing returns in
    area in their power term :math:`A\\,\\tilde S(t)^{-\\alpha}` (the drop terms keep
    :math:`S_p`), one more parameter each: the MPL's ``nu`` :math:`\\ge 0` (the inverse
    of an area scale), :math:`\\tilde S = \\ln(1 + \\nu S_p(t))/\\nu`; the momentum
    law's ``xi`` :math:`\\ge 0`, an exponent decaying slowly in log area:
    :math:`\\ln(\\tilde S/S_w) = \\ln(1 + \\xi\\ln(S_p(t)/S_w))/\\xi` after the
    peak (:math:`S_w` the area at the peak; :math:`\\tilde S = S_p` before), so the
    power term's local log-log slope is :math:`-\\alpha/(1 + \\xi\\ln(S_p/S_w))`.
    ``nu = 0``, ``xi = 0``: the ``_pq`` laws. ``mean_pqs``: the mean of the two
    (:func:`lrkit.laws.fit`'s default).

    ``info`` holds how it was fitted (runs, fit error); it is not part of equality.

    >>> law = Law("momentum", {"L0": 2.0, "A": 1.0, "alpha": 0.5, "C": 100.0, "lam": 0.999})
    >>> round(float(law.predict(0.01, [99])[0]), 9)  # L0 + A·(100·0.01)^-0.5
    3.0
    >>> Law.from_dict(law.to_dict()) == law
    True
    """

    law: str
    params: dict[str, float]
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.params, dict):
            raise ConfigTypeError(f"Law: params must be a dict, got {type(self.params).__name__}")
        object.__setattr__(self, "params", _check_params(self.law, self.params))

    def __hash__(self) -> int:
        return hash((self.law, tuple(sorted(self.params.items()))))

    # ------------------------------------------------------------ prediction
    def parts(self) -> tuple[Law, ...]:
        """The laws whose predictions this one averages (itself, unless one of the mean
        laws: ``"mean"``, ``"mean_q"``, ``"mean_pq"`` or ``"mean_pqs"``)."""
        if self.law not in _MEANS:
            return (self,)
        p, (a, b) = self.params, _MEANS[self.law]
        mpl = {n: p[n] for n in LAWS[a]}
        mom = {n: p[f"m_{n}"] for n in LAWS[b]}
        return (Law(a, mpl), Law(b, mom))

    def _curve(self, eta: np.ndarray, steps: np.ndarray) -> np.ndarray:
        if self.law in _MEANS:
            a, b = self.parts()
            return 0.5 * (a._curve(eta, steps) + b._curve(eta, steps))
        law, p = _base(self.law), dict(self.params)
        q, pexp, nu, xi = p.pop("q", 1.0), p.pop("p", 1.0), p.pop("nu", 0.0), p.pop("xi", 0.0)
        mpl, rises = law in MPL_LAWS, law == RISES
        if mpl and steps.size > _DENSE:
            _check_area(eta, steps)
            return F.mpl_dense(eta, steps, p, q=q, pexp=pexp, nu=nu, rises=rises)
        g = F.geometry(eta, steps, terms=mpl, q=q, p=pexp, nu=nu, xi=xi, rises=rises)
        _check_area(eta, steps)
        if mpl:
            return F.mpl_curve(g, p)
        return F.momentum_curve(g, p)

    def predict(
        self, schedule: Any, steps: Any = None, *, total_steps: int | None = None
    ) -> np.ndarray:
        """The predicted loss after the update at each of ``steps``.

        ``schedule`` as in :class:`Run` (a schedule, a spec, or per-step rates).
        ``steps`` default: every step of the run (``total_steps``, or the bound
        schedule's length, or the array's length). An unbound schedule is bound
        to ``total_steps`` (default: the run's length it names, as
        ``wsd(..., steps=3000, decay="20%")``, else the last requested step + 1). A prediction that
        overflows (parameters far outside any fit's) raises
        :class:`~lrkit.errors.NonFiniteError` naming the step.
        """
        if total_steps is not None:
            total_steps = _length(schedule, total_steps)  # a positive int (numpy's too)
        if steps is None:
            total = _length(schedule, total_steps)
            st = np.arange(total)
        else:
            st = as_steps(steps, "predict: steps")
            total = int(st.max()) + 1
            if total_steps is not None:
                if total_steps < total:
                    raise ConfigError(
                        f"predict: total_steps must be > the last step {total - 1}, "
                        f"got {total_steps}"
                    )
        eta = _rates_for(schedule, total, total_steps)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = self._curve(eta, st)
        if not np.isfinite(out).all():
            i = int(np.flatnonzero(~np.isfinite(out))[0])
            raise NonFiniteError(
                f"predict: the {self.law} law's prediction at step {int(st[i])} is "
                f"{float(out[i])!r} (its parameters {self.params} overflow there)"
            )
        return out

    def final(self, schedule: Any, total_steps: int | None = None) -> float:
        """The predicted loss after the last update of the run (step ``total_steps - 1``)."""
        total = _length(schedule, total_steps)
        return float(self.predict(schedule, [total - 1], total_steps=total)[0])

    def errors(self, runs: Any) -> dict[str, float]:
        r"""Error of the law on ``runs``, over every logged point after the first non-zero
        rate (before it ``S(t) = 0`` and the law has no value; a run's last point always
        counts, since its rates are not all 0). With :math:`e_{ri} = |\hat L_{ri} -
        L_{ri}| / L_{ri}` the relative error of point :math:`i` of run :math:`r`:

        - ``mean_rel``: :math:`e_{ri}` averaged over all points of all runs (a long run
          weighs in proportion to its points);
        - ``mean_rel_runs``: each run's mean of :math:`e_{ri}`, averaged over the runs
          (every run weighs the same). This is the figure Luo et al. (ICLR 2025) report
          as "mean relative error": their released fits give exactly their published
          0.110 / 0.142 / 0.168 % this way, 0.123 / 0.172 / 0.170 % as ``mean_rel``
          (tested);
        - ``worst_rel``: each run's largest :math:`e_{ri}`, averaged over the runs;
        - ``r2``, ``mae``, ``rmse``: over all points of all runs. Where the losses are all
          equal (or there is one), R² is 1 for an exact prediction and 0 otherwise
          (sklearn's ``r2_score`` for two points or more; one is NaN to it).
        """
        runs = [runs] if isinstance(runs, Run) else list(runs)
        if not runs or not all(isinstance(r, Run) for r in runs):
            raise ConfigTypeError(
                f"Law.errors: runs must be a Run or a non-empty list of Run, got {runs!r:.80}"
            )
        masks = [r._defined for r in runs]
        seen = [r.losses[m] for r, m in zip(runs, masks)]
        return relative_errors([self._curve(r.eta, r.steps[m]) for r, m in zip(runs, masks)], seen)

    # ------------------------------------------------------------ values
    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready) that :meth:`from_dict` reads back."""
        return {"law": self.law, "params": dict(self.params), "info": _plain(self.info)}

    @classmethod
    def from_dict(cls, d: Any) -> Law:
        """The law written by :meth:`to_dict`."""
        if not isinstance(d, dict):
            raise ConfigTypeError(f"Law.from_dict: expected a dict, got {type(d).__name__}")
        for key in ("law", "params"):
            if key not in d:
                raise ConfigError(f"Law.from_dict: key {key!r} is missing")
        if not isinstance(d["params"], dict):
            raise ConfigTypeError(
                f"Law.from_dict: params must be a dict, got {type(d['params']).__name__}"
            )
        info = d.get("info") or {}
        if not isinstance(info, dict):
            raise ConfigTypeError(f"Law.from_dict: info must be a dict, got {type(info).__name__}")
        _check_info(info)
        return cls(d["law"], dict(d["params"]), dict(info))

    def report(self) -> str:
        """A few lines: the formula, the parameters and how the law was fitted."""
        lines = [f"{self.law} law: {_FORMULAS[self.law]}"]
        lines.append("  " + ", ".join(f"{k}={v:.6g}" for k, v in self.params.items()))
        if self.info.get("runs"):
            runs = ", ".join(map(str, self.info["runs"]))
            upto = f" (up to step {self.info['horizon'] - 1})" if "horizon" in self.info else ""
            lines.append(f"  fitted on: {runs}{upto}")
        if "fit_mean_rel" in self.info:
            lines.append(
                f"  fit error: mean {100 * self.info['fit_mean_rel']:.3f} %, "
                f"worst {100 * self.info['fit_worst_rel']:.3f} %"
            )
        if self.info.get("no_decay"):
            lines.append(
                "  no fitted run decays (no drop in rate after its peak up to a fitted point): "
                "the drop terms are the solver's starting values, not fitted"
            )
        return "\n".join(lines)

    def plot(self, out: str | None = None, runs: Any = (), schedules: Any = (), **kw: Any) -> Any:
        """Predicted (dashed) vs observed curves; see :func:`lrkit.laws.plot_law`.

        Returns the path written, or without ``out`` the matplotlib figure.
        """
        from .plotting import plot_law

        return plot_law(self, out, runs=runs, schedules=schedules, **kw)

    def _repr_png_(self) -> bytes | None:
        """Jupyter's rich display: the law's constant-rate curve against the summed
        rate (:func:`lrkit.laws.plotting.law_figure`); None without matplotlib."""
        from .._render import repr_png
        from .plotting import law_figure

        return repr_png(lambda: law_figure(self))

    def optimize(self, total_steps: int, peak: float, **kw: Any) -> Any:
        """The schedule minimizing the predicted final loss; see :func:`lrkit.laws.optimize`."""
        from ._optimize import optimize

        return optimize(self, total_steps, peak, **kw)


def relative_errors(pred: list[np.ndarray], seen: list[np.ndarray]) -> dict[str, float]:
    """The figures of :meth:`Law.errors` from each run's predicted and observed losses
    (``pred[r]``, ``seen[r]``: arrays of the same length, one pair per run)."""
    rel = [np.abs(q - o) / o for q, o in zip(pred, seen)]
    obs = np.concatenate(seen)
    res = np.concatenate(pred) - obs
    ss_res, ss_tot = float(np.sum(res**2)), float(np.sum((obs - obs.mean()) ** 2))
    return {
        "mean_rel": float(np.mean(np.concatenate(rel))),
        "mean_rel_runs": float(np.mean([e.mean() for e in rel])),
        "worst_rel": float(np.mean([e.max() for e in rel])),
        # losses all equal (or one): 1 if exact, else 0, as sklearn's r2_score
        "r2": 1 - ss_res / ss_tot if ss_tot > 0 else float(ss_res == 0),
        "mae": float(np.mean(np.abs(res))),
        "rmse": float(np.sqrt(np.mean(res**2))),
    }


def _check_info(info: dict[str, Any]) -> None:
    """The keys of a saved law's ``info`` that :meth:`Law.report` prints, checked (a
    corrupted file would otherwise load and fail, or print nonsense, in the report)."""
    runs = info.get("runs")
    if runs is not None and not (isinstance(runs, list) and all(isinstance(r, str) for r in runs)):
        raise ConfigError(f"Law.from_dict: info['runs'] must be a list of run names, got {runs!r}")
    h = info.get("horizon")
    if h is not None and (isinstance(h, bool) or not isinstance(h, int) or h < 1):
        raise ConfigError(f"Law.from_dict: info['horizon'] must be an int >= 1, got {h!r}")
    errs = ("fit_mean_rel", "fit_worst_rel")
    for k, other in (errs, errs[::-1]):
        if k in info and other not in info:
            raise ConfigError(f"Law.from_dict: info[{other!r}] is missing (with {k})")
    for k in errs:
        v = info.get(k)
        if k in info and (
            isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= float(v) < math.inf
        ):
            raise ConfigError(f"Law.from_dict: info[{k!r}] must be a number >= 0, got {v!r}")


def _check_area(eta: np.ndarray, steps: np.ndarray) -> None:
    S = np.cumsum(eta)[steps]
    if (S <= 0).any():
        bad = int(steps[S <= 0][0])
        raise ConfigError(
            f"predict: steps must come after the first non-zero rate, got step {bad} "
            "(S(t) = 0 there and the law is undefined)"
        )


def _length(schedule: Any, total_steps: int | None) -> int:
    if total_steps is not None:
        if (
            isinstance(total_steps, bool)
            or not isinstance(total_steps, numbers.Integral)
            or total_steps < 1
        ):
            raise ConfigError(f"total_steps must be a positive int, got {total_steps!r}")
        return int(total_steps)
    if isinstance(schedule, (str, dict)) or hasattr(schedule, "spec"):
        sch = as_schedule(schedule)
        own = own_steps(sch)  # e.g. wsd(..., steps=3000, decay="20%")
        if own is not None:
            return own
        if not sch.is_bound:
            raise ConfigError(f"the schedule {sch.spec()} is not bound to a run; give total_steps")
        n = sch.length
        if n is None:
            raise ConfigError(
                f"the schedule {as_schedule(schedule).spec()} has no end; give total_steps"
            )
        return int(n)
    if isinstance(schedule, numbers.Real):
        raise ConfigError("a constant rate has no end; give total_steps")
    return int(np.asarray(schedule).size)


def _rates_for(schedule: Any, total: int, total_steps: int | None) -> np.ndarray:
    if isinstance(schedule, (str, dict)) or hasattr(schedule, "spec"):
        s = as_schedule(schedule)
        length = own_steps(s) if total_steps is None else total_steps
        if not s.is_bound and length is not None:  # total_steps, else the length it names
            return rates(s.bind(total_steps=length), total, owner="predict: schedule")
    return rates(schedule, total, owner="predict: schedule")


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray) and x.ndim > 0:  # .item() takes one element only
        return [_plain(v) for v in x.tolist()]
    if hasattr(x, "item") and callable(x.item):
        return x.item()
    return x
