"""The README's "Exploring the data" section runs as written and prints what it says it prints.

The test takes the section's ```python blocks in order, runs them in one namespace (as cells of
one notebook) and, where a ```text block follows a python block, compares what the block printed
with it line by line. So the README cannot go stale: a renamed function, a changed signature or a
figure that no longer matches the data fails here.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "## Exploring the data"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    assert HEADING in text, f"README.md has no {HEADING!r} section"
    body = text.split(HEADING, 1)[1]
    return re.split(r"^## ", body, maxsplit=1, flags=re.M)[0]


def _blocks(section: str) -> list[tuple[str, str | None]]:
    """(python code, the text block printed after it or None), in order."""
    fences = re.findall(r"^```(\w+)\n(.*?)^```", section, flags=re.M | re.S)
    out: list[tuple[str, str | None]] = []
    for lang, body in fences:
        if lang == "python":
            out.append((body, None))
        elif lang == "text":
            assert out and out[-1][1] is None, "a ```text block must follow the ```python block it shows"
            out[-1] = (out[-1][0], body)
    return out


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


@pytest.fixture(scope="module")
def ran() -> dict:
    blocks = _blocks(_section())
    assert len(blocks) >= 5, "the section shows load/select, breakdown, intervals, a table and a chart"
    namespace: dict = {"__name__": "__readme__"}
    for i, (code, expected) in enumerate(blocks, 1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"README.md Exploring the data, block {i}", "exec"), namespace)  # noqa: S102
        if expected is not None:
            assert _lines(printed.getvalue()) == _lines(expected), f"block {i} printed something else"
    return namespace


def test_every_block_runs_and_prints_what_the_readme_shows(ran):
    import pandas as pd

    assert isinstance(ran["plans"], pd.DataFrame) and not ran["plans"].empty
    assert isinstance(ran["frame"], pd.DataFrame) and not ran["frame"].empty


def test_the_rate_matches_dfe_published_rate(ran):
    """The README's rate, computed from counts and population, is the one DfE publishes (LAIT),
    read here straight from the selected rows, not through the package's formatting."""
    ds = ran["ds"]
    published = ds.select("cp_rate_per_10k", area_code="E10000031", source="dfe", breakdown="total")
    published = published.loc[published["period_end"] == "2025-03-31", "value"].iloc[0]
    assert round(ran["children"] / ran["mid_2024"] * 10_000, 1) == pytest.approx(published)


def test_the_chart_of_your_own_frame_shows_itself(ran):
    chart = ran["chart"]
    html = chart._repr_html_()
    assert '<svg' in html and 'role="img"' in html and "by category of abuse at each quarter end" in html
