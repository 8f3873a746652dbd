from django.db import models


class Tier(models.TextChoices):
    FREE = "free", "Free"
    PRO = "pro", "Pro"
    BUSINESS = "business", "Business"
    ENTERPRISE = "enterprise", "Enterprise"


class Channel(models.TextChoices):
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
    WEB = "web", "Web form"
    API = "api", "API"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social"


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Waiting on customer"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AI = "ai", "AI"
    AGENT = "agent", "Agent"
    SYSTEM = "system", "System"


class TicketSource(models.TextChoices):
    """Where a ticket came from; with ``external_id`` it identifies the ticket for idempotent intake."""

    API = "api", "API"
    CHAT = "chat", "Chat widget"
    EMAIL = "email", "Email"
    IMPORT = "import", "Import"
    DEMO = "demo", "Demo workspace"
    ZENDESK = "zendesk", "Zendesk"
    FRESHDESK = "freshdesk", "Freshdesk"
    INTERCOM = "intercom", "Intercom"
