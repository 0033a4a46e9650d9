"""The public loss curves of Luo et al. (ICLR 2025; MIT licence) as :class:`Run` values.

The curves are not shipped with lrkit; point ``root`` at a copy of the
directory (``csv_25``, ``csv_100``, ``csv_400`` with ``NAME.csv`` files of
``step,lr,loss``). Their per-step schedules (all with a 2160-step warmup
``linspace(0, 3e-4, 2160)``) are rebuilt here exactly:

- ``cosine_N``: :math:`3\\cdot10^{-5} + \\tfrac12 (3\\cdot10^{-4} - 3\\cdot10^{-5})
  (1 + \\cos(\\pi (t-2160)/(N-2160)))` for :math:`t \\ge 2160`;
- ``constant_N``: :math:`3\\cdot10^{-4}`;
- ``wsdcon_K``: :math:`3\\cdot10^{-4}` until step 8000, then :math:`K\\cdot10^{-5}`;
- ``wsd_20000_24000``: :math:`3\\cdot10^{-4}` until 20000, then geometric down to
  :math:`3\\cdot10^{-5}` at 24000; ``wsdld_20000_24000``: the same, linear.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import ConfigError
from ._run import Run

__all__ = ["SIZES", "NAMES", "FIT_NAMES", "TEST_NAMES", "public_rates", "load_public", "find_root"]

SIZES = ("25", "100", "400")
FIT_NAMES = ("cosine_24000", "constant_24000", "wsdcon_9")
TEST_NAMES = (
    "constant_72000",
    "cosine_72000",
    "wsd_20000_24000",
    "wsdld_20000_24000",
    "wsdcon_3",
    "wsdcon_18",
)
NAMES = FIT_NAMES + TEST_NAMES
PEAK, LOW, WARM = 3e-4, 3e-5, 2160


def public_rates(name: str, total: int) -> np.ndarray:
    """The per-step rates of the public run ``name`` for steps ``0..total-1``."""
    t = np.arange(total, dtype=np.float64)
    eta = np.full(total, PEAK)
    kind, _, rest = name.partition("_")
    if kind == "cosine":
        n = float(rest)
        f = np.clip((t - WARM) / (n - WARM), 0.0, 1.0)
        eta = LOW + 0.5 * (PEAK - LOW) * (1.0 + np.cos(np.pi * f))
    elif kind == "wsdcon":
        eta = np.where(t >= 8000, float(rest) * 1e-5, PEAK)
    elif kind in ("wsd", "wsdld"):
        f = np.clip((t - 20000.0) / 4000.0, 0.0, 1.0)
        dec = PEAK ** (1 - f) * LOW**f if kind == "wsd" else PEAK + (LOW - PEAK) * f
        eta = np.where(t >= 20000, dec, PEAK)
    elif kind != "constant":
        raise ConfigError(f"public run: unknown name {name!r} (names: {', '.join(NAMES)})")
    eta[: min(WARM, total)] = np.linspace(0.0, PEAK, WARM)[: min(WARM, total)]
    return eta


def find_root(checkout: Any) -> Any:
    """The ``shared/data/loss_curves`` folder beside a checkout of lrkit, or one level
    higher (a worktree nested one folder deeper); the first place when neither exists.

    ``checkout``: the checkout's root folder. Returns a :class:`pathlib.Path`.
    """
    from pathlib import Path

    here = Path(checkout).resolve()
    places = [up / "shared" / "data" / "loss_curves" for up in (here.parent, here.parent.parent)]
    return next((d for d in places if d.is_dir()), places[0])


def load_public(root: Any, size: str, names: tuple[str, ...] = NAMES) -> dict[str, Run]:
    """The public runs of model ``size`` (``"25"``, ``"100"`` or ``"400"``) under ``root``."""
    if str(size) not in SIZES:
        raise ConfigError(f"load_public: size must be one of {', '.join(SIZES)}, got {size!r}")
    out = {}
    for name in names:
        path = os.path.join(os.fspath(root), f"csv_{size}", f"{name}.csv")
        if not os.path.isfile(path):
            raise ConfigError(f"load_public: no file {path!r}")
        a = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        steps = a[:, 0].astype(np.int64)
        out[name] = Run(public_rates(name, int(steps[-1]) + 1), steps, a[:, 2], name=name)
    return out
