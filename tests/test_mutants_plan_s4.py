"""Direct tests for planner behaviours that a fresh sampled mutation run
(``benchmarks/mutation.py``, seed 4) showed no other test pinned."""

import numpy as np
import pytest

from lrkit.errors import ConfigTypeError
from lrkit.plan import Trial, as_trial


@pytest.mark.parametrize("losses", [[3.0, 2.0], (3.0, 2.0), np.array([3.0, 2.0])])
def test_a_losses_and_none_pair_is_a_trial_without_val_loss(losses):
    """``run`` may return ``(losses, None)``: the pair form with no validation loss. It
    is the losses and ``val_loss=None``, not a 2-item sequence of losses (which would be
    refused, ``None`` is not a number)."""
    assert as_trial((losses, None), 2) == Trial((3.0, 2.0), None)
    assert as_trial((losses, np.float32(1.5)), 2) == Trial((3.0, 2.0), 1.5)


def test_a_two_step_run_returning_a_tuple_of_two_losses_is_its_losses():
    """``(3.0, 2.0)`` is a 2-tuple whose second item is a number, but its first is not
    a sequence of losses: it is the losses of a 2-step run, with no ``val_loss``."""
    assert as_trial((3.0, 2.0), 2) == Trial((3.0, 2.0), None)
    assert as_trial((np.float64(3.0), 2), 2) == Trial((3.0, 2.0), None)


@pytest.mark.parametrize(
    "out",
    [
        {"losses": [3.0, 2.0], "val_loss": "low"},
        {"losses": [3.0, 2.0], "val_loss": [1.0]},
        Trial((3.0, 2.0), "low"),  # type: ignore[arg-type]
    ],
)
def test_a_val_loss_that_is_not_a_number_is_refused(out):
    """A ``val_loss`` that ``float()`` cannot read is a ``ConfigTypeError`` naming it,
    not a Trial carrying a string (the planner would then rank probes by it)."""
    with pytest.raises(ConfigTypeError, match=r"plan: val_loss must be a number or None, got"):
        as_trial(out, 2)
    # a number (an int, a numpy scalar) is read as a float
    assert as_trial({"losses": [3.0, 2.0], "val_loss": 2}, 2) == Trial((3.0, 2.0), 2.0)
    assert as_trial(Trial((3.0,), np.float64(0.5)), 2) == Trial((3.0,), 0.5)


def test_wsd_warmup_is_cut_to_leave_room_for_the_cooldown():
    """``shape_schedule("wsd", ...)`` with more warm-up steps than ``T - d`` (``d`` the
    cooldown's steps) cuts the warm-up to ``T - d``: warm-up and cooldown then meet
    with no stable phase, instead of the ``wsd`` refusing ``warmup + decay > steps``."""
    from lrkit.plan import shape_schedule

    s = shape_schedule("wsd", 0.1, 10, warmup_steps=8, cooldown=0.5)  # d = 5, so w = 5
    assert str(s) == "wsd(peak=0.1, steps=10, warmup=5, decay=5)"
    t = np.arange(10)
    # linear warm-up peak (t + 1) / (w + 1), then the linear cooldown peak (T - t) / d
    want = np.where(t < 5, 0.1 * (t + 1) / 6, 0.1 * (10 - t) / 5)
    np.testing.assert_allclose(s(t), want, rtol=1e-12)
    # with room for both, the warm-up is kept
    assert str(shape_schedule("wsd", 0.1, 10, warmup_steps=5, cooldown=0.5)) == str(s)
    assert str(shape_schedule("wsd", 0.1, 10, warmup_steps=3, cooldown=0.5)) == (
        "wsd(peak=0.1, steps=10, warmup=3, decay=5)"
    )


def _quadratic_run():
    from lrkit.tasks.quadratic import NoisyQuadratic

    q = NoisyQuadratic(dim=20, m=0.05, M=1.0, noise=0.5)

    def run(schedule, steps):  # exact expected loss before every update: falls, depends on lr
        return q.expected_loss(schedule, steps)[:-1]

    return run


