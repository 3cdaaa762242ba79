"""Connectors: read what a brand's systems export into the canonical model (SPEC section 2)."""

from connectors.batch import PreparedFile
from connectors.canonical import ENTITIES, EntitySpec
from connectors.errors import ConnectorError, FileRefused

__all__ = ["ENTITIES", "ConnectorError", "EntitySpec", "FileRefused", "PreparedFile"]
