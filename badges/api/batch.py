"""POST /api/v1/verify/batch: up to 100 badges verified in one call, and the item-counting rate limit it shares with
the CSV page (/verify/batch).

Thin: the serializer checks the envelope (a list of 1 to 100 items), badges.verification.batch verifies each item
as a single verification would. The limit counts items, not requests: a batch of N spends N of
VERIFY_BATCH_THROTTLE_RATE, per account, else per client address (decision 0021).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from badges.verification.batch import batch_summary, verify_batch

from .serializers import BatchVerifyRequestSerializer, BatchVerifyResponseSerializer, ErrorSerializer
from .throttling import VerifyThrottle
from .views import _error, _VerificationView


class BatchVerifyThrottle(VerifyThrottle):
    """Items verified in batches (VERIFY_BATCH_THROTTLE_RATE), per signed-in account, else per client address.

    DRF's throttles count requests and run before the body is read; this one is asked by the view once it knows
    how many items the batch holds, with :meth:`allow_items`.
    """

    scope = "verify_batch"
    rate_setting = "VERIFY_BATCH_THROTTLE_RATE"

    def allow_items(self, request, *, count: int) -> bool:
        """Spend ``count`` items of the budget, or none of it and False when fewer than ``count`` remain."""
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.count = count
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]  # newest first
        if len(self.history) + count > self.num_requests:
            return False
        self.history[:0] = [self.now] * count
        self.cache.set(self.key, self.history, self.duration)
        return True

    def wait(self) -> float:
        """Seconds until ``count`` items fit in the budget (the whole period if they never can at once)."""
        excess = len(self.history) + self.count - self.num_requests
        if self.count > self.num_requests or excess > len(self.history):
            return float(self.duration)
        return max(0.0, self.history[-excess] + self.duration - self.now)


class BatchVerifyView(_VerificationView):
    parser_classes = [JSONParser]
    throttle_classes: list = []  # counted per item in post(), once the number of items is known

    def _too_large(self, request: Request) -> Response | None:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.VERIFY_BATCH_BODY_MAX_BYTES
        if declared.isdigit() and int(declared) > limit:
            return _error("too_large", f"The request body is larger than the {limit:,}-byte limit.", 413)
        return None

    @extend_schema(
        operation_id="verify_batch",
        summary="Verify up to 100 Open Badges at once: URLs, credentials, JWTs, base64 images",
        description=(
            'Send `{"items": [...]}` with 1 to 100 items. Each answer is the one POST /api/v1/verify gives for '
            "that item (verdict, reasons, warnings, results), in the order of the request, with its `index`. An "
            "item that cannot be verified at all gets verdict `error` with `error` and `detail`; the others are "
            "still verified. More than 100 items, or a body over the size limit, is refused whole. The rate limit "
            "counts items: a batch of N spends N verifications of the batch budget, per account or client address; "
            "past it, 429 with Retry-After."
        ),
        request={"application/json": BatchVerifyRequestSerializer},
        responses={
            200: BatchVerifyResponseSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Not a list of 1 to 100 items; `detail` says why."),
            413: OpenApiResponse(ErrorSerializer, description="The body is larger than the limit."),
            415: OpenApiResponse(ErrorSerializer, description="Unsupported content type (send JSON)."),
            429: OpenApiResponse(
                ErrorSerializer, description="This batch would exceed the verification budget; see Retry-After."
            ),
        },
        examples=[
            OpenApiExample(
                "Three items",
                request_only=True,
                value={
                    "items": [
                        {"url": "https://badges.example.edu/assertions/abc"},
                        {"credential": "eyJhbGciOiJFZERTQSJ9.e30.c2ln", "email": "ada@example.org"},
                        {"image": "iVBORw0KGgo..."},
                    ]
                },
            )
        ],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data, failed = self._data(request)
        if failed is not None:
            return failed
        serializer = BatchVerifyRequestSerializer(data=data)
        if not serializer.is_valid():
            return _error("invalid_input", serializer.errors, 400)
        items = serializer.validated_data["items"]
        throttle = BatchVerifyThrottle()
        if not throttle.allow_items(request, count=len(items)):
            self.throttled(request, throttle.wait())
        entries = verify_batch(items=items)
        response = Response(
            {"count": len(entries), "summary": batch_summary(entries), "items": [e.to_dict() for e in entries]}
        )
        response["Cache-Control"] = "no-store"
        return response