@pytest.mark.parametrize(
    ("total", "lr_range", "n", "skip_end"),
    [
        (600, (1e-6, 10.0), 60, 3),  # 0.3 x 59 / 7 = 2.53 (/ 58 would give 2.49)
        (200, (1e-4, 10**-0.3), 20, 2),  # 0.3 x 19 / 3.7 = 1.54 (/ 18 would give 1.46)
        (200, (1e-3, 10**-0.66), 20, 2),  # 0.3 x 19 / 2.34 = 2.44 (/ 20 would give 2.56)
    ],
)
def test_range_test_skip_end_covers_about_a_third_of_a_decade(total, lr_range, n, skip_end):
    """The planner's range test of ``n`` points from ``lo`` to ``hi`` leaves out the
    ``round(0.3 / step)`` points (within 1..3) before the divergence edge, ``step =
    log10(hi / lo) / (n - 1)`` the decades between two points of the sweep."""
    import lrkit

    p = lrkit.plan(_quadratic_run(), total, lr_range=lr_range, use_laws=False)
    assert p.probes[0].stage == "range" and p.probes[0].updates == n
    lo, hi = lr_range
    assert p.finder.lrs[0] == pytest.approx(lo, rel=1e-12)
    step = np.log10(hi / lo) / (n - 1)
    assert p.finder.skip_end == min(3, max(1, round(0.3 / step))) == skip_end


@pytest.mark.parametrize(
    ("shapes", "shown"),
    [
        (["cosine", "cosine_restarts"], "['cosine', 'cosine_restarts']"),
        ("step", "['step']"),
        ([], "[]"),
    ],
)
def test_shapes_outside_the_known_ones_or_none_are_refused_before_any_run(shapes, shown):
    """``shapes`` must be a non-empty list of :data:`lrkit.plan.ALL_SHAPES`: anything
    else is a ``ConfigError`` naming what was given, raised before ``run`` is called."""
    import lrkit
    from lrkit.errors import ConfigError
    from lrkit.plan import ALL_SHAPES

    assert "cosine_restarts" not in ALL_SHAPES and "step" not in ALL_SHAPES
    calls = []

    def run(schedule, steps):
        calls.append(steps)
        return [1.0 - 0.001 * k for k in range(steps)]

    with pytest.raises(ConfigError) as e:
        lrkit.plan(run, 400, shapes=shapes)
    assert str(e.value) == (
        f"plan: shapes must be a non-empty list of {', '.join(ALL_SHAPES)}, got {shown}"
    )
    assert calls == []


@pytest.mark.parametrize(("warmup", "w_of"), [(0.0, {}), (0.05, {16: 8, 32: 16}), (0.01, {})])
def test_probes_warm_up_for_warmup_x_total_steps_and_not_at_all_when_warmup_is_0(warmup, w_of):
    """Each probe of ``steps`` updates warms up over ``w = min(round(warmup x T),
    steps // 2)`` updates (``T`` the real run's length): its first rate is
    ``peak / (w + 1)``, and with ``warmup=0`` no warm-up at all (the first rate is the
    peak, the probe's schedule has no ``warmup(``)."""
    import lrkit

    inner = _quadratic_run()
    first = []

    def run(schedule, steps):
        first.append(float(np.asarray(schedule(np.arange(steps)), float)[0]))
        return inner(schedule, steps)

    total = 400
    p = lrkit.plan(run, total, shapes=("linear", "cosine"), lr=0.1, warmup=warmup, use_laws=False)
    assert len(first) == len(p.probes) >= 6 and all(q.stage != "range" for q in p.probes)
    for q, v in zip(p.probes, first):
        w = min(round(warmup * total), q.steps // 2) if warmup > 0 else 0
        if q.stage == "shape":  # the shape probe runs without a warm-up (docs/plan.md rule 8)
            w = 0
        else:
            assert w == w_of.get(q.steps, round(warmup * total))  # 0.05: capped at steps // 2
        assert v == pytest.approx(q.peak / (w + 1), rel=1e-12)
        assert q.schedule.startswith("warmup(") == (w > 0)
