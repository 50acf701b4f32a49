"""What each chart costs to draw (prints figures; not a test).

    python benchmarks/chart_costs.py                 # every theme, Warwickshire, latest quarter
    python benchmarks/chart_costs.py --repeat 5      # medians of 5 builds (the first warms caches)

Runs each theme's ``build`` in this process, as its notebook does, with
:func:`analysis.report.charts.new_chart` and :func:`~analysis.report.charts.finish` timed. For
each chart: **plot** (from ``new_chart`` to ``finish``: the theme's own drawing calls),
**layout** (``finish`` up to saving: wrapping the words, pinning legends, ``tight_layout``),
**save** (``savefig`` to SVG: the one render) and **markup** (:func:`svg_markup`); then the
theme's whole build and the part of it that is not charts (statistics, tables, words). A chart
that makes its own figure (not with ``new_chart``) shows plot 0: its drawing counts in the rest.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from statistics import median

os.environ.setdefault("MPLBACKEND", "Agg")  # as the batch kernels (analysis.pipeline.kernels.KERNEL_ENV)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--area", default="E10000031")
    ap.add_argument("--period", default="")
    ap.add_argument("--repeat", type=int, default=3, help="builds per theme; the first is not counted")
    args = ap.parse_args(argv)

    import importlib

    import matplotlib.figure
    import matplotlib.pyplot as plt

    from analysis.report import charts
    from analysis.pipeline.themes import THEMES

    times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    current: dict[str, float] = {}
    real_new_chart, real_finish, real_savefig, real_markup = (
        charts.new_chart, charts.finish, matplotlib.figure.Figure.savefig, charts.svg_markup)

    def new_chart(*a, **k):
        current["plot_from"] = time.perf_counter()
        return real_new_chart(*a, **k)

    real_subplots = plt.subplots

    def subplots(*a, **k):  # a chart of several panels makes its own figure
        current.setdefault("plot_from", time.perf_counter())
        return real_subplots(*a, **k)

    def savefig(self, *a, **k):
        started = time.perf_counter()
        current["layout"] = started - current["finish_from"]
        try:
            return real_savefig(self, *a, **k)
        finally:
            current["save"] = time.perf_counter() - started

    def svg_markup(raw):
        started = time.perf_counter()
        try:
            return real_markup(raw)
        finally:
            current["markup"] = time.perf_counter() - started

    def finish(fig, ax, **k):
        current["finish_from"] = time.perf_counter()
        current["plot"] = current["finish_from"] - current.pop("plot_from", current["finish_from"])
        chart = real_finish(fig, ax, **k)
        current["index"] = current.get("index", 0) + 1
        key = f"{current['theme']}: {chart.title[:56]}#{current['index'] % 100}"
        for part in ("plot", "layout", "save", "markup"):
            times[key][part].append(current.get(part, 0.0))
        return chart

    # the themes call charts.new_chart / charts.finish through the module, and finish calls svg_markup
    charts.new_chart, charts.finish, charts.svg_markup = new_chart, finish, svg_markup
    matplotlib.figure.Figure.savefig = savefig
    plt.subplots = subplots
    builds: dict[str, list[float]] = defaultdict(list)
    for theme in THEMES:
        module = importlib.import_module(f"analysis.themes.{theme}")
        for round_no in range(args.repeat):
            times_before = {key: len(parts["plot"]) for key, parts in times.items()}
            current["theme"] = theme
            current["index"] = 0
            current.pop("plot_from", None)
            started = time.perf_counter()
            module.build(area_code=args.area, period=args.period, data_dir=None, disclosure="public", area_name="")
            elapsed = time.perf_counter() - started
            if round_no == 0:  # warm-up: first font and cache loads
                for key, parts in times.items():
                    for part in parts.values():
                        del part[times_before.get(key, 0):]
                continue
            builds[theme].append(elapsed)

    print(f"{'chart':66} {'plot':>6} {'layout':>6} {'save':>6} {'markup':>6} {'total':>6}  (ms, medians)")
    per_theme: dict[str, float] = defaultdict(float)
    parts_total: dict[str, float] = defaultdict(float)
    for key, parts in times.items():
        row = {part: median(values) * 1000 for part, values in parts.items()}
        total = sum(row.values())
        per_theme[key.split(":")[0]] += total
        for part, value in row.items():
            parts_total[part] += value
        print(f"{key:66} {row['plot']:6.0f} {row['layout']:6.0f} {row['save']:6.0f} {row['markup']:6.0f} {total:6.0f}")
    print()
    for theme in THEMES:
        build = median(builds[theme]) * 1000
        print(f"{theme:16} build {build:6.0f} ms, charts {per_theme[theme]:6.0f} ms "
              f"({per_theme[theme] / build:.0%}), the rest {build - per_theme[theme]:6.0f} ms")
    print(f"{len(times)} charts: " + ", ".join(f"{part} {value:.0f} ms" for part, value in parts_total.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
