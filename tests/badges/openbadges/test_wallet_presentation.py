"""DID-Auth presentations: what the Learner Credential Wallet's own libraries sign verifies (Ed25519Signature2020
and eddsa-rdfc-2022, VC 1.1 and 2.0 contexts), and every way a presentation can be wrong is refused with a message
that says which."""

import copy
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

from badges.openbadges import loader
from badges.openbadges.base58btc import b58encode
from badges.openbadges.ob3.proof import canonicalize, ed25519_sign
from badges.openbadges.wallets.didkey import did_key_document, did_key_for, did_key_verification_method
from badges.openbadges.wallets.presentation import PresentationError, verify_did_auth
from tests.conftest import skip_or_fail
from tests.interop.lcw_client import LcwUnavailable, ensure_lcw, lcw_present

CRED_V1 = "https://www.w3.org/2018/credentials/v1"
CRED_V2 = "https://www.w3.org/ns/credentials/v2"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
CHALLENGE = "4f0c2b5e-1a7d-4a53-9d0e-6b1f2c3d4e5f"
DOMAIN = "https://badges.example.edu"
SEED = "9a" * 32
WALLET = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(SEED))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(32))
HOLDER = did_key_for(WALLET.public_key())


def _unsafe_canonicalize(document: dict[str, Any]) -> str:
    """What a permissive signer does: pyld without Laurel's safe-mode checks (undefined terms silently dropped)."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader.document_loader}
    return jsonld.normalize(copy.deepcopy(document), options)


def sign(
    presentation: dict[str, Any],
    *,
    key: Ed25519PrivateKey = WALLET,
    suite: str = "ed25519-2020",
    challenge: str | None = CHALLENGE,
    domain: str | list[str] | None = DOMAIN,
    purpose: str = "authentication",
    method: str | None = None,
    created: str = "2026-12-01T10:00:00Z",
    canon: Callable[[dict[str, Any]], str] = canonicalize,
) -> dict[str, Any]:
    """Sign ``presentation`` with Laurel's own primitives the way both suites define it (hash of the canonical proof
    options with the document's @context, then of the canonical document; Ed25519; multibase base58btc)."""
    proof: dict[str, Any] = {"type": "Ed25519Signature2020"}
    if suite == "eddsa-rdfc-2022":
        proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}
    proof |= {
        "created": created,
        "verificationMethod": method or did_key_verification_method(did_key_for(key.public_key())),
        "proofPurpose": purpose,
    }
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    options = {**proof, "@context": presentation["@context"]}
    data = hashlib.sha256(canon(options).encode()).digest() + hashlib.sha256(canon(presentation).encode()).digest()
    proof["proofValue"] = "z" + b58encode(ed25519_sign(private_key=key, data=data))
    return {**presentation, "proof": proof}


def unsigned(*contexts: str, holder: str = HOLDER, **extra: Any) -> dict[str, Any]:
    return {"@context": list(contexts or (CRED_V2, ED25519_2020)), "type": ["VerifiablePresentation"], "holder": holder}


def refused(presentation: Any, message: str, *, challenge: str = CHALLENGE, domain: str | None = DOMAIN) -> None:
    with pytest.raises(PresentationError, match=message):
        verify_did_auth(presentation, challenge=challenge, domain=domain)


# --- presentations Laurel's own signer makes: both suites, both VC contexts -----------------------------------


@pytest.mark.parametrize(
    ("suite", "contexts"),
    [
        ("ed25519-2020", (CRED_V2, ED25519_2020)),
        ("ed25519-2020", (CRED_V1, ED25519_2020)),
        ("eddsa-rdfc-2022", (CRED_V2,)),
        ("eddsa-rdfc-2022", (CRED_V1, "https://w3id.org/security/data-integrity/v2")),
    ],
)
def test_a_signed_presentation_gives_the_holder(suite, contexts):
    vp = sign(unsigned(*contexts), suite=suite)
    assert verify_did_auth(vp, challenge=CHALLENGE, domain=DOMAIN) == HOLDER


