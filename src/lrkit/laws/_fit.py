r"""Fitting a law to recorded runs (scipy's ``least_squares``, imported when fitting).

The fit minimizes, over the logged points :math:`i` of all runs (after each
run's warmup),

.. math:: \sum_i \mathrm{huber}_\delta\Big(\sqrt{w_i}\,\big(\log L_i - \log \hat L(t_i)\big)\Big),
          \qquad \delta = 10^{-3},

(Luo et al. use :math:`w_i = 1`) with a trust-region least-squares solver on
bounded parameters, from a few starting points (the best one is kept). The
default weights :math:`w_i = t_i / t_{\mathrm{last}}` (``weight="step"``;
:math:`t_{\mathrm{last}}` the run's last fitted step) make the later points
count more: a law is used to extrapolate, and the end of the fitted runs is
what predicts beyond them best (chosen on splits of the fitted curves only,
see docs/laws_research.md, second pass). The ``*_q`` laws' drop exponent is not a solver variable:
the fit is repeated at each ``q`` of :data:`Q_GRID` (and the ``*_pq`` laws' progress
exponent ``p`` at each of :data:`P_GRID`, the ``*_pqs`` laws' ``nu`` and ``xi`` at each
of :data:`S_GRID` and :data:`K_GRID`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from .._validate import check_bool, check_int
from ..errors import ConfigError, ConfigTypeError
from . import _forms as F
from ._law import _MEANS, LAWS, MPL_LAWS, RISES, Law, _base
from ._run import Run

__all__ = ["fit", "DEFAULT_LAW"]

#: the law :func:`fit` uses when none is named: ``"mean_pqs"`` (both laws, each with a
#: fitted drop exponent, a fitted progress exponent and diminishing returns in area in
#: its power term, averaged), the most accurate on splits of the three fitted public
#: curves (docs/laws_research.md, sixth pass; ``"mean_pq"`` before, ``"mean_q"`` and ``"mean"``
#: before that). The planner names its own law (``lrkit.plan``: the MPL, with which its
#: shape rule was built and tested).
DEFAULT_LAW = "mean_pqs"
#: the Huber thresholds :func:`fit` takes: at 1e-10 and below scipy's ``least_squares``
#: returned its starting point unmoved, and below 1e-154 its squares overflow; above 1e8
#: the loss is least squares already (the log residuals are far smaller), and above
#: 1e154 the same overflow
DELTA_RANGE = (1e-8, 1e8)
#: the point weightings of :func:`fit` (``w_i``): later points count more, or all the same
WEIGHTS = ("step", "none")
#: the drop exponents ``q`` the ``*_q`` laws are fitted over: a full fit at each, the one
#: with the smallest fit objective kept (a profile over this grid, fixed before the
#: validation runs that chose the form; docs/laws_research.md, third pass)
Q_GRID = (0.6, 0.7, 0.8, 0.9, 1.0, 1.2)
#: the progress exponents ``p`` the ``*_pq`` laws are fitted over, at the ``q`` profiled
#: first (at p = 1): a full fit at each, the smallest fit objective kept (fixed before
#: the validation runs that chose the form; docs/laws_research.md, fourth pass)
P_GRID = (0.9, 1.0, 1.15, 1.3, 1.5)
#: the area scales :math:`S_c = 1/\nu` ``"multi_power_pqs"`` is fitted over, as multiples of
#: :math:`S_{\max}`, the largest area :math:`S_p` at any fitted point, after ``q`` and
#: ``p`` (at those; ``nu = 0`` is the ``*_pq`` fit): a full fit at each, going down from
#: ``nu = 0``, the smallest fit objective kept (fixed before the runs that chose it;
#: docs/laws_research.md, sixth pass)
S_GRID = (10.0, 3.0, 1.0, 0.3)
#: the same for ``"momentum_pqs"``'s :math:`\kappa = 1/\xi` (the log area over which its
#: power term's exponent falls; dimensionless)
K_GRID = (10.0, 5.0, 2.5, 1.25)
#: the evaluation budget of each fit of the ``nu`` / ``xi`` profile (its short run, and as
#: much again if that stopped on the budget; :func:`fit`'s ``max_nfev`` if smaller): each
#: starts at its neighbour's optimum, and the fit objective is flat along these
#: directions, where a full budget buys digits of the objective that rarely change the
#: choice and costs seconds (the < 10 s target for three curves); the chosen fit is then
#: run on with the full budget
S_NFEV = 40


def _as_runs(runs: Any) -> list[Run]:
    if isinstance(runs, Run):
        runs = [runs]
    try:
        out = list(runs)
    except TypeError:
        raise ConfigTypeError(
            f"fit: runs must be a list of Run, got {type(runs).__name__}"
        ) from None
    if not out:
        raise ConfigError("fit: runs must hold at least one Run, got an empty list")
    for i, r in enumerate(out):
        if not isinstance(r, Run):
            raise ConfigTypeError(f"fit: runs[{i}] must be a Run, got {type(r).__name__}")
    return out


def _points(r: Run, skip_warmup: bool) -> tuple[np.ndarray, np.ndarray]:
    keep = r._after_warmup & r._defined if skip_warmup else r._defined
    return r.steps[keep], r.losses[keep]


def _starts(law: str, lmin: float) -> list[dict[str, float]]:
    r"""The solver's starting points. The terms in loss units (``A``, ``B``, ``C``) start
    at values made for losses of order 1 (language-model cross-entropy); for runs whose
    lowest loss is below 0.1 they are scaled down by the loss's decade,
    :math:`u = 10^{\lfloor \log_{10} L_{\min} \rfloor}`, so that a regression's 1e-4-scale
    losses start where their curve is (without it the fit ended 1,000x off). Losses below
    :data:`MIN_LOSS` are refused (the solver bounds log A, log B, log C to +-25)."""
    u = 10.0 ** math.floor(math.log10(lmin)) if lmin < 0.1 else 1.0
    return [
        {k: (v * u if k in ("A", "B", "C") else v) for k, v in start.items()}
        for start in _unit_starts(law, lmin)
    ]


def _unit_starts(law: str, lmin: float) -> list[dict[str, float]]:
    if law in MPL_LAWS:
        base = {
            "L0": 0.9 * lmin,
            "A": 0.5,
            "alpha": 0.5,
            "B": 400.0,
            "C": 2.0,
            "beta": 0.5,
            "gamma": 0.5,
        }
        alts = [
            {},
            {"L0": 0.7 * lmin, "alpha": 0.3, "B": 100.0},
            {"C": 0.5, "beta": 1.0, "gamma": 0.3},
        ]
    else:
        base = {"L0": 0.9 * lmin, "A": 0.5, "alpha": 0.5, "C": 0.5}
        alts = [{}, {"L0": 0.7 * lmin, "alpha": 0.3, "C": 5.0}]
    return [{**base, **a} for a in alts]


#: the lowest loss a fit takes: below it, A, B, C would leave the solver's bounds (e^-25)
MIN_LOSS = 1e-10

# parameter -> (transform, lower, upper) in the solver's space ("log" = log of the value)
_SPACE = {
    "L0": ("lin", 0.0, None),
    "A": ("log", -25.0, 25.0),
    "alpha": ("lin", 1e-3, 3.0),
    "B": ("log", -25.0, 25.0),
    "C": ("log", -25.0, 25.0),
    "beta": ("lin", 1e-3, 5.0),
    "gamma": ("lin", 0.0, 1.5),
}


def _fit_data(
    runs: Any,
    law: str,
    lam: float,
    delta: float,
    skip_warmup: bool,
    weight: str = "step",
    q: float = 1.0,
    p: float = 1.0,
    nu: float = 0.0,
    xi: float = 0.0,
) -> tuple[list[Run], list[tuple[Any, np.ndarray, np.ndarray]], list[str]]:
    """Check ``fit``'s arguments; return the runs, each run's (geometry, log loss,
    :math:`\\sqrt{w}`) and the names of the parameters the solver moves (the momentum
    law's ``lam`` stays fixed)."""
    if law not in LAWS:
        raise ConfigError(f"fit: law must be one of {', '.join(LAWS)}, got {law!r}")
    if not (isinstance(lam, (int, float)) and 0.0 <= lam < 1.0):
        raise ConfigError(f"fit: lam must be in [0, 1), got {lam!r}")
    if not (isinstance(delta, (int, float)) and delta > 0):
        raise ConfigError(f"fit: delta must be > 0, got {delta!r}")
    if weight not in WEIGHTS:
        raise ConfigError(f"fit: weight must be one of {', '.join(WEIGHTS)}, got {weight!r}")
    runs = _as_runs(runs)
    data = []
    for r in runs:
        st, ls = _points(r, skip_warmup)
        if st.size:
            w = st / max(int(st[-1]), 1) if weight == "step" else np.ones(st.size)
            g = F.geometry(
                r.eta, st, terms=law in MPL_LAWS, q=q, p=p, nu=nu, xi=xi, rises=law == RISES
            )
            data.append((g, np.log(ls), np.sqrt(w)))
    npts = sum(d[1].size for d in data)
    names = [n for n in LAWS[law] if n != "lam"]
    if npts < len(names):
        raise ConfigError(
            f"fit: the {law} law has {len(names)} parameters but the runs give only {npts} "
            "points after warmup"
        )
    return runs, data, names


def _objective(
    law: str, names: list[str], lam: float, data: list[tuple[Any, np.ndarray, np.ndarray]]
) -> tuple[
    Callable[[np.ndarray], dict[str, float]], Callable[..., np.ndarray], Callable[..., np.ndarray]
]:
    """The solver's view of ``law``: ``unpack`` (solver vector to parameters; log-space
    parameters are exponentiated), the residuals :math:`\\log y - \\log \\hat y` over all runs,
    and their Jacobian :math:`-J / \\hat y`."""
    caches: list[dict[Any, Any]] = [{} for _ in data]

    def unpack(x: np.ndarray) -> dict[str, float]:
        p = {n: (math.exp(v) if _SPACE[n][0] == "log" else float(v)) for n, v in zip(names, x)}
        if law == "momentum":
            p["lam"] = float(lam)
        return p

    def resid(x: np.ndarray) -> np.ndarray:
        p = unpack(x)
        out = []
        for (g, ylog, sw), cache in zip(data, caches):
            if law in MPL_LAWS:
                pred = F.mpl_curve(g, p, cache)
            else:
                pred = F.momentum_curve(g, p, cache)
            out.append(sw * (ylog - np.log(np.maximum(pred, 1e-12))))
        return np.concatenate(out)

    def jac(x: np.ndarray) -> np.ndarray:
        p = unpack(x)
        out = []
        for (g, _, sw), cache in zip(data, caches):
            if law in MPL_LAWS:
                y, J = F.mpl_jac(g, p, cache)
            else:
                y, J = F.momentum_jac(g, p, cache)
            out.append(-J * (sw / np.maximum(y, 1e-12))[:, None])
        return np.concatenate(out)

    return unpack, resid, jac


def _fit_mean(runs: Any, law: str, **kw: Any) -> Law:
    """The ``"mean"`` (``"mean_q"``, ``"mean_pq"``, ``"mean_pqs"``) law: the MPL and the
    momentum law (each with its own drop and progress exponents) fitted separately (``kw``:
    :func:`fit`'s)."""
    a, b = (fit(runs, name, **kw) for name in _MEANS[law])
    mean = Law(law, {**a.params, **{f"m_{n}": v for n, v in b.params.items()}})
    err = mean.errors(_as_runs(runs))
    info = {**a.info, "fit_mean_rel": err["mean_rel"], "fit_worst_rel": err["worst_rel"]}
    return Law(law, mean.params, info)


def _sides(grid: tuple[float, ...]) -> tuple[list[float], list[float]]:
    """The grid's values below 1 (going down) and above 1 (going up)."""
    return sorted((v for v in grid if v < 1), reverse=True), [v for v in grid if v > 1]


def _profile(
    runs: Any, base: str, one: tuple[Law, float], vary: str, grid: tuple[float, ...], **kw: Any
) -> tuple[Law, float]:
    """``base`` fitted at each value of ``grid`` for its exponent ``vary`` (``"q"`` or
    ``"p"``; ``kw`` holds the other fixed settings); ``one``: the fit at 1 and its
    objective. Each other value starts from the optimum at its neighbour nearer to 1
    (going down from 1, and up from 1). Returns the fit with the smallest objective
    and that objective."""
    best = one
    for side in _sides(grid):
        prev = one[0]
        for v in side:
            at: dict[str, Any] = {vary: v}
            got = _fit_one(runs, base, start=prev.params, **at, **kw)
            prev = got[0]
            if got[1] < best[1]:
                best = got
    return best


def _fit_q(runs: Any, law: str, **kw: Any) -> Law:
    """``"multi_power_q"`` / ``"momentum_q"``: :func:`_profile` over :data:`Q_GRID`.
    ``"multi_power_pq"`` / ``"momentum_pq"``: then, at that ``q``, :func:`_profile` over
    :data:`P_GRID` (starting at the ``q`` fit's optimum); ``"multi_power_pqs"`` /
    ``"momentum_pqs"``: then :func:`_fit_nu`."""
    base = _base(law)
    kw = {**kw, "errors": False}  # the fit errors of the chosen fit only
    best, cost = _profile(runs, base, _fit_one(runs, base, q=1.0, **kw), "q", Q_GRID, **kw)
    if law.endswith("_q"):
        return Law(law, best.params, {**_with_errors(best, runs).info, "q_grid": list(Q_GRID)})
    q = best.params["q"]
    one = (Law(base + "_pq", {**best.params, "p": 1.0}, best.info), cost)
    top = _profile(runs, base, one, "p", P_GRID, q=q, **kw)
    grids = {"q_grid": list(Q_GRID), "p_grid": list(P_GRID)}
    if law.endswith("_pqs"):
        return _fit_nu(runs, law, top, grids, **kw)
    return Law(law, top[0].params, {**_with_errors(top[0], runs).info, **grids})


def _with_errors(law: Law, runs: Any) -> Law:
    """``law`` (a fit of :func:`_fit_one` with ``errors=False``) with the fit errors in its
    ``info``, where :func:`_fit_one` records them."""
    if "fit_mean_rel" in law.info:
        return law
    err = law.errors(_as_runs(runs))
    i = law.info
    info = {
        "runs": i["runs"],
        "points": i["points"],
        "fit_mean_rel": err["mean_rel"],
        "fit_worst_rel": err["worst_rel"],
        "delta": i["delta"],
        "weight": i["weight"],
        **({"no_decay": True} if i.get("no_decay") else {}),
    }
    return Law(law.law, law.params, info)


def _fit_nu(runs: Any, law: str, top: tuple[Law, float], grids: dict[str, Any], **kw: Any) -> Law:
    """The power term's diminishing returns, profiled at the ``q`` and ``p`` of ``top``
    (the ``_pq`` fit and its objective, the fit at ``nu = 0`` / ``xi = 0``), each fit from
    the previous optimum, the smallest objective kept: ``"multi_power_pqs"`` at each
    :math:`\\nu = 1/(c\\,S_{\\max})` for ``c`` in :data:`S_GRID`, :math:`S_{\\max}` the
    largest area :math:`S_p` at a fitted point; ``"momentum_pqs"`` at each
    :math:`\\xi = 1/\\kappa` for :math:`\\kappa` in :data:`K_GRID`."""
    q, p = top[0].params["q"], top[0].params["p"]
    base = _base(law)
    if base == "multi_power":
        name = "nu"
        smax = 0.0
        for r in _as_runs(runs):
            st, _ = _points(r, kw["skip_warmup"])
            if st.size:
                smax = max(smax, float(F.prepare(r.eta, q, p)["cum"][st].max()))
        values = [1 / (c * smax) for c in S_GRID] if smax > 0 else []
        extra: dict[str, Any] = {"s_grid": list(S_GRID), "s_max": smax}
    else:
        name = "xi"
        values = [1 / k for k in K_GRID]
        extra = {"k_grid": list(K_GRID)}
    best = (Law(law, {**top[0].params, name: 0.0}, top[0].info), top[1])
    prev = best[0]
    sub = {**kw, "max_nfev": min(S_NFEV, kw["max_nfev"])}
    chosen: dict[str, Any] | None = None
    for v in values:
        at: dict[str, Any] = {name: v}
        got = _fit_one(runs, base, start=prev.params, q=q, p=p, **at, **sub)
        prev = got[0]
        if got[1] < best[1]:
            best, chosen = got, at
    if chosen is not None:  # the chosen fit run on to convergence
        more = _fit_one(runs, base, start=best[0].params, q=q, p=p, **chosen, **kw)
        best = more if more[1] <= best[1] else best
    return Law(law, best[0].params, {**_with_errors(best[0], runs).info, **grids, **extra})


def fit(
    runs: Any,
    law: str = DEFAULT_LAW,
    *,
    lam: float = 0.999,
    delta: float = 1e-3,
    skip_warmup: bool = True,
    max_nfev: int = 400,
    weight: str = "step",
) -> Law:
    """Fit ``law`` (a name of :data:`LAWS`; default :data:`DEFAULT_LAW`) to ``runs`` (a
    list of :class:`Run`).

    ``lam``: the momentum law's fixed :math:`\\lambda`. ``delta``: the Huber
    threshold on the log residual, in :data:`DELTA_RANGE` (1e-8 to 1e8). ``skip_warmup``:
    leave out the points logged up to the schedule's peak (the laws describe the loss
    after warmup).
    ``weight``: ``"step"`` (default) weights each point's residual by
    :math:`w_i = t_i / t_{\\mathrm{last}}` of its run (inside the Huber loss, as
    :math:`\\sqrt{w_i}` times the residual), so the later points count more;
    ``"none"``: all points the same (Luo et al.; lrkit 0.1).
    ``law="mean"``: both laws fitted (each as above), predicting the mean of
    their predictions. ``"multi_power_q"``, ``"momentum_q"``: with a drop
    exponent ``q`` (see :class:`Law`), fitted by a full fit at each ``q`` of
    :data:`Q_GRID` (the smallest objective wins); ``"mean_q"``: the mean of those
    two, each with its own ``q``. ``"multi_power_pq"``, ``"momentum_pq"``: also
    with a progress exponent ``p`` (see :class:`Law`), fitted over :data:`P_GRID`
    at the ``q`` profiled first; ``"mean_pq"``: the mean of those two.
    ``"multi_power_pqs"``, ``"momentum_pqs"``: also with diminishing returns in area in
    the power term (``nu``, ``xi``; see :class:`Law`), fitted over :data:`S_GRID` /
    :data:`K_GRID` at that ``q`` and ``p``; ``"mean_pqs"`` (the default): the mean of
    those two. ``"multi_power_warmup"``: the MPL with the warmup's rises in its drop sum
    (Luo et al.'s released formula; see :class:`Law`), fitted as ``"multi_power"``.
    The floor ``L0`` is bounded to :math:`[0, (1 - 10^{-6})\\min_i L_i)`: below the
    lowest loss logged in any of the runs.
    Returns a :class:`Law` whose ``info`` records the runs, the fit error and the
    ``horizon``: the length of the longest fitted run (its last logged step + 1); and
    ``no_decay: True`` when no run's rate drops after its peak up to a fitted point: the
    drop terms then never entered the fit and keep the solver's starting values
    (:meth:`Law.report` says so).
    Predicting a run much longer than that extrapolates how much a decay buys over a
    longer run, which no fitted curve shows (docs/laws.md, "Honest limits").
    """
    if not isinstance(law, str) or law not in LAWS:
        raise ConfigError(f"fit: law must be one of {', '.join(LAWS)}, got {law!r}")
    if isinstance(lam, bool) or not (isinstance(lam, numbers.Real) and 0.0 <= lam < 1.0):
        raise ConfigError(f"fit: lam must be in [0, 1), got {lam!r}")
    if isinstance(delta, bool) or not (isinstance(delta, numbers.Real) and delta > 0):
        raise ConfigError(f"fit: delta must be > 0, got {delta!r}")
    if not math.isfinite(delta):  # an infinite Huber threshold makes the objective NaN
        raise ConfigError(f"fit: delta must be a finite number > 0, got {delta!r}")
    if not DELTA_RANGE[0] <= delta <= DELTA_RANGE[1]:
        raise ConfigError(
            f"fit: delta must be in [{DELTA_RANGE[0]:g}, {DELTA_RANGE[1]:g}], got {delta!r}"
        )
    skip_warmup = check_bool("fit", "skip_warmup", skip_warmup)
    max_nfev = check_int("fit", "max_nfev", max_nfev, low=1)
    runs = _as_runs(runs)  # read once: an iterator would be empty for the next fit
    kw: dict[str, Any] = dict(
        lam=lam, delta=delta, skip_warmup=skip_warmup, max_nfev=max_nfev, weight=weight
    )
    if law in _MEANS:
        out = _fit_mean(runs, law, **kw)
    elif law in LAWS and _base(law) != law:  # a *_q / *_pq / *_pqs form
        out = _fit_q(runs, law, **kw)
    else:
        out = _fit_one(runs, law, **kw)[0]
    horizon = max(int(r.steps[-1]) + 1 for r in _as_runs(runs) if r.steps.size)
    return Law(out.law, out.params, {**out.info, "horizon": horizon})


def _named(
    law: str, params: dict[str, float], q: float | None, p: float | None, nu: Any, xi: Any
) -> Law:
    """The fitted ``law`` (``"multi_power"`` / ``"momentum"``) as the form its fixed
    exponents make: plain, ``*_q`` (``q``), ``*_pq`` (``q``, ``p``) or ``*_pqs`` (and
    ``nu`` or ``xi``)."""
    if q is None:
        return Law(law, params)
    if p is None:
        return Law(law + "_q", {**params, "q": q})
    if nu is None and xi is None:
        return Law(law + "_pq", {**params, "q": q, "p": p})
    extra = {"nu": float(nu)} if nu is not None else {"xi": float(xi)}
    return Law(law + "_pqs", {**params, "q": q, "p": p, **extra})


def _bounds(
    names: list[str], data: list[tuple[Any, np.ndarray, np.ndarray]]
) -> tuple[float, np.ndarray, np.ndarray]:
    r"""The lowest loss logged (refused below :data:`MIN_LOSS`) and the solver's bounds on
    ``names``: :data:`_SPACE`'s, ``L0`` in :math:`[0, (1 - 10^{-6}) L_{\min})`."""
    lmin = float(min(np.exp(d[1]).min() for d in data))
    if lmin < MIN_LOSS:
        raise ConfigError(
            f"fit: the lowest loss logged is {lmin:.3g}; losses below {MIN_LOSS:g} are out of "
            "the solver's reach (it bounds log A, log B, log C to +-25): multiply the losses by "
            "a constant before fitting (the law's L0, A, B, C scale with it)"
        )
    lo = np.array([(_SPACE[n][1] if n != "L0" else 0.0) for n in names], dtype=float)
    hi = np.array([(_SPACE[n][2] if n != "L0" else lmin * (1 - 1e-6)) for n in names])
    return lmin, lo, hi


def _feasible(
    law: str, start: dict[str, float], lam: float, data: list[tuple[Any, np.ndarray, np.ndarray]]
) -> dict[str, float]:
    """``start`` with its drop term's factor (the MPL's ``B``, the momentum law's ``C``)
    scaled down where it predicts a loss <= 0 at a fitted point, to at most half the
    power law's value there. The starts are made for rates of ~1e-3 (the drop term grows
    with the rates: with rates of order 1 it was hundreds of times the loss), and where
    the prediction is <= 0 the residuals are clipped flat, which the solver did not leave
    (a fit 18,000 % off). A start that predicts positive losses is kept as it is."""
    p = {**start, "lam": lam}
    factor = 1.0
    for g, _, _ in data:
        pred = F.mpl_curve(g, p) if law in MPL_LAWS else F.momentum_curve(g, p)
        if (pred > 0).all():
            continue
        base = p["L0"] + p["A"] * g.S ** (-p["alpha"])  # the law without its drop term
        drop = base - pred
        on = drop > 0
        factor = min(factor, 0.5 * float(np.min(base[on] / drop[on])))
    if factor >= 1.0:
        return start
    key = "B" if law in MPL_LAWS else "C"
    return {**start, key: start[key] * factor}


def _fit_one(
    runs: Any,
    law: str,
    *,
    lam: float,
    delta: float,
    skip_warmup: bool,
    max_nfev: int,
    weight: str,
    q: float | None = None,
    p: float | None = None,
    nu: float | None = None,
    xi: float | None = None,
    start: dict[str, float] | None = None,
    errors: bool = True,
) -> tuple[Law, float]:
    """One law (``"multi_power"`` or ``"momentum"``) fitted; with ``q``, its ``*_q`` form at
    that fixed drop exponent, with ``q`` and ``p`` its ``*_pq`` form at those fixed
    exponents (with ``nu`` / ``xi`` too, the ``*_pqs`` form); ``start``: the one starting
    point (default: a few); ``errors=False``: the fit errors left out of the law's
    ``info`` (a profile computes them for the fit it keeps, :func:`_with_errors`).
    Returns the law and the solver's objective."""
    from .._deps import require

    least_squares = require("scipy.optimize", "laws", "lrkit.laws.fit").least_squares

    runs, data, names = _fit_data(
        runs,
        law,
        lam,
        delta,
        skip_warmup,
        weight,
        1.0 if q is None else q,
        1.0 if p is None else p,
        0.0 if nu is None else nu,
        0.0 if xi is None else xi,
    )
    npts = sum(d[1].size for d in data)
    lmin, lo, hi = _bounds(names, data)
    unpack, resid, jac = _objective(law, names, lam, data)
    best = None

    def solve(x0: np.ndarray, nfev: int) -> Any:
        return least_squares(
            resid,
            x0,
            bounds=(lo, hi),
            loss="huber",
            f_scale=delta,
            max_nfev=nfev,
            x_scale="jac",
            jac=jac,
        )

    # a short run from each start, then the best one run to convergence
    # strictly inside the bounds at any scale (L0's upper bound is the lowest loss, which
    # may be small: an absolute margin of 1e-9 would cross it)
    pad = 1e-9 * np.maximum(hi - lo, 0.0)
    for x in [start] if start else (_feasible(law, x, lam, data) for x in _starts(law, lmin)):
        x0 = np.array([math.log(x[n]) if _SPACE[n][0] == "log" else x[n] for n in names])
        res = solve(np.clip(x0, lo + pad, hi - pad), min(40, max_nfev))
        if best is None or res.cost < best.cost:
            best = res
    assert best is not None
    if best.status == 0:  # stopped by the evaluation budget
        best = solve(best.x, max_nfev)
    fitted = _named(law, unpack(best.x), q, p, nu, xi)
    info = {
        "runs": [r.name or f"run{i}" for i, r in enumerate(runs)],
        "points": int(npts),
        "delta": float(delta),
        "weight": weight,
    }
    if not any((g.drops[: int(g.steps.max()) + 1] != 0).any() for g, _, _ in data):
        info["no_decay"] = True  # the drop terms never entered the objective
    out = Law(fitted.law, fitted.params, info)
    return (_with_errors(out, runs) if errors else out), float(best.cost)
