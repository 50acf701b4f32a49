"""Shared fixtures: the shipped dataset, and throw-away copies of data/raw to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis import processed as data
from analysis.paths import REPO_ROOT

RAW = REPO_ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def dataset() -> data.Dataset:
    """The shipped data/raw, loaded and validated once per test session."""
    return data.load(RAW)


@pytest.fixture()
def raw_copy(tmp_path: Path) -> Path:
    """A copy of data/raw that a test may break; the DfE folder is linked, not copied."""
    dst = tmp_path / "raw"
    dst.mkdir()
    for item in RAW.iterdir():
        if item.name == "dfe":
            (dst / "dfe").symlink_to(item, target_is_directory=True)
        elif item.is_dir():
            shutil.copytree(item, dst / item.name)
        else:
            shutil.copy2(item, dst / item.name)
    return dst


@pytest.fixture(scope="module")
def no_pixels():
    """Charts are built but not rendered (savefig writes a stub, no layout pass): for tests of a
    theme's figures and words that build many areas, where drawing would take most of the time."""
    from matplotlib.figure import Figure

    mp = pytest.MonkeyPatch()
    mp.setattr(Figure, "savefig", lambda self, buf, *a, **k: buf.write(
        '<svg width="576pt" height="324pt" viewBox="0 0 576 324">stub</svg>'))
    mp.setattr(Figure, "tight_layout", lambda self, *a, **k: None)
    yield
    mp.undo()

