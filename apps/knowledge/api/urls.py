from django.urls import path

from . import views

urlpatterns = [
    path("knowledge/search", views.SearchView.as_view(), name="api-knowledge-search"),
    path("knowledge/ingestions", views.IngestionCreateView.as_view(), name="api-knowledge-ingestion-create"),
    path("knowledge/ingestions/<int:pk>", views.IngestionDetailView.as_view(), name="api-knowledge-ingestion-detail"),
    path("knowledge/sources", views.SourceListView.as_view(), name="api-knowledge-sources"),
    path("knowledge/documents", views.DocumentListView.as_view(), name="api-knowledge-documents"),
    path("knowledge/gaps", views.GapListView.as_view(), name="api-knowledge-gaps"),
]
