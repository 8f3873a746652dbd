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
            cleaned = [single(item, initial) for item in data] if data else [single(None, initial)]
        else:
            cleaned = [single(data, initial)]
        return [item for item in cleaned if item]


class FolderInput(MultipleFileInput):
    """Picks a whole folder (the browser sends every file in it and its subfolders)."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"webkitdirectory": True, "directory": True, **(attrs or {})})


def supported_files(files: list) -> tuple[list, int]:
    """The files of a picked folder that can be ingested (by extension), and how many others were skipped."""
    from .ingestion import format_for

    kept = [f for f in files if format_for(f.name or "")]
    return kept, len(files) - len(kept)


class UploadFilesForm(forms.Form):
    """Files, a folder, or both (the folder's other file types are skipped, not refused)."""

    files = MultipleFileField(required=False, help_text="Markdown, HTML, text, PDF or a CSV of question/answer pairs")
    folder = MultipleFileField(
        required=False,
        widget=FolderInput(),
        help_text="Or a whole folder: its Markdown, HTML, text, PDF and CSV files, subfolders included",
    )

    def clean(self):
        data = super().clean()
        folder, skipped = supported_files(data.get("folder") or [])
        data["skipped"] = skipped
        data["all_files"] = [*(data.get("files") or []), *folder]
        if not data["all_files"] and not self.errors:
            self.add_error(
                "files",
                "Choose files or a folder to upload."
                + (f" The folder had no supported files ({skipped} skipped)." if skipped else ""),
            )
        return data


class UploadForm(UploadFilesForm):
    """Files (or a folder) for an existing source, or for a new one described by name, kind, visibility and
    product area."""

    source = forms.ModelChoiceField(
        queryset=Source.objects.order_by("name"), required=False, empty_label="New source…"
    )
    new_source_name = forms.CharField(max_length=200, required=False, label="New source name")
    kind = forms.ChoiceField(choices=SourceKind.choices, initial=SourceKind.HELP_ARTICLE)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    product_area = forms.CharField(max_length=100, required=False)
    field_order = ["source", "new_source_name", "kind", "visibility", "product_area", "files", "folder"]

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
