"""The shared frame: the data context every page starts from, the sidebar, tiles and the empty state."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass

import streamlit as st

from core.engines import UnsupportedDatabase, check_url
from core.schema import CANONICAL_TABLES
from core.timeutil import utcnow
from ui import data
from ui import format as fmt
from ui.filters import render_filters
from ui.queries import DataVersion, SchemaMissing

log = logging.getLogger(__name__)

# Tiles of the overview, in reading order: (entity as in `status --json`, label).
TILES: tuple[tuple[str, str], ...] = (
    ("locations", "Locations"),
    ("items", "Items"),
    ("sku_mappings", "SKU mappings"),
    ("bundle_components", "Bundle components"),
    ("orders", "Orders"),
    ("order_lines", "Order lines"),
    ("shipments", "Shipments"),
    ("returns", "Returns"),
    ("stock_levels", "Stock levels"),
    ("cycle_counts", "Cycle counts"),
    ("integration_events", "Integration events"),
    ("quarantined_rows", "Quarantined rows"),
)
TILES_PER_ROW = 6
PAGE_CONFIG: dict[str, str] = {
    "page_title": "invgov",
    "page_icon": ":material/inventory_2:",
    "layout": "wide",
}
EMPTY_STATE = (
    "No data yet. Load the demo brand, or import your own exports in the canonical format."
)
CANONICAL_FILES = ", ".join(f"{name}.csv" for name in CANONICAL_TABLES)
IMPORT_COMMANDS = "python manage.py demo\npython manage.py import canonical DIR"
NO_SCHEMA = "The database has no invgov tables yet. Run `python manage.py init`, then reload."


@dataclass(frozen=True)
class DataContext:
    """Where a page reads from: the database URL and the current data-version token."""

    url: str
    version: DataVersion


def data_context() -> DataContext:
    """The data context of this run; stops the page saying what to do when the database is of an
    unsupported engine or has no schema."""
    url = data.database_url()
    try:
        check_url(url)
    except UnsupportedDatabase as refused:
        st.error(str(refused), icon=":material/database:")
        st.stop()
    try:
        version = data.current_version(url)
    except SchemaMissing:
        st.error(NO_SCHEMA, icon=":material/database:")
        st.stop()
    return DataContext(url, version)


# Set by the entrypoint while its chosen page runs. Unset when Streamlit runs a page file on its own
# (a `pages/` folder makes a cold deep link do that, see STREAMLIT_NOTES 1.2).
_ENTRYPOINT_CONTEXT: ContextVar[DataContext | None] = ContextVar("invgov_frame", default=None)


def run_framed(page: st.Page, ctx: DataContext) -> None:
    """Run the chosen page inside the frame the entrypoint drew, and log how long it took."""
    token = _ENTRYPOINT_CONTEXT.set(ctx)
    started = time.perf_counter()
    try:
        page.run()
    finally:
        _ENTRYPOINT_CONTEXT.reset(token)
        log.debug("page %s ran in %.0f ms", page.url_path, (time.perf_counter() - started) * 1000)


def page_context() -> DataContext:
    """What a page starts from; draws the shared sidebar itself when the entrypoint did not run."""
    ctx = _ENTRYPOINT_CONTEXT.get()
    if ctx is None:
        st.set_page_config(**PAGE_CONFIG)
        ctx = data_context()
        render_sidebar(ctx)
    return ctx


def is_empty(counts: Mapping[str, int]) -> bool:
    """Whether no canonical entity holds a row (quarantined rows alone do not count)."""
    return not any(counts.get(name, 0) for name in CANONICAL_TABLES)


def show_empty_state() -> None:
    """Say what to import when the database holds no data."""
    st.info(EMPTY_STATE, icon=":material/upload_file:")
    st.code(IMPORT_COMMANDS, language=None)
    st.text(f"DIR holds any of these canonical CSV files: {CANONICAL_FILES}.")


def metric_tiles(counts: Mapping[str, int]) -> None:
    """One metric tile per entity of TILES, TILES_PER_ROW to a row."""
    for offset in range(0, len(TILES), TILES_PER_ROW):
        row = TILES[offset : offset + TILES_PER_ROW]
        for column, (entity, label) in zip(st.columns(TILES_PER_ROW), row, strict=False):
            column.metric(label, f"{counts.get(entity, 0):,}", border=True)


def render_sidebar(ctx: DataContext) -> None:
    """The sidebar below the page menu: shared filters, then data freshness."""
    with st.sidebar:
        st.subheader("Filters")
        render_filters(data.filter_options(ctx.url, ctx.version))
        st.subheader("Data freshness")
        render_freshness(ctx)


def render_freshness(ctx: DataContext) -> None:
    """The latest committed import per source and system, with its age."""
    latest = data.freshness(ctx.url, ctx.version)
    if not latest:
        st.caption("Nothing imported yet.")
        return
    st.dataframe(fmt.freshness_table(latest, utcnow()), hide_index=True)
    newest = max((r["finished_at"] for r in latest if r["finished_at"]), default=None)
    if newest is not None:
        st.caption(f"Latest import finished {fmt.utc_text(newest)} UTC.")
