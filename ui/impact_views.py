"""How an import's exception impact is shown: one line, and per type what it opens, clears and reopens."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from governance.impact import ExceptionImpact

COLUMNS = {"label": "exception type", "opened": "opens", "cleared": "clears", "reopened": "reopens"}


def impact_table(impact: ExceptionImpact, *, past: bool = False) -> pd.DataFrame:
    """One row per exception type the import changes, with plain labels."""
    names = {**COLUMNS, **({"opened": "opened", "cleared": "cleared", "reopened": "reopened"}
                          if past else {})}  # fmt: skip
    rows = [{names[k]: getattr(t, k) for k in COLUMNS} for t in impact.by_type]
    return pd.DataFrame(rows, columns=list(names.values()))


def show_impact(impact: ExceptionImpact | None, seconds: float) -> None:
    """The preview's impact: what importing the file would do to the exceptions."""
    if impact is None:
        return
    st.text(f"Exceptions: importing it {impact.summary()} (worked out in {seconds:.1f} s)")
    if impact.by_type:
        st.dataframe(impact_table(impact), hide_index=True)
