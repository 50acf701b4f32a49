"""Pipeline: the quarterly run and the command line, the top of the package.

It validates ``data/raw``, executes each theme notebook with papermill, exports each into a
self-contained HTML appendix, promotes the finished set into ``reports/<area>/<period>/`` and
writes the index page and manifest. Modules, each importing only those listed before it:

* :mod:`~analysis.pipeline.options` – RunOptions, NotebookResult, RunResult, RunError, exit
  codes, defaults, and small clock/text helpers;
* :mod:`~analysis.pipeline.themes` – the theme notebooks (ThemeNotebook, discover_themes, THEMES);
* :mod:`~analysis.pipeline.areas` – the local authorities of a run (Area, resolve_areas);
* :mod:`~analysis.pipeline.htmlcheck` – the checks every page passes (check_html, local paths);
* :mod:`~analysis.pipeline.export` – notebook preparation and appendix export;
* :mod:`~analysis.pipeline.index` – the index page (IndexPage, render_index);
* :mod:`~analysis.pipeline.engine` – the papermill engine ``safeguarding``;
* :mod:`~analysis.pipeline.manifest` – manifest.json, input hashes, package versions;
* :mod:`~analysis.pipeline.zygote` – fork-server kernels (``--engine fork``): the zygote process
  and the kernel provisioner that forks each kernel from it;
* :mod:`~analysis.pipeline.kernels` – IPC kernels, warm start, worker threads;
* :mod:`~analysis.pipeline.progress` – progress lines;
* :mod:`~analysis.pipeline.execute` – running one notebook (NotebookExecutor, execute_all);
* :mod:`~analysis.pipeline.pdf` – the print versions (``--pdf``: A4 PDFs by headless Chromium);
* :mod:`~analysis.pipeline.publish` – staging, promotion under the per-area lock (public runs in
  ``reports/``, internal runs in ``reports/internal/``);
* :mod:`~analysis.pipeline.runner` – the run itself (:func:`~analysis.pipeline.runner.run`);
* :mod:`~analysis.pipeline.cli` – the ``safeguarding`` command and its arguments.

Layer: may import anything below it (ingest, quality, processed, stats, report, themes,
periods, formatting, paths); nothing imports the pipeline.
"""
