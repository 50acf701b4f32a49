"""Run the quarterly job on the shipped data for a few cases, and compare two such runs.

Used by ``test_same_appendices.py`` to show that a restructuring of the code changed no
appendix: the same cases are run with the code of an earlier commit and with the code under
test, each in its own copy of the repository, and every page and every executed notebook's
outputs must be equal apart from what differs between any two runs (run date, start and end
times, run id). Also a command for developers::

    python tests/same_output.py [--reuse-baseline] BASELINE_DIR CANDIDATE_DIR

where each directory is a copy of the repository (its ``src``, ``notebooks`` and ``data``);
``--reuse-baseline`` compares with the baseline's existing ``reports/`` instead of running it again.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

#: (arguments of ``safeguarding run``) for each case: the README command; an earlier quarter in
#: internal mode; two areas without board data; the latest DfE year for two more areas.
CASES: list[list[str]] = [
    [],
    ["--period", "2017-18-Q2", "--disclosure", "internal"],
    ["--area", "E08000026", "E06000001"],
    ["--area", "E06000001", "E10000023", "--period", "2024-25-Q4"],
]

_RUN_DATE = re.compile(r'<time class="sg-run-date"[^>]*>[^<]*</time>')
_RUN_TIMES = re.compile(r"<dt>(Started|Finished)</dt><dd>[^<]*</dd>")
_RUN_ID = re.compile(r"\b\d{8}T\d{6}-[0-9a-f]{6}\b")


def normalise(html: str) -> str:
    """A page without what differs between any two runs of the same inputs."""
    return _RUN_ID.sub("<run-id>", _RUN_TIMES.sub(r"<dt>\1</dt>", _RUN_DATE.sub("<time/>", html)))


def outputs(path: Path) -> list:
    """An executed notebook's outputs (not its code, which a restructuring may change)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"]


def run_cases(repo: Path, *, timeout: int = 900) -> list[subprocess.CompletedProcess]:
    """Every case with the code and data of the repository copy ``repo`` (its own reports/)."""
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}
    for var in ("SAFEGUARDING_RAW_DIR", "SAFEGUARDING_REPORTS_DIR", "SAFEGUARDING_NOTEBOOKS_DIR",
                "SAFEGUARDING_PROCESSED_DIR"):
        env.pop(var, None)
    cli = "analysis.pipeline.cli" if (repo / "src" / "analysis" / "pipeline" / "cli.py").exists() else "analysis.cli"
    return [subprocess.run([sys.executable, "-m", cli, "run", *args], cwd=repo, env=env, capture_output=True,
                           text=True, timeout=timeout) for args in CASES]


def differences(baseline: Path, candidate: Path) -> list[str]:
    """Every page or notebook output of ``baseline/reports`` that ``candidate/reports`` lacks or
    differs in (with the first lines of the difference); empty when the runs agree."""
    found: list[str] = []
    base_reports, cand_reports = baseline / "reports", candidate / "reports"
    pages = sorted(p.relative_to(base_reports) for p in base_reports.glob("*/*/*.html"))
    if not pages:
        return [f"no pages under {base_reports}"]
    extra = sorted(set(p.relative_to(cand_reports) for p in cand_reports.glob("*/*/*.html")) - set(pages))
    found += [f"{p}: only in the candidate" for p in extra]
    for rel in pages:
        other = cand_reports / rel
        if not other.exists():
            found.append(f"{rel}: missing")
            continue
        a, b = normalise((base_reports / rel).read_text("utf-8")), normalise(other.read_text("utf-8"))
        if a != b:
            diff = difflib.unified_diff(a.splitlines(), b.splitlines(), "baseline", "candidate", lineterm="", n=0)
            found.append(f"{rel}: differs\n" + "\n".join(line[:240] for line in list(diff)[:12]))
        nb = (base_reports / rel).with_suffix(".ipynb")
        if nb.exists() and outputs(nb) != outputs(other.with_suffix(".ipynb")):
            found.append(f"{rel.with_suffix('.ipynb')}: outputs differ")
    return found


if __name__ == "__main__":
    args = sys.argv[1:]
    reuse = "--reuse-baseline" in args
    args = [a for a in args if a != "--reuse-baseline"]
    if len(args) != 2:
        sys.exit(__doc__)
    base, cand = Path(args[0]).resolve(), Path(args[1]).resolve()
    for repo in ([cand] if reuse else [base, cand]):
        for case, proc in zip(CASES, run_cases(repo)):
            if proc.returncode != 0:
                sys.exit(f"{repo}: run {' '.join(case) or '(no options)'} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    problems = differences(base, cand)
    print("\n".join(problems) or f"same appendices: {len(list((base / 'reports').glob('*/*/*.html')))} pages compared")
    sys.exit(1 if problems else 0)
