"""GET /api/v1/awards/<id>/verify remembers its verdict, and forgets it the moment the award, its issuer's status
list or its issuer's keys change (decision 0024): never a stale "valid" after a revocation, even when another process
remembered it. A remembered verdict costs no SQL; verifications are still counted, in batches."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges import counters
from badges.issuing import award_issue
from badges.models import Award, AwardStatus
from badges.services import award_correct, award_reissue, award_renew, award_revoke
from badges.status_lists import status_list_set
from badges.verification import award as verdicts
from issuers.models import KeyAlgorithm, KeyState, SigningKey
from issuers.services import signing_key_revoke, signing_key_rotate
from tests.badges.verification.issued import issue
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _counting_in_batches(settings):
    """Counts are batched as in production; nothing pending is left for the next test."""
    settings.VERIFY_COUNT_FLUSH_SECONDS = 60
    counters.verification_counts_flush()
    counters._pending = counters._Pending()  # a quiet spell: the next call is written at once
    yield
    counters.verification_counts_flush()


@pytest.fixture
def award():
    return issue()


def verify(client, award: Award) -> dict:
    response = client.get(f"/api/v1/awards/{award.public_id}/verify")
    assert response.status_code == 200, response.content
    return response.json()


def remembered(award: Award) -> bool:
    return verdicts._remembered(award.public_id) is not None


def test_a_remembered_verdict_runs_no_sql(client, award):
    assert verify(client, award)["verdict"] == "valid"
    assert remembered(award)
    with CaptureQueriesContext(connection) as queries:
        body = verify(client, award)
    assert body["verdict"] == "valid"
    assert [q["sql"] for q in queries.captured_queries] == []


def test_verifications_served_from_memory_are_still_counted(client, award):
    """The first call of a quiet spell is written at once; the rest, batched, when the batch is written."""
    for _ in range(5):
        verify(client, award)
    award.refresh_from_db()
    assert award.verification_count == 1  # the four others wait for the next write
    assert counters.verification_counts_flush() == 4
    award.refresh_from_db()
    assert award.verification_count == 5 and award.last_verified_at is not None


def test_after_a_revocation_the_next_verification_says_revoked(client, award, django_capture_on_commit_callbacks):
    assert verify(client, award)["verdict"] == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        award_revoke(actor=None, award=award, reason="Withdrawn by the registrar")
    body = verify(client, award)
    assert body["verdict"] == "invalid", body
    assert "Withdrawn by the registrar" in json.dumps(body) or "revoked" in json.dumps(body).lower()


def test_a_rolled_back_revocation_keeps_the_badge_valid(client, award, django_capture_on_commit_callbacks):
    """Invalidation runs on commit: a revocation that rolls back leaves the verdict (and the badge) valid."""
    from django.db import transaction

    verify(client, award)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        award_revoke(actor=None, award=award, reason="Mistake")
        raise RuntimeError("rolled back")
    assert remembered(award)
    assert verify(client, award)["verdict"] == "valid"


def test_after_a_status_list_change_the_next_verification_reflects_it(
    client, award, django_capture_on_commit_callbacks
):
    """The list alone changes (the award row does not): the issuer's stamp carries it."""
    verify(client, award)
    updated_at = Award.objects.get(pk=award.pk).updated_at
    with django_capture_on_commit_callbacks(execute=True):
        status_list_set(issuer=award.issuer, index=award.status_list_index, value=True)
    assert Award.objects.get(pk=award.pk).updated_at == updated_at
    assert verify(client, award)["verdict"] == "invalid"
    with django_capture_on_commit_callbacks(execute=True):
        status_list_set(issuer=award.issuer, index=award.status_list_index, value=False)
    assert verify(client, award)["verdict"] == "valid"


