"""FilterSets shared by the HTMX lists and the API."""

import django_filters

from .choices import DocumentStatus, GapStatus
from .models import Document, KnowledgeGap


class DocumentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DocumentStatus.choices)
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title contains")
    flagged = django_filters.BooleanFilter(method="filter_flagged", label="Has instruction-like text")

    class Meta:
        model = Document
        fields = ["source", "status", "format"]

    def filter_flagged(self, queryset, name, value):
        return queryset.exclude(flags=[]) if value else queryset.filter(flags=[])


class GapFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GapStatus.choices)

    class Meta:
        model = KnowledgeGap
        fields = ["status"]
