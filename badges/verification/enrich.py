"""What a verification adds to each badge's report after its proofs are checked: what an employer needs beside the
verdict (the badge's image served from our origin, the issuer's confirmed domain and trust-registry listings).

Called once per verification, for badges from anywhere (services.verify_input) and for awards issued here
(award._award_reports), with the verification's fetcher so every fetch shares its deadline.
"""

from __future__ import annotations

from .fetching import Fetcher
from .identity import issuer_identity
from .images import badge_image
from .reports import BadgeReport


def enrich_reports(reports: list[BadgeReport], fetcher: Fetcher) -> None:
    """Add to ``reports`` in place. Each step must never raise for a stranger's input (it reports instead)."""
    for report in reports:
        issuer_identity(report, fetcher)
        badge_image(report, fetcher)
