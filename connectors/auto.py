"""`auto`: recognise a file's format from its header (canonical files also by name) and say which it chose."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.amazon_fba_inventory import AmazonFbaInventory
from connectors.amazon_fba_returns import AmazonFbaReturns
from connectors.amazon_listings import AmazonListings
from connectors.batch import PreparedFile, Progress
from connectors.canonical import ENTITIES, EntitySpec
from connectors.canonical_file import prepare_canonical, spec_for_file_name
from connectors.context import SourceContext
from connectors.errors import FileRefused
from connectors.reading import TextTable, read_text_table
from connectors.shopify_inventory import ShopifyInventory
from connectors.shopify_orders import ShopifyOrders
from connectors.shopify_products import ShopifyProducts
from connectors.source_base import SourceFormat
from connectors.square_items import SquareItems

FORMATS: dict[str, type[SourceFormat]] = {
    fmt.name: fmt
    for fmt in (
        ShopifyProducts,
        ShopifyInventory,
        ShopifyOrders,
        AmazonListings,
        AmazonFbaInventory,
        AmazonFbaReturns,
        SquareItems,
    )
}


@dataclass(frozen=True)
class Detection:
    """The format chosen for a header: a source format or a canonical entity, and how sure."""

    name: str
    score: int
    source_format: type[SourceFormat] | None = None
    entity: EntitySpec | None = None


def detect(table: TextTable) -> Detection:
    """The one format whose header signature fits best; refuses listing what was considered and why."""
    found = [d for d in (*_source_candidates(table), *_canonical_candidates(table)) if d]
    if not found:
        reasons = [fmt.missing(table.header) for fmt in FORMATS.values()]
        reasons.append(
            "canonical: the header is no canonical entity's and the name no canonical file's"
        )
        raise FileRefused(
            table.file_name, "no known format fits the header; considered " + "; ".join(reasons)
        )
    best = max(d.score for d in found)
    top = [d for d in found if d.score == best]
    if len(top) > 1:
        names = ", ".join(d.name for d in top)
        raise FileRefused(table.file_name, f"the header fits several formats equally ({names})")
    return top[0]


def prepare_auto(
    data: bytes, file_name: str, ctx: SourceContext, progress: Progress | None = None
) -> PreparedFile:
    """Detect the format, prepare with it, and say which was chosen."""
    table = read_text_table(data, file_name)
    chosen = detect(table)
    if chosen.source_format is not None:
        prepared = chosen.source_format.prepare_table(table, ctx, progress)
    else:
        assert chosen.entity is not None
        system = ctx.system or ctx.domain_owners[chosen.entity.domain]
        prepared = prepare_canonical(table, chosen.entity, system=system, progress=progress)
    prepared.source = chosen.name
    prepared.notes.insert(0, f"detected format {chosen.name}")
    return prepared


def _source_candidates(table: TextTable) -> list[Detection | None]:
    out: list[Detection | None] = []
    for fmt in FORMATS.values():
        fit = fmt.match(table.header)
        out.append(Detection(fmt.name, len(fit[0].required), source_format=fmt) if fit else None)
    return out


def _canonical_candidates(table: TextTable) -> list[Detection | None]:
    header = {n.strip() for n in table.header if n.strip()}
    by_name = spec_for_file_name(table.file_name)
    out: list[Detection | None] = []
    for spec in ENTITIES.values():
        needed = {*spec.key, *spec.required}
        if not needed <= header:
            continue
        if spec is by_name:
            out.append(Detection(spec.name, 1000, entity=spec))
        elif header <= set(spec.columns):
            out.append(Detection(spec.name, 100 + len(header), entity=spec))
    return out
