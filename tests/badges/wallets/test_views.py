"""The wallet endpoints over HTTP: the learner's page (QR code decoded with zxing-cpp), the interaction URL, the
VC-API exchange, the LCW credential request and OID4VCI in the 1.0 and draft-13 shapes — and their refusals, as
JSON with a clear message, never a 500, issuing nothing."""

import html
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.models import WalletCopy, WalletOffer
from badges.openbadges.ob3.verify import verify_data_integrity
from badges.public_urls import claim_token
from badges.resolvers import resolve_local_did
from tests.badges.wallets.qr import decode_svg_qr
from tests.badges.wallets.wallet_kit import Wallet
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _offer_page(client: Client, award, **data) -> str:
    response = client.post(f"/wallet/add/{award.public_id}", data)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def _links(page: str) -> dict:
    found = dict(re.findall(r'id="(wallet-link|wallet-lcw-link)" href="([^"]+)"', page))
    return {key: html.unescape(value) for key, value in found.items()}


@pytest.fixture
def signed_in(learner_user) -> Client:
    client = Client()
    client.force_login(learner_user)
    return client


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_qr_code_link_json_and_deep_link_name_the_same_offer(award, signed_in):
    page = _offer_page(signed_in, award)
    svg = re.search(r"<svg class=\"qr\".*?</svg>", page, re.S).group(0)
    decoded = decode_svg_qr(svg)
    links = _links(page)
    assert decoded == [links["wallet-link"]]
    interaction = links["wallet-link"]
    assert interaction.endswith("?iuv=1") and len(interaction) < 400
    token = urlsplit(interaction).path.rsplit("/", 1)[1]
    protocols = Client().get(_path(interaction), HTTP_ACCEPT=JSON).json()["protocols"]
    assert protocols["vcapi"].endswith(f"/wallet/x/{token}")
    offer_uri = parse_qs(urlsplit(protocols["OID4VCI"]).query)["credential_offer_uri"][0]
    assert protocols["OID4VCI"].startswith("openid-credential-offer://") and offer_uri.endswith(f"/wallet/o/{token}")
    deep = parse_qs(urlsplit(links["wallet-lcw-link"]).query)
    assert deep["vc_request_url"][0].endswith(f"/wallet/r/{token}") and deep["auth_type"] == ["bearer"]
    assert deep["challenge"][0] == WalletOffer.objects.get().challenge


