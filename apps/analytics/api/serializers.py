"""Metrics over a period: totals and rates, per-category outcome counts and rates, tickets per day."""

from datetime import UTC, timedelta

from django.utils import timezone
from rest_framework import serializers

from apps.tickets.choices import Channel, Tier

MAX_DAYS = 366


class MetricsQuerySerializer(serializers.Serializer):
    """Either ``days`` (the last N UTC days including today) or an explicit ``since`` / ``until`` pair."""

    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, required=False, help_text="Default 30")
    since = serializers.DateTimeField(required=False, help_text="Start (inclusive), ISO 8601")
    until = serializers.DateTimeField(required=False, help_text="End (exclusive), ISO 8601")

    def validate(self, attrs: dict) -> dict:
        since, until = attrs.get("since"), attrs.get("until")
        if (since is None) != (until is None):
            raise serializers.ValidationError({"since": ["Send both since and until, or neither."]})
        if since is not None:
            if "days" in attrs:
                raise serializers.ValidationError({"days": ["Use days or since/until, not both."]})
            if until <= since:
                raise serializers.ValidationError({"until": ["until must be after since."]})
            if until - since > timedelta(days=MAX_DAYS):
                raise serializers.ValidationError({"until": [f"The period can be at most {MAX_DAYS} days."]})
        return attrs


class OutcomeCountsSerializer(serializers.Serializer):
    resolve = serializers.IntegerField()
    draft = serializers.IntegerField()
    escalate = serializers.IntegerField()


class OutcomeRatesSerializer(serializers.Serializer):
    resolve = serializers.FloatField(allow_null=True)
    draft = serializers.FloatField(allow_null=True)
    escalate = serializers.FloatField(allow_null=True)


class CategoryMetricsSerializer(serializers.Serializer):
    slug = serializers.CharField(allow_blank=True, help_text="Empty for decisions without a category")
    name = serializers.CharField()
    decisions = serializers.IntegerField()
    counts = OutcomeCountsSerializer()
    rates = OutcomeRatesSerializer(help_text="Share of the category's decisions per outcome, 0–1")


class TotalsSerializer(serializers.Serializer):
    tickets = serializers.IntegerField(help_text="Tickets created in the period")
    resolved = serializers.IntegerField()
    escalated = serializers.IntegerField(help_text="Tickets with at least one handoff")
    decisions = serializers.IntegerField()
    sent_by_ai = serializers.IntegerField(help_text="Decisions that sent a reply without review")
    by_outcome = OutcomeCountsSerializer()
    drafts = serializers.DictField(child=serializers.IntegerField(), help_text="Drafts per status")
    drafts_reviewed = serializers.IntegerField()
    first_response_minutes = serializers.FloatField(allow_null=True)
    resolution_rate = serializers.FloatField(allow_null=True)
    escalation_rate = serializers.FloatField(allow_null=True)
    automation_rate = serializers.FloatField(allow_null=True)
    draft_approval_rate = serializers.FloatField(allow_null=True)


class DaySerializer(serializers.Serializer):
    day = serializers.DateField()
    created = serializers.IntegerField()
    resolved = serializers.IntegerField()


class MetricsSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    totals = TotalsSerializer()
    categories = CategoryMetricsSerializer(many=True)
    days = DaySerializer(many=True)


class AuditQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, required=False, help_text="Default 90")
    since = serializers.DateField(required=False, help_text="First day audited (UTC); with it, days is ignored")
    until = serializers.DateField(required=False, help_text="Last day audited, included (UTC); default: today")
    coverage_sample = serializers.IntegerField(min_value=0, max_value=50, required=False)
    source = serializers.ChoiceField(
        choices=["stats", "live"],
        required=False,
        help_text="stats (default): the daily figures, fast at any size; live: tickets and messages, exact medians",
    )

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"since": "since must be on or before until."})
        today = timezone.now().astimezone(UTC).date()
        if attrs.get("since") and not attrs.get("until") and attrs["since"] > today:
            message = f"since ({attrs['since']:%Y-%m-%d}) is after today ({today:%Y-%m-%d} UTC): nothing to audit"
            raise serializers.ValidationError({"since": message})
        return attrs


class CategoryMetricsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, required=False, help_text="Default 30")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
