"""Pipeline: the quarterly run and the command line, the top of the package.

It validates ``data/raw``, executes each theme notebook with papermill, exports each into a
self-contained HTML appendix, promotes the finished set into ``reports/<area>/<period>/`` and
writes the index page and manifest. Layer: may import anything below it (ingest, quality,
processed, stats, report, themes); nothing imports the pipeline.
"""
