from django.contrib.auth.models import AbstractUser
from django.db import models

from .choices import Availability, Role


class TimeStampedModel(models.Model):
    """Abstract base: creation and update times (UTC)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person who works in Switchboard: an admin, a support lead or an agent."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT, db_index=True)
    availability = models.CharField(max_length=16, choices=Availability.choices, default=Availability.OFFLINE)

    def has_role(self, *roles: str) -> bool:
        """True for active users whose role is one of ``roles``; superusers count as admins."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return Role.ADMIN in roles or not roles
        return self.role in roles

    @property
    def is_lead_or_admin(self) -> bool:
        return self.has_role(Role.ADMIN, Role.LEAD)
