"""Fetching documents of badges issued elsewhere, safely: the only way the verifier reaches the network.

What a verifier fetches is chosen by a stranger (an Assertion id, a ``did:web`` host, a status list URL), so
every request here is treated as hostile (OWASP SSRF prevention cheat sheet,
https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html):

- only ``http`` and ``https``; ``file:``, ``gopher:``, ``ftp:`` and everything else are refused;
- the host is resolved once and every address must be public: private, loopback, link-local, multicast,
  reserved, unspecified, shared (CGNAT) and IPv4-mapped/6to4 forms of those are refused unless the policy
  explicitly allows them (tests reach their own live server that way);
- the connection goes to the address that was checked (no second DNS lookup, so no DNS rebinding); TLS still
  verifies the certificate for the host name (SNI and hostname check);
- redirects are followed by hand, at most ``max_redirects``, each hop checked like the first;
- one deadline covers resolution, connection, the TLS handshake, the status line, the headers, redirects and the
  body: every read from the socket gets only the time left, so a server trickling one byte at a time is cut off at
  the deadline (a per-read timeout alone would let it hold a worker indefinitely); the body is capped at
  ``max_bytes``;
- a small TTL cache (injected, so the caller decides its lifetime) avoids fetching the same document twice.

Plain Python on the standard library (``http.client``, ``ssl``, ``socket``) and cachetools: nothing of Django.
Every failure is a :class:`FetchError` whose message can be shown to the person who asked.
"""

from __future__ import annotations

import functools
import http.client
import io
import ipaddress
import json
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import cachetools

__all__ = [
    "JSON_TYPES",
    "FetchError",
    "FetchPolicy",
    "FetchResponse",
    "TTLCache",
    "check_address",
    "fetch",
    "fetch_json",
]

JSON_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json", "application/did+json")
_TEXT_TYPES = ("text/plain", "application/jwt", "application/vc+jwt")
_DEFAULT_ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"
_MAX_URL_LENGTH = 2048
_MAX_HEADER_BYTES = 64 * 1024
_CHUNK = 64 * 1024
# A resolver thread that does not answer within the deadline is abandoned, never waited for.
_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="laurel-resolve")
# CGNAT shared space is "private" in practice though ipaddress does not flag it so.
_EXTRA_BLOCKED = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("192.0.0.0/24"))


class FetchError(ValueError):
    """A URL that was not fetched, and why, in words fit for the person who asked.

    ``reason`` is a short stable code: ``scheme``, ``url``, ``dns``, ``blocked_address``, ``connection``,
    ``timeout``, ``too_large``, ``redirect``, ``http_status``, ``content_type``, ``not_json``.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """What a fetch may do. ``allow_private`` opens every non-public address (tests only);
    ``allow_networks`` opens just the listed networks (e.g. ``("127.0.0.1/32",)`` for one test server)."""

    timeout: float = 5.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = 3
    allow_private: bool = False
    allow_networks: tuple[str, ...] = ()
    user_agent: str = "Laurel-Verifier/1 (+https://www.imsglobal.org/spec/ob/v3p0/)"


@dataclass(frozen=True, slots=True)
class FetchResponse:
    """The final answer after redirects: status, lower-cased headers, body (capped), and the URL it came from."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON; :class:`FetchError` if it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise FetchError(f"{self.url} did not answer with JSON.", reason="not_json") from exc


