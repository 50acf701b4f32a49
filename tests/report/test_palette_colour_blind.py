"""The chart colours stay apart for readers with colour-vision deficiency (issue 10).

``tests/test_charts.py`` checks that each colour has 3:1 contrast against white; this checks that
each *pair* stays distinguishable. Simulation: ``colorspacious`` (its ``sRGB1+CVD`` space, the
Machado, Oliveira & Fernandes 2009 model) at severity 100, i.e. protanopia, deuteranopia and
tritanopia (the complete forms, the hardest case), and normal vision as well. Distance: ΔE′ in
CAM02-UCS (Luo, Cui & Li 2006, the uniform colour space colorspacious measures in).

Threshold: every pair at least ``MIN_DISTANCE`` = 10 ΔE′ apart under every simulation. One unit
is of the order of a just-noticeable difference; ten is our margin for thin lines and small
markers on a white page (a judgement, not a published standard; the worst pair of Okabe & Ito's
own palette under protanopia, orange against vermillion darkened for contrast, was 2.8).

What the test assumes: every slot of :data:`PALETTE` can share a chart with every other and with
:data:`NEUTRAL` (a chart of eight series uses all eight), so it checks all pairs, not only those of
today's charts. Colour is never the only cue: each series also has its own marker and dash
pattern (:func:`analysis.report.charts.series_style`), so the test asks that colours be told
apart, not that each be named.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

colorspacious = pytest.importorskip("colorspacious")

from analysis.report import charts  # noqa: E402

MIN_DISTANCE = 10.0
VISIONS = {"normal vision": None, "protanopia": "protanomaly", "deuteranopia": "deuteranomaly",
           "tritanopia": "tritanomaly"}


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255


def seen(colours: list[str], cvd: str | None) -> np.ndarray:
    """The colours in CAM02-UCS as a viewer with the deficiency ``cvd`` sees them."""
    rgb = np.array([_rgb(c) for c in colours])
    if cvd:
        space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
        rgb = np.clip(colorspacious.cspace_convert(rgb, space, "sRGB1"), 0, 1)
    return colorspacious.cspace_convert(rgb, "sRGB1", "CAM02-UCS")


def too_close(colours: list[str]) -> list[tuple[str, str, str, float]]:
    """Every pair closer than :data:`MIN_DISTANCE` under any vision: (vision, a, b, distance)."""
    out = []
    for vision, cvd in VISIONS.items():
        points = seen(colours, cvd)
        for (i, a), (j, b) in itertools.combinations(enumerate(colours), 2):
            distance = float(np.linalg.norm(points[i] - points[j]))
            if distance < MIN_DISTANCE:
                out.append((vision, a, b, round(distance, 1)))
    return out


def test_the_check_finds_okabe_itos_orange_and_vermillion_under_protanopia():
    # the palette before this test: its darkened orange and vermillion merge for protanopes
    found = too_close(["#A86400", "#D55E00"])
    assert [(vision, round(d)) for vision, _a, _b, d in found] == [("protanopia", 3), ("deuteranopia", 7)]
    assert too_close(["#0072B2", "#A86400"]) == []  # blue and orange stay apart for everyone


def test_every_pair_of_chart_colours_is_distinguishable_with_each_colour_vision():
    colours = list(dict.fromkeys([*charts.PALETTE, charts.HIGHLIGHT, charts.NEUTRAL]))
    assert too_close(colours) == []


def test_the_palette_keeps_3_to_1_contrast_and_the_highlight_is_a_palette_colour():
    assert all(charts.contrast_ratio(c) >= 3 for c in [*charts.PALETTE, charts.NEUTRAL])
    assert charts.HIGHLIGHT in charts.PALETTE
