"""The corpus of malformed copies of data/raw (tests/corpus/build_corpus.py) through `validate`.

Every reject case is refused (exit 1) with a message naming the file, and the row and column
where the fault is in one cell; no case produces a traceback; every accept case validates.
A handful of reject cases also go through the real runner, which must leave a previous good
run's files byte-identical.

    python tests/test_corpus.py OUT.md   # every case with its verdict and the messages printed
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))
from build_corpus import CASES, build  # noqa: E402

from analysis.pipeline.cli import main  # noqa: E402

BY_NAME = {c.name: c for c in CASES}


def validate(raw: Path) -> tuple[int, str]:
    """``safeguarding validate`` in-process: exit code and everything printed. Any exception
    escaping the command (a traceback for the user) fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--raw", str(raw)])
    return code, out.getvalue() + err.getvalue()


def problem_lines(text: str) -> list[str]:
    return [line.strip()[2:] for line in text.splitlines() if line.strip().startswith("- ")]


def test_the_corpus_is_big_enough_and_covers_both_verdicts():
    assert len(CASES) >= 40
    assert {c.verdict for c in CASES} == {"reject", "accept"}
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_corpus_case(name, tmp_path):
    case = BY_NAME[name]
    raw = build(case, tmp_path / "raw")
    code, text = validate(raw)
    assert "Traceback" not in text
    if case.verdict == "accept":
        assert code == 0, text
        assert "no problems" in text
        return
    assert code == 1, text
    lines = problem_lines(text)
    assert lines, text
    named = [line for line in lines if line.startswith(case.file)]
    assert named, f"no problem names {case.file}:\n{text}"
    if case.row is not None:
        named = [line for line in named if f", row {case.row} (line {case.row + 1})" in line]
        assert named, f"no problem names row {case.row} of {case.file}:\n{text}"
    for column in (case.column,) if case.column else case.columns:
        assert any(f"column '{column}'" in line for line in named), f"column {column} not named:\n{text}"
    if case.rules:
        assert any(f"rule {rule}:" in line for line in named for rule in case.rules), text


# --------------------------------------------------------------------------- with the runner
#: every reject case: validation runs before anything is executed or written, so none may touch reports/
RUN_CASES = [case.name for case in CASES if case.verdict == "reject"]


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", RUN_CASES)
def test_run_on_a_reject_case_leaves_the_previous_run_untouched(name, tmp_path):
    from analysis.pipeline.options import RunOptions
    from analysis.pipeline.runner import run

    raw = build(BY_NAME[name], tmp_path / "raw")
    reports = tmp_path / "reports"
    previous = reports / "E10000031" / "2017-18-Q4"
    previous.mkdir(parents=True)
    for page in ("index.html", "cp_trends.html", "cdop.html", "manifest.json"):
        (previous / page).write_text(f"previous good run: {page}\n", encoding="utf-8")
    before = _snapshot(reports)
    out = io.StringIO()
    result = run(RunOptions(period="2017-18 Q4", areas=["E10000031"], raw_dir=raw, reports_dir=reports,
                            prewarm=False, jobs=1, progress=False), stream=out)
    assert result.exit_code == 1
    assert "Validation failed" in out.getvalue()
    assert _snapshot(reports) == before


# --------------------------------------------------------------------------- the closing note
def write_table(path: Path) -> None:  # pragma: no cover - run by hand
    import tempfile

    rows = ["| case | verdict | description | exit | messages |", "| --- | --- | --- | --- | --- |"]
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            raw = build(case, Path(tmp) / "raw")
            code, text = validate(raw)
            msgs = problem_lines(text) or [text.strip().splitlines()[0]]
            msgs = [re.sub(r"\s+", " ", m).replace("|", "\\|") for m in msgs]
            rows.append(f"| {case.name} | {case.verdict} | {case.description} | {code} | {'<br>'.join(msgs)} |")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_table(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus_messages.md"))
