"""Rows for admin tests of any model: a filled-in instance built from the model's fields, and bulk copies of
it up to a row count, so a model another app registers later is covered without a factory of its own."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from itertools import count

from django.db import IntegrityError, models, transaction
from django.utils import timezone

_serial = count(1)


def _value(field: models.Field, depth: int):
    n = next(_serial)
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.OneToOneField):  # a fresh related row: a copy of one, else a new one
        first = field.related_model._default_manager.order_by("pk").first()
        return (
            _copies(field.related_model, first, 1, depth + 1)[0]
            if first
            else instance_build(field.related_model, depth + 1)
        )
    if isinstance(field, models.ForeignKey):
        return field.related_model._default_manager.order_by("pk").first() or instance_build(
            field.related_model, depth + 1
        )
    if isinstance(field, models.EmailField):
        return f"row{n}@example.com"
    if isinstance(field, models.URLField):
        return f"https://example.com/{n}"
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.GenericIPAddressField):
        return "127.0.0.1"
    if isinstance(field, models.CharField | models.TextField):
        return f"row-{n}"[: field.max_length or 64]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return 1
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return dt.date.today()
    if isinstance(field, models.DurationField):
        return dt.timedelta(hours=1)
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b"row"
    if isinstance(field, models.FileField):
        return f"rows/{n}.txt"
    if hasattr(field, "dimensions"):  # pgvector's VectorField
        return [1.0] + [0.0] * (field.dimensions - 1)
    raise TypeError(f"no test value for {field!r}")


def _needs_value(field: models.Field) -> bool:
    if field.auto_created or isinstance(field, models.GeneratedField) or field.has_default():
        return False
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    if field.primary_key:
        return not isinstance(field, models.AutoField)
    return not field.null


def instance_build(model: type[models.Model], depth: int = 0) -> models.Model:
    """Save and return one row of ``model`` with every required field filled in (related rows made as needed)."""
    if depth > 5:
        raise RecursionError(f"related models too deep to build {model._meta.label}")
    values = {}
    for field in model._meta.concrete_fields:
        if _needs_value(field):
            values[field.name] = _value(field, depth)
    return model._default_manager.create(**values)


def _unique_groups(model: type[models.Model]) -> list[tuple[str, ...]]:
    groups = [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    groups += [tuple(group) for group in model._meta.unique_together]
    groups += [tuple(c.fields) for c in model._meta.constraints if getattr(c, "fields", None)]
    return groups


def _distinct(field: models.Field, value, i: int):
    if value is None:
        return None
    if isinstance(field, models.ForeignKey):  # incl. one-to-one
        if field.null:
            return None
        raise ValueError("unique non-null relation")
    if isinstance(field, models.BooleanField):  # conditional unique constraints (one active row)
        return False
    if isinstance(field, models.CharField | models.TextField):
        suffix = f"-c{i}"
        text = str(value)
        return (text[: (field.max_length or 10_000) - len(suffix)] + suffix) if field.max_length else text + suffix
    if isinstance(field, models.IntegerField):
        return value + 10_000 + i
    if isinstance(field, models.DateTimeField | models.DateField):
        return value + dt.timedelta(days=i + 1)
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    raise ValueError(f"cannot vary {field!r}")


def _vary(row: models.Model, base: models.Model, groups: list[tuple[str, ...]], i: int) -> None:
    """Make ``row`` differ from ``base`` in at least one field of each unique group."""
    for group in groups:
        errors = []
        for name in sorted(group, key=lambda n: isinstance(base._meta.get_field(n), models.ForeignKey)):
            field = base._meta.get_field(name)
            try:
                setattr(row, field.attname, _distinct(field, getattr(base, field.attname), i))
                break
            except ValueError as error:
                errors.append(error)
        else:
            raise errors[0]


def _relation_only(model: type[models.Model], group: tuple[str, ...]) -> bool:
    fields = [model._meta.get_field(name) for name in group]
    return all(isinstance(f, models.ForeignKey) and not f.null for f in fields)


def _copies(model: type[models.Model], base: models.Model, n: int, depth: int = 0) -> list[models.Model]:
    """Save ``n`` bulk copies of ``base`` with each unique group varied; a unique group made only of non-null
    relations (a one-to-one such as Draft.decision) gets a fresh copy of the related row per copy."""
    if depth > 4:
        raise RecursionError(model._meta.label)
    groups = _unique_groups(model)
    parents: dict[str, list[models.Model]] = {}
    for group in groups:
        if _relation_only(model, group):
            field = model._meta.get_field(group[0])
            parents[field.attname] = _copies(field.related_model, getattr(base, field.name), n, depth + 1)
    plain = [g for g in groups if not _relation_only(model, g)]
    pk = model._meta.pk
    rows = []
    for i in range(n):
        row = copy.copy(base)
        row._state = copy.copy(base._state)
        row._state.adding = True
        setattr(row, pk.attname, None if isinstance(pk, models.AutoField) else f"{base.pk}-c{depth}-{i}")
        for attname, made in parents.items():
            setattr(row, attname, made[i].pk)
        _vary(row, base, plain, next(_serial))  # a process-wide serial: copies made by separate calls never clash
        rows.append(row)
    model._default_manager.bulk_create(rows, batch_size=500)
    return rows


def rows_ensure(model: type[models.Model], total: int) -> int:
    """Bring ``model`` to at least ``total`` rows by bulk copies of its first row (building one if the table is
    empty), with unique fields varied. Returns the row count reached (fewer when rows cannot be copied)."""
    manager = model._default_manager
    try:
        with transaction.atomic():
            base = manager.order_by("pk").first() or instance_build(model)
    except (IntegrityError, TypeError, RecursionError, ValueError):
        return manager.count()
    missing = total - manager.count()
    if missing > 0:
        try:
            with transaction.atomic():
                _copies(model, base, missing)
        except (IntegrityError, ValueError, TypeError, RecursionError):
            pass
    return manager.count()


def busiest(model: type[models.Model]) -> list[models.Model]:
    """For each relation pointing at ``model`` (a ticket's messages, handoffs, decisions…), the row with the most
    related rows through it, plus the first row: the change pages with the biggest inlines and related lists."""
    from django.db.models import Count

    manager = model._default_manager
    found = {}
    first = manager.order_by("pk").first()
    if first is not None:
        found[first.pk] = first
    for relation in model._meta.related_objects:
        if not relation.one_to_many or relation.related_model._meta.proxy:
            continue
        column = relation.field.attname
        row = (
            relation.related_model._default_manager.exclude(**{f"{column}__isnull": True})
            .values(column)
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if row and row["n"] > 1 and row[column] not in found:
            obj = manager.filter(pk=row[column]).first()
            if obj is not None:
                found[obj.pk] = obj
    return list(found.values())
