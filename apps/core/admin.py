from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "role", "availability", "is_active", "last_login")
    list_filter = ("role", "availability", "is_active", "is_staff")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("username",)
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Switchboard", {"fields": ("role", "availability")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Switchboard", {"fields": ("role",)}))
