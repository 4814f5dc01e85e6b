"""What each role may do. One table, read by the admin, the API and the services' callers."""

from enum import StrEnum

from .models import ROLE_RANK, Role


class Capability(StrEnum):
    VIEW = "view"  # see the institution's courses, badge classes, enrolments, awards
    AWARD = "award"  # enrol learners, mark completions, import CSV, revoke, retry issuing
    EDIT = "edit"  # create and change courses and badge classes
    MANAGE = "manage"  # change the institution's profile, its members and its keys


MINIMUM_ROLE = {
    Capability.VIEW: Role.VIEWER,
    Capability.AWARD: Role.AWARDER,
    Capability.EDIT: Role.EDITOR,
    Capability.MANAGE: Role.OWNER,
}


def role_allows(role: str | None, capability: Capability) -> bool:
    if role is None:
        return False
    return ROLE_RANK[Role(role)] >= ROLE_RANK[MINIMUM_ROLE[capability]]
