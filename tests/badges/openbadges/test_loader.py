"""The offline JSON-LD loader: serves every vendored context, pins them by sha256, fetches nothing, caches."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from pyld import jsonld

from badges.openbadges import loader
from badges.openbadges.ob3.processor import expand

VECTOR = Path(__file__).resolve().parent / "vectors" / "ob3-eddsa-rdfc-2022"


def test_every_indexed_context_is_served_with_a_static_tag():
    index = json.loads((loader.CONTEXTS_DIR / "index.json").read_text())
    assert set(index) == loader.known_context_urls()
    for url in index:
        remote = loader.document_loader(url, {})
        assert remote["documentUrl"] == url
        assert remote["tag"] == "static"  # what makes pyld keep the resolved context
        assert "@context" in remote["document"]


def test_unknown_urls_are_refused_not_fetched():
    with pytest.raises(loader.ContextNotAvailableError, match="will not be fetched"):
        loader.document_loader("https://example.com/evil-context.json", {})
    doc = {"@context": "https://example.com/evil-context.json", "name": "x"}
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand(doc, {"documentLoader": loader.document_loader})


def test_loader_returns_the_same_object_every_time_and_copies_on_request():
    url = "https://www.w3.org/ns/credentials/v2"
    assert loader.document_loader(url)["document"] is loader.document_loader(url)["document"]
    copy = loader.context_document(url)
    assert copy == loader.document_loader(url)["document"] and copy is not loader.document_loader(url)["document"]


def test_each_context_is_loaded_once_then_served_from_pyld_cache():
    calls = []

    def counting(url, options=None):
        calls.append(url)
        return loader.document_loader(url, options)

    credential = json.loads((VECTOR / "credential.json").read_text())
    jsonld._resolved_context_cache.clear()
    for _ in range(3):
        assert expand(credential, loader=counting)
    assert sorted(calls) == sorted(credential["@context"])  # once each, not once per expansion


def test_pins_cover_every_vendored_file_and_match():
    pinned = {}
    for line in (loader.CONTEXTS_DIR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        pinned[name] = digest
    files = {p.name for p in loader.CONTEXTS_DIR.iterdir() if p.suffix == ".json"}
    assert files == set(pinned)
    for name, digest in pinned.items():
        assert hashlib.sha256((loader.CONTEXTS_DIR / name).read_bytes()).hexdigest() == digest


def test_a_tampered_context_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "contexts"
    shutil.copytree(loader.CONTEXTS_DIR, copy)
    target = copy / "www.w3.org_ns_credentials_v2.json"
    target.write_text(target.read_text().replace("validFrom", "validFrum"))
    monkeypatch.setattr(loader, "CONTEXTS_DIR", copy)
    loader._contexts.cache_clear()
    try:
        with pytest.raises(loader.ContextIntegrityError, match="www.w3.org_ns_credentials_v2.json"):
            loader.known_context_urls()
    finally:
        monkeypatch.undo()
        loader._contexts.cache_clear()
    assert loader.known_context_urls()
