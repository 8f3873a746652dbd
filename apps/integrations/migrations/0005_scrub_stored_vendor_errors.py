"""Scrub vendor error texts stored before ``vendor_error_scrub`` existed: CallLog errors and connection health held
query strings with customers' e-mail addresses (Stripe's ``/v1/customers?email=…``)."""

from django.db import migrations
from django.db.models import Q

SUSPECT = Q(error__contains="?") | Q(error__contains="@") | Q(error__icontains="%40")


def scrub(apps, schema_editor):
    from apps.integrations.connections import vendor_error_scrub

    CallLog = apps.get_model("integrations", "CallLog")
    Connection = apps.get_model("integrations", "Connection")
    for row in CallLog.objects.filter(SUSPECT).only("pk", "error").iterator(chunk_size=500):
        clean = vendor_error_scrub(row.error)
        if clean != row.error:
            CallLog.objects.filter(pk=row.pk).update(error=clean)
    suspect = Q(last_error__contains="?") | Q(last_error__contains="@") | Q(last_error__icontains="%40")
    for conn in Connection.objects.filter(suspect).only("pk", "last_error"):
        clean = vendor_error_scrub(conn.last_error)
        if clean != conn.last_error:
            Connection.objects.filter(pk=conn.pk).update(last_error=clean)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0004_helpdesk_post")]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
