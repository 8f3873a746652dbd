"""Serializers for conversations (customer side, chat widget) and tickets (staff side)."""

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.tickets.choices import Channel, Tier
from apps.tickets.models import Message, Ticket

from .state import State

MAX_MESSAGE_CHARS = 20_000
MAX_METADATA_BYTES = 4_096
MESSAGE_ID_FIELD = {
    "max_length": 64,
    "required": False,
    "allow_blank": False,
    "regex": r"^[A-Za-z0-9._:\-]+$",
    "help_text": "The client's id for this message (e.g. a UUID). The same id sent twice is stored once.",
}


MAX_METADATA_DEPTH = 5


def _json_problem(value, depth: int = 0) -> str:
    """Why ``value`` cannot be stored as PostgreSQL JSONB (NUL characters, lone surrogates, deep nesting), or ''."""
    if depth > MAX_METADATA_DEPTH:
        return f"Nest page metadata at most {MAX_METADATA_DEPTH} levels deep."
    if isinstance(value, str):
        if "\x00" in value:
            return "Page metadata cannot contain NUL characters."
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "Page metadata must be valid Unicode text."
        return ""
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return ""
    return next((p for p in (_json_problem(item, depth + 1) for item in items) if p), "")


class PageContextSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True, help_text="Page the customer is on")
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    product_area = serializers.RegexField(
        r"^[A-Za-z0-9 _./\-]*$",
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Product area of the page, e.g. pricing, settings, billing",
    )
    metadata = serializers.DictField(
        required=False,
        help_text=f"Any app metadata (plan, app_version, ids), stored with the area in the ticket's page_context; "
        f"at most {MAX_METADATA_BYTES} bytes",
    )

    def validate_metadata(self, value: dict) -> dict:
        problem = _json_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        if len(json.dumps(value, default=str).encode()) > MAX_METADATA_BYTES:
            raise serializers.ValidationError(f"Keep page metadata under {MAX_METADATA_BYTES} bytes of JSON.")
        return value


class ContactInSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class OrganizationInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)


class ConversationCreateSerializer(serializers.Serializer):
    """First customer message of a new conversation, with the page it was written on."""

    message = serializers.CharField(max_length=MAX_MESSAGE_CHARS, help_text="The customer's first message")
    message_id = serializers.RegexField(**MESSAGE_ID_FIELD)
    subject = serializers.CharField(max_length=500, required=False, allow_blank=True)
    language = serializers.RegexField(r"^[a-z]{2}(-[A-Za-z]{2})?$", max_length=8, required=False, allow_blank=True)
    contact = ContactInSerializer(required=False)
    page = PageContextSerializer(required=False)
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text="API-token callers only (default api); the widget is always chat",
    )
    organization = OrganizationInSerializer(
        required=False, help_text="API-token callers only: the customer's organization and tier"
    )

    def validate(self, attrs: dict) -> dict:
        if self.context.get("is_widget"):
            forbidden = sorted(k for k in ("channel", "organization") if k in attrs)
            if forbidden:
                raise serializers.ValidationError(
                    {k: ["Set by the workspace, not by the chat widget."] for k in forbidden}
                )
        return attrs


class MessageCreateSerializer(serializers.Serializer):
    """A customer's follow-up message."""

    message = serializers.CharField(max_length=MAX_MESSAGE_CHARS)
    message_id = serializers.RegexField(**MESSAGE_ID_FIELD)


class HumanRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, help_text="Optional: why")


class FeedbackSerializer(serializers.Serializer):
    """A rating: CSAT 1–5 for the conversation, and/or helpful / not helpful on one answer."""

    csat = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    helpful = serializers.BooleanField(required=False, allow_null=True, help_text="false = 'not helpful'")
    message_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The rated answer (a message id from this conversation)",
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("csat") is None and attrs.get("helpful") is None:
            raise serializers.ValidationError({"csat": ["Send a CSAT score (1–5), a helpful flag, or both."]})
        return attrs


class FeedbackOutSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    csat = serializers.IntegerField(allow_null=True)
    helpful = serializers.BooleanField(allow_null=True)
    message_id = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)


class ConversationMessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_kind", help_text="customer, ai or agent")

    class Meta:
        model = Message
        fields = ["id", "author", "body", "created_at"]


class PageOutSerializer(serializers.Serializer):
    url = serializers.CharField(source="page_url")
    title = serializers.CharField(source="page_title")
    product_area = serializers.SerializerMethodField()

    def get_product_area(self, ticket: Ticket) -> str:
        return str((ticket.page_context or {}).get("area", ""))


class ConversationSerializer(serializers.Serializer):
    """The customer's view of a conversation (a ``state.ConversationView``)."""

    id = serializers.IntegerField(source="ticket.pk")
    status = serializers.CharField(source="ticket.status", help_text="Ticket status")
    state = serializers.ChoiceField(
        choices=State.CHOICES,
        help_text="ai_working (poll again), ai_replied, person_will_reply (show the notice), person_replied, resolved",
    )
    notice = serializers.CharField(allow_blank=True, help_text="Text to show the customer, e.g. 'A person will reply'")
    handoff_status = serializers.CharField(allow_null=True, help_text="open or claimed while a person has it")
    channel = serializers.CharField(source="ticket.channel")
    subject = serializers.CharField(source="ticket.subject")
    page = PageOutSerializer(source="ticket")
    csat = serializers.IntegerField(source="ticket.csat", allow_null=True)
    created_at = serializers.DateTimeField(source="ticket.created_at")
    messages = ConversationMessageSerializer(many=True)


class ConversationCreatedSerializer(ConversationSerializer):
    token = serializers.CharField(help_text="Secret for this conversation: send it as X-Conversation-Token")


class HandoffStateSerializer(serializers.Serializer):
    handoff_id = serializers.IntegerField()
    created = serializers.BooleanField(help_text="False when a person already had the conversation")
    conversation = ConversationSerializer()


# --- staff side -------------------------------------------------------------------------------------------------


class _NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    queue = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    organization = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    tier = serializers.SerializerMethodField()
    page_url = serializers.CharField(read_only=True, help_text="Page the conversation started on; may be empty")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "source",
            "external_id",
            "channel",
            "status",
            "priority",
            "subject",
            "language",
            "category",
            "confidence",
            "queue",
            "assignee",
            "organization",
            "contact",
            "tier",
            "page_url",
            "page_title",
            "page_context",
            "tags",
            "csat",
            "ai_turns",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
        ]
        read_only_fields = fields

    @extend_schema_field(_NamedRefSerializer(allow_null=True))
    def get_organization(self, ticket: Ticket) -> dict | None:
        org = ticket.organization
        return {"id": org.pk, "name": org.name} if org else None

    @extend_schema_field(ContactInSerializer(allow_null=True))
    def get_contact(self, ticket: Ticket) -> dict | None:
        contact = ticket.contact
        return {"email": contact.email, "name": contact.name} if contact else None

    def get_tier(self, ticket: Ticket) -> str:
        return ticket.organization.tier if ticket.organization else ""


class StaffMessageSerializer(serializers.ModelSerializer):
    author_user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "author_kind", "author_user", "body", "is_internal", "created_at"]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    messages = StaffMessageSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "metadata", "messages"]
        read_only_fields = fields


class MessagePostedSerializer(serializers.Serializer):
    message = ConversationMessageSerializer()
    conversation = ConversationSerializer()
