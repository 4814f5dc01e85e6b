"""Verification API: POST /api/v1/verify (URL, file or JSON) and /api/v1/awards/<public_id>/verify; and renewal,
POST /api/v1/awards/<public_id>/renew, for the badge's institution.

Thin views: serializers validate the input, badges.verification.services verifies. Every caller is
throttled, per account or else per client address (badges.api.throttling). Bodies larger than the caps get 413
before anything is parsed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ParseError, UnsupportedMediaType, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from badges.models import Award
from badges.public_urls import assertion_url
from badges.services import AwardError, award_renew
from badges.verification.award import award_verdict_json, verify_award_by_public_id
from badges.verification.services import (
    VerificationInputError,
    verify_input,
)
from badges.verification.uploads import cap_uploads, upload_too_large
from issuers.permissions import Capability
from issuers.selectors import issuer_ids_for_user

from .permissions import CanAwardThisAward, VerificationIsPublic, api_key_of
from .renderers import DisplayableJSONRenderer
from .serializers import (
    AwardVerifyRequestSerializer,
    ErrorSerializer,
    RenewInput,
    RenewOutput,
    VerifyRequestSerializer,
    VerifyResponseSerializer,
)
from .throttling import CompletionsThrottle, VerifyThrottle

_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Nothing verifiable was given; `detail` says why."),
    413: OpenApiResponse(ErrorSerializer, description="The upload or body is larger than the limit."),
    415: OpenApiResponse(ErrorSerializer, description="Unsupported content type."),
    429: OpenApiResponse(ErrorSerializer, description="Too many verifications from this address; retry later."),
}


def _error(code: str, detail, http_status: int) -> Response:
    return Response({"error": code, "detail": detail}, status=http_status)


class _VerificationView(APIView):
    permission_classes = [VerificationIsPublic]
    throttle_classes = [VerifyThrottle]
    renderer_classes = [DisplayableJSONRenderer, BrowsableAPIRenderer]  # foreign text is echoed: keep it encodable

    def initialize_request(self, request, *args, **kwargs) -> Request:
        if request.method == "POST":
            cap_uploads(request, limit=settings.VERIFY_UPLOAD_MAX_BYTES)
        return super().initialize_request(request, *args, **kwargs)

    def _too_large(self, request: Request) -> Response | None:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = (
            settings.VERIFY_UPLOAD_MAX_BYTES
            if content_type.startswith("multipart/")
            else settings.VERIFY_BODY_MAX_BYTES
        )
        if declared.isdigit() and int(declared) > limit + 64 * 1024:
            return _error("too_large", f"The request body is larger than the {limit:,}-byte limit.", 413)
        return None

    def _data(self, request: Request) -> tuple[object | None, Response | None]:
        too_large = self._too_large(request)
        if too_large is not None:
            return None, too_large
        try:
            data = request.data
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return None, _error("too_large", "The request is too large to verify.", 413)
        except UnsupportedMediaType as exc:
            return None, _error("unsupported_media_type", str(exc.detail), 415)
        except ParseError as exc:
            return None, _error("parse_error", str(exc.detail), 400)
        except RecursionError:  # json.load of a body nested thousands deep
            return None, _error("parse_error", "The JSON is nested too deeply.", 400)
        if upload_too_large(request._request):
            limit = settings.VERIFY_UPLOAD_MAX_BYTES
            return None, _error("too_large", f"The file is larger than the {limit:,}-byte limit.", 413)
        return data, None

    def throttled(self, request, wait):
        from rest_framework.exceptions import Throttled

        raise Throttled(wait, detail="Too many verifications from your address; please wait and try again.")

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response is not None and response.status_code == 429:
            response.data = {"error": "throttled", "detail": str(response.data.get("detail", ""))}
        return response


class VerifyView(_VerificationView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="verify",
        summary="Verify any Open Badge: a URL, a baked PNG/SVG, or JSON/JWT",
        description=(
            "Send exactly one of `url`, `credential` (JSON body) or `file` (multipart). Badges that fail a check "
            "get 200 with verdict `invalid` and the reasons; input that holds no badge gets 400."
        ),
        request={"application/json": VerifyRequestSerializer, "multipart/form-data": VerifyRequestSerializer},
        responses={200: VerifyResponseSerializer, **_ERRORS},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data, failed = self._data(request)
        if failed is not None:
            return failed
        serializer = VerifyRequestSerializer(data=data)
        if not serializer.is_valid():
            too_big = "file" in serializer.errors and "limit" in str(serializer.errors["file"])
            return _error("too_large" if too_big else "invalid_input", serializer.errors, 413 if too_big else 400)
        values = serializer.validated_data
        upload = values.get("file")
        try:
            report = verify_input(
                url=values.get("url") or "",
                text=values.get("credential") or "",
                upload=upload.read() if upload else None,
                email=values.get("email") or "",
            )
        except VerificationInputError as exc:
            return _error(exc.code, exc.message, exc.status)
        response = Response(report.to_dict())
        response["Cache-Control"] = "no-store"
        return response


class AwardVerifyView(_VerificationView):
    parser_classes = [JSONParser, FormParser]

    def _answer(self, public_id: str, email: str = "") -> Response:
        report = verify_award_by_public_id(public_id=public_id, email=email)
        if report is None:
            return _error("not_found", "No badge with this id was issued here.", status.HTTP_404_NOT_FOUND)
        response = Response(report.to_dict())
        response["Cache-Control"] = "no-store" if email else "public, max-age=60"
        return response

    @extend_schema(
        operation_id="award_verify",
        summary="Verify a badge issued here (OB 3.0 Data Integrity and OB 2.0 signed), by its public id",
        parameters=[OpenApiParameter("public_id", str, OpenApiParameter.PATH)],
        responses={200: VerifyResponseSerializer, 404: ErrorSerializer, 429: _ERRORS[429]},
        auth=[],
    )
    def get(self, request: Request, public_id: str) -> HttpResponse:
        if request.accepted_renderer.format != "json":  # the browsable API
            return self._answer(public_id)
        # The hot path: the remembered answer, ready to send (decision 0024; badges.api.fast_path sends the same).
        body = award_verdict_json(public_id=public_id)
        if body is None:
            return _error("not_found", "No badge with this id was issued here.", status.HTTP_404_NOT_FOUND)
        response = HttpResponse(body, content_type="application/json")
        response["Cache-Control"] = "public, max-age=60"
        return response

    @extend_schema(
        operation_id="award_verify_recipient",
        summary="Verify a badge issued here and check it was issued to an e-mail address",
        parameters=[OpenApiParameter("public_id", str, OpenApiParameter.PATH)],
        request=AwardVerifyRequestSerializer,
        responses={200: VerifyResponseSerializer, 400: ErrorSerializer, 404: ErrorSerializer, **_ERRORS},
        auth=[],
    )
    def post(self, request: Request, public_id: str) -> Response:
        data, failed = self._data(request)
        if failed is not None:
            return failed
        serializer = AwardVerifyRequestSerializer(data=data)
        if not serializer.is_valid():
            return _error("invalid_input", serializer.errors, 400)
        return self._answer(public_id, serializer.validated_data.get("email") or "")


class AwardRenewView(APIView):
    """POST /api/v1/awards/<public_id>/renew: renew an expiring or expired badge (badges.services.award_renew)."""

    permission_classes = [CanAwardThisAward]
    throttle_classes = [CompletionsThrottle]  # the same budget per credential as recording completions

    @extend_schema(
        operation_id="award_renew",
        summary="Renew a badge issued here: a new validity period from today, signed again",
        parameters=[OpenApiParameter("public_id", str, OpenApiParameter.PATH)],
        request=RenewInput,
        responses={
            200: RenewOutput,
            400: OpenApiResponse(description="The badge cannot be renewed (revoked, never expires...): `detail`."),
            401: OpenApiResponse(description="No API key, or the key is unknown, revoked or expired (`detail`)."),
            403: OpenApiResponse(description="The key's scope is 'read', or the staff role cannot award."),
            404: OpenApiResponse(description="No badge with this id at the key's (or the staff's) institutions."),
            429: OpenApiResponse(description="Too many calls with this key, or too many refused keys."),
        },
        description=(
            "Authenticate with an institution API key with the 'complete' scope (`Authorization: Bearer <key>`), or "
            "a staff session. The original award date is kept; the learner is e-mailed once it is signed again. "
            "A badge of another institution answers 404, like an unknown id."
        ),
    )
    def post(self, request: Request, public_id: str) -> Response:
        data = RenewInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = api_key_of(request)
        visible = {key.issuer_id} if key else issuer_ids_for_user(user=request.user, capability=Capability.VIEW)
        awards = Award.objects.all() if visible is None else Award.objects.filter(issuer__in=visible)
        award = awards.filter(public_id=public_id).first()
        if award is None:
            raise NotFound("No badge with this id at your institutions.")
        self.check_object_permissions(request, award)
        try:
            award = award_renew(
                actor=None if key else request.user,  # a key is no user; the audit rows carry no person
                award=award,
                evidence_url=data.validated_data.get("evidence_url", ""),
                narrative=data.validated_data.get("narrative", ""),
            )
        except AwardError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        award.url = assertion_url(award)
        return Response(RenewOutput(award).data)
