"""invgov served with its sign-in: `streamlit run serve.py` (what `make run` does).

The app is app.py; beside it run the sign-in routes and the gate of ui.signin_web, which keep a
person signed in across refreshes and links with an HttpOnly session cookie (see the README).
"""

import streamlit as st

from ui import signin_web

app = st.App("app.py", routes=signin_web.routes(), middleware=signin_web.middleware())
