"""``GET /api/v1/audit/changes/``: the change history of workflows, thresholds, triggers, queues, SLA policies,
routing rules, organizations and users (leads and admins)."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.selectors import changes_recent
from apps.core.api.authentication import STAFF_AUTHENTICATION
from apps.core.api.errors import error_responses
from apps.core.permissions import IsLead

from .serializers import ChangeQuerySerializer, ChangeSerializer


def _json(value):
    return value if value is None or isinstance(value, bool | int | float | str | list | dict) else str(value)


class ChangeListView(APIView):
    """The latest recorded changes, newest first, each with who, when and the changed fields."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsLead]

    @extend_schema(
        tags=["audit"],
        operation_id="audit_changes_list",
        summary="Change history",
        parameters=[ChangeQuerySerializer],
        responses={200: ChangeSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = ChangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        changes = changes_recent(limit=params["limit"], model_label=params.get("model", ""), since=params.get("since"))
        data = [
            {
                "when": c.when,
                "who": c.who,
                "action": c.action,
                "model": c.model,
                "object_id": str(c.object_id),
                "label": c.label,
                "fields": [{"field": f, "old": _json(o), "new": _json(n)} for f, o, n in c.fields],
            }
            for c in changes
        ]
        return Response(ChangeSerializer(data, many=True).data)
