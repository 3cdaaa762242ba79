"""Shared Streamlit helpers of the app: data access, filters, formatting, exports (pages import these)."""
