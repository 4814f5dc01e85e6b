"""STORAGE_URL read into Django's default storage (badges/storage.py): the filesystem by default, any S3-compatible
store when it says so, and a clear refusal at start-up for anything unclear."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from badges.storage import FILESYSTEM, S3, baked_name, storage_from_url


def test_no_url_is_the_local_filesystem():
    assert storage_from_url("") == {"BACKEND": FILESYSTEM}


def test_an_s3_url_names_bucket_prefix_endpoint_and_region():
    entry = storage_from_url(
        "s3://laurel-media/prod/files?endpoint_url=http://minio:9000&region_name=eu-west-3&addressing_style=path"
    )
    assert entry["BACKEND"] == S3
    options = entry["OPTIONS"]
    assert options["bucket_name"] == "laurel-media" and options["location"] == "prod/files"
    assert options["endpoint_url"] == "http://minio:9000" and options["region_name"] == "eu-west-3"
    assert options["addressing_style"] == "path"
    # Never overwrite an object, never make one public: signed URLs only.
    assert options["file_overwrite"] is False and options["default_acl"] is None and options["querystring_auth"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///srv/media", "must start with s3://"),
        ("minio://bucket", "must start with s3://"),
        ("s3://key:secret@bucket", "must not carry credentials"),
        ("s3://", "needs a bucket name"),
        ("s3://bucket?endpoint=http://minio:9000", "unknown parameter 'endpoint'"),
        ("s3://bucket?endpoint_url=", "needs exactly one value"),
        ("s3://bucket?region_name=a&region_name=b", "needs exactly one value"),
        ("s3://bucket?endpoint_url=ftp://minio", "must be an http(s) URL"),
        ("s3://bucket?addressing_style=sideways", "addressing_style must be one of"),
    ],
)
def test_unclear_urls_are_refused_with_the_reason(url, reason):
    with pytest.raises(ImproperlyConfigured, match=re.escape(reason)):
        storage_from_url(url)


def test_credentials_never_appear_in_the_refusal():
    with pytest.raises(ImproperlyConfigured) as refused:
        storage_from_url("s3://AKIAEXAMPLE:very-secret@bucket")
    assert "very-secret" not in str(refused.value) and "AKIAEXAMPLE" not in str(refused.value)


def test_every_bake_gets_a_name_of_its_own():
    names = {baked_name(public_id="abc", extension="png") for _ in range(1000)}
    assert len(names) == 1000
    assert all(re.fullmatch(r"baked/abc/[\w-]{16}\.png", name) for name in names)