class TTLCache:
    """The fetched responses, each kept ``ttl`` seconds, at most ``max_entries`` (least recently used out first).

    cachetools' TTLCache does the expiry and eviction; the lock is ours, because verifier threads share one cache.
    """

    def __init__(self, *, ttl: float = 60.0, max_entries: int = 256, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.max_entries = ttl, max_entries
        self._items: cachetools.TTLCache[str, FetchResponse] = cachetools.TTLCache(
            maxsize=max_entries, ttl=ttl, timer=clock
        )
        self._lock = threading.Lock()

    def get(self, key: str) -> FetchResponse | None:
        with self._lock:
            return self._items.get(key)

    def set(self, key: str, value: FetchResponse) -> None:
        with self._lock:
            self._items[key] = value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# --- addresses
# ------------------------------------------------------------------------------------------------


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in ipaddress.ip_network("64:ff9b::/96"):  # NAT64 well-known prefix
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_v4(address)
        if inner is not None and not _is_public(inner):
            return False
    if any(address in net for net in _EXTRA_BLOCKED if net.version == address.version):
        return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def check_address(address: str, *, policy: FetchPolicy) -> None:
    """Raise :class:`FetchError` unless ``address`` (an IP literal) may be contacted under ``policy``."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError as exc:
        raise FetchError(f"{address!r} is not an IP address.", reason="blocked_address") from exc
    if _is_public(ip) or policy.allow_private:
        return
    for network in policy.allow_networks:
        net = ipaddress.ip_network(network, strict=False)
        if net.version == ip.version and ip in net:
            return
    raise FetchError(
        f"Refusing to contact {ip}: it is a private, loopback, link-local or reserved address, not a public server.",
        reason="blocked_address",
    )


def _resolve(host: str, port: int, *, deadline: float) -> list[str]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        return [str(literal)]
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(f"Timed out before {host} could be looked up.", reason="timeout")
    future = _RESOLVER.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        infos = future.result(timeout=remaining)
    except FutureTimeout as exc:
        raise FetchError(f"Timed out looking up {host}.", reason="timeout") from exc
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"The host name {host} could not be found.", reason="dns") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError(f"The host name {host} has no address.", reason="dns")
    return addresses


# --- URLs and connections
# -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


def _parse(url: str) -> _Target:
    if not isinstance(url, str) or not url.strip():
        raise FetchError("No URL was given.", reason="url")
    if len(url) > _MAX_URL_LENGTH:
        raise FetchError(f"The URL is longer than {_MAX_URL_LENGTH} characters.", reason="url")
    if any(ch in url for ch in "\r\n\t\x00 ") or not url.isprintable():
        raise FetchError("The URL contains spaces or control characters.", reason="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"This is not a usable URL: {exc}.", reason="url") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}:" if scheme else "no scheme"
        raise FetchError(f"Only http and https links can be checked, not {shown}.", reason="scheme")
    if not parts.hostname:
        raise FetchError("The URL has no host name.", reason="url")
    if parts.username is not None or parts.password is not None:
        raise FetchError("URLs with a user name or password are not fetched.", reason="url")
    try:
        host = parts.hostname.encode("idna").decode("ascii") if not parts.hostname.isascii() else parts.hostname
    except UnicodeError as exc:
        raise FetchError("The URL's host name is not valid.", reason="url") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _too_slow(url: str, timeout: float) -> FetchError:
    return FetchError(f"{url} took too long to answer (the limit is {timeout:g} seconds).", reason="timeout")


class _DeadlineReader(io.RawIOBase):
    """The socket's reader, giving each read only the time left before the deadline (not a fresh timeout)."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("fetch deadline passed")
        self._sock.settimeout(remaining)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """An HTTPResponse whose status line, headers and body are all read against one deadline."""

    def __init__(self, sock: socket.socket, *args: Any, deadline: float, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        # Nothing has been read yet: wrap the socket reader http.client made, keeping its reference to the socket.
        self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, deadline))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand instead of resolving the host name again."""

    def __init__(self, host: str, port: int, *, address: str, deadline: float) -> None:
        super().__init__(host, port, timeout=max(deadline - time.monotonic(), 0.001))
        self._address, self._deadline = address, deadline
        self.response_class = functools.partial(_DeadlineResponse, deadline=deadline)

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self._left())
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _left(self) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("fetch deadline passed")
        return remaining


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to a checked address, with SNI and certificate checks against the host name in the URL."""

    def __init__(self, host: str, port: int, *, address: str, deadline: float) -> None:
        super().__init__(host, port, address=address, deadline=deadline)
        self._context = ssl.create_default_context()
        self.default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self._left())
        tls = self._context.wrap_socket(raw, server_hostname=self.host, do_handshake_on_connect=False)
        # The handshake is driven by hand so a server trickling its certificate is bounded by the deadline too.
        tls.setblocking(False)
        try:
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    ready = select.select([tls], [], [], self._left())[0]
                except ssl.SSLWantWriteError:
                    ready = select.select([], [tls], [], self._left())[1]
                if not ready:
                    raise TimeoutError("fetch deadline passed")
        except BaseException:
            tls.close()
            raise
        tls.settimeout(self._left())
        self.sock = tls


