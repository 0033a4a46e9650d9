"""Check that the laws' fits compute what a reference checkout computes (a speed change
must not be a fit change).

For every law :func:`lrkit.laws.fit` accepts and each public model size, fit the three
paper-protocol curves (``cosine_24000``, ``constant_24000``, ``wsdcon_9``) and record the
fitted parameters, the held-out errors on the six other curves (``Law.errors``, as
``bench_laws.py`` prints them) and the fit's CPU time. ``--reference SRC`` runs the same
in a subprocess on another checkout's ``src`` (e.g. main's) and compares: every
parameter must agree to ``--rtol`` (default 1e-6) relative, the held-out mean relative
error to the digits ``bench_laws.py`` prints (3 decimals of a percent); the largest
relative differences per law and size (parameters; held-out errors and the fit errors
in ``info``) are printed, and ``bit-identical`` where there are none.

    python benchmarks/check_laws_same.py --reference /work/main/src [--laws mean_pqs]
        [--sizes 25,100,400] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dump(laws: list[str], sizes: list[str]) -> dict:
    """Fitted parameters, held-out errors and fit CPU seconds of each (law, size)."""
    from lrkit.laws import fit
    from lrkit.laws.public import FIT_NAMES, TEST_NAMES, find_root, load_public

    data = find_root(ROOT)
    out: dict = {}
    for size in sizes:
        runs = load_public(data, size)
        for law in laws:
            t0 = time.process_time()
            fitted = fit([runs[n] for n in FIT_NAMES], law)
            secs = time.process_time() - t0
            err = fitted.errors([runs[n] for n in TEST_NAMES])
            info = {k: v for k, v in fitted.info.items() if k.startswith("fit_")}
            out[f"{law}/{size}"] = {
                "params": fitted.params,
                "info": info,
                "errors": err,
                "cpu_s": secs,
            }
            print(f"{law} {size}M: {secs:.2f} s", file=sys.stderr, flush=True)
    return out


def _rel(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b), 1e-300)


def compare(new: dict, ref: dict, rtol: float) -> bool:
    """Print one line per (law, size); True when every one agrees."""
    ok = True
    for key in new:
        a, b = new[key], ref[key]
        worst = max(_rel(a["params"][n], b["params"][n]) for n in b["params"])
        worst_err = max(
            [_rel(a["errors"][n], b["errors"][n]) for n in b["errors"]]
            + [_rel(a["info"][n], b["info"][n]) for n in b.get("info", {})]
        )
        same_digits = (
            f"{100 * a['errors']['mean_rel']:.3f}" == f"{100 * b['errors']['mean_rel']:.3f}"
        )
        good = worst <= rtol and same_digits
        ok &= good
        tag = "bit-identical" if worst == 0 and worst_err == 0 else f"params {worst:.1e}"
        print(
            f"{'ok ' if good else 'BAD'} {key}: {tag}, errors {worst_err:.1e} "
            f"({100 * a['errors']['mean_rel']:.3f} vs {100 * b['errors']['mean_rel']:.3f} %), "
            f"fit {a['cpu_s']:.2f} s vs {b['cpu_s']:.2f} s"
        )
    return ok


def main() -> None:
    from lrkit.laws import LAWS
    from lrkit.laws.public import SIZES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--laws", default=",".join(LAWS))
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--reference", default=None, help="another checkout's src to compare with")
    ap.add_argument("--ref-json", default=None, help="a saved reference dump (skips the run)")
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--json", default=None, help="write this checkout's dump here")
    ap.add_argument("--dump-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    laws, sizes = a.laws.split(","), a.sizes.split(",")
    if a.dump_only:
        print(json.dumps(dump(laws, sizes)))
        return
    ref = None
    if a.ref_json:
        with open(a.ref_json) as f:
            ref = json.load(f)
    elif a.reference:
        env = {**os.environ, "PYTHONPATH": a.reference}
        cmd = [sys.executable, __file__, "--dump-only", "--laws", a.laws, "--sizes", a.sizes]
        ref = json.loads(subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE).stdout)
    new = dump(laws, sizes)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(new, f, indent=1)
    if ref is not None:
        sys.exit(0 if compare(new, ref, a.rtol) else 1)


if __name__ == "__main__":
    main()
