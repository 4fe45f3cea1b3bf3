from __future__ import annotations

from pathlib import Path

import pytest
from projects import make_project


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path / "proj")
