"""A throw-away OB 3.0 issuer for tests and benchmarks: did:web, keys, status list, compose + sign, local resolution.

Built only from :mod:`badges.openbadges` (no Django), so the standards tests, the DCC interop test and the bench
share one honest picture of what the platform publishes: the DID document, the signed status list credential and
credentials signed with the current (or a retired) Ed25519 key, plus VC-JWTs signed with the RSA key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from badges.openbadges.keys import ed25519_to_multikey
from badges.openbadges.ob3 import compose, did, jwt, proof, status_list

__all__ = ["IssuerKit", "utc"]

RSA_FRAGMENT = "jwt-rs256"
_RSA_CACHE: list[rsa.RSAPrivateKey] = []


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _rsa_key() -> rsa.RSAPrivateKey:
    # RSA-2048 generation takes a noticeable fraction of a second: one per process is plenty for tests.
    if not _RSA_CACHE:
        _RSA_CACHE.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _RSA_CACHE[0]


@dataclass
class IssuerKit:
    """An issuer at ``base_url``/issuers/<slug> with rotating Ed25519 keys, an RSA JWT key and one status list."""

    base_url: str = "https://badges.example.edu"
    slug: str = "demo-institute"
    ed_keys: list[ed25519.Ed25519PrivateKey] = field(default_factory=lambda: [ed25519.Ed25519PrivateKey.generate()])
    rsa_key: rsa.RSAPrivateKey = field(default_factory=_rsa_key)
    bits: bytearray = field(default_factory=status_list.new_bitstring)
    list_signed_at: datetime = field(default_factory=lambda: utc(2025, 1, 1))

    @property
    def did(self) -> str:
        return did.did_web_for(base_url=self.base_url, path=f"issuers/{self.slug}")

    @property
    def did_json_path(self) -> str:
        return f"/issuers/{self.slug}/did.json"

    @property
    def status_list_url(self) -> str:
        return f"{self.base_url}/issuers/{self.slug}/status/1"

    def method_id(self, key: ed25519.Ed25519PrivateKey | None = None) -> str:
        key = key or self.ed_keys[-1]
        return did.verification_method_id(did=self.did, fragment=ed25519_to_multikey(key.public_key()))

    @property
    def jwt_kid(self) -> str:
        return did.verification_method_id(did=self.did, fragment=RSA_FRAGMENT)

    def did_document(self) -> dict[str, Any]:
        keys = [did.PublishedKey(public_key=k.public_key()) for k in self.ed_keys]
        keys.append(did.PublishedKey(public_key=self.rsa_key.public_key(), fragment=RSA_FRAGMENT))
        return did.did_document(did=self.did, keys=keys)

    def rotate(self) -> None:
        """A new current signing key; the old ones stay published."""
        self.ed_keys.append(ed25519.Ed25519PrivateKey.generate())

    def revoke(self, index: int) -> None:
        status_list.set_bit(self.bits, index)

    def profile(self) -> compose.IssuerProfile:
        return compose.IssuerProfile(
            id=self.did, name="Demo Institute", url=f"{self.base_url}/", email="badges@example.edu"
        )

    def achievement(self) -> compose.Achievement:
        return compose.Achievement(
            id=f"{self.base_url}/achievements/5f2c9f0e-0d4c-4c0e-9a55-0d7f2d1c3b11",
            name="Data Literacy Foundations",
            description="Completed a 20-hour short course on reading, cleaning and charting data.",
            criteria=compose.Criteria(
                id=f"{self.base_url}/achievements/5f2c9f0e/criteria",
                narrative="Pass all four graded assignments with **70%** or more.",
            ),
            image=compose.Image(id=f"{self.base_url}/media/badges/data-literacy.png", caption="Badge"),
            achievement_type="Badge",
            alignments=(
                compose.Alignment(
                    target_name="Data literacy",
                    target_url="https://example.org/frameworks/digcomp/1.1",
                    target_type="ceasn:Competency",
                    target_framework="DigComp 2.2",
                ),
            ),
            tags=("data", "short course"),
        )

    def credential(
        self,
        *,
        index: int = 1234,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        email: str = "Learner.One@example.com",
        learner_did: str | None = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    ) -> dict[str, Any]:
        return compose.open_badge_credential(
            issuer=self.profile(),
            achievement=self.achievement(),
            recipient=compose.Recipient(did=learner_did, email=email, salt="s4lt-0f-the-earth"),
            valid_from=valid_from or utc(2025, 3, 1, 12),
            valid_until=valid_until,
            awarded_date=valid_from or utc(2025, 3, 1, 12),
            evidence=(compose.Evidence(id=f"{self.base_url}/evidence/42", narrative="Final project: a dashboard."),),
            status=compose.StatusEntry(status_list_credential=self.status_list_url, index=index),
        )

    def sign(
        self,
        credential: dict[str, Any],
        *,
        key: ed25519.Ed25519PrivateKey | None = None,
        created: datetime | None = None,
    ) -> dict[str, Any]:
        key = key or self.ed_keys[-1]
        return proof.sign_credential(
            credential=credential,
            private_key=key,
            verification_method=self.method_id(key),
            created=created or utc(2025, 3, 1, 12),
        )

    def signed_credential(self, **kwargs: Any) -> dict[str, Any]:
        return self.sign(self.credential(**kwargs))

    def signed_status_list(self) -> dict[str, Any]:
        unsigned = compose.status_list_credential(
            list_url=self.status_list_url,
            issuer_id=self.did,
            encoded_list=status_list.encode_list(self.bits),
            valid_from=self.list_signed_at,
        )
        return self.sign(unsigned, created=self.list_signed_at)

    def jwt(self, credential: dict[str, Any]) -> str:
        return jwt.sign_jwt(credential=credential, private_key=self.rsa_key, kid=self.jwt_kid)

    # Local stand-ins for the network, in the shape badges.openbadges.ob3.verify expects.
    def resolve_did(self, identifier: str) -> dict[str, Any]:
        if identifier != self.did:
            raise LookupError(f"unknown DID {identifier}")
        return self.did_document()

    def fetch_status_list(self, url: str) -> dict[str, Any]:
        if url != self.status_list_url:
            raise LookupError(f"unknown status list {url}")
        return self.signed_status_list()

    @staticmethod
    def clock(moment: datetime | None = None) -> Any:
        moment = moment or utc(2025, 6, 1)
        return lambda: moment

    @staticmethod
    def later(days: int) -> datetime:
        return utc(2025, 6, 1) + timedelta(days=days)
