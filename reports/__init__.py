"""Printable reports (the founder one-pager): data from metrics and governance, HTML, PDF; no UI."""
