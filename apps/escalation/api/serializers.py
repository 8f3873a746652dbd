from rest_framework import serializers

from apps.escalation.models import Handoff


class HandoffTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.CharField()


class HandoffSerializer(serializers.ModelSerializer):
    ticket = HandoffTicketSerializer(read_only=True)
    queue = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    claimed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    assigned_to = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Agent picked by routing (online only)"
    )

    class Meta:
        model = Handoff
        fields = [
            "id",
            "ticket",
            "decision",
            "queue",
            "priority",
            "reason",
            "status",
            "claimed_by",
            "claimed_at",
            "resolved_at",
            "sla_due_at",
            "sla_paused_at",
            "assigned_to",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class HandoffDetailSerializer(HandoffSerializer):
    package = serializers.JSONField(
        read_only=True,
        help_text="conversation, customer, channel, page, understood, tried, why, facts, priority, sla_due_at, "
        "sla (policy, calendar, targets, due times), routing (rule, queue, assigned_to, assignment), next_step",
    )

    class Meta(HandoffSerializer.Meta):
        fields = [*HandoffSerializer.Meta.fields, "package"]
        read_only_fields = fields


class HandoffReassignSerializer(serializers.Serializer):
    queue = serializers.SlugField(max_length=100, help_text="Slug of the queue to move the handoff to")
