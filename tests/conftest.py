import os, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

@pytest.fixture
def root() -> Path:
    "The project checkout the tests run in."
    return ROOT