def test_after_a_key_revocation_the_next_verification_says_invalid(client, award, django_capture_on_commit_callbacks):
    verify(client, award)
    key = SigningKey.objects.get(issuer=award.issuer, algorithm=KeyAlgorithm.ED25519, state=KeyState.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        signing_key_revoke(actor=None, key=key, reason="Compromised")
    assert verify(client, award)["verdict"] == "invalid"


def test_after_a_key_rotation_the_verdict_is_checked_again(client, award, django_capture_on_commit_callbacks):
    """Rotation retires the signing key (still published, so the badge stays valid) and re-signs the lists with the
    new one: the remembered verdict is dropped and the next one is derived from the new key states."""
    verify(client, award)
    assert remembered(award)
    with django_capture_on_commit_callbacks(execute=True):
        signing_key_rotate(actor=None, issuer=award.issuer, algorithm=KeyAlgorithm.ED25519)
    assert not remembered(award)
    assert verify(client, award)["verdict"] == "valid"
    assert remembered(award)


def test_after_a_correction_the_old_badge_is_invalid_and_the_new_one_valid(
    client, award, django_capture_on_commit_callbacks
):
    verify(client, award)
    with django_capture_on_commit_callbacks(execute=True):
        successor = award_correct(actor=None, award=award, narrative="Corrected narrative")
    assert successor.pk != award.pk
    assert verify(client, award)["verdict"] == "invalid"
    # The corrected badge is pending until signed: not found, and nothing remembered for it.
    assert client.get(f"/api/v1/awards/{successor.public_id}/verify").status_code == 404
    assert award_issue(award_id=successor.pk)
    assert verify(client, successor)["verdict"] == "valid"


def test_after_a_reissue_the_revoked_badge_stays_invalid_and_the_new_one_is_valid(
    client, award, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        award_revoke(actor=None, award=award, reason="Issued by mistake")
    assert verify(client, award)["verdict"] == "invalid"
    with django_capture_on_commit_callbacks(execute=True):
        successor = award_reissue(actor=None, award=award)
    assert award_issue(award_id=successor.pk)
    assert verify(client, award)["verdict"] == "invalid"
    assert verify(client, successor)["verdict"] == "valid"


def test_after_a_renewal_the_next_verification_reads_the_new_credential(client, django_capture_on_commit_callbacks):
    """An expired badge, renewed: pending (not found) until signed again, then valid: the expired verdict is gone."""
    award = issue(expired=True)
    assert verify(client, award)["verdict"] == "invalid"
    with django_capture_on_commit_callbacks(execute=True):
        award_renew(actor=None, award=award)
    assert client.get(f"/api/v1/awards/{award.public_id}/verify").status_code == 404
    assert award_issue(award_id=award.pk)
    assert Award.objects.get(pk=award.pk).status == AwardStatus.ISSUED
    assert verify(client, award)["verdict"] == "valid"


def test_a_verdict_read_before_a_change_that_committed_meanwhile_is_never_served(
    client, award, django_capture_on_commit_callbacks, monkeypatch
):
    """The race: a verifier reads the award (valid), the revocation commits, then the verifier stores "valid".
    It stored it under the stamps it read first, which the revocation dropped: the next call verifies again."""
    real_reports = verdicts._award_reports

    def revoked_meanwhile(award_read_before):
        reports = real_reports(award_read_before)  # derived from the state before the revocation
        with django_capture_on_commit_callbacks(execute=True):
            award_revoke(actor=None, award=Award.objects.get(pk=award.pk), reason="Revoked mid-verification")
        return reports

    monkeypatch.setattr(verdicts, "_award_reports", revoked_meanwhile)
    assert verify(client, award)["verdict"] == "valid"  # the answer of a call that began before the revocation
    monkeypatch.setattr(verdicts, "_award_reports", real_reports)
    assert not remembered(award)
    assert verify(client, award)["verdict"] == "invalid"


def test_a_verdict_is_not_remembered_past_the_awards_expiry(award, settings):
    settings.VERIFY_AWARD_CACHE_SECONDS = 3600
    from datetime import timedelta

    from django.utils import timezone

    Award.objects.filter(pk=award.pk).update(expires_on=timezone.now() + timedelta(seconds=90))
    fresh = Award.objects.get(pk=award.pk)
    assert 80 <= verdicts._verdict_seconds(fresh, timezone.now().timestamp()) <= 90


def test_a_verdict_is_not_remembered_longer_than_the_domain_linkage(award, settings):
    from django.utils import timezone

    settings.VERIFY_AWARD_CACHE_SECONDS = 3600
    settings.VERIFY_DOMAIN_LINKAGE_CACHE_SECONDS = 120
    assert verdicts._verdict_seconds(award, timezone.now().timestamp()) == 120


def test_the_recipient_check_is_not_remembered(client, award):
    verify(client, award)
    right = client.post(
        f"/api/v1/awards/{award.public_id}/verify", {"email": "ada@example.org"}, content_type="application/json"
    )
    wrong = client.post(
        f"/api/v1/awards/{award.public_id}/verify", {"email": "eve@example.org"}, content_type="application/json"
    )
    assert right.json()["verdict"] == "valid" and wrong.json()["verdict"] == "invalid"
    assert right["Cache-Control"] == "no-store"


# -- across processes, on the real Redis ----------------------------------------------------------------------------

_OTHER_PROCESS = """
import json, os, sys
import django
django.setup()
from django.test.utils import override_settings
with override_settings(CACHES=json.loads(os.environ["LAUREL_TEST_CACHES"])):
    from badges.counters import verification_counts_flush
    from badges.verification.award import verify_award_by_public_id
    print(verify_award_by_public_id(public_id=sys.argv[1]).verdict)
    verification_counts_flush()
"""


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("LAUREL_TEST_REDIS_URL", "")
    if not url:
        skip_or_fail(
            "LAUREL_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/6): the cross-process test needs Redis"
        )
    import redis

    prefix = f"laurel-test-{secrets.token_hex(6)}"  # other runs may share this Redis database
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    original = settings.CACHES
    settings.CACHES = caches
    try:
        cache.set("laurel:probe", 1, 5)
    except redis.RedisError as exc:
        settings.CACHES = original
        skip_or_fail(f"Redis at {url} does not answer: {exc}")
    yield caches
    # Only this run's keys (RedisCache.clear would empty the whole database), and back to the local cache before
    # the other fixtures clear "the" cache.
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    settings.CACHES = original


def _other_process(caches: dict, public_id: str) -> str:
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
            f"/{settings_dict['NAME']}"
        ),
        "LAUREL_TEST_CACHES": json.dumps(caches),
        "VERIFY_COUNT_FLUSH_SECONDS": "0",
    }
    out = subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, public_id],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_a_verdict_remembered_by_another_process_is_dropped_by_a_revocation_here(client, redis_cache):
    """Another process (its own Redis connection, the same database) remembers "valid"; this process serves that
    verdict without verifying, revokes (a real commit), and both processes then say invalid."""
    if connection.vendor != "postgresql":
        skip_or_fail("the cross-process test needs PostgreSQL (DATABASE_URL), which a second process can open")
    award = issue()
    assert _other_process(redis_cache, award.public_id) == "valid"
    assert remembered(award)  # the other process's verdict, read from Redis
    with CaptureQueriesContext(connection) as queries:
        assert verify(client, award)["verdict"] == "valid"
    # No verification SQL; only the count, written at once as the first call of a quiet spell in this process.
    assert [q["sql"].split(" SET ")[0] for q in queries.captured_queries] == ['UPDATE "badges_award"']
    award_revoke(actor=None, award=award, reason="Revoked in another process's lifetime")  # commits for real
    assert not remembered(award)
    assert verify(client, award)["verdict"] == "invalid"
    assert _other_process(redis_cache, award.public_id) == "invalid"


