"""One error body for the whole API: ``{"error": {"code": str, "message": str, "details": object | null}}``.

Wired as ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``. DRF's exceptions, Django's ``Http404`` / ``PermissionDenied``
and the project's ``ApplicationError`` subclasses all come out in that shape, so clients parse one format.
"""

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from apps.core.errors import ApplicationError, ConflictError
from apps.core.errors import ValidationError as AppValidationError

# DRF exception class -> stable machine-readable code (DRF's own default_code where it is already good).
_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


class ApiConflict(exceptions.APIException):
    """409: the object changed or was taken by someone else (maps ``apps.core.errors.ConflictError``)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object was changed by someone else."
    default_code = "conflict"


class IdempotencyKeyReused(exceptions.APIException):
    """422: an ``Idempotency-Key`` was sent again with a different request body."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _code_for(exc: exceptions.APIException) -> str:
    for cls in type(exc).__mro__:
        if cls in _CODES:
            return _CODES[cls]
    return getattr(exc, "default_code", None) or "error"


def _message_for(exc: exceptions.APIException, code: str) -> str:
    if code == "validation_error":
        return "The request has invalid fields; see details."
    detail = exc.detail
    if isinstance(detail, list | dict):
        return str(exc.default_detail)
    return str(detail)


def error_body(code: str, message: str, details=None) -> dict:
    """The error document: ``{"error": {"code": code, "message": message, "details": details}}``."""
    return {"error": {"code": code, "message": message, "details": details}}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler producing :func:`error_body` responses.

    ``ApplicationError`` → 400 (``ConflictError`` → 409, ``ValidationError`` → 400, with ``extra`` as details);
    ``Http404`` → 404; Django ``PermissionDenied`` → 403. Anything else returns ``None`` (a 500, logged by Django).
    """
    if isinstance(exc, ApplicationError):
        set_rollback()
        if isinstance(exc, ConflictError):
            return Response(error_body("conflict", exc.message, exc.extra or None), status=status.HTTP_409_CONFLICT)
        code = "validation_error" if isinstance(exc, AppValidationError) else _snake(type(exc).__name__)
        return Response(error_body(code, exc.message, exc.extra or None), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    code = _code_for(exc)
    details = exc.detail if isinstance(exc.detail, list | dict) else None
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        details = {"retry_after_seconds": int(exc.wait)}
    set_rollback()
    return Response(error_body(code, _message_for(exc, code), details), status=exc.status_code, headers=headers)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. validation_error, conflict, not_found")
    message = serializers.CharField(help_text="What went wrong, for a person")
    details = serializers.JSONField(
        allow_null=True, help_text="Field errors ({field: [messages]}) or extra facts; null when none"
    )


class ErrorSerializer(serializers.Serializer):
    """Schema of every error response."""

    error = ErrorDetailSerializer()


def error_responses(*codes: int) -> dict[int, type[ErrorSerializer]]:
    """``extend_schema(responses=...)`` entries documenting the error body for each HTTP status in ``codes``."""
    return dict.fromkeys(codes, ErrorSerializer)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: addresses under ``/api/`` that match no route get the JSON error body; others the page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "No API endpoint at this address."), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the JSON error body under ``/api/`` (the exception is logged by Django), the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", "Something went wrong on our side; it was logged."), status=500)
    return defaults.server_error(request)
