"""One module per theme; each exposes build(...) -> ThemeResult (see base.py)."""
