"""What a metric declares to be a KPI: its tile, trend family, unit, default target and owner."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class KpiFamily(StrEnum):
    """The groups of the Overview's trend charts."""

    ACCURACY = "Accuracy"
    FULFILMENT = "Routing and fulfilment"
    RETURNS = "Returns"
    SKU_QUALITY = "SKU quality"
    INTEGRATIONS = "Integrations"
    STOCK = "Stock"
    PLANNING = "Planning"


class Unit(StrEnum):
    """What a KPI's value counts (how it is shown)."""

    SHARE = "share"
    COUNT = "count"
    HOURS = "hours"
    MONEY = "money"


class Comparator(StrEnum):
    """How a value meets its target."""

    AT_LEAST = ">="
    AT_MOST = "<="
    EQUAL = "="


@dataclass(frozen=True)
class KpiSpec:
    """A metric watched as a KPI: its tile, trend family, unit, default target and owning team.

    The KPI is the `all` row's value (of the latest complete week, or of the latest snapshot);
    with `reads_num` it is the row's num instead (e.g. the money value of dead stock).
    """

    label: str
    family: KpiFamily
    unit: Unit
    comparator: Comparator
    target: float
    amber_margin: float
    owner_team: str
    reads_num: bool = False
