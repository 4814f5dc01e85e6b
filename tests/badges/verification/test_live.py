"""Badges issued by the live test server verify as valid through the page and the API in every form — answered
locally, and fetched over HTTP as a verifier elsewhere would (safe fetcher, did:web, status list, RevocationList).
Revoked and vanished hosted badges are reported from what the server answers (410, 404)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings

from badges.verification.fetching import fetch_cache
from tests.badges.verification.issued import download
from tests.interop.live_badges import issued_world

pytestmark = pytest.mark.django_db(transaction=True)

FORMS = [
    "hosted_url",
    "signed_jws",
    "baked_png",
    "baked_png_hosted",
    "baked_svg",
    "baked_svg_hosted",
    "baked_svg_ob3",
    "ob3_json",
    "ob3_jwt",
]


def _inputs(client, world) -> dict[str, dict]:
    good, svg = world.good, world.good_svg
    files = {
        "baked_png": download(client, good, "badge.png"),
        "baked_png_hosted": download(client, good, "badge-hosted.png"),
        "baked_svg": download(client, svg, "badge.svg"),
        "baked_svg_hosted": download(client, svg, "badge-hosted.svg"),
        "baked_svg_ob3": download(client, svg, "badge-ob3-jwt.svg"),
    }
    inputs = {name: {"file": data} for name, data in files.items()}
    inputs["hosted_url"] = {"url": good.ob2_assertion["id"]}
    inputs["signed_jws"] = {"text": good.ob2_jws}
    inputs["ob3_json"] = {"text": json.dumps(good.ob3_credential)}
    inputs["ob3_jwt"] = {"text": good.ob3_jwt}
    inputs["revoked_hosted_url"] = {"url": world.revoked_hosted.ob2_assertion["id"]}
    inputs["revoked_signed"] = {"text": world.revoked_signed.ob2_jws}
    inputs["revoked_ob3"] = {"text": world.revoked_signed.ob3_jwt}
    inputs["expired_jws"] = {"text": world.expired.ob2_jws}
    inputs["vanished_url"] = {"url": good.ob2_assertion["id"] + "x"}
    return inputs


def _ask(client, given: dict) -> tuple[dict, str]:
    ((field, value),) = given.items()
    if field == "file":
        api = client.post("/api/v1/verify", {"file": SimpleUploadedFile("badge", value)})
        page = client.post("/verify", {"file": SimpleUploadedFile("badge", value)})
    else:
        key = "credential" if field == "text" else "url"
        api = client.post("/api/v1/verify", {key: value}, content_type="application/json")
        page = client.post("/verify", {field: value})
    assert api.status_code == 200 and page.status_code == 200, (api.content[:300], page.content[:300])
    return api.json(), page.content.decode()


@pytest.fixture(scope="module")
def answers(live_server, django_db_setup, django_db_blocker):
    out: dict[str, dict[str, tuple[dict, str]]] = {}
    common = {"PUBLIC_BASE_URL": live_server.url, "VERIFY_THROTTLE_RATE": "100000/minute"}
    with django_db_blocker.unblock(), override_settings(**common):
        try:
            world = issued_world()
            client = Client()
            inputs = _inputs(client, world)
            for mode, extra in {
                "local": {},
                "over_http": {"VERIFY_RESOLVE_LOCALLY": False, "VERIFY_ALLOW_PRIVATE_NETWORKS": True},
            }.items():
                fetch_cache().clear()
                with override_settings(**extra):
                    out[mode] = {name: _ask(client, given) for name, given in inputs.items()}
            with override_settings(VERIFY_RESOLVE_LOCALLY=False):  # the default policy refuses the loopback server
                fetch_cache().clear()
                out["refused"] = {"hosted_url": _ask(client, inputs["hosted_url"])}
        finally:
            fetch_cache().clear()
            call_command("flush", interactive=False, verbosity=0)
    return out


def _failed(api: dict) -> dict:
    return {f"{r['generation']}:{c['name']}": c["message"] for r in api["results"] for c in r["checks"] if not c["ok"]}


@pytest.mark.parametrize("mode", ["local", "over_http"])
@pytest.mark.parametrize("form", FORMS)
def test_badges_issued_here_are_valid_on_the_page_and_the_api(answers, mode, form):
    api, page = answers[mode][form]
    assert api["verdict"] == "valid", _failed(api)
    assert all(r["verdict"] == "valid" for r in api["results"])
    assert "Valid" in page and "Not valid" not in page and "✗" not in page


def test_over_http_the_issuer_is_known_by_its_did_or_hosted_profile(answers):
    ob3 = answers["over_http"]["ob3_jwt"][0]["results"][0]
    assert ob3["issuer"]["known_by"] == "did" and ob3["issuer"]["id"].startswith("did:web:localhost")
    ob2 = answers["over_http"]["signed_jws"][0]["results"][0]
    assert ob2["issuer"]["known_by"] == "hosted_profile" and ob2["issuer"]["id"].startswith("http://localhost")


@pytest.mark.parametrize("mode", ["local", "over_http"])
def test_revoked_expired_and_vanished_badges_are_not_valid(answers, mode):
    got = {name: _failed(answers[mode][name][0]) for name in answers[mode]}
    assert "410" in got["revoked_hosted_url"]["ob2:status"]
    assert "revocation list" in got["revoked_signed"]["ob2:status"]
    assert "revoked" in got["revoked_ob3"]["ob3:status"]
    assert "expired" in got["expired_jws"]["ob2:expiration"]
    assert "no longer answers" in got["vanished_url"]["ob2:hosted"]
    for name in ("revoked_hosted_url", "revoked_signed", "revoked_ob3", "expired_jws", "vanished_url"):
        assert "Not valid" in answers[mode][name][1]


def test_without_the_test_setting_the_loopback_server_is_refused(answers):
    api, _page = answers["refused"]["hosted_url"]
    assert api["verdict"] == "invalid" and "private" in api["reasons"][0]
