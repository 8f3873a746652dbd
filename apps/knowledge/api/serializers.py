from rest_framework import serializers

from apps.knowledge.choices import SourceKind, Visibility
from apps.knowledge.models import Document, IngestionRun, KnowledgeGap, Source
from apps.knowledge.retrieval import METHODS


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=2000, help_text="The question, as a customer would ask it")
    k = serializers.IntegerField(min_value=1, max_value=50, default=5)
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, help_text="public = what a customer-facing answer may use"
    )
    source_kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)
    product_area = serializers.CharField(max_length=100, required=False, help_text="That area and area-less sources")
    method = serializers.ChoiceField(choices=[(m, m) for m in METHODS], default="hybrid")


class SearchHitSerializer(serializers.Serializer):
    chunk_id = serializers.IntegerField()
    document_id = serializers.IntegerField()
    title = serializers.CharField(help_text="Document title (cite it)")
    url = serializers.CharField(help_text="Document URL (cite it); may be empty")
    heading = serializers.CharField()
    text = serializers.CharField()
    score = serializers.FloatField(help_text="Grounding score 0–1 (compare with the threshold)")
    dense_score = serializers.FloatField(help_text="Cosine similarity −1…1")
    text_score = serializers.FloatField(help_text="PostgreSQL ts_rank, ≥ 0")
    fused_score = serializers.FloatField(help_text="Reciprocal rank fusion × recency weight (the ranking key)")
    dense_rank = serializers.IntegerField(allow_null=True)
    text_rank = serializers.IntegerField(allow_null=True)
    visibility = serializers.CharField()
    source_kind = serializers.CharField()
    source_name = serializers.CharField()
    flags = serializers.ListField(child=serializers.CharField(), help_text="Instruction-like text found (data only)")


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    method = serializers.CharField()
    strategy = serializers.CharField(help_text="Vector search path: hnsw, exact, hnsw+exact or none")
    best_score = serializers.FloatField()
    threshold = serializers.FloatField()
    grounded = serializers.BooleanField()
    hits = SearchHitSerializer(many=True)


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "kind", "visibility", "product_area", "description", "created_at", "updated_at"]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "source",
            "external_id",
            "title",
            "url",
            "format",
            "status",
            "error",
            "flags",
            "chunk_count",
            "content_hash",
            "published_at",
            "created_at",
            "updated_at",
        ]


class IngestionCreateSerializer(serializers.Serializer):
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, help_text="An existing source id"
    )
    source_name = serializers.CharField(
        max_length=200, required=False, help_text="Or the name of a source (created when missing)"
    )
    kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    product_area = serializers.CharField(max_length=100, required=False)
    files = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        help_text="Markdown, HTML, text, PDF or Q/A CSV files (multipart)",
    )

    def validate(self, attrs):
        if not attrs.get("source") and not attrs.get("source_name"):
            raise serializers.ValidationError({"source": ["Give a source id or a source_name."]})
        return attrs


class IngestionRunSerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.name", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = IngestionRun
        fields = [
            "id",
            "source",
            "source_name",
            "status",
            "origin",
            "total",
            "processed",
            "percent",
            "created_count",
            "updated_count",
            "unchanged_count",
            "failed_count",
            "chunk_count",
            "errors",
            "created_at",
            "finished_at",
        ]


class GapSerializer(serializers.ModelSerializer):
    example_tickets = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = KnowledgeGap
        fields = [
            "id",
            "question",
            "count",
            "best_score",
            "example_questions",
            "example_tickets",
            "status",
            "created_at",
            "last_seen_at",
        ]
