"""What every verifier reports: named checks, and the verdict they add up to (OB 2.0 and OB 3.0 alike)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

#: What verifiers call for "now" (tests pass a fixed clock): expiry and validity are judged against it.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


Verdict = Literal["valid", "invalid", "valid_with_warnings"]


@dataclass(frozen=True, slots=True)
class Check:
    """One verification step. ``ok`` False with ``severity`` "warning" does not make the badge invalid."""

    name: str
    ok: bool
    message: str
    severity: Literal["error", "warning"] = "error"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class CheckedResult:
    """Verdict and lookup over a ``checks`` list; mixed into each verifier's result dataclass."""

    __slots__ = ()
    checks: list[Check]

    @property
    def verdict(self) -> Verdict:
        failed = [c for c in self.checks if not c.ok]
        if any(c.severity == "error" for c in failed):
            return "invalid"
        return "valid_with_warnings" if failed else "valid"

    @property
    def valid(self) -> bool:
        return self.verdict != "invalid"

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


def node_types(node: Any) -> list[str]:
    """The ``type`` of a JSON-LD node as a list of strings (a single string, a list, or nothing)."""
    value = node.get("type") if isinstance(node, Mapping) else None
    return [value] if isinstance(value, str) else [t for t in value or [] if isinstance(t, str)]