def test_a_browser_opening_the_interaction_url_gets_a_page(award, signed_in):
    interaction = _links(_offer_page(signed_in, award))["wallet-link"]
    response = Client().get(_path(interaction), HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and b"wallet" in response.content.lower()
    assert response["Content-Type"].startswith("text/html")


def test_only_the_learner_gets_an_offer_page(award, learner_user):
    assert Client().post(f"/wallet/add/{award.public_id}").status_code == 403
    other = Client()
    other.force_login(UserFactory())
    assert other.post(f"/wallet/add/{award.public_id}").status_code == 403
    assert other.get(f"/wallet/add/{award.public_id}").status_code == 404
    assert not WalletOffer.objects.exists()


def test_the_email_link_makes_an_offer_for_an_unclaimed_badge(unclaimed_award):
    token = claim_token(unclaimed_award)
    assert Client().get(f"/wallet/add/{unclaimed_award.public_id}?claim={token}").status_code == 200
    page = _offer_page(Client(), unclaimed_award, claim=token)
    assert decode_svg_qr(re.search(r"<svg class=\"qr\".*?</svg>", page, re.S).group(0))


def _token(award, client) -> tuple[str, WalletOffer]:
    interaction = _links(_offer_page(client, award))["wallet-link"]
    return urlsplit(interaction).path.rsplit("/", 1)[1], WalletOffer.objects.latest("created_at")


def _verifies(credential: dict) -> None:
    result = verify_data_integrity(credential=credential, resolve_did=resolve_local_did, fetch_status_list=None)
    for name in ("signature", "issuer_key"):
        assert result.check(name).ok, result.check(name).message


def test_vcapi_exchange_walk(award, signed_in):
    token, offer = _token(award, signed_in)
    wallet, client = Wallet(), Client()
    request = client.post(f"/wallet/x/{token}", "{}", content_type=JSON).json()["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["challenge"] == offer.challenge and request["domain"] == "testserver"
    service = request["interact"]["service"][0]
    assert service["type"] == "VerifiableCredentialApiExchangeService" and service["serviceEndpoint"].endswith(token)
    vp = wallet.presentation(challenge=request["challenge"], domain=request["domain"])
    answer = client.post(f"/wallet/x/{token}", json.dumps({"verifiablePresentation": vp}), content_type=JSON)
    assert answer.status_code == 200, answer.content
    body = answer.json()["verifiablePresentation"]
    assert body["type"] == ["VerifiablePresentation"]
    (credential,) = body["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == wallet.did
    _verifies(credential)
    replay = client.post(f"/wallet/x/{token}", json.dumps({"verifiablePresentation": vp}), content_type=JSON)
    assert replay.status_code == 410 and "already been used" in replay.json()["error_description"]
    assert client.post(f"/wallet/x/{token}", "{}", content_type=JSON).status_code == 404
    assert client.get(f"/wallet/i/{token}?iuv=1", HTTP_ACCEPT=JSON).status_code == 404
    assert WalletCopy.objects.count() == 1


def test_lcw_credential_request_walk(award, signed_in):
    token, offer = _token(award, signed_in)
    wallet = Wallet()
    answer = Client().post(
        f"/wallet/r/{token}", json.dumps(wallet.presentation(challenge=offer.challenge)), content_type=JSON
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["credentialSubject"]["id"] == wallet.did


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"verifiablePresentation": "x"}', b'{"verifiablePresentation": {"type": 3}}', b"\xff"],
)
def test_hostile_bodies_get_a_json_error_not_a_500(award, signed_in, body):
    token, _offer = _token(award, signed_in)
    for path in (f"/wallet/x/{token}", f"/wallet/r/{token}", "/wallet/oid4vci/credential"):
        response = Client().post(path, body, content_type=JSON, HTTP_AUTHORIZATION="Bearer x")
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.json()["error_description"]
    assert WalletCopy.objects.count() == 0


def test_the_endpoints_are_throttled(award, signed_in, settings):
    settings.WALLET_THROTTLE_RATE = "2/minute"
    token, _offer = _token(award, signed_in)
    codes = [Client().post(f"/wallet/x/{token}", "{}", content_type=JSON).status_code for _ in range(3)]
    assert codes[-1] == 429


# --- OID4VCI over HTTP ---


def _metadata(client: Client) -> dict:
    metadata = client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == "http://testserver"
    assert set(metadata["credential_configurations_supported"]) == {
        "OpenBadgeCredential_ldp_vc",
        "OpenBadgeCredential_jwt_vc_json",
    }
    return metadata


def _offer(client: Client, token: str) -> dict:
    return client.get(f"/wallet/o/{token}").json()


@pytest.mark.parametrize("shape", ["1.0", "draft-13"])
def test_oid4vci_wallet_walk(award, signed_in, shape):
    token, _offer_row = _token(award, signed_in)
    client, wallet = Client(), Wallet()
    metadata = _metadata(client)
    as_metadata = client.get("/.well-known/oauth-authorization-server").json()
    offer = _offer(client, token)
    grant = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert "tx_code" not in grant
    token_answer = client.post(
        _path(as_metadata["token_endpoint"]),
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": grant["pre-authorized_code"],
        },
    )
    assert token_answer.status_code == 200, token_answer.content
    tokens = token_answer.json()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    if shape == "1.0":
        nonce = client.post(_path(metadata["nonce_endpoint"])).json()["c_nonce"]
        proof = wallet.key_proof(audience=metadata["credential_issuer"], nonce=nonce)
        body = {"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": [proof]}}
    else:
        proof = wallet.key_proof(audience=metadata["credential_issuer"], nonce=tokens["c_nonce"])
        body = {
            "format": "ldp_vc",
            "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
            "proof": {"proof_type": "jwt", "jwt": proof},
        }
    answer = client.post(_path(metadata["credential_endpoint"]), json.dumps(body), content_type=JSON, **headers)
    assert answer.status_code == 200, answer.content
    credential = answer.json()["credentials"][0]["credential"] if shape == "1.0" else answer.json()["credential"]
    assert credential["credentialSubject"]["id"] == wallet.did
    _verifies(credential)
    again = client.post(_path(metadata["credential_endpoint"]), json.dumps(body), content_type=JSON, **headers)
    assert again.status_code == 401 and again.json()["error"] == "invalid_token"
    assert WalletCopy.objects.count() == 1


