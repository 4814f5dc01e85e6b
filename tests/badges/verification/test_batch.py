"""Batch verification (badges/verification/batch.py, POST /api/v1/verify/batch): 50 mixed items give, in input
order, exactly what 50 single calls of POST /api/v1/verify give; limits, body cap, rate limit counted per item."""

import base64
import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from badges.services import award_revoke
from badges.verification.batch import BatchItem, verify_batch
from badges.verification.fetching import fetch_cache
from tests.badges.verification.issued import download, issue
from tests.badges.verification.test_services import tamper

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/verify/batch"


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.VERIFY_THROTTLE_RATE = "100000/minute"
    settings.VERIFY_BATCH_THROTTLE_RATE = "100000/minute"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def mixed_items(client) -> list[dict]:
    """50 items: OB 2.0 hosted and signed, OB 3.0 Data Integrity and JWT, baked images, one tampered, one revoked,
    one expired, and garbage, interleaved so that order mistakes show."""
    goods = [issue(email=f"learner{n}@example.org") for n in range(5)]
    issuer = goods[0].issuer
    svg = issue(svg=True, issuer=issuer, email="svg@example.org")
    revoked = issue(issuer=issuer, email="revoked@example.org")
    expired = issue(issuer=issuer, email="expired@example.org", expired=True)
    award_revoke(actor=None, award=revoked, reason="Issued in error")
    tampered = copy.deepcopy(goods[1].ob3_credential)
    tampered["name"] = tampered.get("name", "") + " (edited)"
    items = []
    for n, award in enumerate(goods):
        items += [
            {"url": award.ob2_assertion["id"]},
            {"credential": award.ob2_jws},
            {"credential": award.ob3_credential},
            {"credential": award.ob3_jwt},
            {"image": b64(download(client, award, "badge.png"))},
            {"image": "data:image/png;base64," + b64(download(client, award, "badge-hosted.png"))},
            # the recipient check, right and wrong
            {"credential": award.ob3_credential, "email": f"learner{n}@example.org" if n % 2 else "eve@example.org"},
        ]
    items += [
        {"image": b64(download(client, svg, "badge.svg"))},
        {"image": b64(download(client, svg, "badge-ob3-jwt.svg"))},
        {"credential": tampered},
        {"credential": tamper(goods[2].ob2_jws)},
        {"url": revoked.ob2_assertion["id"]},
        {"credential": revoked.ob2_jws},
        {"credential": revoked.ob3_jwt},
        {"credential": expired.ob2_jws},
        {"credential": expired.ob3_credential},
        {"image": b64(b"\x89PNG\r\n\x1a\n not really a png")},  # garbage: decodes, holds no badge
        {"image": "%%% not base64 %%%"},
        {},
        {"credential": 42},
        {"credential": "hello, world"},
        {"url": "ftp://example.org/badge"},
    ]
    assert len(items) == 50
    return items


def single(client, item: dict) -> tuple[int, dict]:
    """What POST /api/v1/verify answers for the same item."""
    if "image" in item:
        data = base64.b64decode(item["image"].split("base64,")[-1])
        body = {"file": SimpleUploadedFile("badge", data), **({"email": item["email"]} if "email" in item else {})}
        response = client.post("/api/v1/verify", body)
    else:
        response = client.post("/api/v1/verify", item, content_type="application/json")
    return response.status_code, response.json()


