"""Single use under concurrency: wallets racing with one offer get one copy between them (the offer row is locked
for the redemption, and the conditional UPDATE and the one-to-one copy stand behind the lock)."""

import threading

import pytest
from django.db import connection

from badges.models import WalletCopy, WalletOffer
from badges.wallets import links
from badges.wallets.services import (
    WalletError,
    wallet_credential_issue,
    wallet_offer_create,
    wallet_offer_redeem_presentation,
    wallet_token_issue,
)
from tests.badges.wallets.wallet_kit import Wallet
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 4


@pytest.fixture(autouse=True)
def _postgresql():
    # SQLite's in-memory test database is shared between threads through a table lock that fails instead of
    # waiting; the row locks this test is about are PostgreSQL's (production's database).
    if connection.vendor != "postgresql":
        skip_or_fail("the wallet race tests need PostgreSQL (set DATABASE_URL; `bash .ci/run` does)")


def _race(work) -> list:
    """Run `work(i)` in RACERS threads released together; return what each returned or raised."""
    barrier = threading.Barrier(RACERS)
    outcomes: list = [None] * RACERS

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = work(i)
        except WalletError as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_racing_presentations_get_one_copy(award, learner_user):
    new = wallet_offer_create(award=award, user=learner_user)
    wallets = [Wallet() for _ in range(RACERS)]
    vps = [w.presentation(challenge=new.offer.challenge, domain=new.offer.domain) for w in wallets]
    outcomes = _race(lambda i: wallet_offer_redeem_presentation(token=new.token, presentation=vps[i], kind="vcapi"))
    won = [o for o in outcomes if isinstance(o, WalletCopy)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, WalletError) and o.status == 410 for o in outcomes if o not in won), outcomes
    assert WalletCopy.objects.count() == 1
    assert WalletOffer.objects.get().used_at is not None


def test_racing_token_requests_get_one_access_token(award, learner_user):
    new = wallet_offer_create(award=award, user=learner_user)
    outcomes = _race(lambda i: wallet_token_issue(pre_authorized_code=new.pre_authorized_code, tx_code=None))
    grants = [o for o in outcomes if not isinstance(o, WalletError)]
    assert len(grants) == 1, outcomes
    wallets = [Wallet() for _ in range(RACERS)]
    proofs = [w.key_proof(audience=links.credential_issuer(), nonce=grants[0].c_nonce) for w in wallets]
    outcomes = _race(
        lambda i: wallet_credential_issue(access_token=grants[0].access_token, proof_jwt=proofs[i], fmt="ldp_vc")
    )
    assert len([o for o in outcomes if isinstance(o, WalletCopy)]) == 1, outcomes
    assert WalletCopy.objects.count() == 1
