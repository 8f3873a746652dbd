from rest_framework import serializers

from apps.audit.selectors import history_model_labels


class ChangeQuerySerializer(serializers.Serializer):
    model = serializers.ChoiceField(
        choices=[], required=False, help_text="app_label.ModelName, e.g. workflows.Category"
    )
    since = serializers.DateTimeField(required=False, help_text="Only changes after this time (ISO 8601)")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = history_model_labels()


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class ChangeSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    who = serializers.CharField(help_text="Username, empty for changes made outside a request")
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    model = serializers.CharField()
    object_id = serializers.CharField()
    label = serializers.CharField()
    fields = FieldChangeSerializer(many=True)
