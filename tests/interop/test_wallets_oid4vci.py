"""A scripted OID4VCI wallet redeems offers over HTTP against the live test server — metadata, offer by reference,
token, nonce, credential — in the 1.0 shapes and the draft-13 shapes, ldp_vc and jwt_vc_json. Each credential is
bound to the wallet's key; verifier-core (DCC) and our verifier accept the ldp_vc copies, our verifier the VC-JWT,
and after the award is revoked both report the copies revoked. A second redemption, a wrong transaction code and a
proof signed by another key are refused."""

import json
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings

from badges.issuing import award_issue
from badges.models import Award, WalletCopy
from badges.openbadges.ob3.verify import verify_data_integrity, verify_jwt_credential
from badges.resolvers import fetch_local_status_list, resolve_local_did
from badges.services import award_revoke
from badges.wallets.selectors import wallet_offer_links
from badges.wallets.services import wallet_offer_create
from courses.services import enrolment_complete, enrolment_enrol
from learners.models import Learner
from tests.badges.wallets.wallet_kit import Wallet
from tests.conftest import skip_or_fail
from tests.factories import CourseFactory, IssuerFactory, UserFactory
from tests.interop.dcc_client import DccUnavailable, dcc_step, ensure_dcc, run_dcc

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]
PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
RESOLVERS = {"resolve_did": resolve_local_did, "fetch_status_list": fetch_local_status_list}


@pytest.fixture(scope="module")
def dcc():
    try:
        ensure_dcc()
    except DccUnavailable as exc:
        skip_or_fail(str(exc))


