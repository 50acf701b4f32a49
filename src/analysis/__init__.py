"""Analysis toolkit for local safeguarding children partnerships in England.

Data flows one way: ``data/raw`` -> validated tidy frames (:mod:`analysis.data`) ->
theme tables (:mod:`analysis.themes`) -> charts and sentences -> notebook -> HTML appendix
(:mod:`analysis.pipeline.runner`).
"""

__version__ = "0.1.0"
