"""API permission classes beyond the role classes in ``apps.core.permissions``."""

from rest_framework.permissions import BasePermission

from apps.core.permissions import ALL_ROLES

from .authentication import WidgetClient


class IsWidgetOrStaff(BasePermission):
    """The chat widget (valid public key) or a signed-in staff user of any role; nobody anonymous."""

    message = "Send the widget key (X-Switchboard-Key) or an API token."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, WidgetClient):
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(*ALL_ROLES))
