"""Signing keys: created with the institution, encrypted at rest, rotatable, never shown."""

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from django.db import IntegrityError, connection
from django.urls import reverse

from issuers.keys import KeyDecryptionError
from issuers.models import AuditEvent, KeyAlgorithm, KeyState, Role, SigningKey
from issuers.selectors import signing_key_active, signing_key_private, signing_keys_published
from issuers.services import issuer_create, key_encryption_key_rotate, signing_key_revoke, signing_key_rotate
from tests.factories import IssuerFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def raw_private_forms(private_key) -> list[bytes]:
    """Every clear form the private key could leak in: raw bytes, DER, PEM (and their hex)."""
    forms = [
        private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    ]
    if hasattr(private_key, "private_bytes_raw"):
        forms.append(private_key.private_bytes_raw())
    return forms + [f.hex().encode() for f in forms]


def test_new_issuer_gets_one_active_key_per_algorithm():
    issuer = issuer_create(actor=None, name="N", slug="n", url="https://n.example", email="b@n.example")
    keys = SigningKey.objects.filter(issuer=issuer, state=KeyState.ACTIVE)
    assert sorted(k.algorithm for k in keys) == sorted(KeyAlgorithm.values)
    assert AuditEvent.objects.filter(issuer=issuer, action="issuer.create").exists()


@pytest.mark.parametrize("algorithm", KeyAlgorithm.values)
def test_private_key_never_in_clear_in_the_database_row(algorithm):
    issuer = IssuerFactory()
    key = signing_key_active(issuer=issuer, algorithm=algorithm)
    private = signing_key_private(key=key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM issuers_signingkey WHERE id = %s", [key.pk])
        row = cursor.fetchone()
    raw_row = b"|".join(str(v).encode() if not isinstance(v, (bytes, memoryview)) else bytes(v) for v in row)
    for clear in raw_private_forms(private):
        assert clear not in raw_row
    assert b"PRIVATE KEY" not in raw_row


def test_private_key_is_not_in_the_admin(client):
    membership = MembershipFactory(role=Role.OWNER)
    client.force_login(membership.user)
    key = signing_key_active(issuer=membership.issuer, algorithm=KeyAlgorithm.RSA2048)
    private = signing_key_private(key=key)
    pages = [
        client.get(reverse("admin:issuers_signingkey_change", args=[key.pk])).content,
        client.get(reverse("admin:issuers_signingkey_changelist")).content,
        client.get(reverse("admin:issuers_issuer_change", args=[membership.issuer.pk])).content,
    ]
    for page in pages:
        assert key.private_key_encrypted.encode() not in page
        assert b"PRIVATE KEY" not in page
        for clear in raw_private_forms(private):
            assert clear not in page


def test_rotation_keeps_the_old_key_published_and_audits_it():
    issuer = IssuerFactory()
    old = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    new = signing_key_rotate(actor=None, issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    old.refresh_from_db()
    assert old.state == KeyState.RETIRED and new.state == KeyState.ACTIVE
    assert list(signing_keys_published(issuer=issuer, algorithm=KeyAlgorithm.ED25519)) == [old, new]
    assert AuditEvent.objects.filter(action="key.rotate", target_id=new.public_id).exists()


def test_compromised_key_is_withdrawn_and_replaced():
    issuer = IssuerFactory()
    key = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    signing_key_revoke(actor=None, key=key, reason="leaked")
    assert key not in signing_keys_published(issuer=issuer)
    assert signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519) != key


def test_database_allows_one_active_key_per_algorithm():
    issuer = IssuerFactory()
    key = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    with pytest.raises(IntegrityError):
        SigningKey.objects.create(
            issuer=issuer,
            algorithm=KeyAlgorithm.ED25519,
            public_key_pem="x",
            private_key_encrypted=key.private_key_encrypted,
        )


def test_key_encryption_key_rotation(settings):
    issuer = IssuerFactory()
    key = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    before = signing_key_private(key=key).private_bytes_raw()
    new_kek = Fernet.generate_key().decode()
    settings.KEY_ENCRYPTION_KEYS = [new_kek, *settings.KEY_ENCRYPTION_KEYS]
    assert key_encryption_key_rotate() >= 2
    settings.KEY_ENCRYPTION_KEYS = [new_kek]  # the old key-encryption key is gone
    key.refresh_from_db()
    assert signing_key_private(key=key).private_bytes_raw() == before
    settings.KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(KeyDecryptionError) as excinfo:
        signing_key_private(key=key)
    assert key.private_key_encrypted not in str(excinfo.value)


def _report_of_a_failure_after_decryption(key, monkeypatch) -> str:
    """The HTML error report Django would build (debug page, admin e-mail) for a failure just after decryption.

    Kept apart from the test so that no frame of the report holds the key bytes except the code under test."""
    import html
    import sys

    from django.views.debug import ExceptionReporter
    from django.views.decorators.debug import sensitive_variables

    from issuers import keys as key_module

    @sensitive_variables()  # this stand-in's own arguments are the key bytes too
    def broken_loader(*args, **kwargs):
        raise ValueError("simulated failure after decryption")

    monkeypatch.setattr(key_module.serialization, "load_der_private_key", broken_loader)
    try:
        signing_key_private(key=key)
    except ValueError:
        return html.unescape(ExceptionReporter(None, *sys.exc_info()).get_traceback_html())
    raise AssertionError("the stand-in loader did not fail")


def test_error_reports_never_show_the_decrypted_key(monkeypatch):
    issuer = IssuerFactory()
    key = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    der_repr = repr(raw_private_forms(signing_key_private(key=key))[0])
    report = _report_of_a_failure_after_decryption(key, monkeypatch)
    assert "decrypt_private_key" in report and "********" in report
    assert der_repr[2:40] not in report
