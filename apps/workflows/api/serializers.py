"""Drafts for review: what the AI prepared, and the approve / edit / reject actions with optimistic locking."""

from rest_framework import serializers

from apps.workflows.models import Draft
from apps.workflows.services.drafts import RejectReason


class DraftTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.CharField()


class DraftSerializer(serializers.ModelSerializer):
    ticket = DraftTicketSerializer(read_only=True)
    category = serializers.SlugRelatedField(
        source="decision.category", slug_field="slug", read_only=True, allow_null=True
    )
    confidence = serializers.FloatField(source="decision.confidence", read_only=True, allow_null=True)
    reason = serializers.CharField(source="decision.reason", read_only=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Draft
        fields = [
            "id",
            "ticket",
            "decision",
            "category",
            "confidence",
            "reason",
            "body",
            "status",
            "version",
            "sent_body",
            "reviewed_by",
            "reviewed_at",
            "reject_reason",
            "reject_note",
            "snoozed_until",
            "opened_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DraftVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The draft's version you reviewed; a changed draft gets 409 instead of being sent"
    )
    confirm_stale = serializers.BooleanField(
        default=False, help_text="Send even though the customer wrote again after the draft was prepared"
    )


class DraftEditSerializer(DraftVersionSerializer):
    body = serializers.CharField(max_length=20_000, help_text="The reply to send instead of the AI's text")


class DraftSnoozeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The draft's version you reviewed")
    until = serializers.DateTimeField(help_text="Hide the draft from the queue until then (ISO 8601, at most 7 days)")


class DraftCategorySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The draft's version you reviewed")
    category = serializers.CharField(max_length=100, help_text="Slug of the category the ticket really belongs to")


class DraftUnsnoozeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The draft's version you reviewed")


class DraftRejectSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The draft's version you reviewed")
    reason = serializers.ChoiceField(choices=RejectReason.choices, help_text="Why the draft cannot be sent")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text="Required for 'other'")
