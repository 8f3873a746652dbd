from django.urls import path

from . import views

app_name = "knowledge"
urlpatterns = [
    path("", views.source_list, name="source_list"),
    path("runs/", views.ingestion_run_list, name="ingestion_run_list"),
    path("upload/", views.upload, name="upload"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("search/", views.search, name="search"),
    path("gaps/", views.gap_list, name="gap_list"),
    path("gaps/<int:pk>/status/", views.gap_status, name="gap_status"),
    path("gaps/<int:pk>/article/", views.gap_article, name="gap_article"),
    path("documents/<int:pk>/publish/", views.article_publish, name="article_publish"),
]
