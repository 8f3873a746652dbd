"""The admin app with Switchboard's admin site (``apps.core.admin_site.SwitchboardAdminSite``) as ``admin.site``.
Listed in INSTALLED_APPS instead of ``django.contrib.admin``; kept apart from admin_site.py so that loading the
app registry imports no admin code."""

from django.contrib.admin.apps import AdminConfig


class SwitchboardAdminConfig(AdminConfig):
    default_site = "apps.core.admin_site.SwitchboardAdminSite"