def _http(method: str, url: str, *, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 — the live test server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _form(url: str, fields: dict) -> tuple[int, dict]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return _http("POST", url, data=urlencode(fields).encode(), headers=headers)


def _json(url: str, body: dict, *, token: str) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return _http("POST", url, data=json.dumps(body).encode(), headers=headers)


class ScriptedWallet:
    """Follows the offer link the way an OID4VCI wallet does, from the openid-credential-offer:// URI alone."""

    def __init__(self, offer_link: str, *, draft: bool, fmt: str, tx_code: str | None = None) -> None:
        self.offer_link, self.draft, self.fmt, self.tx_code = offer_link, draft, fmt, tx_code
        self.wallet = Wallet()

    def redeem(self, *, signer: Wallet | None = None) -> tuple[int, dict]:
        offer_uri = parse_qs(urlsplit(self.offer_link).query)["credential_offer_uri"][0]
        _status, offer = _http("GET", offer_uri)
        issuer = offer["credential_issuer"]
        _status, metadata = _http("GET", f"{issuer}/.well-known/openid-credential-issuer")
        _status, server = _http("GET", f"{issuer}/.well-known/oauth-authorization-server")
        grant = offer["grants"][PRE_AUTHORIZED]
        fields = {"grant_type": PRE_AUTHORIZED, "pre-authorized_code": grant["pre-authorized_code"]}
        if self.tx_code is not None:
            fields["user_pin" if self.draft else "tx_code"] = self.tx_code
        token_endpoint = metadata["token_endpoint"] if self.draft else server["token_endpoint"]
        status, tokens = _form(token_endpoint, fields)
        if status != 200:
            return status, tokens
        if self.draft:
            nonce = tokens["c_nonce"]
        else:
            _status, nonce_body = _http("POST", metadata["nonce_endpoint"], data=b"")
            nonce = nonce_body["c_nonce"]
        proof = self.wallet.key_proof(audience=issuer, nonce=nonce, signer=signer)
        if self.draft:
            body = {
                "format": self.fmt,
                "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
                "proof": {"proof_type": "jwt", "jwt": proof},
            }
        else:
            body = {"credential_configuration_id": f"OpenBadgeCredential_{self.fmt}", "proofs": {"jwt": [proof]}}
        self.access_token, self.body = tokens["access_token"], body
        self.credential_endpoint = metadata["credential_endpoint"]
        return _json(self.credential_endpoint, body, token=tokens["access_token"])

    def again(self) -> tuple[int, dict]:
        return _json(self.credential_endpoint, self.body, token=self.access_token)


def _credential(answer: dict, *, draft: bool):
    return answer["credential"] if draft else answer["credentials"][0]["credential"]


@pytest.fixture(scope="module")
def walk(dcc, live_server, django_db_setup, django_db_blocker):
    overrides = {"PUBLIC_BASE_URL": live_server.url, "WALLET_THROTTLE_RATE": "1000/minute"}
    with django_db_blocker.unblock(), override_settings(**overrides):
        try:
            issuer = IssuerFactory(name="OID4VCI Institute")
            course = CourseFactory(issuer=issuer, badge_class__issuer=issuer)
            user = UserFactory(email="oid.learner@example.org")
            enrolment = enrolment_enrol(actor=None, course=course, email=user.email, name="OID Learner")
            Learner.objects.filter(email=user.email).update(user=user)
            created = enrolment_complete(actor=None, enrolment=enrolment)
            assert award_issue(award_id=created.pk)
            award = Award.objects.select_related("learner", "issuer").get(pk=created.pk)

            def offer_link(**kwargs):
                new = wallet_offer_create(award=award, user=user, **kwargs)
                return new, wallet_offer_links(offer=new.offer, token=new.token).oid4vci_link

            out: dict = {"walks": {}}
            for draft in (False, True):
                for fmt in ("ldp_vc", "jwt_vc_json"):
                    scripted = ScriptedWallet(offer_link()[1], draft=draft, fmt=fmt)
                    status, answer = scripted.redeem()
                    out["walks"][(draft, fmt)] = (status, answer, scripted.wallet.did, scripted.again())
            new, link = offer_link(with_tx_code=True)
            out["wrong_tx_code"] = ScriptedWallet(link, draft=False, fmt="ldp_vc", tx_code="abcdef").redeem()
            out["right_tx_code"] = ScriptedWallet(link, draft=True, fmt="ldp_vc", tx_code=new.tx_code).redeem()
            _new, link = offer_link()
            out["other_key"] = ScriptedWallet(link, draft=False, fmt="ldp_vc").redeem(signer=Wallet())
            out["copies"] = WalletCopy.objects.filter(award=award).count()

            ldp = {key: _credential(v[1], draft=key[0]) for key, v in out["walks"].items() if key[1] == "ldp_vc"}
            jwts = {key: _credential(v[1], draft=key[0]) for key, v in out["walks"].items() if key[1] != "ldp_vc"}
            out["dcc"] = {key: run_dcc(c) for key, c in ldp.items()}
            out["ours"] = {key: verify_data_integrity(credential=c, **RESOLVERS) for key, c in ldp.items()}
            out["ours_jwt"] = {key: verify_jwt_credential(token=t, **RESOLVERS) for key, t in jwts.items()}
            award_revoke(actor=None, award=award, reason="Issued in error")
            out["dcc_revoked"] = {key: run_dcc(c) for key, c in ldp.items()}
            out["ours_jwt_revoked"] = {key: verify_jwt_credential(token=t, **RESOLVERS) for key, t in jwts.items()}
            yield out
        finally:
            call_command("flush", interactive=False, verbosity=0)


WALKS = [(draft, fmt) for draft in (False, True) for fmt in ("ldp_vc", "jwt_vc_json")]


@pytest.mark.parametrize("key", WALKS, ids=lambda k: f"{'draft-13' if k[0] else '1.0'}-{k[1]}")
def test_the_credential_is_bound_to_the_wallets_key_and_is_single_use(walk, key):
    status, answer, did, again = walk["walks"][key]
    assert status == 200, answer
    credential = _credential(answer, draft=key[0])
    if key[1] == "ldp_vc":
        assert credential["credentialSubject"]["id"] == did
    else:
        assert walk["ours_jwt"][key].verdict == "valid", walk["ours_jwt"][key].to_dict()
        assert walk["ours_jwt"][key].credential["credentialSubject"]["id"] == did
    assert again[0] == 401 and again[1]["error"] == "invalid_token"


@pytest.mark.parametrize("draft", [False, True], ids=["1.0", "draft-13"])
def test_both_verifiers_accept_the_ldp_copy_then_report_it_revoked(walk, draft):
    key = (draft, "ldp_vc")
    assert walk["dcc"][key]["verified"], walk["dcc"][key]
    assert walk["ours"][key].verdict == "valid", walk["ours"][key].to_dict()
    revoked = walk["dcc_revoked"][key]
    assert not revoked["verified"] and dcc_step(revoked, "revocation_status")["valid"] is False


def test_the_vc_jwt_copy_is_reported_revoked_with_the_award(walk):
    for result in walk["ours_jwt_revoked"].values():
        assert result.verdict == "invalid" and not result.check("status").ok


def test_a_wrong_tx_code_and_another_key_are_refused_and_issue_nothing(walk):
    status, body = walk["wrong_tx_code"]
    assert status == 400 and body["error"] == "invalid_grant"
    status, body = walk["right_tx_code"]
    assert status == 200, body
    status, body = walk["other_key"]
    assert status == 400 and body["error"] == "invalid_proof"
    assert walk["copies"] == 5  # four walks and the right transaction code; no copy for any refusal
