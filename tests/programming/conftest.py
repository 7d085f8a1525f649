"""Shared data for the programming tests: ``../shared/data/mathprog`` beside the repository."""

from pathlib import Path

import pytest

MATHPROG = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mathprog"


@pytest.fixture
def mathprog_dir() -> Path:
    if not MATHPROG.is_dir():
        pytest.skip("../shared/data/mathprog is absent")
    return MATHPROG
