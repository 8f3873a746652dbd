from django.db import models


class SourceKind(models.TextChoices):
    HELP_ARTICLE = "help_article", "Help article"
    FAQ = "faq", "FAQ"
    ONBOARDING_GUIDE = "onboarding_guide", "Onboarding guide"
    INTERNAL_SOP = "internal_sop", "Internal SOP"
    CHANGELOG = "changelog", "Changelog"
    PRICING_PAGE = "pricing_page", "Pricing page"
    POLICY = "policy", "Policy"


# Kinds whose older entries are down-weighted in search (a newer changelog entry or price list wins).
RECENCY_WEIGHTED_KINDS = (SourceKind.CHANGELOG, SourceKind.PRICING_PAGE)


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public (may be quoted to customers)"
    INTERNAL = "internal", "Internal (agents and AI reasoning only)"


class DocumentFormat(models.TextChoices):
    MARKDOWN = "markdown", "Markdown"
    HTML = "html", "HTML"
    TEXT = "text", "Plain text"
    PDF = "pdf", "PDF"
    QA_CSV = "qa_csv", "CSV of question/answer pairs"
    QA = "qa", "Question/answer pair"


class DocumentStatus(models.TextChoices):
    READY = "ready", "Ready"
    EMPTY = "empty", "No text found"
    FAILED = "failed", "Failed"


class IngestionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class GapStatus(models.TextChoices):
    OPEN = "open", "Open"
    ARTICLE_DRAFTED = "article_drafted", "Article drafted"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"