def test_fifty_mixed_items_get_the_verdicts_of_fifty_single_calls_in_input_order(client):
    items = mixed_items(client)
    response = client.post(BATCH, {"items": items}, content_type="application/json")
    assert response.status_code == 200, response.content[:500]
    assert response["Cache-Control"] == "no-store"
    answer = response.json()
    assert answer["count"] == 50 and [e["index"] for e in answer["items"]] == list(range(50))

    for index, (item, entry) in enumerate(zip(items, answer["items"], strict=True)):
        if item == {"image": "%%% not base64 %%%"}:
            assert entry["verdict"] == "error" and entry["error"] == "invalid_base64", entry
            continue
        status, alone = single(client, item)
        if status == 200:
            assert {k: v for k, v in entry.items() if k != "index"} == alone, (index, item)
        else:
            assert status == 400 and entry["verdict"] == "error", (index, entry, alone)
            if isinstance(alone["detail"], str):  # the verifier refused it: the same reason, word for word
                assert (entry["error"], entry["detail"]) == (alone["error"], alone["detail"]), index

    verdicts = [e["verdict"] for e in answer["items"]]
    # 5 good awards x 7 forms: all valid except the wrong recipient e-mails (n = 0, 2, 4)
    expected = []
    for n in range(5):
        expected += ["valid"] * 6 + ["valid" if n % 2 else "invalid"]
    expected += ["valid", "valid"] + ["invalid"] * 7 + ["error"] * 6
    assert verdicts == expected
    summary = answer["summary"]
    assert summary == {"valid": 34, "valid_with_warnings": 0, "invalid": 10, "error": 6}
    reasons = [" ".join(e["reasons"]) for e in answer["items"][39:44]]
    assert "410" in reasons[0] or "revoked" in reasons[0]
    assert "revoked" in reasons[2] and "expired" in reasons[3] and "expired" in reasons[4]


def test_the_service_keeps_order_and_isolates_a_bad_item():
    entries = verify_batch(
        items=[{"url": "https://example.invalid/x", "credential": "y"}, 7, {"url": "javascript:alert(1)"}, {}]
    )
    assert [(e.index, e.verdict, e.error) for e in entries] == [
        (0, "error", "ambiguous"),
        (1, "error", "wrong_type"),
        (2, "error", "scheme"),
        (3, "error", "empty"),
    ]
    assert all(e.detail for e in entries)


def test_items_past_the_batch_deadline_are_reported_not_dropped():
    ticks = iter([0.0, 0.0, 5.0, 11.0, 12.0])
    entries = verify_batch(
        items=[{"credential": "x"}, {"credential": "y"}, BatchItem(text="z"), {"credential": "w"}],
        deadline=10.0,
        clock=lambda: next(ticks),
    )
    assert [e.error for e in entries] == ["unrecognised", "unrecognised", "deadline", "deadline"]
    assert "Send this item again" in entries[3].detail


def test_limits_and_envelope(client, settings):
    too_many = client.post(BATCH, {"items": [{"url": "https://example.org/a"}] * 101}, content_type="application/json")
    assert too_many.status_code == 400
    assert "At most 100 items" in json.dumps(too_many.json()["detail"])
    for body in ({"items": []}, {"items": "https://example.org"}, {}, [{"url": "https://example.org"}]):
        answer = client.post(BATCH, body, content_type="application/json")
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_input", body
    assert client.post(BATCH, "{", content_type="application/json").json()["error"] == "parse_error"
    assert client.post(BATCH, {"items": "x"}).status_code == 415  # multipart: JSON only
    assert client.get(BATCH).status_code == 405
    settings.VERIFY_BATCH_BODY_MAX_BYTES = 1000
    big = client.post(BATCH, {"items": [{"image": "A" * 2000}]}, content_type="application/json")
    assert big.status_code == 413 and big.json()["error"] == "too_large"


def test_an_oversized_image_item_fails_alone(client, settings):
    settings.VERIFY_UPLOAD_MAX_BYTES = 100
    items = [{"image": b64(b"x" * 200)}, {"credential": "not a badge"}]
    answer = client.post(BATCH, {"items": items}, content_type="application/json").json()
    assert [e["error"] for e in answer["items"]] == ["too_large", "unrecognised"]


