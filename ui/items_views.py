"""The Item master page's parts: cached reads, the quality trend, failures by check, categories,
the failing items, barcodes and mapping coverage.

Numbers come from metrics.items_views; a click on a trend point, a check bar or a category bar
opens the failing items behind it, a click on a system's coverage bar its unresolved system SKUs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from metrics import items_views as iv
from metrics.accuracy_views import weeks_between
from metrics.compute import reading
from metrics.sku_checks import Check
from ui import items_charts as charts
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.download import csv_download
from ui.filters import Filters
from ui.items_charts import NO_CATEGORY
from ui.queries import DataVersion

TREND_KEY = "items.trend"
CHECKS_KEY = "items.checks"
CATEGORY_KEY = "items.categories"
COVERAGE_KEY = "items.coverage"
ONE_DECIMAL = {  # per-cent columns of the tables, shown with one decimal
    name: st.column_config.NumberColumn(format="%.1f")
    for name in ("coverage (%)", "SKU quality rate (%)")
}
ITEM_HEADINGS = {
    "sku": "SKU",
    "name": "name",
    "category": "category",
    "failed_checks": "fails",
    "brand": "brand",
    "barcode": "barcode",
    "lifecycle_status": "lifecycle status",
    "week": "ISO week created",
    "created_at": "created at (UTC)",
}
FAILURE_WORDS: dict[Check, str] = {  # the same, inside a sentence
    Check.APPROVED: "active but not approved",
    Check.NAMING_CONVENTION: "breaks the SKU naming rule",
    Check.REQUIRED_ATTRIBUTES: "missing required fields",
    Check.UNIQUE_BARCODE: "barcode shared with another item",
    Check.VALID_BARCODE: "invalid barcode",
}
INVALID_COLUMNS = ("sku", "name", "category", "barcode", "lifecycle_status", "week")
DUPLICATE_HEADINGS = {"barcode": "barcode", "items_sharing": "items sharing it", "sku": "SKU",
                      "name": "name", "category": "category", "week": "ISO week created"}  # fmt: skip


@dataclass(frozen=True)
class ItemsView:
    """Everything the page draws for one set of filters."""

    weeks: tuple[iv.QualityWeek, ...]
    checks: tuple[iv.CheckCount, ...]
    categories: tuple[iv.CategoryRate, ...]
    shown: tuple[iv.ItemCheck, ...]  # items created in the chosen weeks and categories
    duplicates: pd.DataFrame
    coverage: tuple[iv.MappingCoverage, ...]
    target: float


@dataclass(frozen=True)
class Pick:
    """What a click chose: a week, a check or a category (each None: all) and its words."""

    week: str | None
    check: Check | None
    category: str | None
    words: str


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def items_view(
    url: str, version: DataVersion, token: object, as_of: datetime, filters: Filters
) -> ItemsView:
    """The page's numbers for the filters (`version`, `token` key the cache)."""
    weeks = weeks_between(filters.start, filters.end)
    with reading(engine_for(url)) as conn:
        rows = iv.quality_rows(conn, as_of)
        all_items = iv.item_checks(conn, as_of)
        coverage = iv.mapping_coverage(conn, as_of)
        target = iv.quality_target(conn)
    shown = iv.in_view(all_items, weeks, filters.categories)
    if filters.categories:
        checks = iv.failures_from_items(shown)
    else:
        checks = iv.failures_from_rows(rows, weeks)
    return ItemsView(
        tuple(iv.quality_trend(rows, weeks, filters.categories)),
        tuple(checks),
        tuple(iv.by_category(rows, weeks, filters.categories)),
        tuple(shown),
        iv.duplicate_barcodes(all_items, shown),
        tuple(coverage),
        target,
    )


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def unresolved_table(
    url: str, version: DataVersion, token: object, as_of: datetime, system: str
) -> pd.DataFrame:
    """One system's unresolved system SKUs, headed in plain words."""
    with reading(engine_for(url)) as conn:
        table = iv.unresolved_system_skus(conn, as_of, system)
    table = table.assign(
        last_as_of=pd.to_datetime(table["last_as_of"], utc=True).dt.strftime("%Y-%m-%d %H:%M")
    )
    return table.rename(columns={"system_sku": "system SKU", "stock_rows": "stock rows",
                                 "last_as_of": "last seen (UTC)"})  # fmt: skip


