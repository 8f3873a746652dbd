"""API token management: exchange a password for a token, see who a token belongs to, revoke it."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.permissions import IsStaffRole

from .authentication import STAFF_AUTHENTICATION
from .errors import error_responses
from .serializers import MeSerializer, TokenObtainSerializer, TokenSerializer
from .throttling import TokenObtainThrottle


def _me(user) -> dict:
    return {"id": user.pk, "username": user.get_username(), "role": user.role, "email": user.email}


class TokenView(APIView):
    """``POST``: username + password → the user's API token (created once, reused). ``DELETE``: revoke it."""

    authentication_classes = STAFF_AUTHENTICATION

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsStaffRole()]

    def get_throttles(self):
        return [TokenObtainThrottle()] if self.request.method == "POST" else super().get_throttles()

    def get_authenticators(self):
        # The password exchange ignores any session or token the caller already has (no CSRF dance for scripts).
        request = getattr(self, "request", None)
        if request is not None and request.method == "POST":
            return []
        return super().get_authenticators()

    def get_authenticate_header(self, request) -> str:
        return "Token"  # a wrong password is a 401 with the token challenge, not a bare 403

    @extend_schema(
        operation_id="auth_token_obtain",
        request=TokenObtainSerializer,
        responses={200: TokenSerializer, **error_responses(400, 401, 429)},
        auth=[],
        summary="Get an API token for a staff user",
    )
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, **serializer.validated_data)
        if user is None or not user.has_role("admin", "lead", "agent"):
            raise AuthenticationFailed("Wrong username or password, or the account is inactive.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "user": _me(user)})

    @extend_schema(
        operation_id="auth_token_revoke",
        request=None,
        responses={204: None, **error_responses(401, 403)},
        summary="Revoke the caller's API token",
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Who the caller is and which role they have."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaffRole]

    @extend_schema(operation_id="auth_me", responses={200: MeSerializer, **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        return Response(_me(request.user))
