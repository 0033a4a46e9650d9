"""Loss-curve laws: predict the loss curve of a schedule from a few recorded runs.

Fit a law on two or three runs (:class:`Run`: a schedule and its logged
losses), then predict the loss curve of any other schedule, rank candidate
schedules by predicted final loss, or search the schedule that minimizes it.

- ``multi_power`` — the Multi-Power Law of Luo et al. (ICLR 2025);
- ``momentum`` — the law of Tissue et al. (2024) with a momentum of lr drops.
- ``mean`` — both fitted, predicting the mean of their two predictions.
- ``multi_power_q``, ``momentum_q``, ``mean_q`` — the same with a fitted drop
  exponent ``q`` (a drop is worth :math:`\\eta_{\\max}^{1-q}(\\eta_{k-1}^q - \\eta_k^q)`).
- ``multi_power_pq``, ``momentum_pq``, ``mean_pq`` — also with a fitted
  progress exponent ``p`` (the area :math:`S_p = \\sum \\eta_{\\max}(\\eta_\\tau/\\eta_{\\max})^p`).
- ``multi_power_pqs``, ``momentum_pqs``, ``mean_pqs`` — also with diminishing
  returns in area in the power term (a fitted ``nu``, ``xi``; see :class:`Law`);
  ``mean_pqs`` is :func:`fit`'s default.
- ``multi_power_warmup`` — the MPL as Luo et al.'s released code sums it (the warmup's
  rises are negative drops): the formula of the fits published with the paper.

The formulas are in :class:`Law` and :mod:`lrkit.laws._forms`. numpy does the
math; scipy (``pip install 'lrkit[laws]'``) is imported only by :func:`fit`,
the momentum law and :func:`optimize`.

>>> import lrkit
>>> from lrkit.laws import Law
>>> p = dict(L0=2.5, A=0.66, alpha=0.42, B=770.0, C=0.53, beta=0.27, gamma=0.65)
>>> law = Law("multi_power", p)
>>> cos = lrkit.cosine(3e-4, 3e-5, steps=24_000)
>>> law.final(cos) < law.final(lrkit.constant(3e-4), total_steps=24_000)
True
"""

from __future__ import annotations

from ._fit import DEFAULT_LAW, fit
from ._law import LAWS, Law
from ._optimize import optimize
from ._run import MAX_RUN_STEPS, Run, rates

__all__ = ["Run", "Law", "LAWS", "fit", "DEFAULT_LAW", "optimize", "rates", "MAX_RUN_STEPS"]
