"""Reactions of badges to changes in issuers (which cannot call up into badges)."""

from .models import StatusList
from .status_lists import status_list_resign


def resign_status_lists(sender, *, key, **kwargs) -> None:
    """A withdrawn key's signature on a status list no longer verifies: sign the issuer's lists with the new key."""
    if key.algorithm != "ed25519":
        return
    for purpose in StatusList.objects.filter(issuer=key.issuer).values_list("purpose", flat=True):
        status_list_resign(issuer=key.issuer, purpose=purpose)
