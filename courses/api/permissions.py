"""Who may call the completions API: an API key of the course's institution whose scope allows it, or issuer
staff (admin session) whose role allows awarding, per course (like the admin). The rule is the badges API's."""

from badges.api.permissions import CanAwardThisAward, api_key_of

__all__ = ["CanAwardForCourse", "api_key_of"]


class CanAwardForCourse(CanAwardThisAward):
    message = "Your role at this course's institution does not allow awarding badges."
    read_key_refusal = "it cannot record completions"
    read_key_may_read = True
