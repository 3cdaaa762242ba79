"""What Shopify's product and inventory exports share: variant keys without a SKU and variant names."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from connectors.source_base import Row

DEFAULT_OPTION = "Default Title"
OPTION_ROLES = ("option1", "option2", "option3")


def option_values(row: Row) -> tuple[str, ...]:
    """The variant's option values, in order, empty ones left out."""
    return tuple(row[r] for r in OPTION_ROLES if row[r])


def variant_key(handle: str, options: tuple[str, ...]) -> str:
    """The key of a variant without a SKU: `handle:value1/value2` (Shopify's own fallback key)."""
    return f"{handle}:{'/'.join(options)}"


def variant_name(title: str, options: tuple[str, ...]) -> str | None:
    """`Title - Value1 / Value2`, or the title alone for a single default variant."""
    shown = [o for o in options if o != DEFAULT_OPTION]
    if not title:
        return None
    return f"{title} - {' / '.join(shown)}" if shown else title


@dataclass
class VariantNames:
    """Names per SKU: the variant name when the SKU is one variant, the title when variants share it."""

    _titles: dict[str, str] = field(default_factory=dict)
    _options: dict[str, set[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(set))

    def add(self, sku: str, title: str, options: tuple[str, ...]) -> None:
        """Record one row of a SKU (several rows of the same variant count once)."""
        self._titles[sku] = title
        self._options[sku].add(options)

    def name(self, sku: str) -> str | None:
        """The item name for a SKU."""
        options = self._options[sku]
        only = next(iter(options)) if len(options) == 1 else ()
        return variant_name(self._titles[sku], only)