def failure_words(item: iv.ItemCheck) -> str:
    """The checks an item fails, in plain words (the missing fields named)."""
    words = []
    for check in item.failed_checks:
        text = FAILURE_WORDS[check]
        if check is Check.REQUIRED_ATTRIBUTES and item.missing:
            text = f"missing {', '.join(item.missing)}"
        words.append(text)
    return "; ".join(words)


def items_table(items: Sequence[iv.ItemCheck]) -> pd.DataFrame:
    """Items headed in plain words, their failed checks written out."""
    frame = iv.items_frame(items)
    frame = frame.assign(
        failed_checks=[failure_words(i) for i in items],
        category=frame["category"].fillna(NO_CATEGORY),
        **{name: frame[name].fillna("") for name in ("name", "brand", "barcode")},
        created_at=pd.to_datetime(frame["created_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
    )
    return frame[list(ITEM_HEADINGS)].rename(columns=ITEM_HEADINGS)


def percent_text(value: float | None) -> str:
    """A share in per cent with one decimal."""
    return "no value" if value is None else f"{100 * value:.1f} %"


def _points(state: object) -> list[Mapping[str, Any]]:
    if not isinstance(state, Mapping):
        return []
    return list(((state.get("selection") or {}).get("points")) or [])


def pick_from(state: object, kind: str, filters: Filters) -> Pick | None:
    """The week, check or category a chart's selection chose (None when nothing is selected)."""
    points = _points(state)
    if not points:
        return None
    data = points[0].get("customdata") or []
    where = ", ".join(filters.categories) if filters.categories else "every category"
    if kind == "check" and data:
        check = Check(str(data[0]))
        return Pick(None, check, None, f"{FAILURE_WORDS[check]}, {where}")
    if kind == "category" and data:
        category = str(data[0]) or None
        return Pick(None, None, category, f"category {category or NO_CATEGORY}")
    week = str(data[0]) if data else str(points[0].get("x"))
    return Pick(week, None, None, f"week {week}, {where}")


def system_from(state: object) -> str | None:
    """The system a coverage bar selection chose (None when nothing is selected)."""
    points = _points(state)
    data = points[0].get("customdata") if points else None
    return str(data[0]) if data else None


def picked_items(view: ItemsView, pick: Pick) -> list[iv.ItemCheck]:
    """The failing items behind a pick, among the items in view."""
    items = [
        i
        for i in view.shown
        if pick.category is None or (i.category or "") == (pick.category or "")
    ]
    return iv.failing(items, week=pick.week, check=pick.check)


def trend_table(view: ItemsView) -> pd.DataFrame:
    """The trend as a table, the rate in per cent."""
    return pd.DataFrame(
        [{"ISO week created": w.week, "items created": w.items, "passing every check": w.passing,
          "SKU quality rate (%)": None if w.rate is None else round(100 * w.rate, 1)}
         for w in view.weeks]
    )  # fmt: skip


def coverage_table(view: ItemsView) -> pd.DataFrame:
    """Mapping coverage per system as a table."""
    return pd.DataFrame(
        [{"system": c.system, "system SKUs seen in stock": c.seen,
          "through a mapping": c.through_mapping, "an item's SKU itself": c.same_sku,
          "resolve to no SKU": c.unresolved,
          "coverage (%)": None if c.coverage is None else round(100 * c.coverage, 1),
          "mappings on file": c.mappings}
         for c in view.coverage]
    )  # fmt: skip


def render_items(items: Sequence[iv.ItemCheck], pick: Pick) -> None:
    """The failing items behind a pick, with their downloads."""
    st.subheader(f"Failing items: {pick.words}")
    table = items_table(items)
    st.caption(f"{len(table):,} items; each with the checks it fails.")
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Items CSV", file_name="failing-items.csv", key="dl.items.pick")


def render_barcodes(view: ItemsView) -> None:
    """Duplicate barcodes grouped, and the items whose barcode is not a valid GTIN."""
    st.subheader("Duplicate and invalid barcodes")
    st.caption(
        "A barcode is shared when two or more items carry the same one (every item created up to "
        "now counts, whatever its status); shown when an item in the chosen weeks and categories "
        "has it. Invalid: not 8, 12, 13 or 14 digits with a correct check digit."
    )
    st.markdown("**Barcodes shared by several items**")
    shared = view.duplicates.assign(category=view.duplicates["category"].fillna(NO_CATEGORY))
    shared = shared.rename(columns=DUPLICATE_HEADINGS)
    if shared.empty:
        st.success("No barcode is shared by items in the chosen weeks and categories.")
    else:
        st.dataframe(shared, hide_index=True)
        csv_download(shared, label="Shared CSV", file_name="shared-barcodes.csv",
                     key="dl.items.shared")  # fmt: skip
    st.markdown("**Items with an invalid barcode**")
    invalid = items_table(iv.failing(view.shown, check=Check.VALID_BARCODE))
    invalid = invalid[[ITEM_HEADINGS[c] for c in INVALID_COLUMNS]]
    if invalid.empty:
        st.success("Every barcode in the chosen weeks and categories is a valid GTIN.")
    else:
        st.dataframe(invalid, hide_index=True)
        csv_download(invalid, label="Invalid CSV", file_name="invalid-barcodes.csv",
                     key="dl.items.invalid")  # fmt: skip


def render_coverage(view: ItemsView, url: str, version: DataVersion, token: object,
                    as_of: datetime) -> None:  # fmt: skip
    """Mapping coverage per system, and the unresolved system SKUs of a clicked system."""
    st.subheader("Mapping coverage per system")
    st.caption(
        "Of the distinct SKUs each system used in its stock files (any status, up to now): the "
        "share that resolves to an item-master SKU, through a SKU mapping or by being an item's "
        "SKU itself. The rest are the unmapped system SKUs. Dates and categories do not apply."
    )
    if not any(c.seen for c in view.coverage):
        st.info("No stock rows yet: no system SKUs to cover.")
        return
    state = st.plotly_chart(charts.coverage_figure(view.coverage), config={"displaylogo": False},
                            key=COVERAGE_KEY, on_select="rerun", selection_mode="points")  # fmt: skip
    table = coverage_table(view)
    st.dataframe(table, hide_index=True, column_config=ONE_DECIMAL)
    csv_download(table, label="Coverage CSV", file_name="mapping-coverage.csv",
                 key="dl.items.coverage")  # fmt: skip
    system = system_from(state)
    if system is None:
        st.info("Click a system's bar to see its system SKUs that resolve to no SKU.")
        return
    found = unresolved_table(url, version, token, as_of, system)
    st.markdown(f"**{system}: system SKUs that resolve to no SKU**")
    st.dataframe(found, hide_index=True)
    csv_download(found, label="Unresolved CSV", file_name="unresolved-system-skus.csv",
                 key="dl.items.unresolved")  # fmt: skip


def render_tiles(view: ItemsView) -> None:
    """The chosen weeks' quality rate (Σ passing / Σ items created), items created and failing."""
    items = sum(w.items for w in view.weeks)
    passing = sum(w.passing for w in view.weeks)
    left, middle, right = st.columns(3)
    left.metric("SKU quality rate", percent_text(passing / items if items else None), border=True)
    middle.metric("Items created", f"{items:,}", border=True)
    right.metric("Items failing a check", f"{items - passing:,}", border=True)
