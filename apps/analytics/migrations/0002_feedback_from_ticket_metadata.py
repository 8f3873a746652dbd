"""Move the ratings kept in ``Ticket.metadata["feedback"]`` into ``Feedback`` rows (and drop them from metadata)."""

from datetime import datetime

from django.db import migrations


def forwards(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Feedback = apps.get_model("analytics", "Feedback")
    Message = apps.get_model("tickets", "Message")
    for ticket in Ticket.objects.filter(metadata__has_key="feedback").iterator(chunk_size=500):
        entries = ticket.metadata.get("feedback") or []
        rows = []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            message_id = entry.get("message_id")
            if message_id is not None and not Message.objects.filter(pk=message_id, ticket_id=ticket.pk).exists():
                message_id = None
            csat = entry.get("csat")
            rows.append(
                Feedback(
                    ticket_id=ticket.pk,
                    message_id=message_id,
                    csat=csat if isinstance(csat, int) and 1 <= csat <= 5 else None,
                    helpful=entry.get("helpful"),
                    comment=(entry.get("comment") or "")[:2000],
                    source="api",
                    created_at=datetime.fromisoformat(entry["at"]) if entry.get("at") else ticket.updated_at,
                )
            )
        Feedback.objects.bulk_create(rows)
        metadata = dict(ticket.metadata)
        metadata.pop("feedback", None)
        Ticket.objects.filter(pk=ticket.pk).update(metadata=metadata)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
