"""Analysis toolkit for local safeguarding children partnerships in England.

The package is in layers, each importing only from the layers before it: :mod:`analysis.paths`,
:mod:`analysis.periods` and :mod:`analysis.formatting` (where files live, the financial calendar,
how numbers print); :mod:`analysis.ingest` (read and validate ``data/raw``); :mod:`analysis.quality`
(data-quality rules); :mod:`analysis.processed` (the stored, validated dataset);
:mod:`analysis.stats` (statistical methods); :mod:`analysis.report` (result model, words, charts,
display); :mod:`analysis.themes` (one package per appendix); :mod:`analysis.pipeline` (the
quarterly run, export, index page and command line). Data flows the same way, from ``data/raw``
to the HTML appendix. This module itself holds only the version, so importing it is cheap.
"""

__version__ = "0.1.0"
