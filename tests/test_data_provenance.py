"""Raw data is immutable and traceable: DfE files match their recorded SHA-256, every local file
is documented, and building data/processed never touches data/raw."""

from __future__ import annotations

import hashlib
import re

from analysis import data
from analysis.paths import REPO_ROOT

RAW = REPO_ROOT / "data" / "raw"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dfe_files_match_the_sha256_in_source_md():
    recorded = dict((name, sha) for sha, name in re.findall(r"^([0-9a-f]{64})\s+(\S+)$", (RAW / "dfe" / "SOURCE.md").read_text(), re.M))
    files = {p.name for p in (RAW / "dfe").iterdir() if p.name != "SOURCE.md"}
    assert files == set(recorded)
    for name, sha in recorded.items():
        assert digest(RAW / "dfe" / name) == sha, f"{name} differs from the published copy recorded in SOURCE.md"


def test_every_local_file_is_listed_in_its_source_md():
    for folder in data.local_dataset_dirs(RAW):
        source = (folder / "SOURCE.md").read_text()
        for csv in folder.glob("*.csv"):
            assert f"`{csv.name}`" in source, f"{csv} is not described in {folder / 'SOURCE.md'}"


def test_build_writes_processed_and_leaves_raw_untouched(tmp_path):
    before = {p: digest(p) for p in RAW.rglob("*") if p.is_file()}
    paths = data.build_processed(RAW, tmp_path / "processed")
    assert all(p.exists() and p.stat().st_size > 0 for p in paths.values())
    after = {p: digest(p) for p in RAW.rglob("*") if p.is_file()}
    assert before == after
