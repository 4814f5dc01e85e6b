"""The 1EdTech reference validator (badgecheck 1.2.0, offline, its own venv) judges badges issued by the live
test server: hosted, signed, baked PNG and SVG, tampered, revoked (410 and revocation list) and expired."""

import base64
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import skip_or_fail
from tests.interop.badgecheck_client import BadgecheckUnavailable, ensure_badgecheck, run_badgecheck
from tests.interop.live_badges import issued_world

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]


def tamper(token: str) -> str:
    """Change one character of the payload's JSON text (the recipient salt), keeping it valid JSON."""
    header, payload, signature = token.split(".")
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    at = text.index('"salt":"') + len('"salt":"')
    text = text[:at] + ("x" if text[at] != "x" else "y") + text[at + 1 :]
    return f"{header}.{base64.urlsafe_b64encode(text.encode()).decode().rstrip('=')}.{signature}"


@pytest.fixture(scope="module")
def reports(live_server, django_db_setup, django_db_blocker, tmp_path_factory):
    try:
        ensure_badgecheck()
    except BadgecheckUnavailable as exc:
        skip_or_fail(str(exc))
    folder = tmp_path_factory.mktemp("baked")
    with django_db_blocker.unblock(), override_settings(PUBLIC_BASE_URL=live_server.url):
        try:
            world = issued_world()
            from django.test import Client

            client = Client()

            def download(award, filename):
                response = client.get(f"/assertions/{award.public_id}/{filename}", {"claim": ""}, secure=False)
                if response.status_code == 404:  # private: the holder's claim token opens it
                    from badges.public_urls import claim_token

                    response = client.get(f"/assertions/{award.public_id}/{filename}", {"claim": claim_token(award)})
                assert response.status_code == 200, (filename, response.status_code)
                path = folder / f"{award.public_id}-{filename}"
                path.write_bytes(response.content)
                return str(path)

            inputs = {
                "hosted": world.good.ob2_assertion["id"],
                "baked_png_hosted": download(world.good, "badge-hosted.png"),
                "baked_png_signed": download(world.good, "badge.png"),
                "baked_svg_hosted": download(world.good_svg, "badge-hosted.svg"),
                "baked_svg_signed": download(world.good_svg, "badge.svg"),
                "signed": world.good.ob2_jws,
                "signed_tampered": tamper(world.good.ob2_jws),
                "revoked_hosted": world.revoked_hosted.ob2_assertion["id"],
                "revoked_signed": world.revoked_signed.ob2_jws,
                "expired": world.expired.ob2_jws,
                "expired_hosted": world.expired.ob2_assertion["id"],
            }
            with ThreadPoolExecutor(max_workers=2) as pool:
                return dict(zip(inputs, pool.map(run_badgecheck, inputs.values()), strict=True))
        finally:
            call_command("flush", interactive=False, verbosity=0)


def errors(report: dict) -> str:
    return json.dumps([m for m in report["messages"] if m.get("messageLevel") == "ERROR"], indent=1)


@pytest.mark.parametrize(
    "name", ["hosted", "baked_png_hosted", "baked_png_signed", "baked_svg_hosted", "baked_svg_signed", "signed"]
)
def test_valid_badges_are_accepted(reports, name):
    report = reports[name]
    assert report["valid"] is True, errors(report)
    assert report["errorCount"] == 0
    assert not report["revoked"] and not report["expired"]
    assert report["refusedUrls"] == [], "the validator tried to leave the machine"


def test_one_changed_payload_character_is_refused(reports):
    report = reports["signed_tampered"]
    assert report["valid"] is False
    assert "failed verification" in errors(report)


def test_revoked_hosted_assertion_answers_410(reports):
    report = reports["revoked_hosted"]
    assert report["valid"] is False
    assert report["revoked"] is True and report["revocationSource"] == "http-410"


def test_revoked_signed_assertion_is_in_the_revocation_list(reports):
    report = reports["revoked_signed"]
    assert report["valid"] is False
    assert report["revoked"] is True
    assert "has been revoked in RevocationList" in errors(report)


@pytest.mark.parametrize("name", ["expired", "expired_hosted"])
def test_expired_award_is_reported_expired(reports, name):
    report = reports[name]
    assert report["valid"] is False
    assert report["expired"] is True
    assert "expired on" in errors(report)
