"""An index on ``tickets_ticket.resolved_at`` for the dashboard's "resolved per day" (a range scan instead of
reading every ticket). Created here because analytics is its only reader; see bench/bench_analytics.py."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_categorydaystats_category_day_stats_slice_idx"), ("tickets", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS analytics_ticket_resolved_at_idx ON tickets_ticket (resolved_at) "
            "WHERE resolved_at IS NOT NULL",
            "DROP INDEX IF EXISTS analytics_ticket_resolved_at_idx",
        )
    ]
