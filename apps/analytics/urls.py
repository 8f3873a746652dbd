from django.urls import path

from . import views
from .pages import audit, feedback, metrics, reviews

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", audit.audit_page, name="audit"),
    path("audit/suggestions/", audit.suggestions_cluster, name="suggestions_cluster"),
    path("audit/suggestions/<int:pk>/", audit.suggestion_action, name="suggestion_action"),
    path("escalation-knowledge/", audit.escalation_knowledge, name="escalation_knowledge"),
    path("metrics/", metrics.metrics_page, name="metrics"),
    path("feedback/", feedback.feedback_review_list, name="unhelpful_list"),
    path("feedback/<int:pk>/reviewed/", feedback.feedback_review_done, name="unhelpful_reviewed"),
    path("rate/<str:token>/", feedback.feedback_link_page, name="feedback_link"),
    path("reviews/", reviews.review_list, name="review_list"),
    path("reviews/build/", reviews.review_build, name="review_build"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review_detail"),
    path("reviews/<int:pk>/sign-off/", reviews.review_sign_off, name="review_sign_off"),
    path("reviews/<int:pk>.csv", reviews.review_csv, name="review_csv"),
]
