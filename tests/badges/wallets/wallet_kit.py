"""A scripted wallet for the Django tests: an Ed25519 did:key that signs DID-Auth presentations (Ed25519Signature2020,
as the Learner Credential Wallet does) and OID4VCI jwt key proofs. The Node client in tests/interop/lcw is the
independent check of the presentation format; this one drives every refusal quickly."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.openbadges.base58btc import b58encode
from badges.openbadges.wallets import presentation as vp
from badges.openbadges.wallets.didkey import did_key_for, did_key_verification_method

VC1 = "https://www.w3.org/2018/credentials/v1"
ED2020 = "https://w3id.org/security/suites/ed25519-2020/v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Wallet:
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def did(self) -> str:
        return did_key_for(self.key.public_key())

    def presentation(self, *, challenge: str, domain: str | None = None) -> dict:
        """A DID-Auth VP as @digitalcredentials/vc signPresentation makes it (LCW app/lib/present.ts)."""
        document = {"@context": [VC1, ED2020], "type": ["VerifiablePresentation"], "holder": self.did}
        proof = {
            "type": "Ed25519Signature2020",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "verificationMethod": did_key_verification_method(self.did),
            "proofPurpose": "authentication",
            "challenge": challenge,
        }
        if domain is not None:
            proof["domain"] = domain
        signature = self.key.sign(vp._signed_bytes(document, proof))
        return {**document, "proof": {**proof, "proofValue": "z" + b58encode(signature)}}

    def key_proof(self, *, audience: str, nonce: str, iat: float | None = None, signer: Wallet | None = None) -> str:
        """An OID4VCI jwt key proof, the key named by its did:key in kid (signed by ``signer``'s key if given:
        a proof that claims one key and is signed by another)."""
        header = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": did_key_verification_method(self.did)}
        claims = {"aud": audience, "iat": int(iat if iat is not None else time.time()), "nonce": nonce}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        key = (signer or self).key
        return f"{signing_input}.{_b64(key.sign(signing_input.encode()))}"