def test_a_verdict_is_remembered_per_language(client, award):
    """The API's answer is made in English (summary.to_dict) but may carry the caller's language one day: a French
    caller is never handed the answer remembered for an English one, and both say the same today."""
    english = verify(client, award)
    with CaptureQueriesContext(connection) as queries:
        french = client.get(f"/api/v1/awards/{award.public_id}/verify", HTTP_ACCEPT_LANGUAGE="fr")
    assert french["Content-Language"] == "fr"
    assert queries.captured_queries, "the French answer was not made for the French caller"
    assert french.json() == english


def test_an_unknown_id_leaves_nothing_in_the_cache(client):
    """A stranger's made-up ids (any number of them, any characters) are not found and make no stamp or verdict in
    the cache (the local-memory cache of the tests: its keys are listed)."""
    for public_id in ("doesnotexist", "A" * 32, "x-y_z", "\U0005679f\u00db\u00ac", "a b", "A" * 200):
        assert client.get(f"/api/v1/awards/{public_id}/verify").status_code == 404
    assert [k for k in cache._cache if "throttle" not in k] == []


@pytest.mark.django_db(transaction=True)
def test_counts_left_pending_when_calls_stop_are_written_by_the_timer(client, settings):
    """The dashboard is at most VERIFY_COUNT_FLUSH_SECONDS behind: nobody calls again, the timer writes the rest
    (on its own thread and database connection, as in a gunicorn worker)."""
    import time

    settings.VERIFY_COUNT_FLUSH_SECONDS = 0.5
    award = issue()
    for _ in range(3):
        verify(client, award)
    assert Award.objects.get(pk=award.pk).verification_count == 1
    deadline = time.monotonic() + 10
    while Award.objects.get(pk=award.pk).verification_count < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Award.objects.get(pk=award.pk).verification_count == 3
    assert counters._pending.timer is None and not counters._pending.counts
