"""Hashed recipient identities match the published OB 2.0 / OB 3.0 test vectors and Laurel's normalisation."""

import hashlib
import re

from badges.openbadges.hashing import email_matches, hash_email, hash_identity, new_salt, normalize_email


def test_sha256_mayze_vector():
    # open-badges.md A: sha256("mayze") = 7a1a1b3f…c60c6
    digest = hashlib.sha256(b"mayze").hexdigest()
    assert digest.startswith("7a1a1b3f") and digest.endswith("c60c6")
    assert hash_identity(identity="may", salt="ze") == "sha256$" + digest


def test_ob3_vectors_hash_the_email_as_given():
    first = hash_identity(identity="a@example.com", salt="Kosher")
    assert first.startswith("sha256$b5809d8a") and first.endswith("f399")
    second = hash_identity(identity="jjefferson18@example.com", salt="FleurDeSel")
    assert second.startswith("sha256$658625b2") and second.endswith("f5fc")
    # Both vectors are already normalised, so hash_email agrees with them.
    assert hash_email(email="a@example.com", salt="Kosher") == first


def test_normalize_email_trims_and_lowercases():
    assert normalize_email("  Ada.Lovelace@Example.ORG \n") == "ada.lovelace@example.org"


def test_hash_email_normalises_first():
    assert hash_email(email=" A@Example.com", salt="Kosher") == hash_identity(identity="a@example.com", salt="Kosher")
    assert re.fullmatch(r"sha256\$[0-9a-f]{64}", hash_email(email="x@y.z", salt="s"))


def test_new_salt_is_random_urlsafe_and_long_enough():
    salts = {new_salt() for _ in range(50)}
    assert len(salts) == 50
    for salt in salts:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", salt)  # 16 bytes -> 22 base64url characters


def test_email_matches():
    salt = new_salt()
    identity = hash_email(email="learner@example.com", salt=salt)
    assert email_matches(email="Learner@Example.com ", identity_hash=identity, salt=salt)
    assert email_matches(
        email="learner@example.com", identity_hash=identity.upper().replace("SHA256", "sha256"), salt=salt
    )
    assert not email_matches(email="other@example.com", identity_hash=identity, salt=salt)
    assert not email_matches(email="learner@example.com", identity_hash=identity, salt=salt + "x")
    assert not email_matches(email="learner@example.com", identity_hash="sha256$é", salt=salt)
