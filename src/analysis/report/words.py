"""Plain-English sentences for board members: changes, comparisons and verdicts in words.

Sentence helpers take the numbers (or a result from :mod:`analysis.stats`) and write the
sentence, so notebooks never type a number into prose. Numbers are printed by
:mod:`analysis.formatting` (DfE conventions, half-up rounding).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..formatting import (
    fmt_count,
    fmt_gbp,
    fmt_interval,
    fmt_number,
    fmt_percent,
    fmt_rate,
    is_missing as _missing,
    round_half_up,
)
from ..periods import financial_year_label
from ..stats import check_conf, conf_label, z_value
from ..stats.change import ChangeSignificance, change_significance
from ..stats.compare import (
    HIGHER,
    LOWER,
    SIMILAR,
    compare_proportion_to_benchmark,
    compare_rate_to_benchmark,
)
from ..stats.disclosure import NOT_AVAILABLE, SMALL_COUNT_THRESHOLD, SUPPRESSED, is_small_count
from ..stats.intervals import count_limits, wilson_limits

__all__ = [
    "round_half_up",
    "fmt_count",
    "fmt_number",
    "fmt_percent",
    "fmt_rate",
    "fmt_gbp",
    "fmt_interval",
    "describe_change",
    "describe_share_vs_benchmark",
    "describe_rate_vs_benchmark",
    "FEWER_THAN_SMALL",
    "HIDDEN_BY_SECONDARY",
    "CountWords",
    "verdict_phrase",
    "possessive",
    "join_words",
    "number_in_words",
    "capitalised",
    "MOST_DECIMALS",
    "BORDERLINE",
    "decimals_to_tell_apart",
    "printed_apart",
    "limit_margin",
    "fallback_caveat",
]

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def chance_words(p_value: float) -> str:
    """How often a difference this large would arise by chance, in words, for the sentence and
    the table alike: "less than 1 time in 1,000", or "about 2.3 times in 100" (p = 0.023)."""
    if p_value < 0.001:
        return "less than 1 time in 1,000"
    return f"about {fmt_number(p_value * 100, 1)} times in 100"


def possessive(name: str) -> str:
    """ "England's", "the West Midlands'" style possessive."""
    return name + ("'" if name.endswith("s") else "'s")


def join_words(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c" (empty items dropped; nothing gives "")."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def number_in_words(number: int | None, *, words_up_to: int = 9) -> str:
    """A number of things that are not people (authorities, categories, findings) in running
    text: in words up to ``words_up_to`` ("no", "one", ... "nine"), numerals above ("147").
    ``None`` reads "an unknown number"."""
    if number is None:
        return "an unknown number"
    number = int(number)
    limit = min(words_up_to, len(_NUMBER_WORDS) - 1)
    return _NUMBER_WORDS[number] if 0 <= number <= limit else fmt_count(number)


def capitalised(text: str) -> str:
    """The text with its first letter in upper case and the rest untouched (unlike str.capitalize)."""
    return text[:1].upper() + text[1:]

# --------------------------------------------------------------------------- the borderline rule
#: The most decimal places a verdict's numbers are printed with to show which side they fall.
MOST_DECIMALS = 3
#: What is said when a verdict rests on a difference too small to print even then.
BORDERLINE = "borderline: the two are equal to three decimal places"


def _printed_equal(a: Any, b: Any, decimals: int) -> bool:
    return fmt_number(a, decimals) == fmt_number(b, decimals)


def decimals_to_tell_apart(pairs, decimals: int = 1, most: int = MOST_DECIMALS) -> int:
    """The one rule for numbers printed beside a verdict (a rate and a funnel limit, an interval's
    bound and a benchmark): the fewest decimal places, from ``decimals`` up to ``most``, at which
    every pair ``(value, reference)`` prints differently. A verdict "above the limit" beside "47.6"
    and "47.6" reads as a contradiction; printed "47.63" and "47.60" it does not. Pairs with a
    missing number are ignored; pairs still equal at ``most`` places give ``most`` (say they are
    borderline with :data:`BORDERLINE`, see :func:`printed_apart`)."""
    needed = decimals
    for a, b in pairs:
        if _missing(a) or _missing(b):
            continue
        d = decimals
        while d < most and _printed_equal(a, b, d):
            d += 1
        needed = max(needed, d)
    return needed


def printed_apart(value: Any, reference: Any, decimals: int = 1, most: int = MOST_DECIMALS) -> bool:
    """Whether the two numbers print differently at some precision up to ``most`` places (False:
    the verdict between them is borderline and must be called so)."""
    if _missing(value) or _missing(reference):
        return True
    return not _printed_equal(value, reference, decimals_to_tell_apart([(value, reference)], decimals, most))


def limit_margin(value: Any, limits: dict[str, Any], decimals: int = 1, unit: str = "") -> str:
    """A clause for a value printed beside limits that it sits within the printed rounding of:
    " (47.63 against the 99.8% upper limit of 47.60)", or "" when every limit prints apart from the
    value at ``decimals`` places. ``limits`` maps a name ("the 99.8% upper limit") to its value."""
    close = [(name, limit) for name, limit in limits.items()
             if not _missing(limit) and not _missing(value) and _printed_equal(value, limit, decimals)]
    if not close:
        return ""
    d = decimals_to_tell_apart([(value, limit) for _, limit in close], decimals)
    parts = []
    for name, limit in close:
        text = f"{fmt_number(value, d)}{unit} against {name} of {fmt_number(limit, d)}{unit}"
        if not printed_apart(value, limit, decimals):
            text += f" ({BORDERLINE})"
        parts.append(text)
    return " (" + "; ".join(parts) + ")"


def _year_end_year(when) -> int:
    """The calendar year of the 31 March that ends the financial year containing ``when``."""
    when = pd.Timestamp(when)
    return when.year if (when.month, when.day) <= (3, 31) else when.year + 1


def fallback_caveat(what: str, area: str, figure_end, period_end) -> str | None:
    """The one wording for a fallback: a figure shown for a period but dated in an earlier
    financial year than the latest 31 March on or before the period's end ("DfE's latest count of
    children in need for Solihull is for 2022/23, two years before 2024/25: it is the latest the
    data has, not a figure for this period."). None when it is of that year. ``figure_end`` is the
    last day the figure covers (a 31 March for DfE's years)."""
    end = pd.Timestamp(period_end)
    latest = end.year if (end.month, end.day) >= (3, 31) else end.year - 1  # last 31 March in the period
    years = latest - _year_end_year(figure_end)
    if years <= 0:
        return None
    return (f"{what} for {area} is for {financial_year_label(pd.Timestamp(figure_end))}, {number_in_words(years)} "
            f"year{'s' if years > 1 else ''} before {financial_year_label(pd.Timestamp(latest, 3, 31))}: it is the "
            "latest the data has, not a figure for this period.")


#: How a count of 1 to 5 reads in a public sentence ("fewer than 6").
FEWER_THAN_SMALL = f"fewer than {SMALL_COUNT_THRESHOLD + 1}"
#: How a count hidden only to protect another (secondary suppression) reads in a public sentence.
HIDDEN_BY_SECONDARY = "a suppressed number"


#: A key figure withheld in public mode, in a sentence.
WITHHELD_KEY_FIGURE = "a small number (withheld)"


class CountWords:
    """Counts of people in sentences, chart labels and key figures under a disclosure mode.

    The one place the public-mode wording lives. In ``public`` mode a count from 1 to 5 reads
    "fewer than 6" in a sentence and ``c`` on a chart; a cell the table hides only to protect
    another (secondary suppression, ``hidden=True``) reads "a suppressed number" and ``c``. In
    ``internal`` mode every count is stated. A blank count reads ``missing``.
    """

    def __init__(self, disclosure: str):
        self.public = disclosure == "public"

    def withheld(self, value: Any, hidden: bool = False) -> bool:
        """Whether the count, and any share or rate derived from it, must not be shown."""
        return self.public and (bool(hidden) or is_small_count(value))

    def text(self, value: Any, hidden: bool = False, *, missing: str = "not available") -> str:
        """The count for a sentence: "1,234", "fewer than 6" or "a suppressed number"."""
        if _missing(value):
            return missing
        if self.public and is_small_count(value):
            return FEWER_THAN_SMALL
        if self.public and hidden:
            return HIDDEN_BY_SECONDARY
        return fmt_count(value)

    def label(self, value: Any, hidden: bool = False) -> str:
        """The count as a chart label: "1,234", ``c`` (withheld) or ``x`` (not available)."""
        if _missing(value):
            return NOT_AVAILABLE
        if self.withheld(value, hidden):
            return SUPPRESSED
        return fmt_count(value)

    def key_figure_text(self, value: Any) -> str:
        """A result's key figure (see :meth:`key_figure`) in a sentence: a figure already withheld
        as ``"c"`` reads "a small number (withheld)"; any other as :meth:`text` words it."""
        return WITHHELD_KEY_FIGURE if value == SUPPRESSED else self.text(value)

    def key_figure(self, value: Any) -> Any:
        """The count for a result's key figures: ``"c"`` when withheld, else the number (None stays None)."""
        if value is None:
            return None
        return SUPPRESSED if self.withheld(value) else value


def verdict_phrase(verdict: str | None, benchmark: str, *, significantly: bool = True, level: str | None = None,
                   comparatives: tuple[str, str] = ("higher than", "lower than"),
                   no_verdict: str | None = None) -> str:
    """A comparison's verdict in words, before the benchmark's name.

    ``verdict_phrase("higher", "England (45.3)")`` -> "significantly higher than England (45.3)";
    ``"not significantly different"`` -> "not significantly different from England (45.3)".
    ``level`` ("95%") appends " at 95%"; ``significantly=False`` drops the adverb where the
    sentence says elsewhere that only significant differences are called higher or lower;
    ``comparatives`` replaces "higher than"/"lower than" (e.g. "above"/"below"). ``no_verdict``
    is returned when there is no verdict (default: "cannot be compared with <benchmark>").
    """
    higher, lower = comparatives
    if verdict in (HIGHER, LOWER):
        word = higher if verdict == HIGHER else lower
        text = f"{'significantly ' if significantly else ''}{word} {benchmark}".rstrip()
    elif verdict == SIMILAR:
        text = "not significantly different" + (f" from {benchmark}" if benchmark else "")
    else:
        return no_verdict if no_verdict is not None else f"cannot be compared with {benchmark}".rstrip()
    return f"{text} at {level}" if level else text


def _significance_clause(word: str, significance: Any) -> str:
    """ "the rise is statistically significant at 99.8%" etc., from a ChangeSignificance,
    a level string ("95%", "99.8%"), True/False (95%), or None (no clause)."""
    if significance is None:
        return ""
    if isinstance(significance, ChangeSignificance):
        if significance.significant_95 is None:
            return ""
        level = significance.strongest_level
    elif isinstance(significance, bool):
        level = "95%" if significance else None
    elif isinstance(significance, str):
        level = significance if significance in ("95%", "99.8%") else None
        if significance not in ("95%", "99.8%", "not significant"):
            raise ValueError(
                f"significance {significance!r}: use a ChangeSignificance, True/False, "
                f"'95%', '99.8%' or 'not significant'"
            )
    else:
        raise TypeError(f"significance of type {type(significance).__name__} is not understood")
    if level is None:
        return f"the {word} is not statistically significant at 95%"
    return f"the {word} is statistically significant at {level}"


def describe_change(
    old: Any,
    new: Any,
    what: str | None = None,
    significance: Any = "auto",
    *,
    unit: str = "count",
) -> str:
    """One sentence on a change between two periods.

    ``describe_change(439, 564)`` -> "rose by 28.5%, from 439 to 564; the rise is
    statistically significant at 99.8%". With ``what="children on CP plans"`` the sentence
    starts "children on CP plans rose by …".

    Parameters
    ----------
    old, new : the two values (counts by default).
    what : optional subject of the sentence.
    significance : "auto" (default: for counts, the exact test of
        :func:`analysis.stats.change_significance` on the two counts as rates in the same
        population), a :class:`ChangeSignificance`, True/False, "95%", "99.8%",
        "not significant", or None for no significance clause.
    unit : "count", "percent", "rate" or "gbp": how ``old`` and ``new`` are printed.
        "auto" significance needs counts; for other units pass a result.
    """
    formatter = {"count": fmt_count, "percent": fmt_percent, "rate": fmt_rate, "gbp": fmt_gbp}
    if unit not in formatter:
        raise ValueError(f"describe_change: unit must be one of {sorted(formatter)}, got {unit!r}")
    fmt = formatter[unit]
    subject = f"{what} " if what else ""
    if _missing(old) or _missing(new):
        return f"{subject}cannot be compared: a value is not available ({fmt(old)} and {fmt(new)})"
    if isinstance(significance, str) and significance == "auto":
        if unit != "count":
            raise ValueError(
                "describe_change: significance='auto' tests counts; for percentages or rates "
                "pass change_significance(...) computed from the numerators and denominators"
            )
        significance = change_significance(old, new)
    o, n = float(old), float(new)
    if n == o:
        return f"{subject}did not change, at {fmt(n)}".strip()
    word = "rise" if n > o else "fall"
    verb = "rose" if n > o else "fell"
    if o == 0:
        body = f"{subject}{verb} from {fmt(o)} to {fmt(n)}"
    elif unit == "percent":
        points = fmt_number(abs(n - o), 1)
        body = f"{subject}{verb} by {points} percentage points, from {fmt(o)} to {fmt(n)}"
    else:
        pct = abs(n - o) / abs(o) * 100.0
        body = f"{subject}{verb} by {fmt_percent(pct)}, from {fmt(o)} to {fmt(n)}"
    clause = _significance_clause(word, significance)
    return f"{body}; {clause}" if clause else body


def _verdict_words(verdict: str, label: str) -> str:
    """'significantly higher at 95%' etc.: a comparison's verdict in words, no benchmark named."""
    return verdict_phrase(verdict, "", level=label, comparatives=("higher", "lower"))


def describe_share_vs_benchmark(
    x: int,
    n: int,
    benchmark: float,
    *,
    group: str,
    among: str,
    benchmark_label: str,
    confidence: float = 0.95,
) -> str:
    """A group's share against a benchmark share, with its Wilson interval and verdict.

    ``describe_share_vs_benchmark(26, 564, 0.06, group="disabled children", among="children on CP
    plans", benchmark_label="national prevalence")`` -> "26 of 564 children on CP plans (4.6%; 95% confidence
    interval 3.2% to 6.7%) were disabled children, compared with 6.0% (national prevalence):
    not significantly different at 95%."

    ``benchmark`` is a proportion in [0, 1].
    """
    c = check_conf(confidence)
    if not 0.0 <= float(benchmark) <= 1.0:
        raise ValueError(
            f"describe_share_vs_benchmark: benchmark {benchmark!r} must be a "
            f"proportion in [0, 1] (6% -> 0.06)"
        )
    verdict = compare_proportion_to_benchmark(x, n, benchmark, confidence=c)
    lo, hi = wilson_limits(np.array([float(x)]), np.array([float(n)]), z_value(c))
    label = conf_label(c)
    verdict_text = _verdict_words(verdict, label)
    lower, upper, bench = lo[0] * 100, hi[0] * 100, float(benchmark) * 100
    d = decimals_to_tell_apart([(lower, bench), (upper, bench)])  # the verdict rests on these
    return (
        f"{fmt_count(x)} of {fmt_count(n)} {among} ({fmt_percent(x / n * 100)}; {label} "
        f"confidence interval {fmt_interval(lower, upper, decimals=d)}) were {group}, "
        f"compared with {fmt_percent(bench, d)} "
        f"({benchmark_label}): {verdict_text}."
    )


def describe_rate_vs_benchmark(
    x: int,
    population: float,
    benchmark: float,
    *,
    area: str,
    what: str,
    benchmark_label: str,
    multiplier: float = 10_000,
    per: str = "children",
    confidence: float = 0.95,
) -> str:
    """An area's rate against a benchmark rate, with its interval and verdict.

    ``describe_rate_vs_benchmark(564, 113_000, 45.3, area="Warwickshire", what="children on CP
    plans", benchmark_label="England")`` -> "Warwickshire had 49.9 children on CP plans per 10,000 children (95%
    confidence interval 45.9 to 54.2), compared with 45.3 for England: significantly higher at
    95%." (exact interval below 10 events, Byar's at 10+).
    """
    c = check_conf(confidence)
    verdict = compare_rate_to_benchmark(x, population, benchmark, multiplier=multiplier, confidence=c)
    lo, hi = count_limits(np.array([float(x)]), c)
    rate = float(x) / float(population) * multiplier
    label = conf_label(c)
    verdict_text = _verdict_words(verdict, label)
    lower, upper = lo[0] / population * multiplier, hi[0] / population * multiplier
    d = decimals_to_tell_apart([(lower, benchmark), (upper, benchmark)])  # the verdict rests on these
    interval = fmt_interval(lower, upper, "rate", decimals=d)
    return (
        f"{area} had {fmt_rate(rate)} {what} per {fmt_count(multiplier)} {per} ({label} "
        f"confidence interval {interval}), compared with {fmt_rate(benchmark, d)} for "
        f"{benchmark_label}: {verdict_text}."
    )
