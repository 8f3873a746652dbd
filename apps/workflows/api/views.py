"""The draft review queue over the API: list, read, approve, edit-and-send, reject, correct the category, snooze,
un-snooze (same services as the screen and the admin)."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.authentication import STAFF_AUTHENTICATION
from apps.core.api.errors import error_responses
from apps.core.api.pagination import OldestFirstCursorPagination
from apps.core.permissions import IsStaffRole
from apps.workflows.models import Draft
from apps.workflows.services.drafts import (
    draft_approve,
    draft_edit_send,
    draft_recategorize,
    draft_reject,
    draft_snooze,
    draft_unsnooze,
)

from .filters import DraftFilter
from .serializers import (
    DraftCategorySerializer,
    DraftEditSerializer,
    DraftRejectSerializer,
    DraftSerializer,
    DraftSnoozeSerializer,
    DraftUnsnoozeSerializer,
    DraftVersionSerializer,
)

TAG = ["drafts"]
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409)


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        operation_id="drafts_list",
        summary="Drafts (oldest first, cursor pages)",
        responses={200: DraftSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        tags=TAG, operation_id="drafts_retrieve", responses={200: DraftSerializer, **error_responses(401, 403, 404)}
    ),
)
class DraftViewSet(viewsets.ReadOnlyModelViewSet):
    """AI drafts waiting for review (``?status=pending``) and their history. Agents, leads and admins.

    Actions send ``version`` (the draft version the reviewer saw): if another reviewer acted first or the draft
    changed, the answer is 409 ``conflict`` and nothing is sent.
    """

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaffRole]
    pagination_class = OldestFirstCursorPagination
    filterset_class = DraftFilter
    serializer_class = DraftSerializer

    def get_queryset(self) -> QuerySet[Draft]:
        return Draft.objects.select_related("ticket", "decision__category", "reviewed_by")

    def _done(self, draft: Draft) -> Response:
        return Response(DraftSerializer(self.get_queryset().get(pk=draft.pk)).data)

    @extend_schema(
        tags=TAG,
        operation_id="drafts_approve",
        summary="Send the draft as written",
        request=DraftVersionSerializer,
        responses={200: DraftSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        draft = self.get_object()
        data = self._valid(DraftVersionSerializer, request)
        return self._done(
            draft_approve(
                draft_id=draft.pk, version=data["version"], user=request.user, confirm_stale=data["confirm_stale"]
            )
        )

    @extend_schema(
        tags=TAG,
        operation_id="drafts_edit",
        summary="Send an edited reply instead of the draft",
        request=DraftEditSerializer,
        responses={200: DraftSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def edit(self, request: Request, pk: str) -> Response:
        draft = self.get_object()
        data = self._valid(DraftEditSerializer, request)
        return self._done(
            draft_edit_send(
                draft_id=draft.pk,
                version=data["version"],
                user=request.user,
                body=data["body"],
                confirm_stale=data["confirm_stale"],
            )
        )

    @extend_schema(
        tags=TAG,
        operation_id="drafts_reject",
        summary="Reject the draft and hand the ticket to a person",
        request=DraftRejectSerializer,
        responses={200: DraftSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        draft = self.get_object()
        data = self._valid(DraftRejectSerializer, request)
        return self._done(
            draft_reject(
                draft_id=draft.pk,
                version=data["version"],
                user=request.user,
                reason=data["reason"],
                note=data.get("note", ""),
            )
        )

    @extend_schema(
        tags=TAG,
        operation_id="drafts_snooze",
        summary="Hide the draft from the review queue until a time",
        request=DraftSnoozeSerializer,
        responses={200: DraftSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def snooze(self, request: Request, pk: str) -> Response:
        draft = self.get_object()
        data = self._valid(DraftSnoozeSerializer, request)
        return self._done(
            draft_snooze(draft_id=draft.pk, version=data["version"], user=request.user, until=data["until"])
        )

    @extend_schema(
        tags=TAG,
        operation_id="drafts_unsnooze",
        summary="Put a snoozed draft back in the review queue now",
        request=DraftUnsnoozeSerializer,
        responses={200: DraftSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def unsnooze(self, request: Request, pk: str) -> Response:
        draft = self.get_object()
        data = self._valid(DraftUnsnoozeSerializer, request)
        return self._done(draft_unsnooze(draft_id=draft.pk, version=data["version"], user=request.user))

    @extend_schema(
        tags=TAG,
        operation_id="drafts_category",
        summary="Correct the ticket's category (a training label); the draft stays pending",
        request=DraftCategorySerializer,
        responses={200: DraftSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def category(self, request: Request, pk: str) -> Response:
        draft = self.get_object()
        data = self._valid(DraftCategorySerializer, request)
        return self._done(
            draft_recategorize(
                draft_id=draft.pk, version=data["version"], user=request.user, category_slug=data["category"]
            )
        )

    @staticmethod
    def _valid(serializer_class, request: Request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
