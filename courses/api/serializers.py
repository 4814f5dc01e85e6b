"""Input and output shapes of the completions API. They validate and shape; they do not save."""

from django.utils import timezone
from rest_framework import serializers

from issuers.validators import single_line_problem


class CompletionInput(serializers.Serializer):
    course = serializers.CharField(
        max_length=40, help_text="The course's code or its public id (both shown in the admin's course list)."
    )
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200)
    completed_at = serializers.DateTimeField(required=False, help_text="Defaults to now; never in the future.")
    evidence_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=10_000)

    def validate_name(self, value):
        problem = single_line_problem(value)
        if problem:  # the learner's name reaches e-mails and signed documents
            raise serializers.ValidationError(problem)
        return value

    def validate_completed_at(self, value):
        if value > timezone.now():
            raise serializers.ValidationError("A completion cannot be in the future.")
        return value

    def validate_evidence_url(self, value):
        if value and not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("The evidence URL must be an http(s) URL.")
        return value


class AwardOutput(serializers.Serializer):
    award = serializers.CharField(source="public_id")
    status = serializers.CharField()
    url = serializers.CharField()
    created = serializers.BooleanField()
