"""A real S3 API server for the tests: moto's standalone server in a process of its own on a free loopback port,
spoken to over HTTP by django-storages and boto3 exactly as MinIO or AWS would be (nothing of the client is mocked);
and a bucket of a test's own, read with a boto3 client independent of the platform's storage."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

from tests.conftest import skip_or_fail
from tests.integration.harness import free_port

REGION = "us-east-1"
ACCESS_KEY, SECRET_KEY = "laurel-test", "laurel-test-secret"


def require_s3_packages() -> None:
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
        import storages.backends.s3  # noqa: F401
    except ImportError as exc:
        skip_or_fail(f"moto's S3 server, boto3 or django-storages is missing ({exc}); `make install` installs them")


class S3Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                return
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def storage_url(self, bucket: str) -> str:
        """The STORAGE_URL of `bucket` on this server (credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)."""
        return f"s3://{bucket}?endpoint_url={self.endpoint}&region_name={REGION}&addressing_style=path"


class Bucket:
    """A fresh bucket, read with a boto3 client of the test's own."""

    def __init__(self, server: S3Server) -> None:
        import boto3

        self.name = f"laurel-{uuid.uuid4().hex[:12]}"
        self.storage_url = server.storage_url(self.name)
        self.client = boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        self.client.create_bucket(Bucket=self.name)

    def keys(self, prefix: str = "") -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
