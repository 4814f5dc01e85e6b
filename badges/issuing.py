"""Issuing an award: compose, sign, self-verify, bake, store, deliver. (Filled in by the award pipeline.)"""


class TransientIssueError(Exception):
    """A failure worth retrying (database busy, storage unavailable)."""
