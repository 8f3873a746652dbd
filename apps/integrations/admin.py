"""Integrations in the admin. The demo billing backend's tables (Stripe-shaped, seeded by ``seed_demo``) are shown
read-only: they stand in for the vendor, whose data Switchboard never edits."""

from django.contrib import admin

from apps.core.admin_utils import ReadOnlyAdmin

from .models import BillingCharge, BillingCustomer, BillingInvoice, BillingPaymentIntent, BillingRefund


@admin.register(BillingCustomer)
class BillingCustomerAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "email", "organization", "currency", "delinquent", "created")
    list_filter = ("delinquent", "currency")
    search_fields = ("=id", "name", "email", "organization__name")
    list_select_related = ("organization",)


@admin.register(BillingInvoice)
class BillingInvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "status", "amount_due", "amount_paid", "currency", "created")
    list_filter = ("status", "currency")
    search_fields = ("=id", "number", "=customer__id")
    date_hierarchy = "created"
    list_select_related = ("customer",)


@admin.register(BillingPaymentIntent)
class BillingPaymentIntentAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "status", "amount", "amount_capturable", "amount_received", "created")
    list_filter = ("status", "capture_method")
    search_fields = ("=id", "=customer__id")
    date_hierarchy = "created"
    list_select_related = ("customer",)


@admin.register(BillingCharge)
class BillingChargeAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "status", "amount", "amount_refunded", "paid", "refunded", "disputed", "created")
    list_filter = ("status", "paid", "refunded", "disputed")
    search_fields = ("=id", "=customer__id", "description")
    date_hierarchy = "created"
    list_select_related = ("customer",)


@admin.register(BillingRefund)
class BillingRefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "charge", "status", "amount", "currency", "reason", "created")
    list_filter = ("status", "reason")
    search_fields = ("=id", "=charge__id")
    date_hierarchy = "created"
    list_select_related = ("charge",)
