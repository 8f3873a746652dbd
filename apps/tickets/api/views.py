"""Conversations for the chat widget and other systems (customer side), and the staff ticket list."""

import uuid

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from apps.core.api.authentication import STAFF_AUTHENTICATION, WidgetClient, WidgetKeyAuthentication
from apps.core.api.errors import IdempotencyKeyReused, error_responses
from apps.core.api.idempotency import (
    IDEMPOTENCY_KEY_PARAMETER,
    REPLAY_HEADER,
    idempotency_key_get,
    request_fingerprint,
)
from apps.core.api.pagination import CreatedCursorPagination
from apps.core.api.permissions import IsWidgetOrStaff
from apps.core.api.throttling import WidgetReadThrottle, WidgetWriteThrottle
from apps.core.permissions import IsStaffRole
from apps.tickets.choices import AuthorKind, Channel, TicketSource
from apps.tickets.importers.fields import max_text_chars
from apps.tickets.models import Message, Ticket
from apps.tickets.services.conversation import conversation_feedback_record, conversation_human_request
from apps.tickets.services.intake import message_receive, ticket_receive

from . import serializers as s
from .access import TOKEN_HEADER, conversation_get_for_request, conversation_token
from .filters import TicketFilter
from .state import conversation_view

TOKEN_PARAMETER = OpenApiParameter(
    name=TOKEN_HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="The conversation's secret from the create response. Wrong or missing → 404.",
)
CONVERSATION_ERRORS = error_responses(400, 401, 403, 404, 429)
TAG = ["conversations"]


class _ConversationView(APIView):
    """Widget key (public) or API token; the conversation token is checked per conversation."""

    authentication_classes = [WidgetKeyAuthentication, TokenAuthentication]
    permission_classes = [IsWidgetOrStaff]
    throttle_classes = [WidgetWriteThrottle, UserRateThrottle]

    @property
    def is_widget(self) -> bool:
        return isinstance(self.request.auth, WidgetClient)

    def conversation_data(self, ticket: Ticket) -> dict:
        return s.ConversationSerializer(conversation_view(ticket)).data


class ConversationCreateView(_ConversationView):
    @extend_schema(
        tags=TAG,
        operation_id="conversations_create",
        summary="Start a conversation (or ticket)",
        description=(
            "Stores the customer's first message with the page context and starts triage. The response carries "
            "`token`, the conversation's secret. With an `Idempotency-Key` (or, without one, a `message_id`), a "
            "retry returns the same conversation (and token) with `Idempotent-Replayed: true` instead of a second "
            "one; the same key or id with a different body gets 422."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=s.ConversationCreateSerializer,
        responses={201: s.ConversationCreatedSerializer, **CONVERSATION_ERRORS, **error_responses(422)},
    )
    def post(self, request: Request) -> Response:
        serializer = s.ConversationCreateSerializer(data=request.data, context={"is_widget": self.is_widget})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # the client's message id deduplicates like the header (as on the add-message endpoint)
        key = idempotency_key_get(request) or data.get("message_id") or None
        if self.is_widget:
            source, channel, client = TicketSource.CHAT, Channel.CHAT, "widget"
            external_id = key or uuid.uuid4().hex
        else:
            source, channel, client = TicketSource.API, data.get("channel", Channel.API), f"user:{request.user.pk}"
            external_id = f"u{request.user.pk}:{key}" if key else uuid.uuid4().hex
        fingerprint = request_fingerprint(data)
        page = data.get("page", {})
        contact = data.get("contact", {})
        organization = data.get("organization", {})
        # Same shape as the rest of the product (demo workspace, engine): flat app metadata plus "area".
        page_context = {**page.get("metadata", {}), "area": page.get("product_area", "")}
        ticket, created = ticket_receive(
            source=source,
            external_id=external_id,
            channel=channel,
            body=data["message"],
            subject=data.get("subject", ""),
            contact_email=contact.get("email", ""),
            contact_name=contact.get("name", ""),
            organization_name=organization.get("name", ""),
            tier=organization.get("tier", ""),
            page_url=page.get("url", ""),
            page_title=page.get("title", ""),
            page_context={k: v for k, v in page_context.items() if v not in ("", None)},
            metadata={"api": {"client": client, "idempotency_key": key, "request_fingerprint": fingerprint}},
            message_external_id=f"{source}:{external_id}:{data.get('message_id') or 'first'}",
            language=data.get("language", ""),
        )
        if not created and (ticket.metadata or {}).get("api", {}).get("request_fingerprint") != fingerprint:
            raise IdempotencyKeyReused()
        body = {**self.conversation_data(ticket), "token": conversation_token(ticket)}
        headers = {} if created else {REPLAY_HEADER: "true"}
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)


