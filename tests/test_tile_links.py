"""Every KPI tile leads to a page that exists and to an exception type that a rule raises."""

from __future__ import annotations

from governance.rules import RULES
from metrics.registry import METRICS
from ui.kpi_views import TILE_LINKS
from ui.page_registry import BY_KEY


def test_every_kpi_has_a_tile_link_to_a_declared_page() -> None:
    kpis = {m.id for m in METRICS if m.kpi is not None}
    assert set(TILE_LINKS) == kpis
    assert {page for page, _kind in TILE_LINKS.values()} <= set(BY_KEY)


def test_every_tile_link_names_an_exception_type_a_rule_raises() -> None:
    kinds = {rule.type for rule in RULES}
    assert {kind for _page, kind in TILE_LINKS.values() if kind is not None} <= kinds
