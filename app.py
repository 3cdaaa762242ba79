"""invgov entry point: page settings, sign-in, the pages this role may see, the sidebar, the page.

Serve with `streamlit run serve.py` after `python manage.py init` (serve.py adds the sign-in
that survives a refresh; `streamlit run app.py` alone signs in per tab).
"""

from __future__ import annotations

import streamlit as st

from governance.permissions import Actor
from ui import auth
from ui.frame import PAGE_CONFIG, data_context, render_sidebar, run_framed
from ui.page_registry import PAGES


def menu(actor: Actor) -> list[st.Page]:
    """The pages this role may see (ui.page_registry); its landing page answers at the root URL."""
    home = auth.landing_page(actor)
    return [
        st.Page(
            spec.file, title=spec.title, icon=spec.icon, url_path=spec.key, default=spec.key == home
        )
        for spec in PAGES
        if auth.may_view(actor, spec.key)
    ]


def main() -> None:
    """Sign in, then build the menu from the pages this role may see and run the chosen one."""
    st.set_page_config(**PAGE_CONFIG)
    ctx = data_context()  # stops with "run manage.py init" when the schema is missing
    actor = auth.current_actor()
    if actor is None:
        auth.show_sign_in_only()
        return
    page = st.navigation(menu(actor), expanded=True)  # every page, no "View more"
    auth.render_identity(actor)
    render_sidebar(ctx)
    run_framed(page, ctx)


main()