def test_without_an_expected_domain_any_or_none_is_accepted():
    # The credential-request deep link carries no domain and the LCW signs none (app/lib/present.ts).
    assert verify_did_auth(sign(unsigned(), domain=None), challenge=CHALLENGE, domain=None) == HOLDER
    assert verify_did_auth(sign(unsigned()), challenge=CHALLENGE, domain=None) == HOLDER


def test_a_domain_list_may_hold_ours():
    vp = sign(unsigned(), suite="eddsa-rdfc-2022", domain=["https://other.example", DOMAIN])
    assert verify_did_auth(vp, challenge=CHALLENGE, domain=DOMAIN) == HOLDER


def test_holder_as_an_object_with_an_id():
    vp = sign({**unsigned(), "holder": {"id": HOLDER}})
    assert verify_did_auth(vp, challenge=CHALLENGE, domain=DOMAIN) == HOLDER


# --- refusals ------------------------------------------------------------------------------------------------


def test_not_a_presentation():
    refused([unsigned()], "not a JSON object")
    refused({**sign(unsigned()), "type": ["VerifiableCredential"]}, "not a VerifiablePresentation")
    refused({k: v for k, v in sign(unsigned()).items() if k != "type"}, "not a VerifiablePresentation")


def test_no_proof():
    refused(unsigned(), "has no proof")
    refused({**unsigned(), "proof": []}, "has no proof")
    refused({**unsigned(), "proof": "z123"}, "proof is not a JSON object")


def test_two_proofs():
    vp = sign(unsigned())
    refused({**vp, "proof": [vp["proof"], vp["proof"]]}, "has 2 proofs")


def test_a_single_proof_in_a_list_is_accepted():
    vp = sign(unsigned())
    assert verify_did_auth({**vp, "proof": [vp["proof"]]}, challenge=CHALLENGE, domain=DOMAIN) == HOLDER


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "JsonWebSignature2020"}, "Unsupported proof suite 'JsonWebSignature2020'"),
        ({"type": "Ed25519Signature2018"}, "Unsupported proof suite 'Ed25519Signature2018'"),
        (
            {"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019"},
            "Unsupported proof suite 'DataIntegrityProof' with cryptosuite 'ecdsa-rdfc-2019'",
        ),
        ({"type": "DataIntegrityProof"}, "Unsupported proof suite 'DataIntegrityProof' with cryptosuite None"),
    ],
)
def test_unsupported_suites(change, message):
    vp = sign(unsigned())
    refused({**vp, "proof": {**vp["proof"], **change}}, message)


@pytest.mark.parametrize("purpose", ["assertionMethod", "capabilityInvocation", "Authentication"])
def test_the_purpose_must_be_authentication(purpose):
    # Correctly signed for the wrong purpose: an assertion by this key is not a login.
    vp = sign(unsigned(), purpose=purpose, canon=_unsafe_canonicalize)
    refused(vp, f"proof purpose is '{purpose}'; DID Auth needs 'authentication'")


def test_challenge():
    refused(sign(unsigned(), challenge=None), "has no challenge")
    refused(sign(unsigned(), challenge="another"), "challenge does not match")
    refused(sign(unsigned()), "challenge does not match", challenge=CHALLENGE + "x")
    vp = sign(unsigned())
    refused({**vp, "proof": {**vp["proof"], "challenge": 12}}, "challenge does not match")


def test_domain():
    refused(sign(unsigned(), domain=None), "has no domain; it must be 'https://badges.example.edu'")
    refused(sign(unsigned(), domain="https://evil.example"), "domain does not match 'https://badges.example.edu'")
    refused(sign(unsigned(), domain=["https://evil.example"], suite="eddsa-rdfc-2022"), "domain does not match")


def test_holder():
    refused(sign({k: v for k, v in unsigned().items() if k != "holder"}), "has no holder")
    refused(sign(unsigned(holder="did:web:wallet.example")), "holder 'did:web:wallet.example' is not a did:key")


