"""The data-quality rules, one module each (``dqNN_<name>.py``), in the manner of the CIN census
validator: each module holds its rule's code, title, severity, description and check function,
and registers the rule in :data:`analysis.quality.registry.RULES` when imported. Importing this
package registers all thirteen, in code order (the order of the findings).

:mod:`.helpers` holds what several rules share. Rules import :mod:`analysis.quality.registry`,
:mod:`analysis.ingest`, :mod:`analysis.periods` and :mod:`analysis.formatting`; nothing above.
"""

from . import (
    dq01_breakdown_sums,
    dq02_percent_sums,
    dq03_cumulative_falls,
    dq04_cross_table,
    dq05_board_vs_dfe,
    dq06_printed_ratios,
    dq07_same_group_two_breakdowns,
    dq08_rate_vs_population,
    dq09_unplaced_values,
    dq10_mislabelled_headers,
    dq11_unvalidated,
    dq12_implied_cumulative_falls,
    dq13_share_beside_count,
)

#: The rule modules, in code order.
MODULES = (
    dq01_breakdown_sums,
    dq02_percent_sums,
    dq03_cumulative_falls,
    dq04_cross_table,
    dq05_board_vs_dfe,
    dq06_printed_ratios,
    dq07_same_group_two_breakdowns,
    dq08_rate_vs_population,
    dq09_unplaced_values,
    dq10_mislabelled_headers,
    dq11_unvalidated,
    dq12_implied_cumulative_falls,
    dq13_share_beside_count,
)
