"""Each institution's own name for a learner (learners.LearnerName), read as one join on any queryset that reaches both.

It lives in badges, below learners and courses, so the award pages, exports and admin lists of every app can use it:
it names the learners' table only by relation path, as Award.learner does (decision 0027).
"""

from django.db.models import F, FilteredRelation, Q, QuerySet
from django.db.models.functions import Coalesce


def with_learner_name(queryset: QuerySet, *, learner: str = "learner", issuer: str = "issuer") -> QuerySet:
    """Annotate `recipient_name`: the name the institution at `issuer` gave the learner at `learner` (paths).

    One join, no query per row. The learner's first-given name is only the fallback for rows made outside the
    services (which always record the institution's own name).
    """
    names = f"{learner}__names"
    return queryset.annotate(
        own_learner_name=FilteredRelation(names, condition=Q(**{f"{names}__issuer": F(issuer)})),
        recipient_name=Coalesce(F("own_learner_name__name"), F(f"{learner}__name")),
    )
