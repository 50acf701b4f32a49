"""A restructuring changes no appendix: the code under test against a fixed earlier commit.

Both versions run the quarterly job for the cases of :mod:`same_output` (the README command,
an earlier quarter in internal mode, areas without board data, the latest DfE year), each in
its own fresh clone with the same installed libraries, and every page and every executed
notebook's outputs must be equal apart from the run date, times and id.

``BASELINE`` is the last commit whose appendices are the reference. A later change that alters the appendices on purpose
sets ``BASELINE`` to its own commit in the commit that follows it, so that later
restructurings are held to the new output.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest_runner import REPO
from same_output import CASES, differences, run_cases

pytestmark = pytest.mark.notebook

#: the commit whose appendices are the reference: the mix test's chance in words in its table too
#: (before it 32b08af8, the merge of the plain-words work; the restructuring of issue 11 was
#: checked against 9307b5e94bbb205b97fae598e9ead98fd2b94110, the commit before it)
BASELINE = "544ebb11098cdeb76fb2773f1239d54c8f7497fa"


def _full_hash(rev: str) -> str | None:
    out = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=REPO,
                         capture_output=True, text=True)
    return out.stdout.strip() or None


def _clone(rev: str, dest) -> None:
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(REPO), str(dest)], check=True)
    subprocess.run(["git", "checkout", "-q", rev], cwd=dest, check=True)


def test_appendices_are_the_same_as_the_baseline_commits(tmp_path):
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs the git repository to check out the baseline commit")
    baseline = _full_hash(BASELINE[:12])
    if baseline is None:
        pytest.skip(f"baseline commit {BASELINE[:12]} is not in this clone's history (a shallow clone?)")
    head = _full_hash("HEAD")
    _clone(baseline, tmp_path / "baseline")
    _clone(head, tmp_path / "candidate")
    for name in ("baseline", "candidate"):
        for case, proc in zip(CASES, run_cases(tmp_path / name)):
            assert proc.returncode == 0, f"{name} run {' '.join(case) or '(README command)'}:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}"
    problems = differences(tmp_path / "baseline", tmp_path / "candidate")
    assert not problems, "\n\n".join(problems)
