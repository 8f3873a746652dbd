"""Settings shared by every environment. Values come from the environment (see README)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SHARED_DATA_DIR = BASE_DIR.parent / "shared" / "data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "apps.core.admin_apps.SwitchboardAdminConfig",  # django.contrib.admin with Switchboard's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_filters",
    "django_q",
    "django_htmx",
    "template_partials",
    "simple_history",
    "apps.core",
    "apps.tickets",
    "apps.workflows",
    "apps.knowledge",
    "apps.escalation",
    "apps.integrations",
    "apps.analytics",
    "apps.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # only the chat widget's endpoints, see CORS_URLS_REGEX
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.navigation",
            ],
        },
    },
]

# Database: an external PostgreSQL with pgvector when DATABASE_URL is set; otherwise the embedded
# PostgreSQL 16 + pgvector from `pgserver`, with its data folder in PGDATA (see apps/core/embedded_db.py).
PGDATA = Path(env("PGSERVER_DATA", default=str(BASE_DIR / ".pgdata")))
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    EMBEDDED_DB = False
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env("DB_NAME", default="switchboard"),
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": env("DB_HOST", default=""),
            "PORT": "",
        }
    }
    EMBEDDED_DB = True
    if not DATABASES["default"]["HOST"]:
        from apps.core.embedded_db import ensure_server

        DATABASES["default"]["HOST"] = ensure_server(PGDATA, DATABASES["default"]["NAME"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

# Where trained models and caches live (classifier pickles, WordLlama tokenizer copy).
VAR_DIR = Path(env("SWITCHBOARD_VAR_DIR", default=str(BASE_DIR / "var")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": "60/min",
        "user": "6000/min",
        # Public chat widget (per IP) and password -> token exchange; see apps/core/api/throttling.py.
        "widget_write": env("WIDGET_WRITE_RATE", default="30/min"),
        "widget_read": env("WIDGET_READ_RATE", default="120/min"),
        "token_obtain": "10/min",
    },
    "EXCEPTION_HANDLER": "apps.core.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Switchboard API",
    "DESCRIPTION": "Tickets, messages, drafts, handoffs, feedback, knowledge and metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI / Redoc assets from the drf-spectacular-sidecar package (static files), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" / "channel" choice field: name each choice set once.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "apps.tickets.choices.TicketStatus",
        "DraftStatusEnum": "apps.workflows.choices.DraftStatus",
        "HandoffStatusEnum": "apps.escalation.choices.HandoffStatus",
        "ChannelEnum": "apps.tickets.choices.Channel",
        "PriorityEnum": "apps.tickets.choices.Priority",
        "TierEnum": "apps.tickets.choices.Tier",
    },
}
# The chat widget's public key (one per workspace; it is visible in page source, it only identifies the workspace).
WIDGET_PUBLIC_KEY = env("WIDGET_PUBLIC_KEY", default="sb_pk_demo")
# Sites that embed the widget (e.g. https://app.example.com); cross-origin calls are allowed to the widget's
# endpoints only, without cookies (the widget authenticates with its key and the conversation token).
CORS_URLS_REGEX = r"^/api/v1/conversations/"
CORS_ALLOWED_ORIGINS = env.list("WIDGET_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "content-type", "idempotency-key", "x-switchboard-key", "x-conversation-token")
CORS_EXPOSE_HEADERS = ("Idempotent-Replayed", "Retry-After")

# django-q2 on the ORM broker. Keep retry > timeout (a shorter retry re-runs tasks).
Q_CLUSTER = {
    "name": "switchboard",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "poll": 0.2,
    "catch_up": False,
    "sync": env.bool("Q_SYNC", default=False),
    "save_limit": 1000,
}
# The triage sweep (apps/workflows/services/sweep.py): live tickets whose latest customer turn has waited this long
# without a Decision get their triage enqueued again; older than the look-back they are left alone (history).
TRIAGE_SWEEP_AFTER_MINUTES = env.float("TRIAGE_SWEEP_AFTER_MINUTES", default=10.0)
TRIAGE_SWEEP_LOOKBACK_HOURS = env.float("TRIAGE_SWEEP_LOOKBACK_HOURS", default=24.0)

# Providers (see apps/integrations/llm and apps/integrations/embeddings).
EMBEDDINGS_PROVIDER = env(
    "SWITCHBOARD_EMBEDDINGS", default="apps.integrations.embeddings.wordllama.WordLlamaEmbeddings"
)
# An OpenAI-compatible embeddings endpoint (SWITCHBOARD_EMBEDDINGS=openai; embeddings/openai_compatible.py)
EMBEDDINGS_BASE_URL = env("EMBEDDINGS_BASE_URL", default="")  # falls back to LLM_BASE_URL
EMBEDDINGS_API_KEY = env("EMBEDDINGS_API_KEY", default="")  # falls back to LLM_API_KEY
EMBEDDINGS_MODEL = env("EMBEDDINGS_MODEL", default="text-embedding-3-small")
EMBEDDINGS_TIMEOUT_S = env.float("EMBEDDINGS_TIMEOUT_S", default=20.0)  # seconds per attempt
EMBEDDINGS_MAX_RETRIES = env.int("EMBEDDINGS_MAX_RETRIES", default=2)
EMBEDDINGS_SEND_DIMENSIONS = env.bool("EMBEDDINGS_SEND_DIMENSIONS", default=True)  # ask the endpoint for 256
LLM_PROVIDER = env("SWITCHBOARD_LLM", default="apps.integrations.llm.offline.OfflineComposer")
OPENAI_BASE_URL = env("OPENAI_BASE_URL", default="")
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
OPENAI_MODEL = env("OPENAI_MODEL", default="gpt-4o-mini")
OPENAI_TIMEOUT_S = env.float("OPENAI_TIMEOUT_S", default=20.0)
# apps/core/redaction.redact() on text sent to an external LLM
LLM_REDACT_PII = env.bool("LLM_REDACT_PII", default=True)
LLM_PROVIDER = env("LLM_PROVIDER", default=LLM_PROVIDER)  # offline | openai | dotted path (apps/integrations/llm)
LLM_BASE_URL = env("LLM_BASE_URL", default=OPENAI_BASE_URL)  # an OpenAI-compatible server
LLM_MODEL = env("LLM_MODEL", default=OPENAI_MODEL)
LLM_API_KEY = env("LLM_API_KEY", default=OPENAI_API_KEY)
LLM_TIMEOUT_S = env.float("LLM_TIMEOUT_S", default=OPENAI_TIMEOUT_S)  # seconds per attempt
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=2)  # bounded retries (openai client backoff)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
# hosts (and subdomains) replies may link to
REPLY_LINK_HOSTS = env.list("REPLY_LINK_HOSTS", default=["tallyflow.example"])

# Public address of this install: links in emails (rating links) and tracker issues point here
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
SWITCHBOARD_URL = SITE_URL

# Triage rules (apps/workflows/engine): the category a spike of similar reports from other customers is drafted
# into when those tickets have none yet, and whether a bare "thanks, that fixed it" is acknowledged and resolved
SPIKE_CATEGORY = env("SPIKE_CATEGORY", default="bug-report")
TRIAGE_CLOSING_ACKNOWLEDGEMENT = env.bool("TRIAGE_CLOSING_ACKNOWLEDGEMENT", default=True)

# Outgoing email (SMTP when EMAIL_BACKEND is the smtp backend; production's default)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # seconds
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="webmaster@localhost")  # Django's default
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
