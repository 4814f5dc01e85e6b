"""Seeded generators of the documents the platform composes, with every optional field and awkward text.

Used by the fast-path differential tests: credentials come from :func:`compose.open_badge_credential` (so they
have exactly the shapes the platform emits), status list credentials from :func:`compose.status_list_credential`,
proof configurations from :func:`proof.proof_config`; :func:`hostile` adds the changes the fast path must refuse.
"""

from __future__ import annotations

import copy
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from badges.openbadges.ob3 import compose, proof, status_list

ACHIEVEMENT_TYPES = [
    "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree", "Award", "Badge",
    "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification", "CommunityService", "Competency",
    "Course", "CoCurricular", "Degree", "Diploma", "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment",
    "JourneymanCertificate", "LearningProgram", "License", "Membership", "ProfessionalDoctorate",
    "QualityAssuranceCredential", "MasterCertificate", "MasterDegree", "MicroCredential", "ResearchDoctorate",
    "SecondarySchoolDiploma", "ext:SkillsPassport", "ext:Ünïcode",
]  # fmt: skip
PIECES = [
    "Data", "literacy", " ", "  ", "", "Ünïcödé", "𝄞 music", "😀", "𠜎", "e\u0301", "a\u0308\u0301", "שלום", "مرحبا",
    "\u200f\u200e", "\u200d", "\ufeff", "\u2028", "\u00a0", '"quoted"', "'single'", "back\\slash", "\\n literally",
    "\n", "\r\n", "\t", "\r", "**Markdown** _x_", "<b>html</b>", "&amp;", "{json: true}", "@context", "_:b0",
    "<https://example.org/>", "^^", "\u0085", "\\u0000", "%20", "ΑΒΓ", "日本語", "ñ", "\U0010fffd",
]  # fmt: skip
HOSTS = ["badges.example.edu", "127.0.0.1:8000", "xn--bcher-kva.example", "例え.jp", "uni.example.ac.uk"]