def _remaining(deadline: float, url: str, timeout: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _too_slow(url, timeout)
    return remaining


def _read_body(
    response: http.client.HTTPResponse, *, url: str, deadline: float, timeout: float, max_bytes: int
) -> bytes:
    declared = response.getheader("content-length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url} is larger than the {max_bytes:,}-byte limit.", reason="too_large")
    chunks: list[bytes] = []
    size = 0
    while True:
        _remaining(deadline, url, timeout)  # each socket read is bounded too (_DeadlineReader)
        chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url} is larger than the {max_bytes:,}-byte limit.", reason="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def _request_once(url: str, *, accept: str, policy: FetchPolicy, deadline: float) -> FetchResponse:
    target = _parse(url)
    addresses = _resolve(target.host, target.port, deadline=deadline)
    for address in addresses:  # every address must be allowed, or a rebinding host could pick a private one
        check_address(address, policy=policy)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    default_port = 443 if target.scheme == "https" else 80
    if target.port != default_port:
        host_header = f"{host_header}:{target.port}"
    last_error: Exception | None = None
    for address in addresses:
        _remaining(deadline, url, policy.timeout)
        connection = connection_class(target.host, target.port, address=address, deadline=deadline)
        try:
            connection.putrequest("GET", target.path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host_header)
            connection.putheader("Accept", accept)
            connection.putheader("User-Agent", policy.user_agent)
            connection.putheader("Connection", "close")
            connection.endheaders()
            response = connection.getresponse()  # status line and headers, against the deadline
            headers = {k.lower(): v for k, v in response.getheaders()}
            if sum(len(k) + len(v) for k, v in headers.items()) > _MAX_HEADER_BYTES:
                raise FetchError(f"{url} answered with oversized headers.", reason="too_large")
            body = b""
            if not (300 <= response.status < 400):
                body = _read_body(
                    response, url=url, deadline=deadline, timeout=policy.timeout, max_bytes=policy.max_bytes
                )
            return FetchResponse(url=url, status=response.status, headers=headers, body=body)
        except FetchError:
            raise
        except TimeoutError as exc:
            raise _too_slow(url, policy.timeout) from exc
        except ssl.SSLError as exc:
            last_error = FetchError(
                f"The secure connection to {target.host} failed: {exc.reason}.", reason="connection"
            )
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if time.monotonic() >= deadline:  # e.g. a read cut short at the deadline surfaces as a broken response
                raise _too_slow(url, policy.timeout) from exc
            last_error = FetchError(f"Could not connect to {target.host}: {exc}.", reason="connection")
        finally:
            connection.close()
    raise last_error or FetchError(f"Could not connect to {target.host}.", reason="connection")


def fetch(
    url: str,
    *,
    policy: FetchPolicy,
    cache: TTLCache | None = None,
    accept: str = _DEFAULT_ACCEPT,
) -> FetchResponse:
    """GET ``url`` under ``policy``, following at most ``policy.max_redirects`` redirects, each checked.

    Returns the final response whatever its status (a verifier must see 404 and 410); raises
    :class:`FetchError` for anything refused or failed. Responses with status 200, 404 and 410 are cached.
    """
    cache_key = f"{accept}\n{url}"
    if cache is not None:
        cached = cache.get(cache_key)
        if cached is not None:
            return cached
    deadline = time.monotonic() + policy.timeout
    current = url
    for _hop in range(policy.max_redirects + 1):
        response = _request_once(current, accept=accept, policy=policy, deadline=deadline)
        if response.status in (301, 302, 303, 307, 308):
            location = response.headers.get("location")
            if not location:
                raise FetchError(f"{current} redirects without saying where to.", reason="redirect")
            current = urljoin(current, location.strip())
            continue
        if cache is not None and response.status in (200, 404, 410):
            cache.set(cache_key, response)
        return response
    raise FetchError(f"{url} redirects more than {policy.max_redirects} times.", reason="redirect")


def fetch_json(
    url: str,
    *,
    policy: FetchPolicy,
    cache: TTLCache | None = None,
    accept: str = _DEFAULT_ACCEPT,
    ok_statuses: Iterable[int] = (200,),
) -> tuple[FetchResponse, Any]:
    """Fetch ``url`` and parse JSON; refuse other statuses and content types that cannot be JSON."""
    response = fetch(url, policy=policy, cache=cache, accept=accept)
    if response.status not in tuple(ok_statuses):
        raise FetchError(f"{url} answered HTTP {response.status}.", reason="http_status")
    kind = response.content_type
    if kind and kind not in JSON_TYPES and kind not in _TEXT_TYPES and not kind.endswith("+json"):
        raise FetchError(f"{url} answered with {kind}, not JSON.", reason="content_type")
    return response, response.json()
