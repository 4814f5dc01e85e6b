"""What wallets send and how we check it: did:key identifiers and the DID-Auth presentations wallets sign with them.

Plain Python like the rest of :mod:`badges.openbadges`: the Django exchange and OpenID4VCI endpoints call these.
"""
