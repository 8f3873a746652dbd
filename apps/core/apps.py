from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_migrate, post_save

        from .pg_adapters import fast_list_dumper_register
        from .roles import groups_sync_after_migrate, user_groups_sync_on_save

        fast_list_dumper_register()  # bulk_create sends arrays of JSON: no regex per quote (apps/core/pg_adapters.py)

        # Role groups: permissions re-applied after migrate; membership follows User.role (apps/core/roles.py).
        post_migrate.connect(groups_sync_after_migrate, dispatch_uid="core.groups_sync")
        post_save.connect(user_groups_sync_on_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="core.user_groups")