def test_verification_method_must_be_a_did_key():
    vp = sign(unsigned(), method="did:web:wallet.example#key-1")
    refused(vp, "verificationMethod 'did:web:wallet.example#key-1' is not a did:key")
    refused({**vp, "proof": {**vp["proof"], "verificationMethod": None}}, "verificationMethod 'None' is not a did:key")


def test_verification_method_must_be_the_holders():
    # Another wallet signs a presentation naming this holder: a valid signature, by the wrong key.
    refused(sign(unsigned(), key=OTHER), "signed by a key that is not the holder's")


def test_verification_method_fragment_must_be_the_holders_key():
    other = did_key_for(OTHER.public_key())[8:]
    refused(sign(unsigned(), method=f"{HOLDER}#{other}"), "cannot be used: .* names a key other than")


def test_a_holder_that_is_not_an_ed25519_did_key():
    p256 = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
    refused(sign(unsigned(holder=p256), method=f"{p256}#{p256[8:]}"), "is a p256-pub key")


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda vp: vp.update(id="urn:uuid:2f6c1f5e-0000-4000-8000-000000000000"), "signature does not match"),
        (lambda vp: vp["proof"].update(created="2026-12-01T10:00:01Z"), "signature does not match"),
        (lambda vp: vp["proof"].update(proofValue="z" + b58encode(bytes(64))), "signature does not match"),
        (lambda vp: vp["proof"].update(proofValue="u" + "A" * 86), "not a base58btc multibase"),
        (lambda vp: vp["proof"].update(proofValue="z0OIl"), "not a base58btc multibase"),
        (lambda vp: vp["proof"].update(proofValue="z" + b58encode(bytes(63))), "not a 64-byte Ed25519 signature"),
        (lambda vp: vp["proof"].pop("proofValue"), "not a base58btc multibase"),
    ],
)
def test_bad_signatures(tamper, message):
    vp = copy.deepcopy(sign(unsigned()))
    tamper(vp)
    refused(vp, message)


def test_the_same_signature_over_another_challenge_is_refused():
    vp = sign(unsigned())
    # A presentation signed for an earlier challenge, its challenge edited to the current one.
    refused({**vp, "proof": {**vp["proof"], "challenge": "current"}}, "signature does not match", challenge="current")
    vp = sign(unsigned(), suite="eddsa-rdfc-2022")
    refused({**vp, "proof": {**vp["proof"], "domain": "https://x.example"}}, "signature does not match", domain=None)


def test_undefined_terms_are_refused_not_dropped():
    # A permissive signer drops the undefined "nickname" and signs the rest: the signature is right for what
    # pyld sees, but the JSON says more than was signed.
    vp = sign({**unsigned(), "holder": {"id": HOLDER, "nickname": "Mallory"}}, canon=_unsafe_canonicalize)
    refused(vp, "not safe to process as JSON-LD: property 'nickname' is not defined")
    vp = sign(
        {**unsigned(CRED_V1, ED25519_2020), "type": ["VerifiablePresentation", "LoginToken"]},
        canon=_unsafe_canonicalize,
    )
    refused(vp, "type 'LoginToken' is not defined")


def test_undefined_proof_terms_are_refused():
    # Ed25519Signature2020 without its suite context: the proof type and its terms are undefined
    vp = sign(unsigned(CRED_V2), canon=_unsafe_canonicalize)
    refused(vp, "not safe to process as JSON-LD")


def test_contexts_must_be_vendored_urls():
    vp = sign(unsigned(), canon=_unsafe_canonicalize)
    refused({**vp, "@context": [*vp["@context"], "https://example.com/ctx.json"]}, "not available offline")
    refused({**vp, "@context": [*vp["@context"], {"nickname": "https://x.example/n"}]}, "inline or null contexts")
    refused({**vp, "proof": {**vp["proof"], "@context": [CRED_V2]}}, "proof's @context differs")


