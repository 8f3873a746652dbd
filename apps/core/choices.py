from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEAD = "lead", "Support lead"
    AGENT = "agent", "Agent"


class Availability(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"
