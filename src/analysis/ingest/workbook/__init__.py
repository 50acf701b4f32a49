"""The quarterly workbook: next quarter's figures typed into a spreadsheet laid out like the
board's own tables, instead of tidy CSV rows written by hand.

:mod:`.layout` derives each sheet's rows (measure, breakdown, unit) and columns (periods) from a
dataset's own tidy files; :mod:`.template` writes the workbook (Excel, or one CSV per sheet);
:mod:`.reader` reads a filled workbook back into tidy rows with provenance (file, sheet, cell),
each problem naming sheet, cell, row label, period and value; :mod:`.merge` checks them against
the data already there, validates the result with the rules of ``safeguarding validate`` and
writes it. Layer: ingest; may import :mod:`analysis.paths`, :mod:`analysis.periods`,
:mod:`analysis.formatting` and the rest of :mod:`analysis.ingest` only.
"""
