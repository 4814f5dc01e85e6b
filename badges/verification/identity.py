"""Who the issuer is: its website's domain linkage (DIF Well Known DID Configuration) and trust registry listings,
added to each badge's report after its proofs are checked (docs/decisions/0022).

Domain: for an OB 3.0 badge whose issuer is a DID and whose key checked out, the website the issuer names
(``issuer.url`` of the credential; for an issuer of this platform, its current Issuer.url) is asked for
``/.well-known/did-configuration.json`` through the verification's Fetcher (its deadline, the safe fetcher), and
the linkage is verified by badges/openbadges/ob3/domain_linkage.py. The outcome is remembered per (DID, origin)
for VERIFY_DOMAIN_LINKAGE_CACHE_SECONDS in the shared cache, so a busy verifier does not ask a school's website
on every verification.

``report.issuer["domain"] = {"confirmed", "domain", "message"}``; a confirmed linkage also adds the passing check
``issuer_domain``. Nothing here ever adds a failing check: a missing, stale or broken linkage says only that the
domain is not confirmed (the badge's own proofs are what make it valid or not).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from badges.openbadges import fetch as safe
from badges.openbadges.checks import Check
from badges.openbadges.ob3 import domain_linkage as dl
from badges.openbadges.ob3.did import did_web_for

from .fetching import Fetcher
from .registries import registry_listings
from .reports import BadgeReport
from .text import displayable

log = logging.getLogger(__name__)

_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
_UNREACHABLE_SECONDS = 60


def _our_issuer_url(did: str) -> str | None:
    """The current website of one of this platform's issuers, named by its DID; None for anyone else's DID."""
    prefix = did_web_for(base_url=settings.PUBLIC_BASE_URL, path="issuers") + ":"
    if not did.startswith(prefix):
        return None
    from issuers.models import Issuer  # the ground floor; imported late to keep this module cheap to import

    public_id = did[len(prefix) :]
    return Issuer.objects.filter(public_id=public_id).values_list("url", flat=True).first()


def linkage_origin(url: str) -> str | None:
    """The origin whose DID configuration is asked for: https on the website's host (and port). A plain-http
    loopback website is asked over http only where tests allow private networks (as did:web resolution is)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except (ValueError, AttributeError):
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    scheme = "https"
    if parts.scheme == "http" and settings.VERIFY_ALLOW_PRIVATE_NETWORKS and host in _LOOPBACK:
        scheme = "http"
    try:
        return dl.normalize_origin(f"{scheme}://{host}" + (f":{port}" if port else ""))
    except dl.DomainLinkageError:
        return None


def _cache_key(did: str, origin: str) -> str:
    digest = hashlib.sha256(f"{did}\n{origin}".encode()).hexdigest()[:32]
    return f"laurel:domain-linkage:{digest}"


def _check_linkage(did: str, origin: str, fetcher: Fetcher) -> tuple[dl.LinkageOutcome, bool]:
    """The outcome, and whether it may be remembered (a fetch that ran out of time says nothing about the site)."""
    url = dl.configuration_url(origin)
    try:
        response = fetcher.get(url, accept="application/json")
    except safe.FetchError as exc:
        keep = exc.reason not in ("timeout", "connection", "dns")
        return dl.LinkageOutcome(False, "no_linkage", "The issuer's website could not be reached."), keep
    if response.status != 200:
        return dl.LinkageOutcome(False, "no_linkage", "The issuer's website publishes no DID configuration."), True
    try:
        resource = response.json()
    except safe.FetchError:
        return dl.LinkageOutcome(False, "malformed", "The issuer's DID configuration is not JSON."), True
    return dl.verify_did_configuration(resource=resource, did=did, origin=origin, resolve_did=fetcher.resolve_did), True


def domain_linkage(*, did: str, origin: str, fetcher: Fetcher) -> dl.LinkageOutcome:
    """The linkage of ``did`` to ``origin``, from the cache or checked now and remembered."""
    key = _cache_key(did, origin)
    cached = cache.get(key)
    if isinstance(cached, dict):
        return dl.LinkageOutcome(cached["confirmed"], cached["reason"], cached["message"])
    outcome, keep = _check_linkage(did, origin, fetcher)
    ttl = int(settings.VERIFY_DOMAIN_LINKAGE_CACHE_SECONDS)
    if not keep:
        # An unreachable website is asked again soon, but not by every verification while it is down.
        ttl = min(ttl, _UNREACHABLE_SECONDS)
    if ttl > 0:
        cache.set(key, {"confirmed": outcome.confirmed, "reason": outcome.reason, "message": outcome.message}, ttl)
    return outcome


def _domain_entry(report: BadgeReport, fetcher: Fetcher) -> dict[str, Any] | None:
    did = report.issuer.get("id")
    if report.generation != "ob3" or not isinstance(did, str) or not did.startswith("did:"):
        return None
    website = _our_issuer_url(did) or report.issuer.get("url")
    origin = linkage_origin(website) if isinstance(website, str) else None
    if origin is None:
        return {
            "confirmed": False,
            "domain": None,
            "message": "The issuer names no website whose domain could be checked.",
        }
    host = urlsplit(origin).netloc
    proven = [report.check("signature"), report.check("issuer_key")]
    if any(check is None or not check.ok for check in proven):
        # A credential not proven to come from this DID says nothing about who controls the DID.
        return {
            "confirmed": False,
            "domain": host,
            "message": "The issuer's domain was not checked: the badge is not proven to come from this issuer.",
        }
    outcome = domain_linkage(did=did, origin=origin, fetcher=fetcher)
    if outcome.confirmed:
        report.checks.append(Check("issuer_domain", True, f"The issuer's domain is confirmed: {host}."))
        return {"confirmed": True, "domain": host, "message": f"The issuer's domain is confirmed: {host}."}
    reason = outcome.message[:1].lower() + outcome.message[1:]
    return {"confirmed": False, "domain": host, "message": f"The issuer's domain {host} is not confirmed: {reason}"}


def _registry_entries(report: BadgeReport) -> list[dict[str, Any]]:
    issuer_id = report.issuer.get("id")
    if not isinstance(issuer_id, str) or not issuer_id:
        return []
    listings = registry_listings(issuer_id)
    for listing in listings:
        if listing["listed"]:
            report.checks.append(Check("registry", True, listing["message"]))
    return listings


def issuer_identity(report: BadgeReport, fetcher: Fetcher) -> None:
    """Add the issuer's domain and registry listings to ``report`` (in place). Never raises for a stranger's input."""
    try:
        domain = _domain_entry(report, fetcher)
    except Exception:  # a bug here must not cost the employer the verdict: log it and leave the domain out
        log.exception("Checking the issuer's domain linkage failed")
        domain = None
    if domain is not None:
        # The reasons quote the website's file (an origin, a DID): shown only as encodable text.
        report.issuer["domain"] = displayable(domain)
    if settings.VERIFY_TRUST_REGISTRIES:
        report.issuer["registries"] = _registry_entries(report)
