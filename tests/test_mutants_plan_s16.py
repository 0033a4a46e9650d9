"""lrkit.plan's decisions replayed from its own evidence (issue 15, training seeds 15-19).

``plan()`` is a chain of documented rules (the module docstring of ``plan/_core.py``,
docs/plan.md rules 1-8): the range test's reading, the first rung's peaks, the second
rung (or the long rung, or the blind rung), the drift between rungs and its hedge, the
shape probe, the law's step. Each rule's *inputs* are in the returned :class:`Plan`
(its probes and finder result), so the whole decision can be re-derived from them by a
plain re-statement of the rules and compared with what ``plan()`` ran, chose and wrote
in its notes, exactly.

This is run over many cheap seeded problems (a one-dimensional noisy quadratic trained
by SGD on fixed batches, which diverges above a chosen rate; flat losses for the blind
rung; noisy near-flat ones for the long rung) and argument sets (budgets, peaks, a given
``lr``, one shape or several, warm-up and cool-down, validation losses), so that a
changed comparison, bound, factor or note anywhere along the chain changes either a
probe, the answer or a note of at least one case. The pure helpers used below
(``vertex``, ``tells_apart``, ``progressed``, ``paired_gain``, ``overshoot``,
``_allocate``, ``_candidates``, ``_blind_candidates``, ``_horizon``, ``alternative``)
are pinned against their own formulas in ``test_mutants_plan_s15.py``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrkit
from lrkit.errors import ConfigError, NonFiniteError
from lrkit.plan import shape_schedule
from lrkit.plan._core import _allocate
from lrkit.plan._evidence import (
    FALL_NOISE,
    SEPARATE_SE,
    move_gain,
    overshoot,
    paired_gain,
    progressed,
    saw_fall,
    tells_apart,
    vertex,
)
from lrkit.plan._rungs import LONG_PROBES, _blind_candidates, _candidates, _horizon
from lrkit.plan._shape_rule import alternative
from lrkit.plan._shapes import round_peak
from lrkit.schedules import exponential


def _sgd_run(h, noise, div, seed, offset=1.0, val=False):
    """SGD on 0.5 h x^2 from x = 1 with the same gradient noise in every call (same
    batches); stops at the first update whose rate exceeds ``div`` (a non-finite loss)."""

    def run(schedule, steps):
        r = np.asarray(schedule(np.arange(steps)), dtype=np.float64)
        eps = np.random.default_rng(seed).normal(0.0, 1.0, steps)
        x, out = 1.0, []
        for t in range(steps):
            if r[t] > div:
                out.append(math.nan)
                break
            out.append(offset + 0.5 * h * x * x + 0.05 * noise * eps[t])
            x -= r[t] * (h * x + noise * eps[t])
        if val and len(out) == steps and math.isfinite(out[-1]):
            return out, offset + 0.5 * h * x * x
        return out

    return run


def _w(warmup, total, steps, cold=False):
    return min(round(warmup * total), steps // 2) if warmup > 0 and not cold else 0


def _expect_probe(p, stage, peak, shape, steps, warmup, cooldown, total, cold=False):
    assert (p.stage, p.shape, p.steps) == (stage, shape, steps)
    assert p.peak == pytest.approx(peak, rel=1e-12)
    want = shape_schedule(
        shape, p.peak, steps, warmup, cooldown, warmup_steps=_w(warmup, total, steps, cold)
    )
    assert p.schedule == str(want)


def _replay(p, total, budget, shapes, peaks, lr, lo, hi, warmup, cooldown, use_laws):
    """Re-derive ``p`` from its probes by the documented rules; returns nothing, asserts."""
    cap = math.floor(budget * total + 1e-9)
    default = shapes[0]
    alt = alternative(shapes, total, warmup, cooldown)
    n_f, ell, room = _allocate(total, cap, peaks, lr is None, alt is not None)
    probes = list(p.probes)
    notes: list[str] = []
    cost = 0

    def take(n):
        nonlocal cost
        got, probes[:] = probes[:n], probes[n:]
        for q in got:
            cost += min(q.steps, max(q.updates, 1))
        return got

    ref = lr
    if lr is None:
        (rt,) = take(1)
        sched = exponential(lo, gamma=(hi / lo) ** (1.0 / (n_f - 1))).bind(total_steps=n_f)
        assert (rt.stage, rt.peak, rt.shape, rt.steps, rt.schedule) == (
            "range",
            hi,
            "exponential",
            n_f,
            str(sched),
        )
        f = p.finder
        assert f is not None and f.meta["framework"] == "plan"
        assert f.meta["optimizer_steps"] == rt.updates
        s = f.suggestion("minimum")
        if s.index is not None:
            ref = float(f.lrs[s.index])
            notes.append(f"range test ({n_f} updates): the loss stops falling at lr {ref:.3g}")
        elif f.suggest() is not None:
            ref = f.suggest() * math.sqrt(10.0)
            notes.append(f"range test: no clear minimum ({s.reason}); using suggest() x sqrt(10)")
        else:
            ref = None
            notes.append(f"range test gave no suggestion ({'; '.join(f.warnings) or s.reason})")
    else:
        assert p.finder is None
    last_stage = None
    if lr is None and not saw_fall(p.finder):
        cands = _blind_candidates(p.finder, peaks, lo, hi)
        steps = min((cap - cost) // len(cands), total)
        rung = take(len(cands))
        for q, c in zip(rung, cands):
            _expect_probe(q, "blind", c, default, steps, warmup, cooldown, total)
        stable = [q for q in rung if not q.diverged]
        notes.append(
            f"the range test saw no fall (its curve stayed within {FALL_NOISE:g}x its "
            f"step-to-step noise): its reading is noise; blind rung of {len(cands)} probes of "
            f"{steps} updates at {', '.join(f'{c:.3g}' for c in cands)}"
        )
        moved = [q for q in stable if progressed(q)]
        if not moved:
            # the highest stable probe whose score is within SEPARATE_SE standard errors
            # of the paired difference above the best one's (docs/plan.md rule 1)
            best = min(stable, key=lambda q: q.score)
            alike = [best] + [
                q
                for q in stable
                if q is not best and move_gain(q, best)[0] <= SEPARATE_SE * move_gain(q, best)[1]
            ]
            peak = max(q.peak for q in alike)
            notes.append(
                f"no evidence: no probe at any rate left its starting plateau, so the peak "
                f"{peak:.3g} (the highest stable probe that scored alike: the likeliest to "
                f"leave the plateau within the run) rests on no evidence; "
                f"give lr=, a larger budget or a longer run to plan"
            )
        elif vertex(stable) is not None and tells_apart(stable):
            peak = vertex(stable)
            notes.append(f"blind rung: the probes told their peaks apart; read between {peak:.3g}")
        else:
            peak = min(q.peak for q in moved)
            notes.append(
                f"blind rung: {len(moved)} probe(s) left the plateau but scored alike; the "
                f"lowest of them, {peak:.3g}"
            )
        last_stage = "blind"
    else:
        cands = _candidates(ref, peaks, lo, hi, lr is None)
        rung1 = take(peaks)
        for q, c in zip(rung1, cands):
            _expect_probe(q, "rung1", c, default, ell, warmup, cooldown, total)
        eta1 = vertex(rung1)
        ok1 = [q for q in rung1 if not q.diverged]
        best1 = min(ok1, key=lambda q: q.score).peak if ok1 else min(cands) / 8.0
        notes.append(
            f"rung 1 ({ell} updates each): best peak {best1:.3g}"
            + (
                f", read between probes {eta1:.3g}"
                if eta1 is not None
                else ", every probe diverged"
            )
        )
        long_len = min((cap - cost) // LONG_PROBES, total)
        if room and ok1 and long_len > 2 * ell and not tells_apart(rung1):
            notes.append(
                f"rung 1's probes scored alike (none above the best by more than {SEPARATE_SE:g} "
                f"standard errors of the paired difference): fewer, longer probes instead of "
                f"rung 2 and the shape probe"
            )
            at = [max(cands) * (min(cands) / max(cands)) ** (j / 2) for j in range(3)]
            last = take(LONG_PROBES)
            for q, c in zip(last, at):
                _expect_probe(q, "long", c, default, long_len, warmup, cooldown, total)
            where = ", ".join(f"{c:.3g}" for c in at)
            eta = vertex(last)
            if eta is not None and tells_apart(last):
                peak = eta
                notes.append(
                    f"long rung ({long_len} updates each at {where}): they told their peaks "
                    f"apart; read between probes {eta:.3g} (no drift measured)"
                )
            else:
                stable = [q.peak for q in last if not q.diverged]
                peak = min(stable) if stable else min(cands) / 4.0
                notes.append(
                    f"long rung ({long_len} updates each at {where}): they scored alike too; "
                    f"the lowest, {peak:.3g} (never a higher rate on no evidence)"
                )
            last_stage = "long"
        else:
            second = [best1, best1 / 2.0, best1 / 4.0]
            last = take(3)
            for q, c in zip(last, second):
                _expect_probe(q, "rung2", c, default, 2 * ell, warmup, cooldown, total)
            eta2 = vertex(last)
            assert eta2 is not None or not all(q.diverged for q in rung1)  # else it raised
            if eta2 is None:
                peak = min(second) / 4.0
                notes.append(
                    f"no probe trained stably: falling back to {peak:.3g} (4x below the lowest)"
                )
            else:
                e1 = eta1
                if e1 is not None and e1 <= min(cands) * (1 + 1e-9):
                    e1 = None
                if eta2 >= max(second) * (1 - 1e-9):
                    e1 = None
                peak, beta = _horizon(e1, eta2, ell, total)
                notes.append(
                    f"rung 2 ({2 * ell} updates each): best peak {eta2:.3g}; it shrank as "
                    f"h^-{beta:.2f} from rung 1; half that rate (the hedge) gives {peak:.3g} "
                    f"for {total} updates"
                )
                if lr is not None and eta2 >= max(cands):
                    notes.append(
                        "the best peak is the highest candidate: a higher one might be better"
                    )
            last_stage = "rung2"
        if (
            ref is not None
            and vertex(last) is not None
            and not any(progressed(q) for q in last if not q.diverged)
        ):
            peak = ref
            notes.append(
                f"no {'long' if last_stage == 'long' else 'second'}-rung probe left its "
                f"starting plateau (a fall of a tenth, beyond its noise): too short to rank "
                f"peaks; using the {'range test' if lr is None else 'given'} rate {ref:.3g}"
            )
    # the shape probe (rule 8)
    shape, wu = default, warmup
    rung2 = [q for q in p.probes if q.stage == "rung2" and not q.diverged]
    if alt is not None and not room:
        notes.append(f"no room for the shape probe in the budget: {alt} is not run")
    elif alt is not None and last_stage in ("long", "blind"):
        notes.append(f"the {last_stage} rung took the shape probe's updates: {alt} is not run")
    elif alt is None or not rung2:
        if alt is not None:
            notes.append(f"no stable second-rung probe to compare {alt} with: keeping {default}")
    else:
        base = min(rung2, key=lambda q: q.score)
        cold = warmup > 0 and alt != "one_cycle"
        (sp,) = take(1)
        _expect_probe(sp, "shape", base.peak, alt, base.steps, warmup, cooldown, total, cold)
        what = f"{alt} without warm-up" if cold else alt
        if sp.diverged:
            notes.append(f"shape probe: {what} at {base.peak:.3g} diverged: keeping {default}")
        else:
            gain, se = paired_gain(base, sp)
            won = gain > se
            notes.append(
                f"shape probe ({base.steps} updates at peak {base.peak:.3g}): {what} "
                f"{sp.score:.4g} vs {default} {base.score:.4g} (difference {gain:+.3g}, "
                f"standard error {se:.2g}): " + (alt if won else f"keeping {default}")
            )
            if won:
                shape = alt
                rise = (
                    overshoot(base, sp, min(round(warmup * total), base.steps // 2))
                    if cold
                    else None
                )
                if rise is not None:
                    t, a, b = rise
                    notes.append(
                        f"its start overshot at update {t} (loss {a:.4g} vs {b:.4g} with the "
                        f"warm-up, same batch): {alt} keeps the warm-up"
                    )
                elif cold:
                    notes.append(f"its start was stable: {alt} without warm-up")
                    wu = 0.0
    assert probes == []  # nothing else was run
    if len(shapes) == 1:
        notes.append("one shape allowed: no law needed")
    elif use_laws == "auto":
        notes.append(
            f"laws skipped: the probes took {p.run_seconds:.1f} s (< 120 s), a fit would cost "
            f"more than 5% of that; keeping the probes' shape {shape}"
        )
    else:
        notes.append(f"laws off: keeping the probes' shape {shape}")
    assert list(p.notes) == notes
    assert p.cost == cost <= cap
    assert p.peak == round_peak(peak) and p.shape == shape and p.decided_by == "probes"
    assert str(p.schedule) == str(shape_schedule(shape, round_peak(peak), total, wu, cooldown))
    assert p.total_steps == total and p.budget == budget
    assert p.predictions == () and p.law is None
    assert 0.0 <= p.run_seconds <= p.seconds < 30.0  # wall times of a plan of toy runs


def _cases(n, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        total = int(rng.choice([60, 200, 400, 1000, 3000]))
        kind = rng.random()
        if kind < 0.15:  # flat: the range test sees no fall
            h, noise, off = float(rng.uniform(1e-7, 1e-5)), float(rng.uniform(0.0, 0.5)), 1.0
        elif kind < 0.35:  # noisy, barely moving: rungs that cannot tell their peaks apart
            h, noise, off = float(rng.uniform(0.01, 0.2)), float(rng.uniform(1.0, 4.0)), 1.0
        else:
            h, noise, off = float(10 ** rng.uniform(-1, 1)), float(rng.uniform(0.0, 1.0)), 0.1
        div = float(10 ** rng.uniform(-1.5, 0.5)) / h if rng.random() < 0.7 else math.inf
        run = _sgd_run(h, noise, div, int(rng.integers(0, 10**6)), off, val=rng.random() < 0.2)
        r = rng.random()
        shapes = (
            ("linear", "wsd", "cosine", "one_cycle")
            if r < 0.4
            else (
                ("linear",)
                if r < 0.55
                else tuple(
                    str(s)
                    for s in rng.permutation(["linear", "wsd", "cosine", "one_cycle", "constant"])[
                        : int(rng.integers(1, 4))
                    ]
                )
            )
        )
        kw = dict(
            total=total,
            budget=float(rng.choice([0.3, 0.5, 1.0, 2.0])),
            shapes=shapes,
            peaks=int(rng.integers(2, 7)),
            lr=None if rng.random() < 0.7 else float(10 ** rng.uniform(-2, 0.5)) / max(h, 0.1),
            lo=float(10 ** rng.uniform(-7, -4)),
            hi=float(10 ** rng.uniform(0, 1.5)),
            warmup=float(rng.choice([0.0, 0.05, 0.2])),
            cooldown=float(rng.choice([0.0, 0.2, 0.5])),
            use_laws=[False, "auto"][int(rng.integers(0, 2))],
        )
        yield run, kw


def _plan(run, kw):
    return lrkit.plan(
        run,
        kw["total"],
        kw["budget"],
        kw["shapes"],
        lr=kw["lr"],
        lr_range=(kw["lo"], kw["hi"]),
        peaks=kw["peaks"],
        warmup=kw["warmup"],
        cooldown=kw["cooldown"],
        use_laws=kw["use_laws"],
    )


@pytest.mark.parametrize("part", range(4))
def test_every_decision_of_plan_follows_from_its_probes_by_the_documented_rules(part):
    stages: set[str] = set()
    raised = 0
    for run, kw in _cases(30, 1600 + part):
        try:
            p = _plan(run, kw)
        except ConfigError:  # a budget too small, or identical losses: checked elsewhere
            raised += 1
            continue
        except NonFiniteError:
            raised += 1
            continue
        _replay(
            p,
            kw["total"],
            kw["budget"],
            kw["shapes"],
            kw["peaks"],
            kw["lr"],
            kw["lo"],
            kw["hi"],
            kw["warmup"],
            kw["cooldown"],
            kw["use_laws"],
        )
        stages |= {q.stage for q in p.probes}
        stages |= {"won" for n in p.notes if n.startswith("its start")}
    assert raised < 15
    assert {"range", "rung1"} <= stages
