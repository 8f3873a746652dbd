"""Covering indexes for the overview dashboard's period scans (index-only scans once autovacuum has run):
tickets by creation time with id and category, resolved tickets with id, Decisions by time with category,
outcome and sent. Created here because analytics is their reader; see bench/bench_analytics.py."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0006_categorydaystats_edit_ratio_sum_and_more"),
        ("tickets", "0001_initial"),
        ("workflows", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS analytics_ticket_created_cover_idx ON tickets_ticket (created_at) "
            "INCLUDE (id, category_id)",
            "DROP INDEX IF EXISTS analytics_ticket_created_cover_idx",
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS analytics_ticket_resolved_at_idx; "
            "CREATE INDEX analytics_ticket_resolved_at_idx ON tickets_ticket (resolved_at) INCLUDE (id) "
            "WHERE resolved_at IS NOT NULL",
            "DROP INDEX IF EXISTS analytics_ticket_resolved_at_idx; "
            "CREATE INDEX analytics_ticket_resolved_at_idx ON tickets_ticket (resolved_at) "
            "WHERE resolved_at IS NOT NULL",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS analytics_decision_created_cover_idx ON workflows_decision (created_at) "
            "INCLUDE (category_id, outcome, sent)",
            "DROP INDEX IF EXISTS analytics_decision_created_cover_idx",
        ),
    ]