def test_only_the_members_of_a_did_auth_presentation():
    refused(sign({**unsigned(), "nickname": "Mallory"}, canon=_unsafe_canonicalize), r"does not carry: \['nickname'\]")
    credential = {"@context": [CRED_V2], "type": ["VerifiableCredential"], "issuer": HOLDER}
    refused(sign({**unsigned(), "verifiableCredential": [credential]}), "carries credentials")
    vp = sign({**unsigned(), "verifiableCredential": []})  # what some wallets send for "no credentials"
    assert verify_did_auth(vp, challenge=CHALLENGE, domain=DOMAIN) == HOLDER


def test_a_large_body_is_refused_before_any_json_ld_work():
    vp = sign(unsigned())
    refused({**vp, "id": "urn:x:" + "a" * 20_000}, "too large for DID Auth")
    refused({**vp, "id": b"bytes"}, "not plain JSON")


def test_contexts_that_conflict_are_refused():
    vp = sign(unsigned())
    refused({**vp, "@context": [CRED_V1, CRED_V2, ED25519_2020]}, "JSON-LD: Invalid JSON-LD syntax; tried to redefine")


def test_null_values_are_refused():
    vp = sign(unsigned())
    refused({**vp, "id": None}, "is null")


def test_a_caller_without_a_challenge_is_a_bug():
    with pytest.raises(ValueError, match="needs the issued challenge"):
        verify_did_auth(sign(unsigned()), challenge="", domain=None)


# --- presentations made by the Learner Credential Wallet's own libraries (Node.js, pinned) --------------------


@pytest.fixture(scope="module")
def lcw() -> None:
    try:
        ensure_lcw()
    except LcwUnavailable as exc:
        skip_or_fail(str(exc))


@pytest.mark.parametrize(
    ("suite", "vc_version", "domain"),
    [
        ("ed25519-2020", "2", DOMAIN),  # app/lib/composeVp.ts: the VCALM exchange
        ("ed25519-2020", "2", None),  # app/lib/present.ts: the credential-request deep link
        ("ed25519-2020", "1", DOMAIN),  # wallets still on @digitalcredentials/vc < 10 (VC 1.1 context)
        ("eddsa-rdfc-2022", "2", DOMAIN),  # the DCC Data Integrity libraries the LCW also ships
        ("eddsa-rdfc-2022", "1", None),
    ],
)
def test_lcw_presentations_verify(lcw, suite, vc_version, domain):
    made = lcw_present(challenge=CHALLENGE, domain=domain, suite=suite, vc_version=vc_version)
    vp = made["vp"]
    assert vp["proof"]["proofPurpose"] == "authentication" and vp["holder"] == made["did"]
    assert verify_did_auth(vp, challenge=CHALLENGE, domain=domain) == made["did"]
    # The same DID document as @digitalcredentials/did-method-key resolves for it.
    assert did_key_document(made["did"]) == made["didDocument"]
    refused(vp, "challenge does not match", challenge="another", domain=domain)
    if domain:
        refused(vp, "domain does not match", domain="https://evil.example")


def test_laurel_signs_the_same_bytes_as_the_lcw(lcw):
    """Ed25519 is deterministic: the same key, options and document must give the very same proofValue."""
    made = lcw_present(challenge=CHALLENGE, domain=DOMAIN, seed=SEED)
    vp = made["vp"]
    assert made["did"] == HOLDER
    ours = sign({k: v for k, v in vp.items() if k != "proof"}, created=vp["proof"]["created"])
    assert ours == vp


def test_an_lcw_presentation_changed_after_signing_is_refused(lcw):
    vp = lcw_present(challenge=CHALLENGE, domain=DOMAIN)["vp"]
    refused({**vp, "holder": HOLDER}, "signed by a key that is not the holder's")
    refused({**vp, "id": "urn:uuid:2f6c1f5e-0000-4000-8000-000000000000"}, "signature does not match")
