"""returns_waiting (SPEC section 3.1): received returns not complete, at the handoff step they wait at."""

from __future__ import annotations

from tests.spec_oracle.data import Data
from tests.spec_oracle.records import Return
from tests.spec_oracle.returns import dispositioned, received, refunded
from tests.spec_oracle.rows import Row, Settings, group_rows


def waiting_step(r: Return, as_of: int) -> str | None:
    """SPEC: "waits at the first step of this order that it has not done"; None when complete."""
    if r.order_id is None:  # `order_link` (order_id empty: not linked to its original order)
        return "order_link"
    if r.condition is None and not dispositioned(r, as_of):  # `inspection`
        return "inspection"
    if not dispositioned(r, as_of):  # `disposition` (not dispositioned)
        return "disposition"
    if not refunded(r, as_of):  # `refund` (not refunded)
        return "refund"
    # `availability` (disposition restock or refurbish and restocked_at empty or after as_of)
    if r.disposition in ("restock", "refurbish") and (
        r.restocked_at is None or r.restocked_at > as_of
    ):
        return "availability"
    return None  # "with none left it is complete"


def channel_pair(data: Data, r: Return) -> str:
    """SPEC: "`<return channel>→<receiving location type>` ... an empty side written `unknown`" (a location
    absent from locations has no type: READINGS item 10)."""
    location = (
        data.records.get("locations", {}).get((r.receiving_location_id,))
        if r.receiving_location_id is not None
        else None
    )
    location_type = location.type if location is not None else None
    return f"{r.channel or 'unknown'}→{location_type or 'unknown'}"


def returns_waiting(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """value = n = returns "received ≤ as_of" and not complete; num Σ quantity; dims step and
    channel_pair; `all` always (n = 0: value 0, num 0)."""
    facts = []
    for r in data.all("returns"):
        step = waiting_step(r, as_of)
        if received(r, as_of) and step is not None:
            facts.append((None, {"step": step, "channel_pair": channel_pair(data, r)}, r))

    def finish(group: list[Return]) -> tuple[int, int, int]:
        return len(group), len(group), sum(r.quantity for r in group)

    return group_rows("returns_waiting", facts, ("step", "channel_pair"), finish, always_all=True)
