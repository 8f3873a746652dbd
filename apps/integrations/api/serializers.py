from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.integrations.connections import credentials_masked
from apps.integrations.lookups import LOOKUP_NAMES
from apps.integrations.models import CallLog, Connection


class ConnectionSerializer(serializers.ModelSerializer):
    """A connection as the API shows it: credentials masked (never the secret), health and allow-lists."""

    kind = serializers.CharField(read_only=True, help_text="stripe, hubspot, salesforce, jira, linear, slack, … local")
    service = serializers.CharField(read_only=True, help_text="billing, crm, tracker, alerts, helpdesk")
    credentials = serializers.SerializerMethodField(help_text="Credential name → masked value or env:VARIABLE")
    healthy = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Connection
        fields = [
            "id",
            "kind",
            "service",
            "name",
            "enabled",
            "base_url",
            "credentials",
            "allowed_fields",
            "allowed_categories",
            "healthy",
            "last_success_at",
            "last_error_at",
            "last_error",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_credentials(self, obj: Connection) -> dict:
        return credentials_masked(obj)


class CallLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallLog
        fields = ["id", "connection", "operation", "duration_ms", "ok", "error", "created_at"]
        read_only_fields = fields


class LookupQuerySerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, help_text="Ticket id")
    category = serializers.CharField(required=False, default="", help_text="Category slug (allow-list by category)")


class LookupResultSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=LOOKUP_NAMES)
    ok = serializers.BooleanField()
    facts = serializers.DictField(help_text="Allow-listed fields only")
    source = serializers.CharField()
    error = serializers.CharField(allow_blank=True)
    ms = serializers.FloatField()
