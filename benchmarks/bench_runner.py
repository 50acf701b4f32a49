"""Benchmark of the quarterly run (prints figures; not a test).

    python benchmarks/bench_runner.py                        # every measurement; 1/10/50 areas
    python benchmarks/bench_runner.py --repeat 3 --areas 1,10  # 3 interleaved rounds, medians
    python benchmarks/bench_runner.py --repeat 0 --areas 1,50  # scaling only (both engines)

Measured in the same run, one after another (``--repeat`` interleaves rounds and compares
medians, since a shared machine's load varies), on the same theme notebooks and data:

1. **runner, fork engine**: ``safeguarding run --engine fork`` in a fresh process for one area
   (the full quarterly batch: validation, data-quality checks, input hashing, parallel
   execution on kernels forked from a zygote, export, index, manifest). Data that passed
   validation before, byte for byte, is not validated again (as when a quarter is re-run or
   run area by area); so the same run with ``--revalidate`` is measured too (1b: every file
   validated afresh, as on the first run after new data is imported);
2. **runner, classic engine**: the same with ``--engine classic`` (each kernel launched, and
   importing pandas, scipy, matplotlib and seaborn itself);
3. **naive loop**: what an analyst would write: for each notebook, the ``papermill`` CLI then
   ``jupyter nbconvert --to html``, one after another;
4. **floor**: the fork-engine runner on *empty* notebooks (each theme's parameters cell only),
   i.e. process start, validation, checks, kernel start and export;
5. **scaling**: each engine for the first 1, 10, 50 areas of the DfE data (Warwickshire first),
   the engines interleaved; themes declared ``local`` run only where there is board data, so the
   time per executed notebook is reported.

Targets (issue 12): fork-engine runner at least 5x faster than the naive loop on 2 cores, at
least 1.8x faster than the classic engine per notebook in a 50-area run, and its time per
notebook flat (within 15%) from 1 to 50 areas. Everything is written under a temporary
folder; nothing in reports/ changes.
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
               jobs: int, raw: Path | None, engine: str = "fork", revalidate: bool = False) -> tuple[float, list[dict]]:
    """``safeguarding run`` in a fresh process (as a user runs it); wall time and manifest entries."""
    cmd = [sys.executable, "-m", "analysis.pipeline.cli", "run", "--period", period, "--area", *areas,
           "--themes", *themes, "--jobs", str(jobs), "--notebooks-dir", str(notebooks),
           "--reports-dir", str(reports), "--engine", engine, "--quiet"] + (["--revalidate"] if revalidate else [])
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


def own_seconds(entry: dict) -> float:
    """A notebook's own time: executing it (its kernel's start included) and exporting it. Not
    the time its executed notebook waited for the one export thread, which grows with the run's
    size without any notebook getting dearer (the manifest's ``duration_s`` includes it)."""
    return (entry.get("execute_s") or 0.0) + (entry.get("export_s") or 0.0)


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


def _ratio_line(name: str, ratio: float, target: str, met: bool) -> str:
    return f"{name:34} = {ratio:5.2f}x  ({target}: {'met' if met else 'NOT met'})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--period", default="2017-18 Q4")
    ap.add_argument("--themes", default=None, help="comma-separated (default: every notebook in notebooks/)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--areas", default="1,10,50", help="area counts for the scaling runs, e.g. 1,10,50 ('' to skip)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of fork runner / classic runner / naive / floor, interleaved; medians are "
                         "compared (default 1; 0: scaling only)")
    ap.add_argument("--engines", default="fork,classic", help="engines to compare (default: fork,classic)")
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

    engines = [e for e in args.engines.split(",") if e]
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
              f"python {sys.version.split()[0]}; jobs={args.jobs}; period {args.period}; {args.repeat} round(s); "
              f"engines {', '.join(engines)}")
        print(f"themes: {', '.join(themes)} (national scope in scaling runs: {', '.join(sorted(national)) or 'none'})")
        copy_themes(args.notebooks_dir, tmp / "nb", themes, national)
        make_empty(args.notebooks_dir, tmp / "nb-empty", themes)

        runner_walls: dict[str, list[float]] = {e: [] for e in engines}
        fresh_walls: list[float] = []  # the first engine with --revalidate
        cells: dict[str, list[float]] = {e: [] for e in engines}
        naive_walls: list[float] = []
        floor_walls: list[float] = []
        notes: dict[str, str] = {}
        for round_no in range(1, args.repeat + 1):
            out = tmp / f"round-{round_no}"
            line = f"round {round_no} (load {os.getloadavg()[0]:.1f}):"
            for engine in engines:
                wall, results = run_runner(tmp / "nb", out / f"runner-{engine}", period=args.period,
                                           areas=["E10000031"], themes=themes, jobs=args.jobs, raw=args.data_dir,
                                           engine=engine)
                runner_walls[engine].append(wall)
                cells[engine].append(cell_seconds(out / f"runner-{engine}"))
                bad = [f"{r['theme']}: {r['error']}" for r in results if r["status"] == "failed"]
                notes[engine] = "; ".join(bad) or "all exported"
                line += f" {engine} {wall:.1f}s,"
            wall, _ = run_runner(tmp / "nb", out / "runner-fresh", period=args.period, areas=["E10000031"],
                                 themes=themes, jobs=args.jobs, raw=args.data_dir, engine=engines[0], revalidate=True)
            fresh_walls.append(wall)
            line += f" {engines[0]} --revalidate {wall:.1f}s,"
            if not args.skip_naive:
                wall, failures = naive_loop(args.notebooks_dir, out / "naive", period=args.period, themes=themes,
                                            area="E10000031", area_name="Warwickshire", raw=args.data_dir)
                naive_walls.append(wall)
                notes["naive"] = "; ".join(failures) or "all converted"
                line += f" naive {wall:.1f}s,"
            if not args.skip_floor:
                wall, _ = run_runner(tmp / "nb-empty", out / "floor", period=args.period, areas=["E10000031"],
                                     themes=themes, jobs=args.jobs, raw=args.data_dir, engine=engines[0])
                floor_walls.append(wall)
                line += f" floor {wall:.1f}s"
            print(line.rstrip(","), flush=True)
            shutil.rmtree(out, ignore_errors=True)

        scaling: dict[str, list[tuple[int, float, int, int]]] = {e: [] for e in engines}
        durations: dict[str, list[float]] = {e: [] for e in engines}  # median per-notebook execute + export
        by_theme: dict[str, dict[tuple[int, str, str], float]] = {e: {} for e in engines}
        for count in [int(x) for x in args.areas.split(",") if x.strip()]:
            areas = pick_areas(count, args.data_dir, args.period)
            for engine in engines:
                wall, results = run_runner(tmp / "nb", tmp / f"r-{count}-{engine}", period=args.period, areas=areas,
                                           themes=themes, jobs=args.jobs, raw=args.data_dir, engine=engine)
                executed = sum(r["status"] != "no_local_data" for r in results)
                failed = sum(r["status"] == "failed" for r in results)
                ok = [r for r in results if r["status"] == "ok" and r.get("execute_s")]
                each = median([own_seconds(r) for r in ok] or [0.0])
                waited = median([max(r["duration_s"] - own_seconds(r), 0.0) for r in ok] or [0.0])
                for r in ok:
                    by_theme[engine][(len(areas), r["area_code"], r["theme"])] = own_seconds(r)
                scaling[engine].append((len(areas), wall, executed, failed))
                durations[engine].append(each)
                print(f"scaling: {engine}, {len(areas)} area(s): {wall:.1f}s for {executed} notebook(s) "
                      f"({wall / max(executed, 1):.2f}s of wall time each, {failed} failed; each notebook's own "
                      f"execute + export {each:.2f}s, median, and {waited:.2f}s waiting for the export thread; "
                      f"load {os.getloadavg()[0]:.1f})", flush=True)
                shutil.rmtree(tmp / f"r-{count}-{engine}", ignore_errors=True)

        n = len(themes)
        rows = []
        for engine in engines:
            if runner_walls[engine]:
                rows.append((f"runner --engine {engine}, 1 area", median(runner_walls[engine]), n, notes[engine]))
        if fresh_walls:
            rows.append((f"runner --engine {engines[0]} --revalidate", median(fresh_walls), n,
                         "every input file validated afresh"))
        if naive_walls:
            rows.append(("naive loop (papermill CLI + nbconvert CLI)", median(naive_walls), n, notes["naive"]))
        if floor_walls:
            rows.append((f"floor: runner ({engines[0]}) on empty notebooks", median(floor_walls), n,
                         "process start, validation, checks, kernel start, export"))
        print()
        print(f"{'measurement (median of rounds)':48} {'wall (s)':>9} {'notebooks':>9} {'s/notebook':>10}  notes")
        for name, wall, count, note in rows:
            print(f"{name:48} {wall:9.1f} {count:9d} {wall / max(count, 1):10.2f}  {note}")
        for engine in engines:
            for areas, wall, executed, failed in scaling[engine]:
                name = f"runner --engine {engine}, {areas} area(s)"
                print(f"{name:48} {wall:9.1f} {executed:9d} {wall / max(executed, 1):10.2f}  {failed} failed")
        print()
        for engine in engines:
            if cells[engine]:
                in_cells = median(cells[engine])
                print(f"the notebooks' own cells ({engine}): {in_cells:.1f}s of kernel time per batch "
                      f"({in_cells / n:.2f}s per notebook)")
        fork, classic = (engines + [None, None])[:2] if len(engines) >= 2 else (engines[0], None)
        if runner_walls.get(fork):
            fork_wall = median(runner_walls[fork])
            if naive_walls:
                ratio = median(naive_walls) / fork_wall
                print(_ratio_line(f"naive loop / runner ({fork})", ratio, "target >= 5x on 2 cores", ratio >= 5))
                if fresh_walls:
                    ratio = median(naive_walls) / median(fresh_walls)
                    print(_ratio_line(f"naive loop / runner ({fork}) --revalidate", ratio,
                                      "the same, validating every file afresh", ratio >= 5))
                if classic and runner_walls.get(classic):
                    ratio = median(naive_walls) / median(runner_walls[classic])
                    print(_ratio_line(f"naive loop / runner ({classic})", ratio, "was 3.2x", ratio >= 3))
            if classic and runner_walls.get(classic):
                ratio = median(runner_walls[classic]) / fork_wall
                print(_ratio_line(f"{classic} / {fork}, 1 area", ratio, "for reference", True))
            if floor_walls:
                ratio = fork_wall / median(floor_walls)
                print(_ratio_line(f"runner ({fork}) / floor", ratio, "earlier target <= 1.5x", ratio <= 1.5))
        if classic:
            for (areas, f_wall, f_exec, _), (_, c_wall, c_exec, _) in zip(scaling[fork], scaling[classic]):
                ratio = (c_wall / max(c_exec, 1)) / (f_wall / max(f_exec, 1))
                print(_ratio_line(f"per notebook {classic} / {fork}, {areas} area(s)", ratio,
                                  "target >= 1.8x at 50 areas", ratio >= 1.8))
        for engine in engines:
            if len(scaling[engine]) > 1:
                base = scaling[engine][0][1] / max(scaling[engine][0][2], 1)
                for (areas, wall, executed, _), each in zip(scaling[engine][1:], durations[engine][1:]):
                    ratio = wall / max(executed, 1) / base
                    print(_ratio_line(f"wall per notebook ({engine}), {areas} vs {scaling[engine][0][0]}", ratio,
                                      "the run's fixed start spread over more notebooks", True))
                    ratio = each / max(durations[engine][0], 1e-9)
                    print(f"{f'median notebook ({engine}), {areas} vs {scaling[engine][0][0]}':34} = {ratio:5.2f}x  "
                          "(for reference only: other areas' notebooks do less; flatness is judged on the same "
                          "notebooks, below)")
        # The same notebooks (an area of the smallest run, each theme) in the smallest run and in each
        # larger one: other areas' notebooks differ in work (only some areas have board data).
        for engine in engines:
            counts = [areas for areas, *_ in scaling[engine]]
            for areas in counts[1:]:
                parts = []
                for (count, area, theme), small in sorted(by_theme[engine].items()):
                    large = by_theme[engine].get((areas, area, theme))
                    if count == counts[0] and large:
                        parts.append(f"{theme} [{area}] {small:.2f}s -> {large:.2f}s ({large / small:.2f}x)")
                if parts:
                    print(f"same notebooks ({engine}), {counts[0]} -> {areas} area(s) (flat: within 15%): "
                          + "; ".join(parts))
                    ratios = [by_theme[engine][(areas, area, theme)] / small
                              for (count, area, theme), small in by_theme[engine].items()
                              if count == counts[0] and (areas, area, theme) in by_theme[engine]]
                    worst = max(ratios, key=lambda r: abs(r - 1))
                    print(_ratio_line(f"same notebooks ({engine}), worst, {areas} vs {counts[0]}", worst,
                                      "flat: within 15%", abs(worst - 1) <= 0.15))
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
