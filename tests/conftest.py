import os

import pytest

# Keep runs deterministic and quiet: no user cache override leaks into tests.
os.environ.pop("SHOTGRAPH_CACHE", None)


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(1234)


@pytest.fixture(autouse=True, scope="session")
def _torchvision_importable():
    """Tests build tiny transformers/diffusers models directly; make a mismatched torchvision (pulled in
    by spandrel beside the CPU torch wheel) importable first, as shotgraph's backends do."""
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        from shotgraph.backends.torch_compat import prepare

        prepare()
