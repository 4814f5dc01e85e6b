"""Wallet offers and redemptions through the services: who may make an offer, and that every refusal — replay,
expiry, wrong challenge or domain, another key, a revoked badge — issues nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from badges.models import AwardStatus, WalletCopy, WalletOffer
from badges.openbadges.ob3.status_list import decode_list, get_bit
from badges.public_urls import claim_token
from badges.services import award_revoke
from badges.status_lists import status_list_credential
from badges.wallets import links
from badges.wallets.services import (
    WalletError,
    wallet_credential_issue,
    wallet_nonce_new,
    wallet_offer_create,
    wallet_offer_redeem_presentation,
    wallet_token_issue,
)
from tests.badges.wallets.wallet_kit import Wallet
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

VCAPI, LCW = WalletOffer.Kind.VCAPI, WalletOffer.Kind.LCW_REQUEST


def _refused(**kwargs) -> WalletError:
    with pytest.raises(WalletError) as caught:
        wallet_offer_redeem_presentation(**kwargs)
    return caught.value


def test_the_learner_gets_a_copy_bound_to_the_wallet_with_the_awards_status_entry(award, learner_user, wallet):
    new = wallet_offer_create(award=award, user=learner_user)
    offer = new.offer
    vp = wallet.presentation(challenge=offer.challenge, domain=offer.domain)
    copy = wallet_offer_redeem_presentation(token=new.token, presentation=vp, kind=VCAPI)
    credential = copy.credential
    assert credential["credentialSubject"]["id"] == wallet.did
    assert credential["credentialSubject"]["achievement"] == award.ob3_credential["credentialSubject"]["achievement"]
    assert credential["credentialStatus"] == award.ob3_credential["credentialStatus"]
    assert credential["validFrom"] == award.ob3_credential["validFrom"]
    assert credential["id"] != award.ob3_credential["id"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["proof"]["verificationMethod"] == award.ob3_credential["proof"]["verificationMethod"]
    offer.refresh_from_db()
    assert offer.used_at is not None and offer.kind == VCAPI
    assert list(award.wallet_copies.all()) == [copy]


def test_only_hashes_of_the_bearer_secrets_are_stored(award, learner_user):
    new = wallet_offer_create(award=award, user=learner_user, with_tx_code=True)
    stored = WalletOffer.objects.filter(pk=new.offer.pk).values().get()
    for secret in (new.token, new.pre_authorized_code, new.tx_code):
        assert secret not in {str(value) for value in stored.values()}


def test_offer_expires_after_the_setting(award, learner_user, settings):
    settings.WALLET_OFFER_SECONDS = 120
    now = timezone.now()
    new = wallet_offer_create(award=award, user=learner_user, now=now)
    assert new.offer.expires_at == now + timedelta(seconds=120)


@pytest.mark.parametrize("who", ["another learner", "anonymous", "staff of another institution", "own staff"])
def test_nobody_but_the_learner_may_make_an_offer(award, who):
    from django.contrib.auth.models import AnonymousUser

    users = {
        "another learner": lambda: UserFactory(),
        "anonymous": AnonymousUser,
        "staff of another institution": lambda: MembershipFactory().user,
        "own staff": lambda: MembershipFactory(issuer=award.issuer).user,
    }
    with pytest.raises(WalletError) as caught:
        wallet_offer_create(award=award, user=users[who]())
    assert caught.value.status == 403
    assert not WalletOffer.objects.exists()


def test_a_valid_claim_link_may_make_an_offer_while_the_badge_is_unclaimed(unclaimed_award):
    assert wallet_offer_create(award=unclaimed_award, claim=claim_token(unclaimed_award)).offer.pk
    with pytest.raises(WalletError):
        wallet_offer_create(award=unclaimed_award, claim=claim_token(unclaimed_award) + "x")


def test_a_claim_link_no_longer_works_once_an_account_holds_the_badge(award):
    with pytest.raises(WalletError):
        wallet_offer_create(award=award, claim=claim_token(award))


def test_a_revoked_badge_gets_no_offer(award, learner_user):
    award_revoke(actor=None, award=award, reason="error")
    award.refresh_from_db()
    with pytest.raises(WalletError) as caught:
        wallet_offer_create(award=award, user=learner_user)
    assert caught.value.status == 409


def test_replay_is_refused_and_issues_nothing(award, learner_user, wallet):
    new = wallet_offer_create(award=award, user=learner_user)
    vp = wallet.presentation(challenge=new.offer.challenge, domain=new.offer.domain)
    wallet_offer_redeem_presentation(token=new.token, presentation=vp, kind=VCAPI)
    error = _refused(token=new.token, presentation=vp, kind=VCAPI)
    assert "already been used" in error.message
    assert WalletCopy.objects.count() == 1


def test_expired_offer_is_refused(award, learner_user, wallet):
    new = wallet_offer_create(award=award, user=learner_user, now=timezone.now() - timedelta(minutes=11))
    vp = wallet.presentation(challenge=new.offer.challenge, domain=new.offer.domain)
    assert "expired" in _refused(token=new.token, presentation=vp, kind=VCAPI).message
    assert WalletCopy.objects.count() == 0


def test_wrong_challenge_wrong_domain_and_unknown_offer_are_refused(award, learner_user, wallet):
    new = wallet_offer_create(award=award, user=learner_user)
    offer = new.offer
    wrong_challenge = wallet.presentation(challenge="not-the-challenge", domain=offer.domain)
    assert "challenge" in _refused(token=new.token, presentation=wrong_challenge, kind=VCAPI).message
    wrong_domain = wallet.presentation(challenge=offer.challenge, domain="evil.example")
    assert "domain" in _refused(token=new.token, presentation=wrong_domain, kind=VCAPI).message
    good = wallet.presentation(challenge=offer.challenge, domain=offer.domain)
    assert _refused(token="not-a-token", presentation=good, kind=VCAPI).status == 404
    assert WalletCopy.objects.count() == 0
    offer.refresh_from_db()
    assert offer.used_at is None  # a refused attempt does not spend the learner's offer


def test_a_presentation_signed_by_another_key_is_refused(award, learner_user, wallet):
    new = wallet_offer_create(award=award, user=learner_user)
    vp = wallet.presentation(challenge=new.offer.challenge, domain=new.offer.domain)
    vp["holder"] = Wallet().did  # claims another holder than the key that signed
    assert _refused(token=new.token, presentation=vp, kind=VCAPI)
    stolen = Wallet().presentation(challenge=new.offer.challenge, domain=new.offer.domain)
    stolen["proof"]["proofValue"] = vp["proof"]["proofValue"]
    assert "signature" in _refused(token=new.token, presentation=stolen, kind=VCAPI).message
    assert WalletCopy.objects.count() == 0


def test_the_lcw_request_route_needs_the_challenge_but_no_domain(award, learner_user, wallet):
    new = wallet_offer_create(award=award, user=learner_user)
    copy = wallet_offer_redeem_presentation(
        token=new.token, presentation=wallet.presentation(challenge=new.offer.challenge), kind=LCW
    )
    assert copy.holder_did == wallet.did


def test_an_award_revoked_after_the_offer_gets_no_copy(award, learner_user, wallet):
    new = wallet_offer_create(award=award, user=learner_user)
    award_revoke(actor=None, award=award, reason="error")
    vp = wallet.presentation(challenge=new.offer.challenge, domain=new.offer.domain)
    assert "revoked" in _refused(token=new.token, presentation=vp, kind=VCAPI).message
    assert WalletCopy.objects.count() == 0


def test_revoking_the_award_revokes_every_copy(award, learner_user, wallet):
    copies = []
    for _round in range(2):
        new = wallet_offer_create(award=award, user=learner_user)
        vp = wallet.presentation(challenge=new.offer.challenge, domain=new.offer.domain)
        copies.append(wallet_offer_redeem_presentation(token=new.token, presentation=vp, kind=VCAPI))
    award_revoke(actor=None, award=award, reason="error")
    award.refresh_from_db()
    assert award.status == AwardStatus.REVOKED
    bits = decode_list(status_list_credential(issuer=award.issuer)["credentialSubject"]["encodedList"])
    for copy in copies:
        assert get_bit(bits, int(copy.credential["credentialStatus"]["statusListIndex"]))


# --- OID4VCI ---


def _oid4vci(award, user, *, tx_code=False):
    new = wallet_offer_create(award=award, user=user, with_tx_code=tx_code)
    return new


def test_oid4vci_token_then_credential_binds_the_proof_key(award, learner_user, wallet):
    new = _oid4vci(award, learner_user)
    grant = wallet_token_issue(pre_authorized_code=new.pre_authorized_code, tx_code=None)
    proof = wallet.key_proof(audience=links.credential_issuer(), nonce=grant.c_nonce)
    copy = wallet_credential_issue(access_token=grant.access_token, proof_jwt=proof, fmt="jwt_vc_json")
    assert copy.holder_did == wallet.did and copy.credential["credentialSubject"]["id"] == wallet.did
    assert copy.credential_jwt.count(".") == 2
    assert copy.offer.kind == WalletOffer.Kind.OID4VCI


def test_oid4vci_nonce_endpoint_nonce_is_accepted(award, learner_user, wallet):
    new = _oid4vci(award, learner_user)
    grant = wallet_token_issue(pre_authorized_code=new.pre_authorized_code, tx_code=None)
    proof = wallet.key_proof(audience=links.credential_issuer(), nonce=wallet_nonce_new())
    assert wallet_credential_issue(access_token=grant.access_token, proof_jwt=proof, fmt="ldp_vc").pk


def test_oid4vci_second_redemption_is_refused(award, learner_user, wallet):
    new = _oid4vci(award, learner_user)
    grant = wallet_token_issue(pre_authorized_code=new.pre_authorized_code, tx_code=None)
    with pytest.raises(WalletError) as second_token:
        wallet_token_issue(pre_authorized_code=new.pre_authorized_code, tx_code=None)
    assert second_token.value.code == "invalid_grant"
    proof = wallet.key_proof(audience=links.credential_issuer(), nonce=grant.c_nonce)
    wallet_credential_issue(access_token=grant.access_token, proof_jwt=proof, fmt="ldp_vc")
    with pytest.raises(WalletError) as second_credential:
        wallet_credential_issue(access_token=grant.access_token, proof_jwt=proof, fmt="ldp_vc")
    assert second_credential.value.code == "invalid_token"
    assert WalletCopy.objects.count() == 1


def test_oid4vci_wrong_tx_code_is_refused_and_spends_the_offer_after_the_limit(award, learner_user, settings):
    settings.WALLET_TX_CODE_ATTEMPTS = 3
    new = _oid4vci(award, learner_user, tx_code=True)
    wrong = "000000" if new.tx_code != "000000" else "111111"
    for _attempt in range(3):
        with pytest.raises(WalletError) as caught:
            wallet_token_issue(pre_authorized_code=new.pre_authorized_code, tx_code=wrong)
        assert caught.value.code == "invalid_grant"
    with pytest.raises(WalletError) as spent:
        wallet_token_issue(pre_authorized_code=new.pre_authorized_code, tx_code=new.tx_code)
    assert "Too many" in spent.value.message
    new2 = _oid4vci(award, learner_user, tx_code=True)
    assert wallet_token_issue(pre_authorized_code=new2.pre_authorized_code, tx_code=new2.tx_code).access_token


def test_oid4vci_tx_code_is_emailed(award, learner_user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        new = _oid4vci(award, learner_user, tx_code=True)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [award.learner.email]
    assert new.tx_code in mailoutbox[0].body


def test_oid4vci_proof_by_another_key_wrong_nonce_or_audience_is_refused(award, learner_user, wallet):
    new = _oid4vci(award, learner_user)
    grant = wallet_token_issue(pre_authorized_code=new.pre_authorized_code, tx_code=None)
    good = wallet.key_proof(audience=links.credential_issuer(), nonce=grant.c_nonce)
    header, payload, _sig = good.split(".")
    other = Wallet().key_proof(audience=links.credential_issuer(), nonce=grant.c_nonce).split(".")[2]
    cases = {
        "invalid_proof": f"{header}.{payload}.{other}",
        "invalid_nonce": wallet.key_proof(audience=links.credential_issuer(), nonce="made-up"),
    }
    for code, proof in cases.items():
        with pytest.raises(WalletError) as caught:
            wallet_credential_issue(access_token=grant.access_token, proof_jwt=proof, fmt="ldp_vc")
        assert caught.value.code == code
    with pytest.raises(WalletError) as audience:
        wallet_credential_issue(
            access_token=grant.access_token,
            proof_jwt=wallet.key_proof(audience="https://elsewhere.example", nonce=grant.c_nonce),
            fmt="ldp_vc",
        )
    assert audience.value.code == "invalid_proof"
    assert WalletCopy.objects.count() == 0


def test_the_institutions_admin_lists_the_copies_on_the_award(award, learner_user, wallet):
    from django.test import Client

    from tests.factories import MembershipFactory

    new = wallet_offer_create(award=award, user=learner_user)
    vp = wallet.presentation(challenge=new.offer.challenge, domain=new.offer.domain)
    wallet_offer_redeem_presentation(token=new.token, presentation=vp, kind=VCAPI)
    staff = Client()
    staff.force_login(MembershipFactory(issuer=award.issuer).user)
    page = staff.get(f"/admin/badges/award/{award.pk}/change/").content.decode()
    assert "ldp_vc · " + wallet.did[:57] in page
