"""Input and output serializers of the verification API. They validate and shape; they do not verify or save."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from badges.openbadges.detect import MAX_TEXT_CHARS


class VerifyRequestSerializer(serializers.Serializer):
    """Exactly one of ``url``, ``credential`` (JSON object, or JSON/JWT/JWS text) or ``file``; ``email`` optional."""

    url = serializers.CharField(
        required=False, allow_blank=True, max_length=2048, help_text="A badge URL (http/https)."
    )
    credential = serializers.JSONField(
        required=False,
        help_text="An OB 2.0 Assertion or OB 3.0 credential as a JSON object, or as text: JSON, a VC-JWT or a JWS.",
    )
    file = serializers.FileField(
        required=False, help_text="A baked PNG or SVG badge image, or a JSON/JWT file (multipart/form-data)."
    )
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="Optional: check the badge was issued to this address (compared with the salted hash; not stored).",
    )

    def validate_credential(self, value: Any) -> str:
        import json

        if isinstance(value, str):
            text = value
        elif isinstance(value, dict):
            text = json.dumps(value)
        else:
            raise serializers.ValidationError("Give a JSON object, or a JSON/JWT/JWS string.")
        if len(text) > MAX_TEXT_CHARS:
            raise serializers.ValidationError(f"The credential is longer than {MAX_TEXT_CHARS:,} characters.")
        return text

    def validate_file(self, value: Any) -> Any:
        if value is not None and value.size > settings.VERIFY_UPLOAD_MAX_BYTES:
            raise serializers.ValidationError(
                f"The file is larger than the {settings.VERIFY_UPLOAD_MAX_BYTES:,}-byte limit."
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("url", "credential", "file") if attrs.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError("Give exactly one of: url, credential, file.")
        return attrs


class AwardVerifyRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(
        required=False, allow_blank=True, max_length=254, help_text="Optional recipient e-mail to check (not stored)."
    )


class CheckSerializer(serializers.Serializer):
    name = serializers.CharField(
        help_text="format, issuer, issuer_key, origin, signature, hosted, status, "
        "valid_from, expiration, badge_class or recipient."
    )
    ok = serializers.BooleanField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField(help_text="The result in plain English.")


class IssuerSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True, required=False)
    name = serializers.CharField(allow_null=True, required=False)
    url = serializers.CharField(allow_null=True, required=False)
    known_by = serializers.ChoiceField(choices=["did", "hosted_profile"], required=False)
    did_document = serializers.CharField(allow_null=True, required=False)


class CriteriaSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    narrative = serializers.CharField(allow_null=True)


class BadgeSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True, required=False)
    name = serializers.CharField(allow_null=True, required=False)
    description = serializers.CharField(allow_null=True, required=False)
    criteria = CriteriaSerializer(required=False)


VERDICTS = ["valid", "invalid", "valid_with_warnings"]
BATCH_VERDICTS = [*VERDICTS, "error"]


class BadgeResultSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=VERDICTS)
    generation = serializers.ChoiceField(choices=["ob2", "ob3"])
    form = serializers.ChoiceField(choices=["hosted", "signed", "data_integrity", "jwt", "unknown"])
    source = serializers.CharField(help_text="url, text, file, png or svg.")
    id = serializers.CharField(allow_null=True)
    issuer = IssuerSerializer()
    badge = BadgeSerializer()
    issued_on = serializers.CharField(allow_null=True)
    expires = serializers.CharField(allow_null=True)
    recipient_name = serializers.CharField(
        allow_null=True, required=False, help_text="The recipient's name, when the credential carries one."
    )
    proof = serializers.DictField(
        required=False, help_text="How it was proven: suite (or algorithm), key, url, created; keys present as known."
    )
    checks = CheckSerializer(many=True)


class BadgeProofRefSerializer(serializers.Serializer):
    result = serializers.IntegerField(help_text="The index of this proof in `results`.")
    generation = serializers.ChoiceField(choices=["ob2", "ob3"])
    form = serializers.ChoiceField(choices=["hosted", "signed", "data_integrity", "jwt", "unknown"])
    verdict = serializers.ChoiceField(choices=VERDICTS)


class BadgeSummarySerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["valid", "not_valid", "could_not_check"],
        help_text="`could_not_check`: nothing proved it false, but something needed (the issuer's site, keys or "
        "revocation list) could not be fetched in time.",
    )
    headline = serializers.CharField(help_text="Valid, Not valid or Could not check.")
    reason = serializers.CharField(help_text="Why, in one plain-English sentence.")
    name = serializers.CharField(allow_null=True)
    issuer = serializers.DictField(help_text="The issuer's id and name.")
    recipient_name = serializers.CharField(allow_null=True)
    image = serializers.CharField(allow_null=True, help_text="The badge image, served from this site (or null).")
    issued_on = serializers.CharField(allow_null=True)
    expires = serializers.CharField(allow_null=True)
    proofs = BadgeProofRefSerializer(many=True, help_text="This badge's proofs among `results`.")


class VerifyResponseSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=VERDICTS, help_text="The worst verdict of the badges found.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it is not valid, if it is not.")
    warnings = serializers.ListField(child=serializers.CharField())
    results = BadgeResultSerializer(many=True, help_text="One per proof found (a baked PNG may carry OB 2.0 and 3.0).")
    badges = BadgeSummarySerializer(
        many=True,
        help_text="One per badge: what was given is one badge, so an image carrying both generations is one entry "
        "whose proofs are both `results`; two proofs naming different badges make it `not_valid`.",
    )


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A short code: empty, invalid_json, not_a_badge, nothing_baked, ...")
    detail = serializers.JSONField(help_text="What was wrong, in plain English (or per field).")


class RenewInput(serializers.Serializer):
    """Optional new evidence for the renewed badge; both default to the badge's current ones."""

    evidence_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=10_000)

    def validate_evidence_url(self, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("The evidence URL must be an http(s) URL.")
        return value


class RenewOutput(serializers.Serializer):
    award = serializers.CharField(source="public_id", help_text="The badge's public id (unchanged by renewal).")
    status = serializers.CharField(help_text="'pending' until the worker has signed it again, then 'issued'.")
    url = serializers.CharField(help_text="The badge's public page and OB 2.0 hosted assertion.")
    valid_from = serializers.DateTimeField()
    expires_on = serializers.DateTimeField()


BATCH_ITEM_HELP = (
    'Each item is an object with one of "url" (a badge URL), "credential" (an OB 2.0 Assertion or OB 3.0 '
    'credential as a JSON object, or as text: JSON, a VC-JWT or a JWS) or "image" (a baked PNG or SVG, or a JSON/JWT '
    'file, in base64; a data: URL prefix is allowed), and optionally "email". An item that cannot be verified at all '
    "(empty, of the wrong type, base64 that does not decode) gets its own error entry; the others are verified."
)


class BatchVerifyRequestSerializer(serializers.Serializer):
    """1 to 100 items. Items are checked one by one by badges.verification.batch, so one bad item fails alone."""

    items = serializers.ListField(
        child=serializers.JSONField(),
        min_length=1,
        max_length=100,
        help_text=BATCH_ITEM_HELP,
        error_messages={
            "min_length": "Give at least one item.",
            "max_length": "At most {max_length} items can be verified at once; split the list into several batches.",
        },
    )


class BatchEntrySerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the request, from 0.")
    verdict = serializers.ChoiceField(
        choices=BATCH_VERDICTS, help_text="As a single verification's; `error` when the item is unusable."
    )
    reasons = serializers.ListField(child=serializers.CharField(), required=False)
    warnings = serializers.ListField(child=serializers.CharField(), required=False)
    results = BadgeResultSerializer(many=True, required=False, help_text="As POST /api/v1/verify answers.")
    badges = BadgeSummarySerializer(many=True, required=False, help_text="As POST /api/v1/verify answers.")
    error = serializers.CharField(
        required=False, help_text="Only for verdict `error`: empty, wrong_type, invalid_base64, deadline, ..."
    )
    detail = serializers.CharField(required=False, help_text="Only for verdict `error`: what was wrong.")


class BatchSummarySerializer(serializers.Serializer):
    valid = serializers.IntegerField()
    valid_with_warnings = serializers.IntegerField()
    invalid = serializers.IntegerField()
    error = serializers.IntegerField()


class BatchVerifyResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many items were given (and answered).")
    summary = BatchSummarySerializer(help_text="How many items have each verdict.")
    items = BatchEntrySerializer(many=True, help_text="One entry per item, in the order of the request.")
