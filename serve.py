"""invgov served with its sign-in: `streamlit run serve.py` (what `make run` does).

The app is app.py; beside it run the sign-in routes and the gate of ui.signin_web, which keep a
person signed in across refreshes and links with an HttpOnly session cookie (see the README).
"""

import logging

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# The sign-in routes import the app's modules before Streamlit's runtime starts, so each cached
# function says "No runtime found, using MemoryCacheStorageManager" (what the runtime uses too).
# Seven such lines on every `make run` only alarm people; this one message is dropped.
logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(
    lambda record: "No runtime found" not in record.getMessage()
)

from ui import signin_web  # noqa: E402  (after the filter above)

# Streamlit runs a file of `pages/` directly (without app.py) on a cold deep link while it has not
# yet seen st.navigation (STREAMLIT_NOTES 1.2). Decide it now, as st.navigation itself does: every
# run starts at app.py, its sign-in and its role-built menu.
PagesManager.uses_pages_directory = False

routes, middleware = signin_web.serve_beside_the_app()
app = st.App("app.py", routes=routes, middleware=middleware)
