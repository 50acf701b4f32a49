"""How the theme writes dates, board-printed numbers, directions and verdicts in its sentences.

Only wording this theme needs and the shared modules do not hold; counts, rates and percentages
are printed by :mod:`analysis.formatting`, small counts worded by :class:`analysis.report.words.CountWords`.
"""

from __future__ import annotations

from typing import Any

from ...formatting import fmt_count, fmt_number, is_missing
from ...report.words import CountWords, describe_change, fallback_caveat


#: How a funnel position reads mid-sentence.
POSITION_WORDS = {
    "above 99.8% limit": "above the 99.8% limit",
    "above 95% limit": "above the 95% limit",
    "inside 95% limits": "inside the 95% limits",
    "below 95% limit": "below the 95% limit",
    "below 99.8% limit": "below the 99.8% limit",
}








#: DfE's Local Authority Interactive Tool, as a source line names it (its short name is only in the methods note).
LAIT_SOURCE = "DfE Local Authority Interactive Tool"


def as_float(value: Any) -> float | None:
    """A number as a float; None for a blank (None, NaN) or anything that is not a number."""
    try:
        return None if is_missing(value) else float(value)
    except (TypeError, ValueError):
        return None




def as_printed(value) -> str:
    """A rate as the board printed it (61, 49.8), x when missing."""
    number = as_float(value)
    return "x" if number is None else f"{number:,.10g}"


def signed_count(value) -> str:
    """A difference of two counts with its sign, as DfE prints changes: '+3', '0', '−1' (x when missing)."""
    number = as_float(value)
    if number is None:
        return "x"
    if number == 0:
        return "0"
    return ("+" if number > 0 else "−") + fmt_count(abs(number))


def signed_number(value: float, decimals: int) -> str:
    """A change with its sign: '+2.3', '-0.4', '+0' (half-up rounding, no thousands separator)."""
    return ("+" if value >= 0 else "-") + fmt_number(abs(value), decimals).replace(",", "")


def combined_source(*parts: str) -> str:
    """One source note from several ('Source: A; B; C')."""
    names = []
    for part in parts:
        part = part.strip()
        names.append(part.removeprefix("Source: "))
    return "Source: " + "; ".join(names)


def direction_verb(old, new) -> str:
    """'rose', 'fell' or 'did not change'."""
    if new > old:
        return "rose"
    if new < old:
        return "fell"
    return "did not change"


def significance_words(significant_95, significant_99_8) -> str:
    """A change's significance at the two levels the theme reports."""
    if significant_99_8:
        return "statistically significant at 99.8%"
    if significant_95:
        return "statistically significant at 95% (not at 99.8%)"
    return "not statistically significant at 95%"


def change_between(old, new, what: str, significance, old_label: str, new_label: str, disclosure: str) -> str:
    """'Between <old_label> and <new_label>, <what> rose by 28.5%, from 439 to 564; the rise is …'.

    Worded by :func:`analysis.report.words.describe_change`; in public mode a count from 1 to 5
    is never stated (the sentence then gives the direction only).
    """
    counts = CountWords(disclosure)
    if counts.withheld(old) or counts.withheld(new):
        return (f"Between {old_label} and {new_label}, {what} {direction_verb(old, new)} "
                f"(small numbers: counts not shown).")
    return f"Between {old_label} and {new_label}, " + describe_change(old, new, what, significance=significance) + "."


def position_words(position) -> str:
    """'above 99.8% limit' -> 'above the 99.8% limit'; 'inside 95% limits' -> 'inside the 95% limits'."""
    return POSITION_WORDS.get(str(position), str(position))


def group_words(breakdown: str, group: str) -> str:
    """How a group of table 4.2 reads mid-sentence ('emotional abuse', 'children aged 5 to 9', 'boys')."""
    if breakdown == "age":
        if group == "Unborn":
            return "unborn children"
        return f"children aged {group}" if group[0].isdigit() else group.lower()
    if breakdown == "gender":
        return {"Male": "boys", "Female": "girls", "Unborn": "unborn children"}.get(group, group.lower())
    return "multiple categories" if group == "Multiple" else group.lower()



def older_than_period(run, when, what: str) -> str | None:
    """The shared fallback caveat (:func:`analysis.report.words.fallback_caveat`) for a figure of the run."""
    return fallback_caveat(what, run.name, when, run.ctx.period.end)


#: The statistical process control rules (:mod:`analysis.stats.spc`) in a board member's words.
SIGNAL_WORDS = {
    "outside_limits": "outside the range normal variation gives",
    "trend": "the last of seven or more points each higher, or each lower, than the one before",
    "two_of_three": "two of three points close to the edge of the normal range",
    "shift": "the last of seven or more points in a row on one side of the average",
}
#: Whether an unusual point is better or worse, in plain words.
VARIATION_WORDS = {
    "special cause concern": "a change for the worse",
    "special cause improvement": "a change for the better",
    "special cause high": "unusually high",
    "special cause low": "unusually low",
}


def signal_words(signal: str, variation: str) -> str:
    """An unusual point's rule and direction in plain words ("outside the range normal variation
    gives: a change for the worse")."""
    words = VARIATION_WORDS.get(str(variation), "")
    return SIGNAL_WORDS.get(signal, str(signal).replace("_", " ")) + (f": {words}" if words else "")
