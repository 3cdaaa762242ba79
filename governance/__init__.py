"""Governance: accounts and permissions, the audit log, exceptions (rules, detection, lifecycle), the weekly review, SKU approval."""
