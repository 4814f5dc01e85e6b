"""Abuse: a foreign server cannot hold a worker past the fetch deadline by trickling its answer.

A real socket server on loopback sends each byte a little before the per-read timeout would fire, so only one total
deadline (connect, status line, headers and body together) stops it. Before the fix a fetch with a 1 s timeout
stayed connected as long as the server kept trickling.
"""

import socket
import threading
import time

import pytest
from django.core.cache import cache

from badges.openbadges.fetch import FetchError, FetchPolicy, fetch
from badges.verification.fetching import fetch_cache

TRICKLE_SECONDS = 0.2  # well under the 1 s per-fetch timeout, so every single read succeeds
MARGIN = 1.0  # seconds allowed past the deadline on a loaded machine


def _trickle(conn: socket.socket, prefix: bytes, drip: bytes, stop: threading.Event) -> None:
    try:
        conn.sendall(prefix)
        for _ in range(300):  # 60 s at most, far past any deadline of these tests
            if stop.is_set():
                return
            conn.sendall(drip)
            time.sleep(TRICKLE_SECONDS)
    except OSError:  # the fetcher hung up, as it should
        pass
    finally:
        conn.close()


ANSWERS = {
    # Status line one byte at a time: "HTTP/1.1 200 OK" never completes.
    b"/status": (b"", b"H"),
    # Status line sent, then an endless header line (http.client allows 64 KiB per line, 100 lines).
    b"/headers": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ", b"a"),
    # Headers complete, chunked body whose chunk-size line never ends.
    b"/chunked": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", b"0"),
}


@pytest.fixture(scope="module")
def trickler():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(32)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        conn.settimeout(5)
        request = b""
        try:
            while b"\r\n\r\n" not in request:
                data = conn.recv(4096)
                if not data:
                    return
                request += data
        except OSError:
            return
        path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b"/"
        prefix, drip = ANSWERS.get(path, (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", b""))
        if not drip:
            conn.sendall(prefix)
            conn.close()
            return
        _trickle(conn, prefix, drip, stop)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("path", ["/status", "/headers", "/chunked"])
def test_trickled_answer_cannot_outlast_the_fetch_deadline_is_refused(trickler, path):
    """Attack: answer one byte every 0.2 s (status line, headers or chunked body) to hold the fetching worker."""
    policy = FetchPolicy(timeout=1.0, allow_networks=("127.0.0.1/32",))
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        fetch(f"{trickler}{path}", policy=policy)
    elapsed = time.monotonic() - started
    assert error.value.reason == "timeout", str(error.value)
    assert "took too long" in str(error.value)
    assert elapsed < 1.0 + MARGIN, f"held the fetch {elapsed:.1f} s with a 1 s deadline"


@pytest.fixture
def verify_settings(settings):
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = True  # the trickling server is on loopback
    settings.VERIFY_FETCH_TIMEOUT = 1.0
    settings.VERIFY_TOTAL_TIMEOUT = 2.0
    settings.VERIFY_THROTTLE_RATE = "1000/minute"
    cache.clear()
    fetch_cache().clear()
    yield settings
    cache.clear()
    fetch_cache().clear()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/headers", "/status"])
def test_trickling_badge_host_cannot_hold_the_verify_page_or_api_is_refused(client, trickler, verify_settings, path):
    """Attack: give /verify (page and API) the URL of a server that trickles its headers, to tie up web workers."""
    url = f"{trickler}{path}"
    started = time.monotonic()
    page = client.post("/verify", {"url": url})
    page_elapsed = time.monotonic() - started
    started = time.monotonic()
    api = client.post("/api/v1/verify", {"url": url}, content_type="application/json")
    api_elapsed = time.monotonic() - started
    assert page.status_code == 200 and "took too long" in page.content.decode()
    assert api.status_code == 200
    body = api.json()
    assert body["verdict"] == "invalid" and any("took too long" in reason for reason in body["reasons"]), body
    for elapsed in (page_elapsed, api_elapsed):
        assert elapsed < 2.0 + MARGIN, f"a verification took {elapsed:.1f} s with a 2 s total deadline"


def test_ssrf_protections_still_hold_with_a_total_deadline():
    """The deadline changes nothing about what may be fetched: private addresses and odd schemes stay refused."""
    policy = FetchPolicy(timeout=1.0)
    for url, reason in (
        ("http://127.0.0.1:9/x", "blocked_address"),
        ("http://169.254.169.254/latest/meta-data/", "blocked_address"),
        ("file:///etc/passwd", "scheme"),
    ):
        with pytest.raises(FetchError) as error:
            fetch(url, policy=policy)
        assert error.value.reason == reason


def test_silent_tls_handshake_cannot_outlast_the_fetch_deadline_is_refused(trickler):
    """Attack: accept the connection of an https fetch and never finish the TLS handshake."""
    policy = FetchPolicy(timeout=1.0, allow_networks=("127.0.0.1/32",))
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        fetch(trickler.replace("http://", "https://") + "/headers", policy=policy)
    assert error.value.reason == "timeout" and "took too long" in str(error.value)
    assert time.monotonic() - started < 1.0 + MARGIN


@pytest.fixture
def tls_server(tmp_path):
    """A local HTTPS server with a self-signed certificate for 127.0.0.1; yields (url, certificate path)."""
    import datetime
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            try:
                conn.settimeout(5)
                tls = context.wrap_socket(conn, server_side=True)
                tls.recv(4096)
                body = b'{"id": "tls"}'
                head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                tls.sendall(head.encode() + body)
                tls.close()
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.getsockname()[1]}/badge", cert_path
    stop.set()
    thread.join()
    server.close()


def test_https_still_verifies_certificates_and_fetches_within_the_deadline(tls_server, monkeypatch):
    """The hand-driven TLS handshake still refuses an untrusted certificate and fetches from a trusted one."""
    import ssl

    url, cert_path = tls_server
    policy = FetchPolicy(timeout=2.0, allow_networks=("127.0.0.1/32",))
    with pytest.raises(FetchError) as error:
        fetch(url, policy=policy)
    assert error.value.reason == "connection" and "CERTIFICATE_VERIFY_FAILED" in str(error.value)
    trusting = ssl.create_default_context

    def trust_test_certificate(*args, **kwargs):
        context = trusting(*args, **kwargs)
        context.load_verify_locations(cert_path)
        return context

    monkeypatch.setattr(ssl, "create_default_context", trust_test_certificate)
    response = fetch(url, policy=policy)
    assert response.status == 200 and response.json() == {"id": "tls"}
