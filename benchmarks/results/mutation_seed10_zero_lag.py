"""Reproducer (issue 15, seed-10 pass; reported to the lead, not a test): with
robustness weights, ``zero_lag`` can return values far outside the losses' range when
a point's neighbourhood is a tight cluster of rates far from it.

Found while triaging the open survivor ``finder/smooth.py:73`` (the local-linear
fit's conditioning test ``det > 1e-12 * s0 * s2``): 15 losses in [-2.7, 85.8] at three
tight clusters of rates, ``bandwidth=0.0095``, ``robust=2`` or ``3``; the smoothed
values at the lowest cluster come out near 2.3e5. The points whose robustness weight
survives are 24 bandwidths away (Gaussian weight ~1e-126), and their spread (3e-7
decades) against that distance passes the relative test (about 1.7e-12 > 1e-12), so
the local line is extrapolated from them. Exit status 1 while the bug is there.

    PYTHONPATH=src python benchmarks/results/mutation_seed10_zero_lag.py
"""

import numpy as np

from lrkit.finder.smooth import zero_lag

x = [
    -2.1992546950123844, -2.2001192669098217, -2.200508119843844, -2.199855028644774,
    -2.199443640796173, -3.4511735103975294, -3.4511736919398763, -3.4511731374059167,
    -3.4511739912365367, -3.4511729884448936, -3.680691243073669, -3.6806916001183856,
    -3.680691029031726, -3.68069129740217, -3.6806913909152565,
]  # fmt: skip
y = [
    -1.4868135362240313, 0.6329444079170999, 0.8395427736663071, 0.9995124133694617,
    0.774408310739026, -0.3739554097786758, 85.75974339098208, -0.6955492856892487,
    -0.025318299526627754, -1.1199401602974126, 1.062227423171084, 0.6329880375315508,
    73.75790247773433, 1.2598999255966699, -2.6880340653297923,
]  # fmt: skip

if __name__ == "__main__":
    lrs = 10.0 ** np.array(x)
    worst = 0.0
    for robust in range(4):
        out = zero_lag(lrs, y, bandwidth=0.00946838211359032, robust=robust)
        print(f"robust={robust}: smoothed in [{out.min():.4g}, {out.max():.4g}]")
        worst = max(worst, float(np.abs(out).max()))
    print(f"losses in [{min(y):.4g}, {max(y):.4g}]")
    raise SystemExit(1 if worst > 10 * max(abs(v) for v in y) else 0)
