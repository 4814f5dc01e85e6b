"""The public URLs of a wallet offer: one interaction URL for people and QR codes, and what it lists for wallets.

Every URL carries the offer's secret token, never a database id; all of them name the same offer.
"""

from urllib.parse import urlencode

from badges.openbadges.wallets.oid4vci import offer_link
from issuers.public_urls import absolute

LCW_REQUEST = "https://lcw.app/request"


def interaction_url(token: str) -> str:
    """What the QR code and the link carry (VCALM interaction URL: `iuv=1` tells a wallet to GET it as JSON)."""
    return absolute(f"wallet/i/{token}") + "?iuv=1"


def exchange_url(token: str) -> str:
    return absolute(f"wallet/x/{token}")


def request_url(token: str) -> str:
    """The LCW credential-request endpoint (the deep link's vc_request_url)."""
    return absolute(f"wallet/r/{token}")


def credential_offer_uri(token: str) -> str:
    return absolute(f"wallet/o/{token}")


def credential_offer_link(token: str) -> str:
    """The OID4VCI credential offer by reference (OID4VCI 1.0 §4.1.3)."""
    return offer_link(credential_offer_uri(token))


def lcw_deep_link(*, token: str, issuer: str, challenge: str) -> str:
    """The Learner Credential Wallet's credential-request deep link (app/lib/credentialRequest.ts)."""
    params = {"issuer": issuer, "vc_request_url": request_url(token), "challenge": challenge, "auth_type": "bearer"}
    return f"{LCW_REQUEST}?{urlencode(params)}"


def credential_issuer() -> str:
    """The platform's OID4VCI Credential Issuer Identifier: one for all institutions (decision 0028)."""
    return absolute("").rstrip("/")


def oid4vci_endpoint(name: str) -> str:
    return absolute(f"wallet/oid4vci/{name}")