def test_a_batch_spends_one_verification_per_item_and_gets_429_with_retry_after(client, settings):
    settings.VERIFY_BATCH_THROTTLE_RATE = "5/minute"
    three = {"items": [{"credential": "x"}] * 3}
    assert client.post(BATCH, three, content_type="application/json").status_code == 200
    refused = client.post(BATCH, three, content_type="application/json")
    assert refused.status_code == 429 and refused.json()["error"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 61
    two = {"items": [{"credential": "x"}] * 2}
    assert client.post(BATCH, two, content_type="application/json").status_code == 200  # a refusal spends nothing
    assert client.post(BATCH, {"items": [{}]}, content_type="application/json").status_code == 429
    six = client.post(BATCH, {"items": [{}] * 6}, REMOTE_ADDR="10.0.0.9", content_type="application/json")
    assert six.status_code == 429 and int(six["Retry-After"]) >= 59  # never fits: wait the whole period


def test_the_batch_budget_is_per_account_for_signed_in_callers(client, settings, django_user_model):
    settings.VERIFY_BATCH_THROTTLE_RATE = "2/minute"
    body = {"items": [{"credential": "x"}] * 2}
    assert client.post(BATCH, body, content_type="application/json").status_code == 200
    assert client.post(BATCH, body, content_type="application/json").status_code == 429
    client.force_login(django_user_model.objects.create_user(username="hr", email="hr@example.org", password="x"))
    assert client.post(BATCH, body, content_type="application/json").status_code == 200


def test_the_schema_documents_the_batch_endpoint(client):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = json.loads(schema.content)["paths"]["/api/v1/verify/batch"]["post"]
    assert {"200", "400", "413", "415", "429"} <= set(operation["responses"])
    assert "100" in operation["description"]


HOSTILE_BODIES = [
    '{"items": [' + "[" * 5000 + "]" * 5000 + "]}",  # nested past Python's recursion limit
    '{"items": [{"credential": ' + '{"a":' * 3000 + "1" + "}" * 3000 + "}]}",
    '{"items": [{"url": "\\ud800"}, {"image": "\\ud800"}, {"credential": "\\ud800"}]}',  # lone surrogates
    '{"items": [{"url": "https://example.org/b", "email": "\\ud800@example.org"}]}',
    '{"items": [{"credential": {"@context": "\\ud800", "type": ["VerifiableCredential"]}}]}',
    '{"items": [{"url": "http://\\u0000x"}, {"url": "http://[::1"}, {"image": "===="}, {"image": "data:;base64,"}]}',
    '{"items": [null, true, 1.5, "s", [], {"email": "a@example.org"}]}',
    "null",
    '"x"',
    '{"items": null}',
]


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_no_body_gets_a_server_error(client, body):
    response = client.post(BATCH, body, content_type="application/json")
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:  # one answer per item, none of them valid
        answer = response.json()
        assert answer["count"] == len(json.loads(body)["items"]) and answer["summary"]["valid"] == 0


@pytest.mark.parametrize("url", ["/api/v1/verify", "/api/v1/awards/x/verify"])
def test_the_single_endpoints_answer_400_to_json_nested_too_deeply(client, url):
    response = client.post(url, '{"credential": ' + "[" * 5000 + "]" * 5000 + "}", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "parse_error"


@pytest.mark.django_db(transaction=True)
def test_urls_of_other_hosts_run_in_threads_and_give_the_single_verdicts(live_server, settings, client):
    """Over HTTP (the live server standing in for other hosts), so the URLs go through the thread pool."""
    settings.PUBLIC_BASE_URL = live_server.url
    goods = [issue(email=f"learner{n}@example.org") for n in range(5)]
    revoked = issue(issuer=goods[0].issuer, email="revoked@example.org")
    award_revoke(actor=None, award=revoked, reason="Issued in error")
    settings.VERIFY_RESOLVE_LOCALLY = False
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = True
    items = [{"url": a.ob2_assertion["id"]} for a in goods]
    items[2:2] = [{"url": revoked.ob2_assertion["id"]}, {"credential": goods[0].ob3_jwt}]
    items += [{"url": goods[0].ob2_assertion["id"] + "x"}, {"url": "ftp://example.org/x"}]
    fetch_cache().clear()
    answer = client.post(BATCH, {"items": items}, content_type="application/json").json()
    verdicts = [e["verdict"] for e in answer["items"]]
    assert verdicts == ["valid", "valid", "invalid", "valid", "valid", "valid", "valid", "invalid", "error"]
    for item, entry in zip(items, answer["items"], strict=True):
        fetch_cache().clear()
        status, alone = single(client, item)
        if status == 200:
            assert {k: v for k, v in entry.items() if k != "index"} == alone, item


def test_a_batch_entry_is_documented_as_a_single_answer_plus_its_index(client):
    components = json.loads(client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)[
        "components"
    ]["schemas"]
    single = set(components["VerifyResponse"]["properties"])
    entry = set(components["BatchEntry"]["properties"])
    assert single <= entry and entry - single == {"index", "error", "detail"}
