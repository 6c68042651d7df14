"""Impact metrics over the activity → participation → output → response chain.

Pure module (standard library and NumPy only): the query layer fills the row dataclasses
or column arrays below from the database, and the functions here compute the figures the
impact reports show:

* **reach**: activities, participations, distinct and new participants, hours;
* **representativeness**: participants by category compared with the population;
* **responsiveness**: how many outputs got a response, how fast and which;
* **outcomes**: how many accepted outputs were implemented and how fast;
* **cost**: fees and travel per activity and per participant-hour;
* **trends**: any of the above by month or quarter.

Conventions shared by every function:

* A :class:`Period` includes both its first and last day, as report periods are written
  ("1 January to 31 December").
* Counts are ``int`` and are 0 on empty input; ratios, shares and medians are ``None``
  when undefined (nothing to divide by), never NaN and never an exception.
* Money is :class:`~decimal.Decimal` in whole cents and results are rounded to cents with
  ROUND_HALF_UP, the rounding Finnish invoices and fee statements use.
* Rows are turned into NumPy columns once (``Participations.from_rows`` and friends) so a
  report over five years (50k+ participations) stays well under a second; every function
  also accepts plain rows for convenience.
"""

from __future__ import annotations

from portal.impact.metrics.costs import (
    ActivityCost,
    Cost,
    CostRow,
    Costs,
    cost,
    cost_by_activity,
    cost_trend,
)
from portal.impact.metrics.periods import (
    IMPLEMENTATION_STATUSES,
    RESPONSES,
    Bucket,
    Granularity,
    Group,
    GroupBy,
    Period,
    TrendPoint,
    buckets,
)
from portal.impact.metrics.reach import (
    ParticipationRow,
    Participations,
    Reach,
    reach,
    reach_by,
    reach_trend,
)
from portal.impact.metrics.representativeness import (
    CategoryShare,
    Representativeness,
    representativeness,
)
from portal.impact.metrics.responses import (
    Outcomes,
    OutputRow,
    Outputs,
    Responsiveness,
    outcomes,
    outcomes_by,
    outcomes_trend,
    responsiveness,
    responsiveness_by,
    responsiveness_trend,
)

__all__ = [
    "IMPLEMENTATION_STATUSES",
    "RESPONSES",
    "ActivityCost",
    "Bucket",
    "CategoryShare",
    "Cost",
    "CostRow",
    "Costs",
    "Granularity",
    "Group",
    "GroupBy",
    "Outcomes",
    "OutputRow",
    "Outputs",
    "ParticipationRow",
    "Participations",
    "Period",
    "Reach",
    "Representativeness",
    "Responsiveness",
    "TrendPoint",
    "buckets",
    "cost",
    "cost_by_activity",
    "cost_trend",
    "outcomes",
    "outcomes_by",
    "outcomes_trend",
    "reach",
    "reach_by",
    "reach_trend",
    "representativeness",
    "responsiveness",
    "responsiveness_by",
    "responsiveness_trend",
]
