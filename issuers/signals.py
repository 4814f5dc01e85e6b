"""Signals from the ground floor to the apps above it (which issuers may not import)."""

from django.dispatch import Signal

# Sent inside the transaction that withdraws a compromised key; receivers re-sign what that key had signed.
signing_key_revoked = Signal()
