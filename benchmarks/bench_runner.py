"""Benchmark of the quarterly run (prints figures; not a test).

    python benchmarks/bench_runner.py                       # naive loop, runner, floor; 1/10/50 areas
    python benchmarks/bench_runner.py --repeat 3 --areas ""  # 3 interleaved rounds, medians; no scaling
    python benchmarks/bench_runner.py --areas 1,3 --skip-naive --skip-floor   # quick scaling only

Measured in the same run, one after another (``--repeat`` interleaves rounds and compares
medians, since a shared machine's load varies), on the same theme notebooks and data:

1. **runner**: ``safeguarding run`` in a fresh process for one area (the full quarterly batch:
   validation, data-quality checks, input hashing, parallel execution, export, index, manifest);
2. **naive loop**: what an analyst would write: for each notebook, the ``papermill`` CLI then
   ``jupyter nbconvert --to html``, one after another;
3. **floor**: the same command on *empty* notebooks (each theme's parameters cell only), i.e.
   process start, validation, checks, kernel start and export;
4. **scaling**: the runner for the first 1, 10, 50 areas of the DfE data (Warwickshire first);
   themes declared ``local`` run only where there is board data, so the time per executed
   notebook is reported.

Targets from the issue: runner at least 3x faster than the naive loop on 2 cores, and within
1.5x the floor. Everything is written under a temporary folder; nothing in reports/ changes.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _notebook_params(nb: dict) -> dict:
    return next(
        (c for c in nb["cells"] if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", [])),
        None,
    )


def make_empty(src_dir: Path, dst_dir: Path, themes: list[str]) -> None:
    """Each theme notebook reduced to its parameters cell (kernel start + export, no work)."""
    dst_dir.mkdir(parents=True, exist_ok=True)
    for t in themes:
        nb = json.loads((src_dir / f"{t}.ipynb").read_text(encoding="utf-8"))
        params = _notebook_params(nb)
        empty = copy.deepcopy(nb)
        empty["cells"] = [params] if params else []
        (dst_dir / f"{t}.ipynb").write_text(json.dumps(empty, indent=1), encoding="utf-8")


def copy_themes(src_dir: Path, dst_dir: Path, themes: list[str], national: set[str]) -> None:
    """Copy the theme notebooks, declaring ``national`` themes' scope (see analysis.pipeline.themes)."""
    dst_dir.mkdir(parents=True, exist_ok=True)
    for t in themes:
        nb = json.loads((src_dir / f"{t}.ipynb").read_text(encoding="utf-8"))
        meta = nb.setdefault("metadata", {}).setdefault("safeguarding", {})
        if national:
            meta["scope"] = "national" if t in national else "local"
        (dst_dir / f"{t}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")


