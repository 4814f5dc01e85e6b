"""The Learner Credential Wallet's two routes, walked against the live test server by a client built from the DCC
libraries the LCW signs with (tests/interop/lcw): the interaction URL (VC-API exchange) and the credential-request
deep link. Each gets a copy of the badge bound to its did:key; verifier-core accepts both copies, and reports them
revoked once the award is revoked. A replayed offer, a wrong challenge and another wallet's presentation are
refused and issue nothing."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from badges.issuing import award_issue
from badges.models import Award, AwardStatus, WalletCopy
from badges.services import award_revoke
from badges.wallets.selectors import wallet_offer_links
from badges.wallets.services import wallet_offer_create
from courses.services import enrolment_complete, enrolment_enrol
from learners.models import Learner
from tests.conftest import skip_or_fail
from tests.factories import CourseFactory, IssuerFactory, UserFactory
from tests.interop.dcc_client import DccUnavailable, dcc_step, ensure_dcc, run_dcc
from tests.interop.lcw_client import LcwUnavailable, ensure_lcw, lcw_interaction, lcw_present, lcw_request

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

SEED_A = "11" * 32
SEED_B = "22" * 32


@pytest.fixture(scope="module")
def tools():
    try:
        ensure_lcw()
        ensure_dcc()
    except (LcwUnavailable, DccUnavailable) as exc:
        skip_or_fail(str(exc))


def _offer(award, user):
    new = wallet_offer_create(award=award, user=user)
    return new, wallet_offer_links(offer=new.offer, token=new.token)


@pytest.fixture(scope="module")
def walk(tools, live_server, django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PUBLIC_BASE_URL=live_server.url, WALLET_THROTTLE_RATE="1000/minute"),
    ):
        try:
            issuer = IssuerFactory(name="Wallet Institute")
            course = CourseFactory(issuer=issuer, badge_class__issuer=issuer)
            user = UserFactory(email="wallet.learner@example.org")
            enrolment = enrolment_enrol(actor=None, course=course, email=user.email, name="Wallet Learner")
            Learner.objects.filter(email=user.email).update(user=user)
            created = enrolment_complete(actor=None, enrolment=enrolment)
            assert award_issue(award_id=created.pk)
            award = Award.objects.select_related("learner", "issuer", "badge_class").get(pk=created.pk)

            results = {}
            _new, links = _offer(award, user)
            results["interaction"] = lcw_interaction(links.interaction_url, seed=SEED_A)
            results["interaction_replay"] = lcw_interaction(links.interaction_url, seed=SEED_A)
            new, links = _offer(award, user)
            results["request"] = lcw_request(links.lcw_deep_link, seed=SEED_B)
            results["request_replay"] = lcw_request(links.lcw_deep_link, seed=SEED_B)

            # A deep link whose challenge was changed: the wallet signs what it was given, we refuse it.
            new, links = _offer(award, user)
            forged = links.lcw_deep_link.replace(new.offer.challenge, "not-the-challenge")
            results["wrong_challenge"] = lcw_request(forged, seed=SEED_A)
            copies_before_revocation = WalletCopy.objects.filter(award=award).count()

            copies = {
                c.offer.kind: c.credential for c in WalletCopy.objects.filter(award=award).select_related("offer")
            }
            verified = {kind: run_dcc(credential) for kind, credential in copies.items()}
            award_revoke(actor=None, award=award, reason="Issued in error")
            assert Award.objects.get(pk=award.pk).status == AwardStatus.REVOKED
            revoked = {kind: run_dcc(credential) for kind, credential in copies.items()}
            presented = lcw_present(challenge="c", domain="d", seed=SEED_A)
            yield {
                "results": results,
                "copies": copies,
                "count": copies_before_revocation,
                "verified": verified,
                "revoked": revoked,
                "did_a": presented["did"],
                "server": live_server.url,
            }
        finally:
            call_command("flush", interactive=False, verbosity=0)


def test_both_routes_issue_a_copy_bound_to_the_wallets_did(walk):
    code, interaction = walk["results"]["interaction"]
    assert code == 0, interaction
    (credential,) = interaction["response"]["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == interaction["did"] == walk["did_a"]
    code, request = walk["results"]["request"]
    assert code == 0, request
    assert request["response"]["credentialSubject"]["id"] == request["did"] != walk["did_a"]
    # The interaction URL's JSON, the exchange, then the presentation: three requests, all to our server.
    assert [step["method"] for step in interaction["steps"]] == ["GET", "POST", "POST"]
    assert all(step["url"].startswith(walk["server"]) for step in interaction["steps"])


def test_replays_and_a_wrong_challenge_are_refused_and_issue_nothing(walk):
    for name in ("interaction_replay", "request_replay", "wrong_challenge"):
        code, out = walk["results"][name]
        assert code == 1, (name, out)
        assert 400 <= out["status"] < 500 and out["response"]["error_description"], (name, out)
    assert walk["count"] == 2


@pytest.mark.parametrize("kind", ["vcapi", "lcw_request"])
def test_verifier_core_accepts_each_copy_then_reports_it_revoked(walk, kind):
    report = walk["verified"][kind]
    assert report["verified"], report
    assert dcc_step(report, "valid_signature")["valid"] is True
    revoked = walk["revoked"][kind]
    assert not revoked["verified"]
    assert dcc_step(revoked, "revocation_status")["valid"] is False, revoked
