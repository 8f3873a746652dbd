"""Filters for the handoff inbox (API)."""

import django_filters

from apps.escalation.choices import HandoffStatus
from apps.escalation.models import Handoff
from apps.tickets.choices import Priority


class HandoffFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=HandoffStatus.choices, help_text="Repeat for several")
    queue = django_filters.CharFilter(field_name="queue__slug", max_length=100, help_text="Queue slug")
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="true: only handoffs claimed by the caller")

    class Meta:
        model = Handoff
        fields = []

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user_id = self.request.user.pk if self.request else None
        return queryset.filter(claimed_by_id=user_id) if value else queryset.exclude(claimed_by_id=user_id)
