"""Verify an award issued here with the same verifier employers and the API use (local resolvers, no network)."""

from badges.models import Award
from badges.openbadges.ob3.verify import VerificationResult, verify_data_integrity
from badges.resolvers import fetch_local_status_list, resolve_local_did


def verify_award(*, award: Award) -> VerificationResult:
    """Signature, issuer key, status and validity dates of the award's OB 3.0 credential."""
    return verify_data_integrity(
        credential=award.ob3_credential, resolve_did=resolve_local_did, fetch_status_list=fetch_local_status_list
    )
