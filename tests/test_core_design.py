"""The shape of the core: typed schedule values, the registry read from their fields, and
a core layer that imports nothing above it."""

from __future__ import annotations

import ast
import copy
import dataclasses
import inspect
import pathlib
import pickle
import typing

import numpy as np
import pytest

import lrkit
from lrkit.core import REGISTRY, Marker, Schedule
from lrkit.errors import ConfigError, ConfigTypeError, LrkitError, NonFiniteError

SRC = pathlib.Path(lrkit.__file__).parent
# the core and what it stands on (`_render` draws a figure for `_repr_png_`, matplotlib lazily)
CORE_LAYER = ["errors", "_deps", "_validate", "_render", "_xp", "core", "schedules", "combinators"]


# ---------------------------------------------------------------- typed values
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_signature_names_every_parameter_with_its_default(name):
    cls = REGISTRY[name]
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    sig = inspect.signature(cls)
    if name == "sequence":
        assert [p.kind for p in sig.parameters.values()] == [inspect.Parameter.VAR_POSITIONAL]
        return
    assert set(sig.parameters) == {p.name for p in cls.params}
    for p in cls.params:
        got = sig.parameters[p.name].default
        assert (got is inspect.Parameter.empty) if p.required else (got == p.default), p.name


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_field_has_a_type_and_one_marker(name):
    cls = REGISTRY[name]
    hints = typing.get_type_hints(cls, include_extras=True)
    for p in cls.params:
        marks = [m for m in hints[p.name].__metadata__ if isinstance(m, Marker)]
        assert marks == [p.marker]
        assert typing.get_origin(hints[p.name]) is typing.Annotated


def test_no_type_ignore_and_no_hidden_caches_in_the_core():
    assert "type: ignore" not in (SRC / "schedules.py").read_text()
    declared = {
        f
        for m in (lrkit.core, lrkit.schedules, lrkit.combinators)
        for c in vars(m).values()
        if isinstance(c, type) and dataclasses.is_dataclass(c)
        for f in c.__dataclass_fields__
    }
    for mod in ("core", "schedules", "combinators"):
        tree = ast.parse((SRC / f"{mod}.py").read_text())
        for node in ast.walk(tree):
            # object.__setattr__(self, "<field>", ...) only for declared dataclass fields
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__setattr__"
                and len(node.args) == 3
                and isinstance(node.args[1], ast.Constant)
            ):
                assert node.args[1].value in declared, (mod, node.args[1].value)


def test_momentum_rule_is_not_on_the_base_class():
    assert not hasattr(Schedule, "_opposite")
    assert isinstance(lrkit.one_cycle(1.0), lrkit.combinators.Cyclical)
    assert not isinstance(lrkit.cosine(1.0), lrkit.combinators.Cyclical)


def test_constructors_positional_keyword_variadic_and_replace():
    a = lrkit.cosine(0.1, 0.0, 10)
    assert a == lrkit.cosine(start=0.1, steps=10) == lrkit.cosine(0.1, steps=10, end=0.0)
    assert a.replace(steps=20) == lrkit.cosine(0.1, steps=20)
    parts = [lrkit.constant(1.0, steps=2), lrkit.linear(1.0, 0.0, steps=3), lrkit.constant(0.0)]
    assert lrkit.sequence(*parts) == lrkit.sequence(parts) == lrkit.sequence(tuple(parts))
    assert lrkit.sequence(*parts).replace(phases=parts[:2]) == lrkit.sequence(*parts[:2])
    # period / warmup / decay are required but follow defaulted fields: keyword-only
    with pytest.raises(ConfigTypeError, match="sgdr: missing required argument 'period'"):
        lrkit.sgdr(1.0, 0.0, 10)
    with pytest.raises(ConfigTypeError, match="wsd: missing required argument 'warmup'"):
        lrkit.wsd(1.0, steps=10, decay=2)


def test_from_dict_reads_what_0_1_0_wrote():
    # dicts as lrkit 0.1.0's to_dict wrote them (lists for tuples, numbers as operands)
    old = {
        "name": "add",
        "left": {
            "name": "mul",
            "left": {
                "name": "sequence",
                "phases": [
                    {"name": "warmup", "schedule": {"name": "cosine", "start": 0.1}, "steps": "5%"},
                    {"name": "interpolate", "points": [[0, 1.0], ["10%", 0.5]], "kind": "cos"},
                ],
            },
            "right": 2.0,
        },
        "right": {"name": "multistep", "start": 1.0, "gamma": 0.5, "milestones": [1, "2ep"]},
    }
    s = lrkit.from_dict(old)
    assert s.to_dict() == old
    assert s == lrkit.parse(str(s))