class Generator:
    """Deterministic per seed. ``long_text`` is the chance of a 2–20 kB text field."""

    def __init__(self, seed: int, *, long_text: float = 0.01) -> None:
        self.rng = random.Random(seed)
        self.long_text = long_text
        self._lists: list[str] = []

    def maybe(self, p: float = 0.5) -> bool:
        return self.rng.random() < p

    def text(self, *, required: bool = False) -> str:
        rng = self.rng
        if rng.random() < self.long_text:
            value = "".join(rng.choice(PIECES) for _ in range(rng.randint(500, 3000)))
        else:
            value = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8)))
        if required and not value.strip():
            value = "Name " + value
        return value

    def url(self) -> str:
        rng = self.rng
        host = rng.choice(HOSTS)
        path = "/".join(rng.choice(["a", "b-c", "ünï", "%C3%BC", "x.png", "1", "~u", "p;q=1"]) for _ in range(3))
        tail = rng.choice(["", "?q=1&r=ü", "#frag", "?a=b#c", "/"])
        return f"{rng.choice(['https', 'http'])}://{host}/{path}{tail}"

    def iri(self) -> str:
        rng = self.rng
        choice = rng.random()
        if choice < 0.6:
            return self.url()
        if choice < 0.8:
            return f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        if choice < 0.9:
            return "did:web:" + rng.choice(HOSTS).replace(":", "%3A") + ":issuers:" + str(rng.randint(1, 999))
        return "data:image/png;base64," + "".join(rng.choice("AZaz09+/") for _ in range(rng.randint(4, 64))) + "="

    def moment(self) -> datetime:
        return datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=self.rng.randint(0, 300_000_000))

    def image(self) -> compose.Image:
        return compose.Image(id=self.iri(), caption=self.text() if self.maybe() else None)

    def alignment(self) -> compose.Alignment:
        def opt() -> str | None:
            return self.text() if self.maybe() else None

        return compose.Alignment(
            target_name=self.text(required=True),
            target_url=self.url(),
            target_type=self.rng.choice([None, "ceasn:Competency", "CFItem", "ext:Thing", self.text()]),
            target_code=opt(),
            target_framework=opt(),
            target_description=opt(),
        )

    def evidence(self) -> compose.Evidence:
        has_id = self.maybe(0.6)
        return compose.Evidence(
            id=self.iri() if has_id else None,
            narrative=self.text(required=True) if (not has_id or self.maybe()) else None,
            name=self.text() if self.maybe() else None,
            description=self.text() if self.maybe() else None,
            genre=self.text() if self.maybe(0.3) else None,
            audience=self.text() if self.maybe(0.3) else None,
        )

    def achievement(self) -> compose.Achievement:
        rng = self.rng
        alignments = [self.alignment() for _ in range(rng.choice([0, 0, 1, 2, 3]))]
        if alignments and self.maybe(0.05):
            alignments.append(alignments[0])  # identical blank nodes: RDFC's N-degree search
        tags = [self.text() for _ in range(rng.choice([0, 1, 2, 4]))]
        if tags and self.maybe(0.1):
            tags.append(tags[0])  # duplicate values merge
        criteria_id = self.url() if self.maybe() else None
        return compose.Achievement(
            id=self.iri(),
            name=self.text(required=True),
            description=self.text(required=True),
            criteria=compose.Criteria(
                id=criteria_id,
                narrative=self.text(required=True) if (criteria_id is None or self.maybe()) else None,
            ),
            image=self.image() if self.maybe(0.8) else None,
            achievement_type=rng.choice(ACHIEVEMENT_TYPES) if self.maybe(0.8) else None,
            alignments=alignments,
            tags=tags,
        )

    def credential(self) -> dict[str, Any]:
        rng = self.rng
        valid_from = self.moment()
        has_did, has_email = rng.choice([(True, False), (False, True), (True, True)])
        issuer_image = self.image() if self.maybe(0.3) else None
        return compose.open_badge_credential(
            issuer=compose.IssuerProfile(
                id=self.iri(),
                name=self.text(required=True),
                url=self.url(),
                email=f"badges+{rng.randint(1, 99)}@example.edu" if self.maybe() else None,
                image=issuer_image,
            ),
            achievement=self.achievement(),
            recipient=compose.Recipient(
                did="did:key:z6Mk" + uuid.UUID(int=rng.getrandbits(128)).hex if has_did else None,
                email=f"{self.text(required=True)}@example.com" if has_email else None,
                salt=self.text(required=True) if has_email else None,
            ),
            valid_from=valid_from,
            credential_id=self.iri() if self.maybe(0.3) else f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}",
            valid_until=valid_from + timedelta(days=rng.randint(1, 3000)) if self.maybe(0.4) else None,
            awarded_date=self.moment() if self.maybe(0.7) else None,
            name=self.text(required=True) if self.maybe(0.2) else None,
            description=self.text(required=True) if self.maybe(0.2) else None,
            image=self.image() if self.maybe(0.2) else None,
            evidence=[self.evidence() for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))],
            status=compose.StatusEntry(
                status_list_credential=self.url(),
                index=rng.randint(0, status_list.MIN_ENTRIES - 1),
                purpose=rng.choice(["revocation", "suspension"]),
            )
            if self.maybe(0.85)
            else None,
            include_schema=self.maybe(0.8),
        )

    def status_list_credential(self) -> dict[str, Any]:
        if not self._lists:
            for seed in range(4):
                bits = status_list.new_bitstring()
                for _ in range(seed * 50):
                    status_list.set_bit(bits, self.rng.randrange(status_list.MIN_ENTRIES))
                self._lists.append(status_list.encode_list(bits))
        valid_from = self.moment()
        return compose.status_list_credential(
            list_url=self.url(),
            issuer_id=self.iri(),
            encoded_list=self.rng.choice(self._lists),
            valid_from=valid_from,
            valid_until=valid_from + timedelta(days=30) if self.maybe(0.3) else None,
            purpose=self.rng.choice(["revocation", "suspension"]),
        )

    def proof_config(self, document: dict[str, Any]) -> dict[str, Any]:
        method = self.rng.choice([self.iri() + "#key-1", "did:key:z6Mkabc#z6Mkabc", self.url()])
        return proof.proof_config(context=document["@context"], verification_method=method, created=self.moment())


