"""Report: what a theme's result is and how a reader sees it, shared by every theme.

:mod:`~analysis.report.model` (the result: sections, tables, key figures), :mod:`~analysis.report.words`
(sentences and verdicts in plain English), :mod:`~analysis.report.charts` (the house chart frame),
:mod:`~analysis.report.display` (showing a result in a notebook, with disclosure control) and
:mod:`~analysis.report.summary` (the machine-readable summary the index page reads). Layer: may
import :mod:`analysis.periods`, :mod:`analysis.formatting` and :mod:`analysis.stats`; never a theme,
the data loaders or the pipeline.
"""
