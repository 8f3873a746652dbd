from django.db import models


class SuggestionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted (category created)"
    MERGED = "merged", "Merged into another suggestion"
    DISMISSED = "dismissed", "Dismissed"


class FeedbackSource(models.TextChoices):
    API = "api", "API / chat widget"
    LINK = "link", "Signed link in a reply"


class ReviewState(models.TextChoices):
    OPEN = "open", "To review"
    REVIEWED = "reviewed", "Reviewed"


class ExampleSource(models.TextChoices):
    DRAFT_EDIT = "draft_edit", "Agent edited a draft"
    CATEGORY_CORRECTION = "category_correction", "Lead corrected a category"


class AnomalyKind(models.TextChoices):
    SIGNATURE = "signature", "Error signature"
    TOPIC = "topic", "Topic (category)"


class Signal(models.TextChoices):
    """Signals a senior agent watches for, each turned into one escalation trigger rule kind."""

    FRUSTRATION = "frustration", "Frustrated or angry customer"
    REPEAT_CONTACT = "repeat_contact", "Customer wrote about this before"
    HUMAN_REQUEST = "human_request", "Asks for a person"
    AI_TURNS = "ai_turns", "Several AI replies without resolution"
