"""What the Sources page offers: the formats an upload may name and the shipped mapping files."""

from __future__ import annotations

from pathlib import Path

from connectors.sources import SOURCES

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "connectors" / "mappings"
# Sources an uploaded file may name: all but `sql`, whose mapping file names a database to connect to.
NOT_FOR_UPLOADS = {"sql"}


def upload_sources() -> list[str]:
    """The sources an uploaded file may be imported with, `auto` first."""
    names = [name for name in SOURCES if name not in NOT_FOR_UPLOADS]
    return ["auto", *(n for n in names if n != "auto")]


def builtin_mappings() -> dict[str, Path]:
    """The mapping files shipped with invgov (for the `mapped` source), by file name."""
    return {p.name: p for p in sorted(MAPPINGS_DIR.glob("*.toml"))}
