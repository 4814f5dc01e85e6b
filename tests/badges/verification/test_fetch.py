"""The safe fetcher: schemes, private addresses (also after a redirect), size caps, redirect limits, timeouts, cache."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from badges.openbadges.fetch import FetchError, FetchPolicy, TTLCache, fetch, fetch_json

LOCAL = FetchPolicy(timeout=2.0, max_bytes=1000, allow_networks=("127.0.0.1/32",))


class Handler(BaseHTTPRequestHandler):
    hits = 0

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits += 1
        routes = {
            "/ok": (200, {"Content-Type": "application/ld+json"}, b'{"id": "ok"}'),
            "/html": (200, {"Content-Type": "text/html"}, b"<html></html>"),
            "/big": (200, {"Content-Type": "application/json"}, b"[" + b"1," * 2000 + b"1]"),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
            "/to-ipv6-loopback": (301, {"Location": "http://[::1]/x"}, b""),
            "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
            "/to-ok": (302, {"Location": "/ok"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/gone": (410, {"Content-Type": "application/json"}, b'{"revoked": true}'),
        }
        if self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:  # the fetcher hung up at its deadline, as it should
                pass
            return
        status, headers, body = routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "gopher://example.org/", "ftp://example.org/", "data:,x", "javascript:alert(1)", "//x/y"],
)
def test_only_http_and_https(url):
    with pytest.raises(FetchError) as error:
        fetch(url, policy=FetchPolicy())
    assert error.value.reason in ("scheme", "url")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.0.1/",
        "http://169.254.169.254/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://100.64.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
    ],
)
def test_private_addresses_are_refused(url):
    with pytest.raises(FetchError) as error:
        fetch(url, policy=FetchPolicy(timeout=1.0))
    assert error.value.reason == "blocked_address"


def test_allowed_network_answers(server):
    response, document = fetch_json(f"{server}/ok", policy=LOCAL)
    assert document == {"id": "ok"} and response.status == 200


@pytest.mark.parametrize("path", ["/to-metadata", "/to-ipv6-loopback", "/to-file"])
def test_redirects_are_checked_like_the_first_request(server, path):
    with pytest.raises(FetchError) as error:
        fetch(f"{server}{path}", policy=LOCAL)
    assert error.value.reason in ("blocked_address", "scheme")


def test_redirects_are_followed_a_few_times_only(server):
    assert fetch(f"{server}/to-ok", policy=LOCAL).json() == {"id": "ok"}
    with pytest.raises(FetchError) as error:
        fetch(f"{server}/loop", policy=LOCAL)
    assert error.value.reason == "redirect"


def test_size_cap_and_content_type(server):
    with pytest.raises(FetchError) as error:
        fetch(f"{server}/big", policy=LOCAL)
    assert error.value.reason == "too_large"
    with pytest.raises(FetchError) as error:
        fetch_json(f"{server}/html", policy=LOCAL)
    assert error.value.reason == "content_type"


def test_a_trickling_server_is_cut_off_at_the_deadline(server):
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        fetch(f"{server}/slow", policy=FetchPolicy(timeout=1.0, allow_networks=("127.0.0.1/32",)))
    assert error.value.reason == "timeout" and time.monotonic() - started < 2.0


def test_statuses_are_returned_and_cached(server):
    cache = TTLCache(ttl=60)
    before = Handler.hits
    assert fetch(f"{server}/gone", policy=LOCAL, cache=cache).status == 410
    assert fetch(f"{server}/gone", policy=LOCAL, cache=cache).status == 410
    assert Handler.hits == before + 1
    now = [0.0]
    short = TTLCache(ttl=1, clock=lambda: now[0])
    before = Handler.hits
    fetch(f"{server}/ok", policy=LOCAL, cache=short)
    fetch(f"{server}/ok", policy=LOCAL, cache=short)
    now[0] = 5.0  # expired: fetched again
    fetch(f"{server}/ok", policy=LOCAL, cache=short)
    assert Handler.hits == before + 2
