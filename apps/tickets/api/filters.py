"""The ticket list filter, shared by the API (and any HTMX ticket list)."""

import django_filters
from django.db.models import Q

from apps.core.api.filters import UtcIsoDateTimeFilter
from apps.tickets.choices import Channel, Priority, TicketStatus, Tier
from apps.tickets.models import Ticket


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices, help_text="Repeat for several")
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    source = django_filters.CharFilter(max_length=32)
    category = django_filters.CharFilter(field_name="category__slug", max_length=100, help_text="Category slug")
    queue = django_filters.CharFilter(field_name="queue__slug", max_length=100, help_text="Queue slug")
    assignee = django_filters.CharFilter(field_name="assignee__username", max_length=150)
    tier = django_filters.ChoiceFilter(field_name="organization__tier", choices=Tier.choices)
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="filter_q", max_length=200, help_text="Text in the subject or external id")

    class Meta:
        model = Ticket
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(subject__icontains=value) | Q(external_id__iexact=value)) if value else queryset
