from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="api-ticket")

urlpatterns = [
    path("conversations/", views.ConversationCreateView.as_view(), name="api-conversation-create"),
    path("conversations/<int:pk>/", views.ConversationDetailView.as_view(), name="api-conversation-detail"),
    path(
        "conversations/<int:pk>/messages/",
        views.ConversationMessageCreateView.as_view(),
        name="api-conversation-messages",
    ),
    path("conversations/<int:pk>/human/", views.ConversationHumanView.as_view(), name="api-conversation-human"),
    path(
        "conversations/<int:pk>/feedback/", views.ConversationFeedbackView.as_view(), name="api-conversation-feedback"
    ),
    *router.urls,
]
