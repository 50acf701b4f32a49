"""Where things live. Every path can be overridden; defaults follow the repository layout."""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root when running from a checkout (src/analysis/paths.py -> ../../..).
REPO_ROOT = Path(__file__).resolve().parents[2]


def _default(env: str, relative: str) -> Path:
    value = os.environ.get(env)
    return Path(value) if value else REPO_ROOT / relative


def raw_dir() -> Path:
    """``data/raw`` (override with ``SAFEGUARDING_RAW_DIR``)."""
    return _default("SAFEGUARDING_RAW_DIR", "data/raw")


def processed_dir() -> Path:
    """``data/processed`` (override with ``SAFEGUARDING_PROCESSED_DIR``)."""
    return _default("SAFEGUARDING_PROCESSED_DIR", "data/processed")


def reports_dir() -> Path:
    """``reports`` (override with ``SAFEGUARDING_REPORTS_DIR``)."""
    return _default("SAFEGUARDING_REPORTS_DIR", "reports")


def notebooks_dir() -> Path:
    """``notebooks`` (override with ``SAFEGUARDING_NOTEBOOKS_DIR``)."""
    return _default("SAFEGUARDING_NOTEBOOKS_DIR", "notebooks")
