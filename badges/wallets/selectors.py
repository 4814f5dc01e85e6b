"""Reads for wallets: an open offer by the token in its URL, an award's wallet copies, and what an offer's page and
JSON list (the interaction URL, each protocol's entry point, the LCW deep link)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from badges.models import Award, WalletCopy, WalletOffer
from badges.openbadges.wallets.oid4vci import CONFIGURATIONS, TxCode, credential_offer
from issuers.public_urls import issuer_url

from . import links
from .services import pre_authorized_code_for, token_hash


def wallet_offer_open(*, token: str, now: datetime | None = None) -> WalletOffer | None:
    """The offer this token names, if it is still unused and in date (else None: the views say which)."""
    now = now or timezone.now()
    if not token or len(token) > 200:
        return None
    return (
        WalletOffer.objects.select_related("award__issuer", "award__badge_class")
        .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=now)
        .first()
    )


def wallet_copies(*, award: Award) -> list[WalletCopy]:
    return list(WalletCopy.objects.filter(award=award).order_by("issued_at", "id"))


@dataclass(frozen=True)
class OfferLinks:
    """Everything one offer hands out; all of it names the same offer (the token)."""

    interaction_url: str
    exchange_url: str
    oid4vci_link: str
    lcw_deep_link: str


def wallet_offer_links(*, offer: WalletOffer, token: str) -> OfferLinks:
    return OfferLinks(
        interaction_url=links.interaction_url(token),
        exchange_url=links.exchange_url(token),
        oid4vci_link=links.credential_offer_link(token),
        lcw_deep_link=links.lcw_deep_link(
            token=token, issuer=issuer_url(offer.award.issuer), challenge=offer.challenge
        ),
    )


def wallet_protocols(*, offer: WalletOffer, token: str) -> dict:
    """The interaction URL's JSON (VCALM): each protocol this offer can be taken by."""
    found = wallet_offer_links(offer=offer, token=token)
    return {"protocols": {"vcapi": found.exchange_url, "OID4VCI": found.oid4vci_link}}


def wallet_credential_offer(*, offer: WalletOffer, token: str, tx_code_description: str) -> dict:
    """The OID4VCI Credential Offer served at credential_offer_uri (OID4VCI 1.0 §4.1)."""
    tx_code = TxCode(length=6, input_mode="numeric", description=tx_code_description) if offer.tx_code_hash else None
    return credential_offer(
        credential_issuer=links.credential_issuer(),
        configuration_ids=list(CONFIGURATIONS),
        pre_authorized_code=pre_authorized_code_for(token),
        tx_code=tx_code,
    )
