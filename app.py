"""invgov entry point: page settings, sign-in, the pages this role may see, the sidebar, the page.

Run with `streamlit run app.py` after `python manage.py init`.
"""

from __future__ import annotations

import streamlit as st

from ui import auth
from ui.frame import PAGE_CONFIG, data_context, render_sidebar, run_framed

# Every page of the app, one line each, keyed as in ui.auth.PAGE_ACCESS; the menu keeps this order.
PAGES: dict[str, st.Page] = {
    "overview": st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    "queue": st.Page("pages/queue.py", title="My queue", icon=":material/inbox:", url_path="queue"),
    "exceptions": st.Page("pages/exceptions.py", title="All exceptions", icon=":material/report:", url_path="exceptions"),
    "review": st.Page("pages/review.py", title="Weekly review", icon=":material/event_note:", url_path="review"),
    "approvals": st.Page("pages/approvals.py", title="SKU approvals", icon=":material/fact_check:", url_path="approvals"),
    "ownership": st.Page("pages/ownership.py", title="Ownership", icon=":material/account_tree:", url_path="ownership"),
    "migration": st.Page("pages/migration.py", title="Migration", icon=":material/compare_arrows:", url_path="migration"),
    "data": st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
    "sources": st.Page("pages/sources.py", title="Sources", icon=":material/upload_file:", url_path="sources"),
    "account": st.Page("pages/account.py", title="My account", icon=":material/person:", url_path="account"),
    "admin": st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:", url_path="admin"),
}  # fmt: skip


def main() -> None:
    """Sign in, then build the menu from the pages this role may see and run the chosen one."""
    st.set_page_config(**PAGE_CONFIG)
    ctx = data_context()  # stops with "run manage.py init" when the schema is missing
    actor = auth.current_actor()
    if actor is None:
        auth.show_sign_in_only()
        return
    page = st.navigation([p for key, p in PAGES.items() if auth.may_view(actor, key)])
    auth.render_identity(actor)
    render_sidebar(ctx)
    run_framed(page, ctx)


main()