def test_oid4vci_jwt_vc_json_and_tx_code(award, signed_in, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = _offer_page(signed_in, award, tx_code="1")
    token = urlsplit(_links(page)["wallet-link"]).path.rsplit("/", 1)[1]
    client, wallet = Client(), Wallet()
    offer = _offer(client, token)
    grant = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant["tx_code"]["length"] == 6 and grant["tx_code"]["input_mode"] == "numeric"
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": grant["pre-authorized_code"],
    }
    wrong = client.post("/wallet/oid4vci/token", {**form, "tx_code": "abcdef"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    tokens = client.post("/wallet/oid4vci/token", {**form, "user_pin": code}).json()  # draft 13's name
    proof = wallet.key_proof(audience="http://testserver", nonce=tokens["c_nonce"])
    body = {"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json", "proofs": {"jwt": [proof]}}
    answer = client.post(
        "/wallet/oid4vci/credential",
        json.dumps(body),
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}",
    )
    assert answer.status_code == 200, answer.content
    jwt = answer.json()["credentials"][0]["credential"]
    assert isinstance(jwt, str) and jwt.count(".") == 2
    assert WalletCopy.objects.get().format == "jwt_vc_json"


def test_oid4vci_refusals_are_in_the_specs_shape(award, signed_in):
    token, _row = _token(award, signed_in)
    client = Client()
    bad_grant = client.post("/wallet/oid4vci/token", {"grant_type": "authorization_code", "code": "x"})
    assert bad_grant.status_code == 400 and bad_grant.json()["error"] == "unsupported_grant_type"
    unknown = client.post(
        "/wallet/oid4vci/token",
        {"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code", "pre-authorized_code": "guess"},
    )
    assert unknown.json()["error"] == "invalid_grant"
    no_token = client.post("/wallet/oid4vci/credential", "{}", content_type=JSON)
    assert no_token.status_code == 401 and no_token.json()["error"] == "invalid_token"
    assert "Bearer" in no_token["WWW-Authenticate"]
    assert client.get(f"/wallet/o/{unquote('nope')}").status_code == 404
    assert WalletCopy.objects.count() == 0


def test_a_stranger_learns_nothing_personal_from_the_wallet_page(award):
    """Privacy (as tests/security/test_privacy.py for the award's other URLs): the page names the badge, never
    the learner, to anyone but the learner."""
    stranger = Client()
    answers = [stranger.get(f"/wallet/add/{award.public_id}"), stranger.post(f"/wallet/add/{award.public_id}")]
    for response in answers:
        body = response.content.decode()
        assert response.status_code in (403, 404)
        assert award.learner.email not in body and award.learner.name not in body


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    [
        "@context",
        "type",
        "holder",
        "proof",
        "verifiableCredential",
        "challenge",
        "domain",
        "proofValue",
        "proofPurpose",
        "verificationMethod",
        "cryptosuite",
        "format",
        "proofs",
        "jwt",
        "credential_configuration_id",
        "credential_definition",
    ]
)
_SHAPED = st.dictionaries(_KEYS, _JSON, max_size=6)


@given(body=st.one_of(_JSON, _SHAPED, st.builds(lambda p: {"verifiablePresentation": p}, _SHAPED)))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_json_body_makes_a_wallet_endpoint_fail(award, learner_user, body):
    client = Client()
    client.force_login(learner_user)
    token, _offer = _token(award, client)
    encoded = json.dumps(body)
    for path in (f"/wallet/x/{token}", f"/wallet/r/{token}", "/wallet/oid4vci/credential"):
        response = Client().post(path, encoded, content_type=JSON, HTTP_AUTHORIZATION="Bearer x")
        assert response.status_code < 500, (path, body, response.content[:300])
    assert WalletCopy.objects.count() == 0


def test_browser_wallets_may_call_the_wallet_endpoints_but_not_the_learners_page(award, signed_in):
    token, _offer = _token(award, signed_in)
    for path in (f"/wallet/x/{token}", "/wallet/oid4vci/token", "/wallet/oid4vci/credential"):
        preflight = Client().options(
            path, HTTP_ORIGIN="https://wallet.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
        )
        assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "*"
        assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert Client().get("/.well-known/openid-credential-issuer")["Access-Control-Allow-Origin"] == "*"
    assert Client().get(f"/wallet/i/{token}?iuv=1", HTTP_ACCEPT=JSON)["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in signed_in.get(f"/wallet/add/{award.public_id}")
