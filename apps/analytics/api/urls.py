from django.urls import path

from . import views

urlpatterns = [
    path("metrics/", views.MetricsView.as_view(), name="api-metrics"),
    path("metrics/audit/", views.AuditView.as_view(), name="api-audit"),
    path("metrics/categories/", views.CategoryMetricsView.as_view(), name="api-category-metrics"),
]
