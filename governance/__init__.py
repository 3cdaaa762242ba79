"""Governance: who may do what, accounts, the audit log (exceptions, reviews and approvals build on it)."""
