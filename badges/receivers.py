"""Reactions of badges to changes in issuers (which cannot call up into badges)."""

import logging

from django.db import DatabaseError

from .models import StatusList, SystemAlert
from .status_lists import status_list_resign


def resign_status_lists(sender, *, key, **kwargs) -> None:
    """A withdrawn key's signature on a status list no longer verifies: sign the issuer's lists with the new key."""
    if key.algorithm != "ed25519":
        return
    for purpose in StatusList.objects.filter(issuer=key.issuer).values_list("purpose", flat=True):
        status_list_resign(issuer=key.issuer, purpose=purpose)


def record_fast_path_alert(alert) -> None:
    """The fast canonicalization path disagreed with full JSON-LD processing and switched itself off: tell the
    operators in the admin (the log already has the error). Signing goes on through the full path."""
    try:
        SystemAlert.objects.create(
            kind="fast-path-disabled",
            message=f"The fast OB 3.0 canonicalization path was disabled: {alert}. Signing continues through the "
            "full JSON-LD path; investigate before re-enabling (restart the workers).",
        )
    except DatabaseError:
        logging.getLogger(__name__).exception("Could not record the fast-path alert")
