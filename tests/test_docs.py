"""Every ```python block of the documentation runs (docs/**/*.md; the README's: test_readme.py).

The blocks of one page run in order in one namespace, in a temporary directory,
after a small hidden setup for that page (a tiny model, data, an optimizer: the
names a page's examples take as given, listed in SETUP below). A block that
cannot run in CI (a cluster, a GPU, a long training) must be fenced as ```text
or ```console instead. Also: the generated pages (gallery, migration tables) are
what scripts/gen_site.py writes today. (The site's `mkdocs build --strict` is not
a test here: scripts/test.sh runs it before pytest.)
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")

_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)

TORCH = """
import numpy as np, torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
xs = [torch.randn(32, 4) for _ in range(6)]
loader = [(x, (x[:, 0] + x[:, 1] > 0).long()) for x in xs]
train_loader = loader
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
"""

#: page -> the names its examples take as given (kept small and honest)
SETUP = {
    "torch.md": TORCH
    + """
def loss_fn(model, batch):
    x, y = batch
    return torch.nn.functional.cross_entropy(model(x), y)
adam = torch.optim.Adam(model.parameters(), lr=1e-3)
opt2 = torch.optim.SGD([{"params": model[0].parameters()}, {"params": model[2].parameters()}],
                       lr=0.1, momentum=0.9)
head_schedule = lrkit.cosine(0.1, steps=1000)
backbone = list(model[0].parameters())
head = list(model[2].parameters())
n = 100
backbone_schedule = lrkit.cosine(0.01, steps=1000)
val_loss = 0.5
""",
    "finder.md": TORCH,
    # a tiny stand-in: a freshly initialised model, its loader cycled for the probes
    "plan.md": TORCH
    + """
import itertools
def make_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
train_loader = list(itertools.islice(itertools.cycle(loader), 60))
import jax.numpy as jnp
params0 = {"w": jnp.zeros(4)}
def loss_fn(params, x, y):
    return jnp.mean((x @ params["w"] - y) ** 2)
def batches(seed):
    rng = np.random.default_rng(seed)
    while True:
        x = rng.normal(size=(32, 4)).astype(np.float32)
        yield x, x @ np.arange(4, dtype=np.float32)
""",
    # three "recorded" runs drawn from a known law (L = 2 + 0.5 S^-0.4, S the rate area)
    "laws.md": """
import numpy as np, lrkit
def _recorded(name, spec):
    rates = lrkit.parse(spec).bind(total_steps=24000)(np.arange(24000))
    steps = np.arange(500, 24000, 250)
    return name, spec, steps, 2.0 + 0.5 * np.cumsum(rates)[steps] ** -0.4
recorded = [_recorded(n, s) for n, s in (
    ("cosine", "warmup(cosine(3e-4, 3e-5), steps=2160)"),
    ("constant", "warmup(constant(3e-4), steps=2160)"),
    ("wsd", "warmup(wsd(3e-4, warmup=0, decay='10%'), steps=2160)"),
)]
""",
    "keras.md": """
import numpy as np, keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
x = np.random.default_rng(0).random((64, 4)); y = x.sum(axis=1, keepdims=True)
x_train, y_train = x, y
""",
    "jax.md": """
import numpy as np, jax, jax.numpy as jnp, lrkit, lrkit.jax
params0 = {"w": jnp.zeros(4)}
def loss_fn(params, xb, yb):
    return jnp.mean((xb @ params["w"] - yb) ** 2)
def _batches():
    rng = np.random.default_rng(0)
    while True:
        xb = rng.normal(size=(32, 4)).astype(np.float32)
        yield xb, xb @ np.arange(4, dtype=np.float32)
batches = _batches()
""",
}


def python_blocks(path: str) -> list[tuple[int, str]]:
    """(line number, code) of every ```python block of a Markdown file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _FENCE.finditer(text)]


PAGES = sorted(
    os.path.relpath(p, DOCS)
    for p in glob.glob(os.path.join(DOCS, "**", "*.md"), recursive=True)
    if python_blocks(p)
)


def test_the_extractor_finds_blocks():
    blocks = python_blocks(os.path.join(DOCS, "concepts.md"))
    assert len(blocks) >= 5 and all("lrkit" in code or "s" in code for _, code in blocks)
    assert {"concepts.md", "getting-started.md", "index.md"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "__docs__"}
    setup = SETUP.get(os.path.basename(page), "")
    exec(compile("import numpy as np\nimport lrkit\n" + setup, f"setup:{page}", "exec"), ns)
    for line, code in python_blocks(os.path.join(DOCS, page)):
        # the block's own line numbers in tracebacks
        exec(compile("\n" * (line - 1) + code, f"docs/{page}", "exec"), ns)


def _gen_site():
    path = os.path.join(ROOT, "scripts", "gen_site.py")
    spec = importlib.util.spec_from_file_location("lrkit_gen_site", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_generated_pages_are_up_to_date():
    gen = _gen_site()
    with open(os.path.join(DOCS, "gallery.md"), encoding="utf-8") as f:
        assert f.read() == gen.gallery_markdown(), "run: python scripts/gen_site.py"
    for peer in gen.load_peers().PEERS:
        with open(os.path.join(DOCS, "migration", f"{peer.key}.md"), encoding="utf-8") as f:
            assert f.read() == gen.migration_markdown(peer), "run: python scripts/gen_site.py"


def test_gallery_has_a_figure_and_a_formula_per_registered_name():
    import lrkit

    gen = _gen_site()
    text = gen.gallery_markdown()
    for name, cls in lrkit.REGISTRY.items():
        assert os.path.isfile(os.path.join(DOCS, "gallery", f"{name}.png")), name
        assert f"## `{name}`" in text and f"(gallery/{name}.png)" in text
        if "math::" in (cls.__doc__ or ""):
            assert "$$" in gen.rst_to_md(cls.__doc__), name
        # the figure's example is a valid spec of that very schedule
        assert lrkit.parse(gen.EXAMPLES[name]).name == name