def test_deep_chains_pickle_and_copy_within_the_accepted_depth():
    s = lrkit.cosine(1.0, steps=10)
    for _ in range(lrkit.spec.MAX_DEPTH - 2):
        s = lrkit.clip(s, low=0.0)
    assert pickle.loads(pickle.dumps(s)) == s
    assert copy.deepcopy(s) == s
    assert lrkit.from_dict(s.to_dict()) == s
    assert lrkit.parse(str(s)) == s
    assert s(5) == lrkit.cosine(1.0, steps=10)(5)


# ---------------------------------------------------------------- layers
def _imports(mod: str) -> set[str]:
    """lrkit modules imported by ``mod``, inside functions included."""
    tree = ast.parse((SRC / f"{mod}.py").read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                out.add(node.module.split(".")[0])
            elif node.level == 1:
                out.update(a.name for a in node.names)
            elif (node.module or "").startswith("lrkit"):
                out.add((node.module or "").split(".")[1] if "." in node.module else "lrkit")
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("lrkit."))
            if any(a.name == "lrkit" for a in node.names):
                out.add("lrkit")
    return out


@pytest.mark.parametrize("mod", CORE_LAYER)
def test_core_layer_imports_nothing_above_it(mod):
    assert _imports(mod) <= set(CORE_LAYER), _imports(mod) - set(CORE_LAYER)


def test_no_import_cycle_in_core_spec_analysis():
    mods = [*CORE_LAYER, "spec", "analysis"]
    graph = {m: _imports(m) & set(mods) for m in mods}

    def reaches(a, b, seen=()):
        return any(n == b or (n not in seen and reaches(n, b, (*seen, n))) for n in graph[a])

    assert [m for m in mods if reaches(m, m)] == []


# ---------------------------------------------------------------- error types
def test_user_errors_have_lrkit_types():
    with pytest.raises(NonFiniteError, match="not finite at step"):
        lrkit.exponential(1e300, gamma=1e10)(np.arange(200))
    with pytest.raises(ConfigTypeError):
        lrkit.cosine("a", steps=3)
    with pytest.raises(ConfigError):
        lrkit.cosine(float("nan"), steps=3)
    with pytest.raises(ConfigError):
        lrkit.cosine(1.0)(0)  # unbound
    assert issubclass(lrkit.SpecError, LrkitError)


def test_subnormal_values_are_rejected_with_the_rule():
    for bad in (5e-324, -1e-310, 2.2e-308):
        with pytest.raises(ConfigError, match="smallest normal float64"):
            lrkit.constant(bad)
    with pytest.raises(ConfigError, match="coupled_wd: value must be 0 or of magnitude"):
        lrkit.coupled_wd(lrkit.cosine(1.0, steps=1), value=5e-324)
    # 0 and the smallest normal are fine
    assert lrkit.constant(0.0)(3) == 0.0
    assert lrkit.constant(2.2250738585072014e-308)(3) == 2.2250738585072014e-308


def test_negative_values_are_accepted_by_the_core():
    # a schedule is a general value; lr/momentum ranges are checked by the adapters
    assert lrkit.cosine(-0.1, steps=10)(0) == -0.1
    assert lrkit.linear(0.1, -0.1, steps=10)(10) == -0.1


def test_pickles_written_by_0_1_0_still_load():
    # 0.1.0 pickled a schedule as lrkit.core._rebuild(name, config)
    class Old:
        def __init__(self, name, cfg):
            self.args = (name, cfg)

        def __reduce__(self):
            return (lrkit.core._rebuild, self.args)

    inner = lrkit.cosine(0.1, steps=10)
    old = Old("cosine", {"start": 0.1, "end": 0.0, "steps": 10})
    assert pickle.loads(pickle.dumps(old)) == inner
    old = Old("sequence", {"phases": (inner, lrkit.constant(0.0))})
    assert pickle.loads(pickle.dumps(old)) == lrkit.sequence(inner, lrkit.constant(0.0))
