r"""The learning-rate range test ("LR finder"), framework-neutral.

Smith's range test: train for a short while as the learning rate grows from
very small to large, record the loss at every step and read the curve of loss
against learning rate (log axis). A good rate is on the steep downhill part; a
good maximum is just before the loss stops falling and blows up.

:func:`find` needs only ``step_fn(lr) -> loss``: one training step at that rate
returning the loss as a number. It works for any framework and for plain numpy
models; :func:`lrkit.torch.find_lr` wraps it for PyTorch (and restores the
model afterwards).

The sweep (:mod:`.options`, :mod:`.sweep`). Step :math:`i = 0 .. n-1` uses

- ``mode="exp"``: :math:`\eta_i = \eta_s (\eta_e/\eta_s)^{i/(n-1)}`,
- ``mode="linear"``: :math:`\eta_i = \eta_s + (\eta_e-\eta_s)\, i/(n-1)`,

the loss is smoothed by a bias-corrected exponential moving average
(:math:`\beta` = ``smooth``)

.. math:: a_i = \beta a_{i-1} + (1-\beta) \ell_i,\qquad
          \bar\ell_i = a_i / (1-\beta^{i+1}),\qquad a_{-1} = 0,

and the sweep stops early when :math:`\bar\ell_i > b + (d-1)|b|` (:math:`b`
the best smoothed loss so far, :math:`d` = ``diverge``; for positive losses
this is :math:`\bar\ell_i > d\,b`), or as soon as a loss is NaN or infinite,
or when the data runs out (:class:`LoaderExhausted`). A non-finite loss is
never recorded: everything measured before the stop is kept.

That online EMA is causal (it decides the stop while the sweep runs) but it
trails the loss by about :math:`\beta/(1-\beta)` steps (49 for
``smooth=0.98``: a decade of lr on a 100-step sweep over 8 decades), which
moves its minimum and its steepest point far to the right of the loss's own.
Suggestions therefore read a second, lag-free curve computed after the sweep
from the recorded points only, ``FinderResult.curve``: a local linear
regression over :math:`\log_{10}\eta` with a centred Gaussian window
(:func:`zero_lag`).

The package, one module per responsibility: :mod:`.options` (the sweep's
settings, :class:`SweepOptions`), :mod:`.sweep` (:func:`find`),
:mod:`.smooth` (the lag-free curve), :mod:`.result` (:class:`FinderResult`,
a frozen value with ``to_dict``/``from_dict``), :mod:`.suggest` (one
function per suggestion method, in a registry, and the range),
:mod:`.diagnose` (warnings, ``confident``, the text report),
:mod:`.figure` (the one finder chart) and :mod:`.build` (ready schedules).

>>> import numpy as np
>>> def step(lr):  # a toy curve: falls until lr ~ 1e-2, then explodes
...     return 1.0 / (1.0 + 1e3 * lr) + (lr / 1e-1) ** 2
>>> res = find(step, start=1e-6, end=10, steps=100, smooth=0.0)
>>> res.stop_reason
'diverged'
>>> 1e-4 < res.suggest() < 1e-1
True
"""

from __future__ import annotations

from .options import SweepKeywords, SweepOptions, sweep_lrs, sweep_options
from .result import STOP_REASONS, FinderResult
from .smooth import BANDWIDTH, step_noise, zero_lag
from .suggest import DEFAULT_METHOD, METHODS, MIN_POINTS, Suggestion
from .sweep import LoaderExhausted, _want_progress, as_loss, find

__all__ = [
    "find",
    "FinderResult",
    "Suggestion",
    "SweepOptions",
    "SweepKeywords",
    "LoaderExhausted",
    "METHODS",
    "DEFAULT_METHOD",
    "MIN_POINTS",
    "BANDWIDTH",
    "STOP_REASONS",
    "sweep_lrs",
    "sweep_options",
    "zero_lag",
    "step_noise",
    "as_loss",
    "_want_progress",
]
