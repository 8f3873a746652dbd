"""The connection form: one per kind (credential and option fields follow the kind), with the allow-list editor."""

from __future__ import annotations

import json

from django import forms

from apps.integrations.connections import (
    COMMON_OPTIONS,
    CREDENTIAL_FIELDS,
    KIND_OPTIONS,
    connection_set_credentials,
    connection_switch_on_refusal,
    credentials_masked,
    field_catalog,
)
from apps.integrations.models import Connection
from apps.workflows.models import Category

# What switching a connection on does, per service (shown under the Enabled box).
ENABLED_HELP = {
    "billing": "While on, billing lookups (billing.summary, billing.charges) for the categories it allows read "
    "this account instead of the local demo backend, and its signed webhooks are accepted. It can be switched on "
    "only after a successful “Test connection”.",
    "crm": "While on, CRM lookups (crm.account) read this system instead of the local demo backend. It can be "
    "switched on only after a successful “Test connection”.",
    "": "While on, Switchboard uses it and accepts its signed webhooks. It can be switched on only after a "
    "successful “Test connection”.",
}
NEW_CONNECTION_NOTE = (
    "New connections start switched off, so nothing changes until you are ready: save, run “Test connection”, then "
    "tick Enabled."
)


class ConnectionForm(forms.ModelForm):
    """Credentials are write-only (blank keeps the stored value); ``allowed_fields`` are checkboxes over the fields
    the kind's client can return (free text, one path per line, for kinds without a catalog)."""

    credentials_env_text = forms.CharField(
        label="Credentials from environment variables",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line: credential=ENV_VARIABLE, e.g. api_key=STRIPE_API_KEY (wins over a stored value).",
    )
    allowed_fields_choice = forms.MultipleChoiceField(
        label="Fields the AI may read", required=False, widget=forms.CheckboxSelectMultiple
    )
    allowed_fields_text = forms.CharField(
        label="Fields the AI may read (dotted paths, one per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    allowed_categories = forms.MultipleChoiceField(
        label="Categories that may use it (none ticked: every category)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Connection
        fields = ["name", "service", "enabled", "base_url"]

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.instance.kind = kind
        if kind != Connection.Kind.LOCAL:
            self.fields.pop("service")
            self.instance.service = Connection.SERVICE_OF_KIND[kind]
            if not self.instance.pk:  # a new vendor connection starts switched off (see ``clean_enabled``)
                self.instance.enabled = False
                self.fields.pop("enabled")
            else:
                self.fields["enabled"].help_text = ENABLED_HELP.get(self.instance.service, ENABLED_HELP[""])
        masked = credentials_masked(self.instance) if self.instance.pk else {}
        for name in CREDENTIAL_FIELDS.get(kind, []):
            self.fields[f"cred_{name}"] = forms.CharField(
                label=name.replace("_", " ").capitalize(),
                required=False,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text=f"Stored: {masked[name]} — leave blank to keep it." if masked.get(name) else "Not set.",
            )
        options = self.instance.options or {}
        for name, label, default in COMMON_OPTIONS + KIND_OPTIONS.get(kind, []):
            field = (
                forms.FloatField(min_value=0, max_value=120)
                if isinstance(default, float)
                else forms.IntegerField(min_value=0, max_value=10)
                if isinstance(default, int)
                else forms.CharField(max_length=300)
            )
            field.label, field.required, field.initial = label, False, options.get(name, default)
            self.fields[f"opt_{name}"] = field
        self.fields["credentials_env_text"].initial = "\n".join(
            f"{k}={v}" for k, v in (self.instance.credentials_env or {}).items()
        )
        catalog = field_catalog(self.instance) if self.instance.service else []
        if catalog:
            self.fields.pop("allowed_fields_text")
            self.fields["allowed_fields_choice"].choices = [(path, f"{label} ({path})") for path, label, _ in catalog]
            self.fields["allowed_fields_choice"].initial = (
                self.instance.allowed_fields if self.instance.pk else [p for p, _, on in catalog if on]
            )
        else:
            self.fields.pop("allowed_fields_choice")
            self.fields["allowed_fields_text"].initial = "\n".join(self.instance.allowed_fields or [])
        self.fields["allowed_categories"].choices = [(c.slug, c.name) for c in Category.objects.order_by("slug")]
        self.fields["allowed_categories"].initial = self.instance.allowed_categories
        self.catalog = catalog

    def credential_fields(self):
        return [self[n] for n in self.fields if n.startswith("cred_")]

    def option_fields(self):
        return [self[n] for n in self.fields if n.startswith("opt_")]

    def clean_credentials_env_text(self) -> dict:
        env: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["credentials_env_text"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, variable = line.partition("=")
            if not sep or not name.strip() or not variable.strip().replace("_", "").isalnum():
                raise forms.ValidationError(f"Line {number}: write credential=ENV_VARIABLE (got {line.strip()!r}).")
            env[name.strip()] = variable.strip()
        return env

    def clean_allowed_fields_text(self) -> list[str]:
        paths = [p.strip() for p in self.cleaned_data["allowed_fields_text"].splitlines() if p.strip()]
        bad = [p for p in paths if " " in p or p.startswith(".") or p.endswith(".")]
        if bad:
            raise forms.ValidationError(f"Not a dotted path: {', '.join(bad)}")
        return paths

    def clean_enabled(self) -> bool:
        """Switching a vendor connection on needs a passing "Test connection" (``connection_switch_on_refusal``)."""
        enabled = self.cleaned_data["enabled"]
        refusal = connection_switch_on_refusal(connection=self.instance, kind=self.kind, enabled=enabled)
        if refusal:
            raise forms.ValidationError(refusal)
        return enabled

    def clean(self):
        data = super().clean()
        if self.kind == Connection.Kind.LOCAL and not data.get("service"):
            self.add_error("service", "Choose what the local backend serves.")
        return data

    def save(self, commit: bool = True) -> Connection:
        conn = super().save(commit=False)
        conn.credentials_env = self.cleaned_data["credentials_env_text"]
        conn.allowed_fields = (
            self.cleaned_data.get("allowed_fields_choice")
            if "allowed_fields_choice" in self.fields
            else self.cleaned_data.get("allowed_fields_text", [])
        ) or []
        conn.allowed_categories = self.cleaned_data.get("allowed_categories") or []
        options = dict(conn.options or {})
        for name in [n for n in self.fields if n.startswith("opt_")]:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                options.pop(name[4:], None)
            else:
                options[name[4:]] = value
        conn.options = json.loads(json.dumps(options))
        conn.save()
        secrets = {n[5:]: self.cleaned_data.get(n) or "" for n in self.fields if n.startswith("cred_")}
        if any(secrets.values()):
            connection_set_credentials(connection=conn, values=secrets)
        return conn
