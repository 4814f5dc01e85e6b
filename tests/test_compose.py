"""docker-compose.yml cannot run here (no Docker engine), so it is kept right by reading it: the shape of a deployment
on several machines (docs/deploying.md) and the settings it names, which must be ones Laurel reads."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()
# Read by boto3 itself (the credentials of STORAGE_URL's store), not by config/settings.py.
READ_BY_BOTO3 = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def environment(compose: dict) -> dict[str, str]:
    return {str(k): str(v) for k, v in compose["x-laurel"]["environment"].items()}


def replicas(service: dict) -> str | None:
    value = service.get("deploy", {}).get("replicas")
    return None if value is None else str(value)


def test_the_services_of_a_deployment_on_several_machines(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "migrate", "postgres", "redis", "minio", "bucket"} <= set(services)
    for name in ("web", "worker"):
        count = replicas(services[name])
        assert count is not None and count != "1", f"{name} should show how it scales"
        assert not services[name].get("volumes"), f"{name} must be stateless: no disk of its own"
    assert replicas(services["beat"]) == "1"  # exactly once, or every periodic task is queued twice
    commands = {name: str(service.get("command", "")) for name, service in services.items()}
    assert [name for name, command in commands.items() if "beat" in command.split()] == ["beat"]
    assert "--beat" not in commands["worker"]
    # Migrations run once, before any web server or worker; never by N web servers at once.
    assert [name for name, command in commands.items() if "migrate" in command] == ["migrate"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_variable_is_one_laurel_reads(compose):
    names = set(environment(compose))
    unread = {n for n in names - READ_BY_BOTO3 if not re.search(rf"""["']{n}["']""", SETTINGS_SOURCE)}
    assert not unread, f"docker-compose.yml sets variables config/settings.py does not read: {sorted(unread)}"
    documented = (ROOT / ".env.example").read_text()
    undocumented = {n for n in names if not re.search(rf"^#?\s*{n}=", documented, re.MULTILINE)}
    assert not undocumented, f".env.example does not list {sorted(undocumented)}"


def test_shared_services_are_the_ones_the_urls_name(compose):
    env, services = environment(compose), compose["services"]
    assert urlsplit(env["DATABASE_URL"]).hostname == "postgres"
    assert urlsplit(env["CELERY_BROKER_URL"]).hostname == "redis"
    assert urlsplit(env["CACHE_URL"]).hostname == "redis"  # shared: rate limits and the public cache hold
    storage = urlsplit(env["STORAGE_URL"])
    assert storage.scheme == "s3"
    endpoint = urlsplit(parse_qs(storage.query)["endpoint_url"][0])
    assert endpoint.hostname == "minio" and str(endpoint.port) in services["minio"]["command"] + " 9000"
    assert f"store/{storage.hostname}" in " ".join(services["bucket"]["command"])  # the bucket that is created
    assert "${S3_SECRET_KEY" in env["AWS_SECRET_ACCESS_KEY"]  # credentials from the environment, never in the file
    assert env["AWS_SECRET_ACCESS_KEY"] == services["minio"]["environment"]["MINIO_ROOT_PASSWORD"]


def test_the_storage_url_is_one_the_settings_accept(compose):
    from badges.storage import S3, storage_from_url

    entry = storage_from_url(environment(compose)["STORAGE_URL"])
    assert entry["BACKEND"] == S3 and entry["OPTIONS"]["bucket_name"] == "laurel"
