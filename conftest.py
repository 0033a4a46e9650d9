"""Root conftest: doctests in src/ see ``lrkit``, ``np`` and every constructor."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lrkit  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["lrkit"] = lrkit
    doctest_namespace["np"] = np
    for name in lrkit.__all__:
        doctest_namespace[name] = getattr(lrkit, name)
