"""invgov entry point: page settings, sign-in, the pages this role may see, the sidebar, the page.

Serve with `streamlit run serve.py` after `python manage.py init` (serve.py adds the sign-in
that survives a refresh; `streamlit run app.py` alone signs in per tab).
"""

from __future__ import annotations

import streamlit as st

from governance.permissions import Actor
from ui import auth
from ui.frame import PAGE_CONFIG, data_context, render_sidebar, run_framed

# Every page of the app, one line each, keyed as in ui.auth.PAGE_ACCESS; the menu keeps this order.
PAGES: dict[str, tuple[str, str, str]] = {  # key (url path) -> (file, title, icon)
    "overview": ("pages/overview.py", "Overview", ":material/dashboard:"),
    "planning": ("pages/planning.py", "Planning", ":material/insights:"),
    "queue": ("pages/queue.py", "My queue", ":material/inbox:"),
    "exceptions": ("pages/exceptions.py", "All exceptions", ":material/report:"),
    "review": ("pages/review.py", "Weekly review", ":material/event_note:"),
    "approvals": ("pages/approvals.py", "SKU approvals", ":material/fact_check:"),
    "ownership": ("pages/ownership.py", "Ownership", ":material/account_tree:"),
    "migration": ("pages/migration.py", "Migration", ":material/compare_arrows:"),
    "data": ("pages/data.py", "Data", ":material/database:"),
    "sources": ("pages/sources.py", "Sources", ":material/upload_file:"),
    "account": ("pages/account.py", "My account", ":material/person:"),
    "admin": ("pages/admin.py", "Admin", ":material/admin_panel_settings:"),
}


def menu(actor: Actor) -> list[st.Page]:
    """The pages this role may see; the role's landing page answers at the root URL."""
    home = auth.landing_page(actor)
    return [
        st.Page(path, title=title, icon=icon, url_path=key, default=key == home)
        for key, (path, title, icon) in PAGES.items()
        if auth.may_view(actor, key)
    ]


def main() -> None:
    """Sign in, then build the menu from the pages this role may see and run the chosen one."""
    st.set_page_config(**PAGE_CONFIG)
    ctx = data_context()  # stops with "run manage.py init" when the schema is missing
    actor = auth.current_actor()
    if actor is None:
        auth.show_sign_in_only()
        return
    page = st.navigation(menu(actor))
    auth.render_identity(actor)
    render_sidebar(ctx)
    run_framed(page, ctx)


main()
