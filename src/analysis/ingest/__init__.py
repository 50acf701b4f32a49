"""Ingest: read ``data/raw`` and check it against the data's own rules, nothing more.

:mod:`~analysis.ingest.schema` holds the tidy format and its validation rules,
:mod:`~analysis.ingest.dfe` reads DfE's and ONS's published files as published, and
:mod:`~analysis.ingest.dataset` puts both into one :class:`~analysis.ingest.dataset.Dataset`
with every problem listed. Layer: may import :mod:`analysis.paths`, :mod:`analysis.periods` and
:mod:`analysis.formatting` only; the data-quality rules, the stored cache and everything that
reports on the data sit above it.
"""
