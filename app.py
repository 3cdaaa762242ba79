"""invgov entry point: page settings, the page list, the shared sidebar, then the chosen page.

Run with `streamlit run app.py` after `python manage.py init`.
"""

from __future__ import annotations

import streamlit as st

from ui.frame import PAGE_CONFIG, data_context, render_sidebar, run_framed

# Every page of the app, one line each; the menu shows them in this order.
PAGES: list[st.Page] = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
]  # fmt: skip


def main() -> None:
    """Build the frame and run the page the user asked for."""
    st.set_page_config(**PAGE_CONFIG)
    # Sign-in and the role guard go here: they choose which of PAGES this user may see.
    pages = PAGES
    page = st.navigation(pages)
    ctx = data_context()
    render_sidebar(ctx)
    run_framed(page, ctx)


main()
