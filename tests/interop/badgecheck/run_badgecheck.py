"""Run the 1EdTech Open Badges 2.0 validator (badgecheck 1.2.0) offline and print one JSON report.

Executed with the private venv's python (see setup.sh), never imported by the main project:

    var/badgecheck-venv/bin/python tests/interop/badgecheck/run_badgecheck.py INPUT

INPUT is an assertion URL, a compact JWS, a JSON string, a path to a baked PNG/SVG, or ``-`` to read it from
stdin. Network access is intercepted at ``requests.adapters.HTTPAdapter.send``: the OB 2.0 context URLs are
answered from badgecheck's own bundled copy, loopback URLs (127.0.0.0/8, localhost, ::1) pass through, and any
other URL is refused and listed in ``refusedUrls``.

The printed object holds badgecheck's verdict (``valid``, ``errorCount``, ``warningCount``, ``messages``, ``graph``)
and the harness's own observations, kept apart: ``http`` (every fetch and its status), ``refusedUrls``, and
``revoked``/``expired`` flags derived from badgecheck's messages -- except that badgecheck 1.2.0 ignores HTTP 410
on a hosted assertion, so ``revoked`` is also set (with ``revocationSource: "http-410"``) when the input URL
answered 410. Exit status 0 whenever a report was produced (valid or not), 2 for a harness failure.
"""

import contextlib
import io
import ipaddress
import json
import os
import sys
import traceback
from urllib.parse import urlsplit

import requests
import requests.adapters
from urllib3.response import HTTPResponse

CONTEXT_URLS = {
    "w3id.org/openbadges/v2",
    "w3id.org/openbadges/v2/context.json",
    "openbadgespec.org/v2/context.json",
}

http_log = []
refused = []


def _normalise(url):
    parts = urlsplit(url)
    return (parts.netloc.lower() + parts.path.rstrip("/")).lower()


def _is_loopback(host):
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _install_interceptor():
    from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT

    context_body = json.dumps(OPENBADGES_CONTEXT_V2_DICT).encode("utf-8")
    original_send = requests.adapters.HTTPAdapter.send

    def send(self, request, **kwargs):
        url = request.url
        if _normalise(url) in CONTEXT_URLS:
            raw = HTTPResponse(
                body=io.BytesIO(context_body),
                headers={"Content-Type": "application/ld+json"},
                status=200,
                preload_content=False,
                decode_content=False,
            )
            http_log.append({"url": url, "status": 200, "servedFrom": "bundled-context"})
            return self.build_response(request, raw)
        host = urlsplit(url).hostname or ""
        if _is_loopback(host):
            response = original_send(self, request, **kwargs)
            http_log.append({"url": url, "status": response.status_code})
            return response
        refused.append(url)
        http_log.append({"url": url, "status": None, "refused": True})
        raise requests.exceptions.ConnectionError(f"offline harness refused {url}", request=request)

    requests.adapters.HTTPAdapter.send = send


def _read_input(arg):
    if arg == "-":
        arg = sys.stdin.read().strip()
    if os.path.isfile(arg):
        with open(arg, "rb") as handle:
            content = handle.read()
        from openbadges_bakery import unbake

        try:
            baked = unbake(io.BytesIO(content))
        except Exception as exc:  # badgecheck crashes on such files; report it instead
            return None, "file", f"could not read baked data: {exc}"
        if not baked:
            return None, "file", "no baked Open Badges data was found in the file"
        named = io.BytesIO(content)
        named.name = os.path.basename(arg)
        return named, "file", None
    if arg.startswith(("http://", "https://")):
        return arg, "url", None
    if arg.lstrip().startswith("{"):
        return arg, "json", None
    return arg, "jws", None


def _summary(report_messages):
    texts = [str(m.get("result", "")) for m in report_messages]
    revoked = any("has been revoked" in t for t in texts)
    expired = any(" expired on " in t for t in texts)
    return revoked, expired


def main(argv):
    if len(argv) != 2:
        print(json.dumps({"harnessError": "usage: run_badgecheck.py INPUT"}))
        return 2
    _install_interceptor()
    badge_input, kind, problem = _read_input(argv[1])
    out = {"input": argv[1] if kind != "file" else os.path.abspath(argv[1]), "inputKind": kind}
    if problem:
        out.update(valid=False, errorCount=1, warningCount=0, messages=[{"messageLevel": "ERROR", "result": problem}])
    else:
        import openbadges

        captured = io.StringIO()
        try:
            with contextlib.redirect_stdout(captured):
                result = openbadges.verify(badge_input, use_cache=False, cache_backend=None)
        except Exception as exc:
            out.update(
                valid=False,
                errorCount=1,
                warningCount=0,
                messages=[{"messageLevel": "ERROR", "result": f"badgecheck crashed: {exc!r}"}],
                traceback=traceback.format_exc(),
            )
        else:
            report = result["report"]
            out.update(
                valid=bool(report.get("valid")),
                errorCount=report.get("errorCount", 0),
                warningCount=report.get("warningCount", 0),
                messages=report.get("messages", []),
                validationSubject=report.get("validationSubject"),
                graph=result.get("graph", []),
            )
    revoked, expired = _summary(out["messages"])
    source = "badgecheck" if revoked else None
    if not revoked and kind == "url" and any(e["url"] == argv[1] and e["status"] == 410 for e in http_log):
        revoked, source = True, "http-410"
    out.update(revoked=revoked, revocationSource=source, expired=expired, http=http_log, refusedUrls=refused)
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as exc:  # one JSON object, always
        print(json.dumps({"harnessError": repr(exc), "traceback": traceback.format_exc()}))
        sys.exit(2)
