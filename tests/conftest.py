import os

import pytest

# Keep runs deterministic and quiet: no user cache override leaks into tests.
os.environ.pop("SHOTGRAPH_CACHE", None)


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(1234)
