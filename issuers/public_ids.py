"""Opaque public identifiers: what public URLs carry instead of database primary keys."""

import secrets


def new_public_id() -> str:
    """22 url-safe characters (128 bits): unguessable, and valid in URLs and did:web path segments."""
    return secrets.token_urlsafe(16)