def run_runner(notebooks: Path, reports: Path, *, period: str, areas: list[str], themes: list[str],
               jobs: int, raw: Path | None) -> tuple[float, list[dict]]:
    """``safeguarding run`` in a fresh process (as a user runs it); wall time and manifest entries."""
    cmd = [sys.executable, "-m", "analysis.pipeline.cli", "run", "--period", period, "--area", *areas,
           "--themes", *themes, "--jobs", str(jobs), "--notebooks-dir", str(notebooks),
           "--reports-dir", str(reports), "--quiet"]
    if raw:
        cmd += ["--data-dir", str(raw)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    entries: list[dict] = []
    for manifest in sorted(reports.glob("*/*/manifest.json")):
        entries += json.loads(manifest.read_text(encoding="utf-8"))["notebooks"]
    if proc.returncode not in (0, 1) or not entries:
        print(f"  runner exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return wall, entries


def cell_seconds(reports: Path) -> float:
    """Total time the notebooks spent in their own cells (papermill's per-cell durations)."""
    total = 0.0
    for path in reports.glob("*/*/*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        total += sum((c.get("metadata", {}).get("papermill", {}).get("duration") or 0) for c in nb["cells"])
    return total


def naive_loop(notebooks: Path, out: Path, *, period: str, themes: list[str], area: str, area_name: str,
               raw: Path | None) -> tuple[float, list[str]]:
    """papermill CLI then jupyter nbconvert --to html, per notebook, sequentially."""
    out.mkdir(parents=True, exist_ok=True)
    papermill = shutil.which("papermill")
    jupyter = shutil.which("jupyter")
    pm = [papermill] if papermill else [sys.executable, "-m", "papermill"]
    nbc = [jupyter, "nbconvert"] if jupyter else [sys.executable, "-m", "nbconvert"]
    failures = []
    t0 = time.perf_counter()
    for t in themes:
        executed = out / f"{t}.ipynb"
        r = subprocess.run(
            [*pm, str(notebooks / f"{t}.ipynb"), str(executed), "-k", "python3",
             "-p", "area_code", area, "-p", "area_name", area_name, "-p", "period", period,
             "-p", "data_dir", str(raw) if raw else "", "-p", "disclosure", "public"],
            capture_output=True, text=True,
        )
        if r.returncode:
            failures.append(f"papermill {t}: exit {r.returncode}")
            continue
        r = subprocess.run([*nbc, "--to", "html", str(executed)], capture_output=True, text=True)
        if r.returncode:
            failures.append(f"nbconvert {t}: exit {r.returncode}")
    return time.perf_counter() - t0, failures


def pick_areas(n: int, raw: Path | None, period: str) -> list[str]:
    from analysis.processed import load
    from analysis.periods import parse_period
    from analysis.pipeline.areas import resolve_areas
    from analysis.pipeline.options import DEFAULT_AREA

    every = [a.code for a in resolve_areas(["all"], load(raw), parse_period(period))]
    ordered = [DEFAULT_AREA] + [c for c in every if c != DEFAULT_AREA]
    return ordered[:n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--period", default="2017-18 Q4")
    ap.add_argument("--themes", default=None, help="comma-separated (default: every notebook in notebooks/)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--areas", default="1,10,50", help="area counts for the scaling runs, e.g. 1,10,50 ('' to skip)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of runner / naive / floor, interleaved; medians are compared (default 1)")
    ap.add_argument("--national", default=None,
                    help="themes to treat as national scope in the scaling runs (default: as the notebooks "
                         "declare; if none declares a scope, every theme: they all handle an LA without board data)")
    ap.add_argument("--notebooks-dir", type=Path, default=REPO / "notebooks")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--skip-floor", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print it")
    args = ap.parse_args(argv)

    from statistics import median

    from analysis.pipeline.themes import discover_themes

    themes = [t.name for t in discover_themes(args.notebooks_dir, args.themes.split(",") if args.themes else None)]
    declared = {t.name: t.scope for t in discover_themes(args.notebooks_dir, themes)}
    nb_json = {t: json.loads((args.notebooks_dir / f"{t}.ipynb").read_text()) for t in themes}
    any_declared = any("scope" in (nb.get("metadata", {}).get("safeguarding") or {}) for nb in nb_json.values())
    if args.national is not None:
        national = {t for t in args.national.split(",") if t}
    elif any_declared:
        national = {t for t, s in declared.items() if s == "national"}
    else:
        national = set(themes)

    tmp = Path(tempfile.mkdtemp(prefix="sg-bench-"))
    try:
        print(f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f} at start; "
              f"python {sys.version.split()[0]}; jobs={args.jobs}; period {args.period}; {args.repeat} round(s)")
        print(f"themes: {', '.join(themes)} (national scope in scaling runs: {', '.join(sorted(national)) or 'none'})")
        copy_themes(args.notebooks_dir, tmp / "nb", themes, national)
        make_empty(args.notebooks_dir, tmp / "nb-empty", themes)

        runner_walls: list[float] = []
        naive_walls: list[float] = []
        floor_walls: list[float] = []
        cells: list[float] = []
        notes: dict[str, str] = {}
        for round_no in range(1, args.repeat + 1):
            out = tmp / f"round-{round_no}"
            load = os.getloadavg()[0]
            wall, results = run_runner(tmp / "nb", out / "runner", period=args.period, areas=["E10000031"],
                                       themes=themes, jobs=args.jobs, raw=args.data_dir)
            runner_walls.append(wall)
            cells.append(cell_seconds(out / "runner"))
            bad = [f"{r['theme']}: {r['error']}" for r in results if r["status"] == "failed"]
            notes["runner"] = "; ".join(bad) or "all exported"
            line = f"round {round_no} (load {load:.1f}): runner {wall:.1f}s"
            if not args.skip_naive:
                wall, failures = naive_loop(args.notebooks_dir, out / "naive", period=args.period, themes=themes,
                                            area="E10000031", area_name="Warwickshire", raw=args.data_dir)
                naive_walls.append(wall)
                notes["naive"] = "; ".join(failures) or "all converted"
                line += f", naive {wall:.1f}s"
            if not args.skip_floor:
                wall, _ = run_runner(tmp / "nb-empty", out / "floor", period=args.period, areas=["E10000031"],
                                     themes=themes, jobs=args.jobs, raw=args.data_dir)
                floor_walls.append(wall)
                line += f", floor {wall:.1f}s"
            print(line)
            shutil.rmtree(out, ignore_errors=True)

        scaling = []
        for count in [int(x) for x in args.areas.split(",") if x.strip()]:
            areas = pick_areas(count, args.data_dir, args.period)
            wall, results = run_runner(tmp / "nb", tmp / f"r-{count}", period=args.period, areas=areas,
                                       themes=themes, jobs=args.jobs, raw=args.data_dir)
            executed = sum(r["status"] != "no_local_data" for r in results)
            failed = sum(r["status"] == "failed" for r in results)
            scaling.append((len(areas), wall, executed, failed))
            shutil.rmtree(tmp / f"r-{count}", ignore_errors=True)

        n = len(themes)
        runner_wall = median(runner_walls)
        in_cells = median(cells)
        rows = [("runner, 1 area (full batch)", runner_wall, n, notes["runner"])]
        if naive_walls:
            rows.append(("naive loop (papermill CLI + nbconvert CLI)", median(naive_walls), n, notes["naive"]))
        if floor_walls:
            rows.append(("floor: runner on empty notebooks", median(floor_walls), n,
                         "process start, validation, checks, kernel start, export"))
        print()
        print(f"{'measurement (median of rounds)':48} {'wall (s)':>9} {'notebooks':>9} {'s/notebook':>10}  notes")
        for name, wall, count, note in rows:
            print(f"{name:48} {wall:9.1f} {count:9d} {wall / max(count, 1):10.1f}  {note}")
        for areas, wall, executed, failed in scaling:
            name = f"runner, {areas} area(s)"
            print(f"{name:48} {wall:9.1f} {executed:9d} {wall / max(executed, 1):10.1f}  {failed} failed")
        print()
        print(f"the notebooks' own cells: {in_cells:.1f}s of kernel time per batch ({in_cells / n:.1f}s per notebook)")
        if naive_walls:
            ratio = median(naive_walls) / runner_wall
            print(f"naive loop / runner = {ratio:.2f}x  (target >= 3x on 2 cores: {'met' if ratio >= 3 else 'NOT met'})")
        if floor_walls:
            floor = median(floor_walls)
            ratio = runner_wall / floor
            print(f"runner / floor      = {ratio:.2f}x  (target <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'})")
            print(f"  without the notebooks' own cell time ({in_cells / args.jobs:.1f}s of wall time at {args.jobs} jobs) "
                  f"the runner would take about {(runner_wall - in_cells / args.jobs) / floor:.2f}x the floor")
        if len(scaling) > 1:
            base = scaling[0][1] / max(scaling[0][2], 1)
            for areas, wall, executed, _ in scaling[1:]:
                print(f"time per notebook, {areas} areas vs {scaling[0][0]}: {wall / max(executed, 1) / base:.2f}x")
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
