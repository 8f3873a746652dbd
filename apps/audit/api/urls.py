from django.urls import path

from . import views

urlpatterns = [path("audit/changes/", views.ChangeListView.as_view(), name="api-audit-changes")]