class ConversationDetailView(_ConversationView):
    throttle_classes = [WidgetReadThrottle, UserRateThrottle]

    @extend_schema(
        tags=TAG,
        operation_id="conversations_retrieve",
        summary="Read a conversation (poll for the reply)",
        description=(
            "Messages the customer may see (never internal notes) and `state`: `ai_working` (poll again), "
            "`ai_replied`, `person_will_reply` (show `notice`), `person_replied`, `resolved`."
        ),
        parameters=[TOKEN_PARAMETER],
        responses={200: s.ConversationSerializer, **CONVERSATION_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.conversation_data(conversation_get_for_request(request, pk)))


class ConversationMessageCreateView(_ConversationView):
    @extend_schema(
        tags=TAG,
        operation_id="conversations_messages_create",
        summary="Add a customer message",
        description=(
            "A follow-up from the customer; triage runs again. `message_id` (or the `Idempotency-Key` header) "
            "makes retries safe: the same id is stored once, and the same id with different text gets 422."
        ),
        parameters=[TOKEN_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=s.MessageCreateSerializer,
        responses={201: s.MessagePostedSerializer, **CONVERSATION_ERRORS, **error_responses(422)},
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = conversation_get_for_request(request, pk)
        key = idempotency_key_get(request)
        serializer = s.MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        client_id = data.get("message_id") or key
        message, created = message_receive(
            ticket=ticket,
            body=data["message"],
            author_kind=AuthorKind.CUSTOMER,
            external_id=f"{ticket.source}:{ticket.external_id}:{client_id}" if client_id else None,
        )
        if not created and not _same_message(message, ticket, data["message"]):
            raise IdempotencyKeyReused("This message id was already used with different text.")
        ticket.refresh_from_db()
        body = {
            "message": s.ConversationMessageSerializer(message).data,
            "conversation": self.conversation_data(ticket),
        }
        return Response(body, status=status.HTTP_201_CREATED, headers={} if created else {REPLAY_HEADER: "true"})


def _same_message(message: Message, ticket: Ticket, text: str) -> bool:
    """Whether a stored message (found by its client id) is the one ``text`` would have created."""
    expected = text.replace("\x00", "").strip()
    if message.ticket_id != ticket.pk:
        return False
    if message.body == expected:
        return True
    return len(message.body) == max_text_chars() and expected.startswith(message.body)  # stored capped


class ConversationHumanView(_ConversationView):
    @extend_schema(
        tags=TAG,
        operation_id="conversations_human_create",
        summary="Ask for a person",
        description="Hands the conversation to a human queue (201); 200 when a person already has it.",
        parameters=[TOKEN_PARAMETER],
        request=s.HumanRequestSerializer,
        responses={201: s.HandoffStateSerializer, 200: s.HandoffStateSerializer, **CONVERSATION_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = conversation_get_for_request(request, pk)
        serializer = s.HumanRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        handoff, created = conversation_human_request(ticket=ticket, note=serializer.validated_data.get("note", ""))
        ticket.refresh_from_db()
        body = {"handoff_id": handoff.pk, "created": created, "conversation": self.conversation_data(ticket)}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ConversationFeedbackView(_ConversationView):
    @extend_schema(
        tags=TAG,
        operation_id="conversations_feedback_create",
        summary="Rate the conversation or an answer",
        description="CSAT 1–5 for the conversation and/or `helpful: false` ('not helpful') on one answer. One rating "
        "per answer: rating it again changes it (200, the earlier rating kept in its history).",
        parameters=[TOKEN_PARAMETER],
        request=s.FeedbackSerializer,
        responses={201: s.FeedbackOutSerializer, 200: s.FeedbackOutSerializer, **CONVERSATION_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = conversation_get_for_request(request, pk)
        serializer = s.FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = conversation_feedback_record(
            ticket=ticket,
            csat=data.get("csat"),
            helpful=data.get("helpful"),
            message_id=data.get("message_id"),
            comment=data.get("comment", ""),
        )
        # one rating per reply: rating the same reply again changes it (200), the first rating creates it (201)
        code = status.HTTP_200_OK if entry["updated"] else status.HTTP_201_CREATED
        return Response(s.FeedbackOutSerializer(entry).data, status=code)


@extend_schema_view(
    list=extend_schema(
        tags=["tickets"],
        operation_id="tickets_list",
        summary="List tickets (newest first, cursor pages)",
        responses={200: s.TicketSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        tags=["tickets"],
        operation_id="tickets_retrieve",
        summary="A ticket with all its messages",
        responses={200: s.TicketDetailSerializer, **error_responses(401, 403, 404)},
    ),
)
class TicketViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff (agent, lead, admin; session or API token): tickets with filters, internal notes included."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaffRole]
    pagination_class = CreatedCursorPagination
    filterset_class = TicketFilter

    def get_queryset(self):
        queryset = Ticket.objects.select_related("category", "queue", "assignee", "organization", "contact")
        if self.action == "retrieve":
            messages = Message.objects.select_related("author_user").order_by("created_at", "id")
            queryset = queryset.prefetch_related(Prefetch("messages", queryset=messages))
        return queryset

    def get_serializer_class(self):
        return s.TicketDetailSerializer if self.action == "retrieve" else s.TicketSerializer
