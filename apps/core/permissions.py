"""Role checks for screens (mixins, decorators) and the API (DRF permission classes)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .choices import Role

ALL_ROLES = (Role.ADMIN, Role.LEAD, Role.AGENT)
LEADS = (Role.ADMIN, Role.LEAD)


def role_required(*roles: str) -> Callable:
    """View decorator: anonymous users go to the login page, users without one of ``roles`` get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_role(*roles):
                raise PermissionDenied("Your role cannot open this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles  # read by the URL permission-matrix test (tests/security)
        return wrapped

    return decorator


class RoleRequiredMixin(LoginRequiredMixin):
    """Class-based view mixin; set ``allowed_roles``."""

    allowed_roles: tuple[str, ...] = ALL_ROLES

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_role(*self.allowed_roles):
            raise PermissionDenied("Your role cannot open this page.")
        return super().dispatch(request, *args, **kwargs)


class HasRole(BasePermission):
    """DRF permission: subclass and set ``roles``."""

    roles: tuple[str, ...] = ALL_ROLES

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(*self.roles))


class IsStaffRole(HasRole):
    roles = ALL_ROLES


class IsLead(HasRole):
    roles = LEADS
