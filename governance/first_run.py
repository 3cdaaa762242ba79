"""First-run setup: which system owns the item master and which owns warehouse stock.

A brand starting without the demo answers two questions before its first import; the answers
are stored as field-ownership rows (the steward setting the Ownership page edits, audited), so
imports create items only from the item-master system and the metrics compare every system's
stock with the warehouse-stock system's book.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.schema import CANONICAL_TABLES, FieldOwnership
from governance.errors import GovernanceError
from governance.ownership import Reader, field_owners, set_field_owner
from governance.permissions import Action, Actor, authorize

ITEM_MASTER, WAREHOUSE_STOCK = "item_master", "warehouse_stock"
SETUP_DOMAINS = (ITEM_MASTER, WAREHOUSE_STOCK)


@dataclass(frozen=True)
class SetupQuestion:
    """One question of the setup: its domain, wording, current answer and suggested systems."""

    domain: str
    question: str
    current: str
    answered: bool  # a steward stored an answer (else `current` is the settings' default)
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class SetupAnswer:
    """What the setup stored: the system of each domain and what it means, in one sentence."""

    domain: str
    system: str
    consequence: str


QUESTIONS = {
    ITEM_MASTER: (
        "Which system owns the item master (SKUs, names, barcodes, costs)?",
        ("erp", "shopify", "wms", "pos"),
    ),
    WAREHOUSE_STOCK: (
        "Which system owns warehouse stock (the book other systems are compared with)?",
        ("wms", "3pl", "erp", "shopify"),
    ),
}


def consequence(domain: str, system: str) -> str:
    """What choosing `system` for `domain` means, in one sentence."""
    if domain == ITEM_MASTER:
        return (
            f"Items are created and updated only from {system}'s files; product files from any "
            "other system record SKU mappings to known items and never create one."
        )
    if domain == WAREHOUSE_STOCK:
        return (
            f"{system}'s stock quantities are the book at every location: every other system's "
            "stock is compared with it (one location can get its own book on the Ownership page)."
        )
    raise GovernanceError(f"setup asks about {', '.join(SETUP_DOMAINS)}, not {domain!r}")


def holds_data(session: Reader) -> bool:
    """Whether any canonical entity holds a row (the demo brand counts as data)."""
    return any(
        session.execute(select(func.count()).select_from(model.__table__)).scalar_one()
        for model in CANONICAL_TABLES.values()
    )


def _answered(session: Reader) -> set[str]:
    rows = session.execute(
        select(FieldOwnership.domain).where(FieldOwnership.domain.in_(SETUP_DOMAINS))
    )
    return set(rows.scalars())


def questions(session: Reader) -> list[SetupQuestion]:
    """The two setup questions with their current answers."""
    owners, answered = field_owners(session), _answered(session)
    return [
        SetupQuestion(domain, text, owners[domain], domain in answered, suggestions)
        for domain, (text, suggestions) in QUESTIONS.items()
    ]


def needs_setup(session: Reader) -> bool:
    """Whether to ask: the database holds no data and the questions were never answered."""
    return not holds_data(session) and _answered(session) != set(SETUP_DOMAINS)


def answer_setup(
    *, session: Session, actor: Actor, item_master: str, warehouse_stock: str
) -> list[SetupAnswer]:
    """Store both answers as field ownership (stewards, admins; audited per domain)."""
    authorize(session, actor, Action.EDIT_FIELD_OWNERSHIP)
    answers = []
    for domain, raw in ((ITEM_MASTER, item_master), (WAREHOUSE_STOCK, warehouse_stock)):
        if not raw or not raw.strip():
            raise GovernanceError(f"name the system that owns {domain.replace('_', ' ')}")
        set_field_owner(session=session, actor=actor, domain=domain, system=raw)
        system = field_owners(session)[domain]
        answers.append(SetupAnswer(domain, system, consequence(domain, system)))
    return answers
