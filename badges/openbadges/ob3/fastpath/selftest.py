"""Start-up self-test of the compiled canonicalization path: the 1EdTech test vector, then the platform's shapes.

1. The bundled 1EdTech eddsa-rdfc-2022 vector (``vector/``, from the OB 3.0 implementation guide): the fast path
   must build and canonicalize the credential and its proof configuration itself (a refusal fails the test), give
   both published canonical forms byte for byte and their published SHA-256 hashes, and the Ed25519 signature over
   config-hash ‖ document-hash must be the published ``proofValue`` (vc-di-eddsa §3.3,
   https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022).
2. Documents of every shape the composers emit, with every optional field and awkward text, must canonicalize
   identically through the fast path and through full pyld processing — this catches a pyld whose output changed
   under the same version pin, for shapes the vector does not cover.

:func:`run_self_test` only reports; :mod:`.guard` decides what to do with the result.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.openbadges.base58btc import b58encode
from badges.openbadges.ob3 import compose

from .errors import FastPathRefusal

__all__ = ["VECTOR_DIR", "platform_samples", "run_self_test"]

VECTOR_DIR = Path(__file__).resolve().parent / "vector"
# From the vector's README (1EdTech): key seed, the two hashes and the proofValue.
_SEED = bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4")
_DOCUMENT_HASH = "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
_CONFIG_HASH = "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
_PROOF_VALUE = "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"
_AWKWARD = 'Ünïcödé 𝄞 e\u0301 שלום "quoted" back\\slash\nnew line\ttab\r'


def _vector(name: str) -> str:
    return (VECTOR_DIR / name).read_text(encoding="utf-8")


def _proof_config(context: Any, method: str) -> dict[str, Any]:
    return {
        "@context": context,
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-01-01T00:00:00Z",
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    }


def platform_samples() -> list[dict[str, Any]]:
    """A credential with every optional field the composers emit (with and without the schema), a status list
    credential, and their proof configurations."""
    moment = datetime(2025, 3, 1, 12, tzinfo=UTC)
    did = "did:web:badges.example.edu:issuers:self-test"
    image = compose.Image(id="https://badges.example.edu/media/b.png", caption=_AWKWARD)
    achievement = compose.Achievement(
        id="https://badges.example.edu/achievements/1",
        name=_AWKWARD,
        description=_AWKWARD,
        criteria=compose.Criteria(id="https://badges.example.edu/achievements/1/criteria", narrative=_AWKWARD),
        image=image,
        achievement_type="ext:SelfTest",
        alignments=(
            compose.Alignment(
                target_name=_AWKWARD,
                target_url="https://example.org/framework/1",
                target_type="ceasn:Competency",
                target_code="C-1",
                target_framework=_AWKWARD,
                target_description=_AWKWARD,
            ),
            compose.Alignment(target_name="Second", target_url="https://example.org/framework/2"),
        ),
        tags=("one", _AWKWARD),
    )
    issuer = compose.IssuerProfile(
        id=did, name=_AWKWARD, url="https://badges.example.edu/", email="badges@example.edu", image=image
    )
    credentials = [
        compose.open_badge_credential(
            issuer=issuer,
            achievement=achievement,
            recipient=compose.Recipient(did="did:key:z6MkSelfTest", email="learner@example.com", salt="s"),
            valid_from=moment,
            valid_until=moment.replace(year=2030),
            awarded_date=moment,
            credential_id="urn:uuid:00000000-0000-4000-8000-000000000000",
            evidence=(
                compose.Evidence(
                    id="https://badges.example.edu/evidence/1",
                    narrative=_AWKWARD,
                    name=_AWKWARD,
                    description=_AWKWARD,
                    genre="Project",
                    audience="Employers",
                ),
                compose.Evidence(narrative="Only a narrative."),
            ),
            status=compose.StatusEntry(status_list_credential="https://badges.example.edu/status/1", index=7),
            include_schema=include_schema,
        )
        for include_schema in (True, False)
    ]
    status_list = compose.status_list_credential(
        list_url="https://badges.example.edu/status/1",
        issuer_id=did,
        encoded_list="uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
        valid_from=moment,
        valid_until=moment.replace(year=2026),
    )
    documents = [*credentials, status_list]
    return documents + [_proof_config(d["@context"], f"{did}#key-1") for d in documents]


def _vector_problems(fast: Any) -> list[str]:
    credential = json.loads(_vector("credential.json"))
    config = json.loads(_vector("proof-config.json")) | {"@context": credential["@context"]}
    try:
        document_nq, config_nq = fast(credential), fast(config)
    except FastPathRefusal as refusal:
        return [f"the fast path refused the 1EdTech test vector ({refusal})"]
    problems = []
    if document_nq != _vector("document-canon.nq"):
        problems.append("the vector credential's canonical N-Quads differ from the published ones")
    if config_nq != _vector("proof-canon.nq"):
        problems.append("the vector proof configuration's canonical N-Quads differ from the published ones")
    config_hash = hashlib.sha256(config_nq.encode("utf-8")).digest()
    document_hash = hashlib.sha256(document_nq.encode("utf-8")).digest()
    if document_hash.hex() != _DOCUMENT_HASH or config_hash.hex() != _CONFIG_HASH:
        problems.append("the vector's canonical hashes differ from the published ones")
    signature = Ed25519PrivateKey.from_private_bytes(_SEED).sign(config_hash + document_hash)
    if "z" + b58encode(signature) != _PROOF_VALUE:
        problems.append("the vector's proofValue differs from the published one")
    return problems


def run_self_test(fast: Any, full: Any) -> list[str]:
    """Problems found (an empty list means the fast path may be used). ``fast``/``full`` canonicalize."""
    problems = _vector_problems(fast)
    for number, document in enumerate(platform_samples(), start=1):
        try:
            if fast(document) != full(document):
                problems.append(f"platform sample {number} canonicalizes differently from full JSON-LD processing")
        except FastPathRefusal as refusal:
            problems.append(f"the fast path refused platform sample {number} ({refusal})")
    return problems
