"""Every page of the app, declared once: its URL path, title, icon and who may open it.

A page is its module `pages/<key>.py` plus one line here. The declaration drives the menu
(app.py), the guard (ui.auth.require), the sign-in redirects (ui.signin_web), the benchmark's
page timings and the tests that render and walk every page; the menu keeps this order.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.permissions import Action


@dataclass(frozen=True)
class PageSpec:
    """One page: `key` is its URL path and names its file, `access` the action needed to open it."""

    key: str
    title: str
    icon: str
    access: Action = Action.READ

    @property
    def file(self) -> str:
        """The page's script, relative to the project root."""
        return f"pages/{self.key}.py"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "Overview", ":material/dashboard:"),
    PageSpec("planning", "Planning", ":material/insights:"),
    PageSpec("accuracy", "Inventory accuracy", ":material/rule:"),
    PageSpec("orders", "Orders and fulfilment", ":material/local_shipping:"),
    PageSpec("returns", "Returns", ":material/assignment_return:"),
    PageSpec("items", "Item master", ":material/inventory_2:"),
    PageSpec("integrations", "Integrations", ":material/sync_alt:"),
    PageSpec("stock", "Stock truth", ":material/warehouse:"),
    PageSpec("queue", "My queue", ":material/inbox:"),
    PageSpec("exceptions", "All exceptions", ":material/report:"),
    PageSpec("review", "Weekly review", ":material/event_note:"),
    PageSpec("approvals", "SKU approvals", ":material/fact_check:"),
    PageSpec("ownership", "Ownership", ":material/account_tree:"),
    PageSpec("migration", "Migration", ":material/compare_arrows:"),
    PageSpec("data", "Data", ":material/database:"),
    PageSpec("sources", "Sources", ":material/upload_file:"),
    PageSpec("account", "My account", ":material/person:"),
    PageSpec("admin", "Admin", ":material/admin_panel_settings:", Action.MANAGE_USERS),
)
BY_KEY: dict[str, PageSpec] = {spec.key: spec for spec in PAGES}
