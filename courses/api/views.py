"""POST /api/v1/completions: mark a learner's course completed; the badge is issued by the worker."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from badges.api.throttling import CompletionsThrottle
from badges.models import Award
from badges.public_urls import assertion_url
from issuers.permissions import Capability
from issuers.selectors import issuer_ids_for_user

from ..selectors import courses_by_reference
from ..services import enrolment_complete, enrolment_enrol
from .permissions import CanAwardForCourse, api_key_of
from .serializers import AwardOutput, CompletionInput


class CompletionView(APIView):
    permission_classes = [CanAwardForCourse]
    throttle_classes = [CompletionsThrottle]  # per credential: a leaked or looping key cannot flood the queue

    @extend_schema(
        request=CompletionInput,
        responses={
            201: AwardOutput,
            200: AwardOutput,
            400: OpenApiResponse(description="The input is not valid; each field's problem is named."),
            401: OpenApiResponse(description="No API key, or the key is unknown, revoked or expired (`detail`)."),
            403: OpenApiResponse(description="The key's scope is 'read', or the staff role cannot award."),
            404: OpenApiResponse(description="No course with this code or public id at the key's institution."),
            429: OpenApiResponse(description="Too many calls with this key, or too many refused keys."),
        },
        summary="Record a course completion (creates the learner's badge)",
        description=(
            "Authenticate with an institution API key: `Authorization: Bearer <key>`. Idempotent: completing the same "
            "learner's course again returns the existing award (200)."
        ),
    )
    def post(self, request):
        data = CompletionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        key = api_key_of(request)
        # An API key sees its own institution's courses only: another institution's course is "not found", exactly
        # like a course that does not exist (no oracle for other institutions' ids).
        visible = {key.issuer_id} if key else issuer_ids_for_user(user=request.user, capability=Capability.VIEW)
        actor = None if key else request.user  # a key is no user; the audit rows carry no person
        # The course's public id or its code, as in the admin's CSV import.
        found = courses_by_reference(reference=values["course"], issuer_ids=visible)
        if not found:
            raise NotFound("No course with this code or id at your institutions.")
        if len(found) > 1:
            raise ValidationError(
                {"course": ["Several of your institutions have a course with this code; give the course's public id."]}
            )
        course = found[0]
        self.check_object_permissions(request, course)
        existed = Award.objects.filter(enrolment__course=course, learner__email=values["email"].strip().lower())
        created = not existed.exists()
        try:
            enrolment = enrolment_enrol(actor=actor, course=course, email=values["email"], name=values["name"])
            award = enrolment_complete(
                actor=actor,
                enrolment=enrolment,
                completed_at=values.get("completed_at"),
                evidence_url=values.get("evidence_url", ""),
                evidence_narrative=values.get("narrative", ""),
            )
        except DjangoValidationError as exc:
            raise ValidationError({"detail": exc.messages}) from None
        body = AwardOutput(
            {"public_id": award.public_id, "status": award.status, "url": assertion_url(award), "created": created}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
