"""What a verification answers: each badge's report (claims and checks) and the overall verdict.

Plain data for the page, the API and the batch: built by badges.verification.presenting, never by a view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from badges.openbadges.checks import Check, CheckedResult, Verdict

_VERDICT_ORDER = {"valid": 0, "valid_with_warnings": 1, "invalid": 2}


class VerificationInputError(Exception):
    """Input that cannot be verified at all. ``status`` is the HTTP status to answer (400 or 413)."""

    def __init__(self, message: str, *, code: str = "invalid_input", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass(slots=True)
class BadgeReport(CheckedResult):
    """One verified badge: what it claims (issuer, badge, dates) and every check, in plain language."""

    generation: Literal["ob2", "ob3"]
    form: str
    source: str
    checks: list[Check] = field(default_factory=list)
    issuer: dict[str, Any] = field(default_factory=dict)
    badge: dict[str, Any] = field(default_factory=dict)
    issued_on: str | None = None
    expires: str | None = None
    id: str | None = None
    recipient_name: str | None = None
    #: How it was proven, for the technical details: suite or algorithm, key id, verification URL, created date.
    proof: dict[str, Any] = field(default_factory=dict)
    #: Where the document says the badge's image is (a URL or data: URI), as written: read by
    #: badges.verification.images, which puts a same-origin address in ``badge["image"]``. Never shown or serialised.
    image_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "generation": self.generation,
            "form": self.form,
            "source": self.source,
            "id": self.id,
            "issuer": self.issuer,
            "badge": self.badge,
            "issued_on": self.issued_on,
            "expires": self.expires,
            "recipient_name": self.recipient_name,
            "proof": self.proof,
            # Built directly rather than by dataclasses.asdict (a deep copy): the per-award API answers from here.
            "checks": [{"name": c.name, "ok": c.ok, "message": c.message, "severity": c.severity} for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BadgeReport:
        """The report :meth:`to_dict` gave (the verdict is derived again from the checks)."""
        return cls(
            generation=data["generation"],
            form=data["form"],
            source=data["source"],
            checks=[Check(**c) for c in data["checks"]],
            issuer=data["issuer"],
            badge=data["badge"],
            issued_on=data["issued_on"],
            expires=data["expires"],
            id=data["id"],
            recipient_name=data.get("recipient_name"),
            proof=data.get("proof") or {},
        )


@dataclass(slots=True)
class VerificationReport:
    """The answer: one overall verdict (the worst of the badges found) and each badge's report."""

    results: list[BadgeReport]

    @property
    def verdict(self) -> Verdict:
        return max((r.verdict for r in self.results), key=_VERDICT_ORDER.__getitem__, default="invalid")

    @property
    def reasons(self) -> list[str]:
        return [c.message for r in self.results for c in r.checks if not c.ok and c.severity == "error"]

    @property
    def warnings(self) -> list[str]:
        return [c.message for r in self.results for c in r.checks if not c.ok and c.severity == "warning"]

    def badges(self) -> list:
        """One entry per badge (a baked image with both generations is one badge): badges.verification.summary."""
        from .summary import badge_summaries  # summary reads these reports

        return badge_summaries(self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": self.reasons,
            "warnings": self.warnings,
            "results": [r.to_dict() for r in self.results],
            "badges": [b.to_dict() for b in self.badges()],
        }