HOSTILE_CHANGES = [
    ("undefined property", lambda c, r: c["credentialSubject"]["achievement"].__setitem__("favouriteColour", "red")),
    ("undefined top-level property", lambda c, r: c.__setitem__("extra", "x")),
    ("undefined type", lambda c, r: c.__setitem__("type", [*c["type"], "MadeUpCredential"])),
    ("schema type without extensions", lambda c, r: _without_extensions(c)),
    ("relative id", lambda c, r: c["issuer"].__setitem__("id", "issuers/1")),
    ("relative evidence", lambda c, r: c.__setitem__("evidence", [{"id": "evidence/1", "type": ["Evidence"]}])),
    ("blank node id", lambda c, r: c["credentialSubject"].__setitem__("id", "_:learner")),
    ("compact IRI", lambda c, r: c["credentialSubject"].__setitem__("id", "name:learner")),
    ("IRI with a space", lambda c, r: c["issuer"].__setitem__("id", "https://example.org/a b")),
    ("IRI with a newline", lambda c, r: c["issuer"].__setitem__("id", "https://example.org/a\n")),
    ("control character", lambda c, r: c.__setitem__("name", "bell\x07")),
    ("DEL", lambda c, r: c.__setitem__("name", "del\x7f")),
    ("null", lambda c, r: c.__setitem__("description", None)),
    ("number", lambda c, r: c.__setitem__("name", 42)),
    ("float", lambda c, r: c["credentialSubject"]["achievement"].__setitem__("creditsAvailable", 1.5)),
    ("integer index", lambda c, r: c.__setitem__("credentialStatus", {**_status(c), "statusListIndex": 7})),
    ("padded index", lambda c, r: c.__setitem__("credentialStatus", {**_status(c), "statusListIndex": "07"})),
    ("listed index", lambda c, r: c.__setitem__("credentialStatus", {**_status(c), "statusListIndex": ["7"]})),
    ("nested context", lambda c, r: c["issuer"].__setitem__("@context", "https://www.w3.org/ns/credentials/v2")),
    ("inline context", lambda c, r: c.__setitem__("@context", [*c["@context"], {"x": "https://x.example/"}])),
    ("unknown context", lambda c, r: c.__setitem__("@context", [*c["@context"], "https://example.com/ctx"])),
    ("keyword key", lambda c, r: c.__setitem__("@id", "urn:x")),
    ("value object", lambda c, r: c.__setitem__("name", {"@value": "x"})),
    ("nested array", lambda c, r: c["credentialSubject"]["achievement"].__setitem__("tag", [["a"]])),
    ("lone surrogate", lambda c, r: c.__setitem__("name", "bad\ud800")),
    ("boolean for text", lambda c, r: c.__setitem__("name", True)),
    ("string for boolean", lambda c, r: _identity(c).__setitem__("hashed", "true")),
    ("proof present", lambda c, r: c.__setitem__("proof", {"type": "DataIntegrityProof"})),
    ("term as type of other node", lambda c, r: c["issuer"].__setitem__("type", ["Profile", "Achievement"])),
    ("conflicting scoped contexts", lambda c, r: c["credentialSubject"].__setitem__("type", ["AchievementSubject",
                                                                                             "IdentifierEntry"])),
    ("empty node", lambda c, r: c["credentialSubject"]["achievement"].__setitem__("criteria", {})),
    ("reference only", lambda c, r: c["credentialSubject"]["achievement"].__setitem__("criteria", {"id": "urn:x:1"})),
    ("tuple", lambda c, r: c.__setitem__("type", ("VerifiableCredential", "OpenBadgeCredential"))),
    ("deep nesting", lambda c, r: c["evidence"].append(_deep(40)) if "evidence" in c else c.__setitem__("x", 1)),
]  # fmt: skip


def _without_extensions(credential: dict[str, Any]) -> None:
    credential["@context"] = credential["@context"][:2]
    credential["credentialSchema"] = [
        {"id": compose.ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}
    ]


def _status(credential: dict[str, Any]) -> dict[str, Any]:
    return credential.get("credentialStatus") or {
        "id": "https://example.org/status/1#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": "https://example.org/status/1",
    }


def _identity(credential: dict[str, Any]) -> dict[str, Any]:
    identifiers = credential["credentialSubject"].setdefault(
        "identifier", [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True}]
    )
    return identifiers[0]


def _deep(levels: int) -> dict[str, Any]:
    """Evidence holding an image holding an image… (``image`` is a top-level term, valid at every depth)."""
    node: dict[str, Any] = {"id": "https://example.org/image/0", "type": "Image"}
    for level in range(levels):
        node = {"id": f"https://example.org/image/{level + 1}", "type": "Image", "image": node}
    return {"type": ["Evidence"], "narrative": "deep", "image": node}


def hostile(credential: dict[str, Any], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """A copy of ``credential`` with one change from :data:`HOSTILE_CHANGES`."""
    name, change = rng.choice(HOSTILE_CHANGES)
    changed = copy.deepcopy(credential)
    change(changed, rng)
    return name, changed
