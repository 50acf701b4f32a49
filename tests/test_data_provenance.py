"""Raw data is immutable and traceable: DfE files match their recorded SHA-256, every local file
is documented, and building data/processed never touches data/raw."""

from __future__ import annotations

import hashlib
import re

import pytest

from analysis import processed
from analysis.ingest import dataset as ingest
from analysis.ingest.schema import DataValidationError
from analysis.paths import REPO_ROOT

RAW = REPO_ROOT / "data" / "raw"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dfe_files_match_the_sha256_in_source_md():
    recorded = dict((name, sha) for sha, name in re.findall(r"^([0-9a-f]{64})\s+(\S+)$", (RAW / "dfe" / "SOURCE.md").read_text(), re.M))
    files = {p.name for p in (RAW / "dfe").iterdir() if p.name not in ("SOURCE.md", "datapackage.json")}
    assert files == set(recorded)
    for name, sha in recorded.items():
        assert digest(RAW / "dfe" / name) == sha, f"{name} differs from the published copy recorded in SOURCE.md"


def test_every_local_file_is_listed_in_its_source_md():
    for folder in ingest.local_dataset_dirs(RAW):
        source = (folder / "SOURCE.md").read_text()
        for csv in folder.glob("*.csv"):
            assert f"`{csv.name}`" in source, f"{csv} is not described in {folder / 'SOURCE.md'}"


def test_build_writes_processed_and_leaves_raw_untouched(tmp_path):
    before = {p: digest(p) for p in RAW.rglob("*") if p.is_file()}
    paths = processed.build_processed(RAW, tmp_path / "processed")
    assert all(p.exists() and p.stat().st_size > 0 for p in paths.values())
    after = {p: digest(p) for p in RAW.rglob("*") if p.is_file()}
    assert before == after


def _same_dataset(a, b):
    import pandas as pd

    for name in processed._PROCESSED_FRAMES:
        fa, fb = getattr(a, name).reset_index(drop=True), getattr(b, name).reset_index(drop=True)
        pd.testing.assert_frame_equal(fa, fb, check_dtype=False, obj=name)  # same values, cached or not


def test_cache_slots_are_per_folder_and_content_and_never_half_written(tmp_path, monkeypatch):
    """Two runs on different data folders each get their own slot (neither overwrites the other);
    changing a file is a miss (the notebooks then validate data/raw); a half-written slot is
    never read."""
    import shutil

    monkeypatch.setenv("SAFEGUARDING_PROCESSED_DIR", str(tmp_path / "processed"))
    raw_a, raw_b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(RAW, raw_a)
    shutil.copytree(RAW, raw_b)
    assert processed._read_processed(raw_a) is None  # nothing stored yet

    slot_a = processed.store_validated(raw_a)
    slot_b = processed.store_validated(raw_b)
    assert slot_a != slot_b and slot_a.is_dir() and slot_b.is_dir()
    from analysis.quality import run_checks

    fresh = ingest.load_raw(raw_a.resolve())
    run_checks(fresh)  # fills fresh.findings, as the stored slot holds them
    from_a = processed._read_processed(raw_a)
    assert from_a is not None and from_a.raw_dir == raw_a.resolve()
    _same_dataset(from_a, fresh)
    for lookup in ("names", "dfe_years", "local", "periods"):  # stored with the slot, not worked out again
        assert from_a._lookups[lookup] == fresh._per_area(lookup), lookup
    assert len(from_a.findings) > 0
    assert processed._read_processed(raw_b).raw_dir == raw_b.resolve()

    # a changed input file: a different fingerprint, so the stored slot is not used
    csv = next((raw_b / "wscb_2017_18").glob("*.csv"))
    csv.write_text(csv.read_text() + "\n")
    assert processed._read_processed(raw_b) is None
    assert processed._read_processed(raw_a) is not None  # untouched by b's change

    # a slot without its fingerprint (as if its writer died half way) is a miss, not an error
    (slot_a / "fingerprint.json").unlink()
    assert processed._read_processed(raw_a) is None


def test_cache_keeps_the_newest_slots_and_the_current_one(tmp_path):
    import os
    import time

    now = time.time()
    for i in range(6):  # slot0 newest ... slot5 oldest
        (tmp_path / f"slot{i}").mkdir()
        os.utime(tmp_path / f"slot{i}", (now - i * 60, now - i * 60))
    (tmp_path / ".tmp-fresh").mkdir()  # another run writing now: left alone
    (tmp_path / ".tmp-stale").mkdir()
    os.utime(tmp_path / ".tmp-stale", (now - 2 * 86400, now - 2 * 86400))
    processed._prune_cache(tmp_path, keep=4, current=tmp_path / "slot5")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-fresh", "slot0", "slot1", "slot2", "slot5"]


def test_an_earlier_validation_counts_only_for_the_same_files_code_and_libraries(tmp_path, monkeypatch):
    """The runner skips validating files that passed before (:func:`processed.earlier_validation`):
    only when a slot was stored from exactly these bytes, by this code, with these libraries; and
    a slot is stored only after every file passed."""
    import shutil

    monkeypatch.setenv("SAFEGUARDING_PROCESSED_DIR", str(tmp_path / "processed"))
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    assert processed.earlier_validation(raw) is None  # never validated

    processed.store_validated(raw)
    earlier = processed.earlier_validation(raw)
    fresh = ingest.validate_raw(raw)
    assert earlier is not None and earlier.ok and fresh.ok
    assert sorted(earlier.files_checked) == sorted(fresh.files_checked)
    assert earlier.earlier and not fresh.earlier
    assert "not repeated" in str(earlier) and "not repeated" not in str(fresh)

    # another library version (an upgraded pandas, say): the earlier result does not count
    versions = processed._library_versions()
    monkeypatch.setattr(processed, "_library_versions", lambda: versions + "\npandas==99")
    assert processed.earlier_validation(raw) is None
    monkeypatch.setattr(processed, "_library_versions", lambda: versions)
    assert processed.earlier_validation(raw) is not None

    # one changed byte: validated afresh, and found wrong
    csv = raw / "wscb_2017_18" / "t4_2_cp_demographics.csv"
    text = csv.read_text(encoding="utf-8")
    csv.write_text(text.replace(",564,", ",-564,", 1), encoding="utf-8")
    assert text != csv.read_text(encoding="utf-8")
    assert processed.earlier_validation(raw) is None
    assert not ingest.validate_raw(raw).ok
    with pytest.raises(DataValidationError):
        processed.store_validated(raw)  # invalid data is never stored, so never counts as validated
    assert processed.earlier_validation(raw) is None
