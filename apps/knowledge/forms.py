"""Forms of the knowledge screens: upload files into a source, search as the AI would."""

from django import forms

from .choices import SourceKind, Visibility
from .models import Source
from .retrieval import METHODS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files; ``cleaned_data`` holds a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".md,.markdown,.html,.htm,.txt,.pdf,.csv,.tsv"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    """Files for an existing source, or for a new one described by name, kind, visibility and product area."""

    source = forms.ModelChoiceField(
        queryset=Source.objects.order_by("name"), required=False, empty_label="New source…"
    )
    new_source_name = forms.CharField(max_length=200, required=False, label="New source name")
    kind = forms.ChoiceField(choices=SourceKind.choices, initial=SourceKind.HELP_ARTICLE)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    product_area = forms.CharField(max_length=100, required=False)
    files = MultipleFileField(help_text="Markdown, HTML, text, PDF or a CSV of question/answer pairs")

    def clean(self):
        data = super().clean()
        if not data.get("source") and not (data.get("new_source_name") or "").strip():
            self.add_error("new_source_name", "Pick a source or name a new one.")
        return data


class SearchForm(forms.Form):
    q = forms.CharField(max_length=2000, required=False, label="Question")
    visibility = forms.ChoiceField(
        choices=[
            ("public", "Customer-facing (public only)"),
            ("", "Everything (agents)"),
            ("internal", "Internal only"),
        ],
        required=False,
        initial="public",
    )
    source_kind = forms.ChoiceField(choices=[("", "Any kind"), *SourceKind.choices], required=False)
    product_area = forms.CharField(max_length=100, required=False)
    method = forms.ChoiceField(choices=[(m, m) for m in METHODS], required=False, initial="hybrid")
    k = forms.IntegerField(min_value=1, max_value=20, required=False, initial=5)

    def search_filters(self) -> dict:
        data = self.cleaned_data
        return {key: data[key] for key in ("visibility", "source_kind", "product_area") if data.get(key)}


class ArticlePublishForm(forms.Form):
    """A reviewed article draft and the source it goes live in."""

    source = forms.ModelChoiceField(queryset=Source.objects.none(), label="Publish into")
    markdown = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "style": "width:100%"}), label="Article (Markdown)"
    )

    def __init__(self, *args, **kwargs):
        from .services.articles import DRAFTS_SOURCE

        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = Source.objects.exclude(name=DRAFTS_SOURCE).order_by("-visibility", "name")
