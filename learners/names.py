"""Each institution's own name for a learner (LearnerName), read as one join on any queryset that reaches both."""

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
