"""Writes for sources: create, find, update (keeping the chunks' copied filter fields in step)."""

from __future__ import annotations

from django.db import transaction

from apps.core.errors import ValidationError
from apps.knowledge.choices import SourceKind, Visibility
from apps.knowledge.models import Chunk, Source


def _check(kind: str | None, visibility: str | None) -> None:
    if kind is not None and kind not in SourceKind.values:
        raise ValidationError(f"Unknown source kind '{kind}'; use one of {', '.join(SourceKind.values)}.")
    if visibility is not None and visibility not in Visibility.values:
        raise ValidationError(f"Unknown visibility '{visibility}'; use public or internal.")


def source_get_or_create(
    *, name: str, kind: str | None = None, visibility: str | None = None, product_area: str | None = None
) -> tuple[Source, bool]:
    """The source called ``name`` (created with ``kind``/``visibility``/``product_area`` when missing; an
    existing source is updated only for the values given). Returns ``(source, created)``.

    Raises ``ValidationError`` for an empty name or an unknown kind or visibility."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("A source needs a name.")
    _check(kind, visibility)
    source = Source.objects.filter(name=name).first()
    if source is None:
        source = Source.objects.create(
            name=name,
            kind=kind or SourceKind.HELP_ARTICLE,
            visibility=visibility or Visibility.PUBLIC,
            product_area=(product_area or "").strip(),
        )
        return source, True
    return source_update(source=source, kind=kind, visibility=visibility, product_area=product_area), False


@transaction.atomic
def source_update(
    *,
    source: Source,
    name: str | None = None,
    kind: str | None = None,
    visibility: str | None = None,
    product_area: str | None = None,
    description: str | None = None,
) -> Source:
    """Change a source; its chunks' copies of kind, visibility and product area change in the same transaction
    (so an article made internal stops appearing in public search at once). ``None`` leaves a field as is."""
    _check(kind, visibility)
    changes = {
        "name": name.strip() if name is not None else None,
        "kind": kind,
        "visibility": visibility,
        "product_area": product_area.strip() if product_area is not None else None,
        "description": description,
    }
    changed = [f for f, v in changes.items() if v is not None and getattr(source, f) != v]
    if not changed:
        return source
    if "name" in changed and Source.objects.filter(name=changes["name"]).exclude(pk=source.pk).exists():
        raise ValidationError(f"A source named '{changes['name']}' already exists.")
    for f in changed:
        setattr(source, f, changes[f])
    source.save(update_fields=[*changed, "updated_at"])
    Chunk.objects.filter(document__source=source).update(
        visibility=source.visibility, source_kind=source.kind, product_area=source.product_area
    )
    return source


def source_delete(*, source: Source) -> None:
    """Delete a source with its documents, chunks and ingestion runs."""
    source.delete()
