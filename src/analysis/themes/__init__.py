"""Themes: one per appendix, each ``build(area_code, period, ...) -> ThemeResult``.

:mod:`~analysis.themes.context` resolves a run's parameters and loads the data once;
each theme turns the data into sections of tables, charts and sentences. Layer: may import
:mod:`analysis.processed`, :mod:`analysis.ingest`, :mod:`analysis.quality`, :mod:`analysis.stats`,
:mod:`analysis.report`, :mod:`analysis.periods` and :mod:`analysis.formatting`; never the pipeline.
"""
