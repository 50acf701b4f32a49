"""Statistical core: public-health-standard indicator methods, verified against published values.

Modelled on PHE's ``PHEindicatormethods`` (one small vectorised function per method, the
confidence level a parameter) and NHS England's "Making Data Count" (SPC).

One calling convention for every function (as ``phe_proportion(data, x, n, confidence = 0.95,
multiplier = 1)`` and ``phe_rate(data, x, n, confidence = 0.95, multiplier = 100000)`` do in
PHEindicatormethods): the data first, positionally, in the order *numerator, denominator,
benchmark* (``x, n`` for a proportion; ``x, population`` for a rate; then ``benchmark`` where
there is one: a proportion in [0, 1] or a rate per ``multiplier``); every option after them by
keyword only: ``multiplier`` (100 for a percentage table, 10,000 for rates per 10,000 children)
and ``confidence`` (0.95 by default; 0.998 for the outer limit; 95 and 99.8 are accepted too).

Inputs are scalars, numpy arrays or pandas Series (a Series keeps its index); NaN passes through
as missing. Interval functions return ``(lower, upper)``.

Units of proportions (one convention, enforced where they are printed): the statistics return
**proportions in [0, 1]** (:func:`wilson_ci`, :func:`proportion_difference_ci`, benchmarks
passed in), except the table functions, whose ``value``, ``lower`` and ``upper`` are multiplied
by ``multiplier`` (:func:`proportion_ci_table`: **percent** by default, as PHEindicatormethods'
``phe_proportion(multiplier = 100)``). Everything printed as a percentage is passed to
:mod:`analysis.formatting` **in percent**; a scalar :func:`wilson_ci` limit is a
:class:`analysis.formatting.Proportion`, which ``fmt_percent`` and ``fmt_interval`` refuse
unless told it is a proportion (``from_proportion=True`` / ``kind="proportion"``), and
``fmt_interval`` checks every interval's limits against its unit (0–100 for percent, 0–1 for a
proportion), so a proportion cannot print as "0.0% to 0.1%". Table functions return the columns
``numerator``, ``denominator``, ``value``, ``lower``, ``upper``, ``confidence`` and ``method``,
as PHEindicatormethods does. Comparisons return ``"higher"``, ``"lower"`` or ``"not
significantly different"`` (:data:`VERDICTS`), ``None`` where an input is missing.

Layer: imports :mod:`analysis.formatting` only (for the disclosure labels); the sentences that word
these results are in :mod:`analysis.report.words`.
"""

from ._common import check_conf, conf_label, z_value
from .intervals import (
    EXACT_BELOW,
    byars_ci,
    count_ci,
    count_ci_method,
    exact_poisson_ci,
    proportion_ci_table,
    rate_ci,
    rate_ci_table,
    wilson_ci,
)
from .compare import (
    HIGHER,
    LOWER,
    SIMILAR,
    VERDICTS,
    compare_proportion_to_benchmark,
    compare_rate_to_benchmark,
    verdict_from_interval,
)
from .funnel import (
    FUNNEL_LEVELS,
    Overdispersion,
    classify_funnel,
    funnel_centre,
    funnel_curve,
    overdispersion,
    poisson_funnel_expected,
    proportion_funnel_limits,
    rate_funnel_limits,
    rate_funnel_limits_at,
    ratio_funnel_limits,
    ratio_funnel_limits_at,
)
from .change import (
    ChangeSignificance,
    change_significance,
    percent_change,
    proportion_difference_ci,
    rate_ratio_ci,
)
from .representation import (
    GoodnessOfFit,
    goodness_of_fit,
    not_recorded_bounds,
    relative_rate_index,
    share_vs_population,
)
from .spc import SIGNALS, shift_points, trend_points, two_of_three_points, xmr
from .disclosure import (
    SMALL_COUNT_THRESHOLD,
    SUPPRESSED,
    is_small_count,
    label_for_chart,
    linked_suppression_masks,
    recoverable_cells,
    suppress_counts,
    suppress_derived,
    suppression_mask,
)

__all__ = [
    "z_value",
    "check_conf",
    "conf_label",
    "EXACT_BELOW",
    "wilson_ci",
    "byars_ci",
    "exact_poisson_ci",
    "count_ci",
    "count_ci_method",
    "rate_ci",
    "proportion_ci_table",
    "rate_ci_table",
    "HIGHER",
    "LOWER",
    "SIMILAR",
    "VERDICTS",
    "verdict_from_interval",
    "compare_proportion_to_benchmark",
    "compare_rate_to_benchmark",
    "FUNNEL_LEVELS",
    "Overdispersion",
    "classify_funnel",
    "funnel_centre",
    "funnel_curve",
    "overdispersion",
    "poisson_funnel_expected",
    "proportion_funnel_limits",
    "rate_funnel_limits",
    "rate_funnel_limits_at",
    "ratio_funnel_limits",
    "ratio_funnel_limits_at",
    "ChangeSignificance",
    "change_significance",
    "percent_change",
    "proportion_difference_ci",
    "rate_ratio_ci",
    "GoodnessOfFit",
    "goodness_of_fit",
    "not_recorded_bounds",
    "relative_rate_index",
    "share_vs_population",
    "SIGNALS",
    "shift_points",
    "trend_points",
    "two_of_three_points",
    "xmr",
    "SMALL_COUNT_THRESHOLD",
    "SUPPRESSED",
    "is_small_count",
    "label_for_chart",
    "recoverable_cells",
    "suppress_counts",
    "suppress_derived",
    "suppression_mask",
    "linked_suppression_masks",
]
