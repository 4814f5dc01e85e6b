"""Institutions, their staff and roles, their signing keys and the audit trail."""
