"""Filters for the draft review queue (API)."""

import django_filters

from apps.workflows.choices import DraftStatus
from apps.workflows.models import Draft


class DraftFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DraftStatus.choices, help_text="Repeat for several")
    category = django_filters.CharFilter(field_name="decision__category__slug", max_length=100)
    queue = django_filters.CharFilter(field_name="ticket__queue__slug", max_length=100)
    ticket = django_filters.NumberFilter(field_name="ticket_id", min_value=1)

    class Meta:
        model = Draft
        fields = []
