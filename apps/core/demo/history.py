"""Historical tickets of the demo workspace: 90 days of conversations humans handled, with labels and outcomes."""

import random
from datetime import datetime, timedelta

from .company import APP_URL, APP_VERSION, CATEGORIES, SUPPORT_EMAIL, USERS, DemoCategory
from .specs import ContactSpec, MessageSpec, OrgSpec, TicketSpec
from .text import Slots, humanize, money, render
from .wording import (
    AGENT_CLOSE_NOT_OK,
    AGENT_CLOSE_NOT_OK_DE,
    AGENT_CLOSE_OK,
    AGENT_CLOSE_OK_DE,
    ASIDES,
    CONFUSABLE,
    FOLLOWUP_NOT_OK,
    FOLLOWUP_NOT_OK_DE,
    FOLLOWUP_OK,
    FOLLOWUP_OK_DE,
    FOLLOWUP_PREFIXES,
    FRUSTRATION,
    GREETINGS,
    INTERNAL_NOTES,
    REPLY_DE,
    SIGNOFFS,
    TEMPLATES,
    URGENCY,
)
from .wording_es import (
    AGENT_CLOSE_NOT_OK_ES,
    AGENT_CLOSE_OK_ES,
    FOLLOWUP_NOT_OK_ES,
    FOLLOWUP_OK_ES,
    GREETINGS_ES,
    SIGNOFFS_ES,
    TEMPLATES_ES,
)

DAYS = 90
LABEL_NOISE = 0.05  # share of historical tickets filed under a neighbouring category
FOLLOWUP_SHARE = 0.06  # share of English first messages that refer back to an earlier conversation
WEEKDAY_LOAD = (1.25, 1.15, 1.05, 1.0, 0.85, 0.3, 0.25)
REGION_UTC_OFFSET = {"north-america": -5, "uk-ireland": 0, "dach": 1, "europe-other": 1, "apac": 10}
CHAT_SHARE = {
    "outage": 0.7,
    "account/password-reset": 0.55,
    "how-to": 0.55,
    "legal-privacy": 0.1,
    "cancellation": 0.25,
    "billing": 0.35,
    "billing/double-charge": 0.5,
    "security": 0.4,
    "feature-request": 0.4,
}
TIER_CONTACT_RATE = {"free": 1.0, "pro": 1.6, "business": 2.6, "enterprise": 5.0}  # tickets per account, relative
TIER_SPEED = {"enterprise": 0.45, "business": 0.7, "pro": 1.0, "free": 1.6}
AREA_PAGES = {
    "billing": ("/settings/billing", "Billing"),
    "login": ("/login", "Sign in"),
    "settings": ("/settings/members", "Members"),
    "projects": ("/projects/{n}", "Project overview"),
    "integrations": ("/settings/integrations", "Integrations"),
    "dashboard": ("/dashboard", "Dashboard"),
}
FEATURE_TITLES = ["Time tracking", "Recurring invoices", "Client portal", "Budget alerts", "Timesheet approvals"]
BROWSERS = ["Chrome 131", "Firefox 133", "Safari 18", "Edge 131", "iOS app 4.12", "Android app 4.11"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _queue_members() -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for user in USERS:
        if user.role == "admin":
            continue
        for queue in user.queues:
            members.setdefault(queue, []).append(user.username)
    return members


AGENT_FIRST = {u.username: u.first_name for u in USERS}


class HistoryGenerator:
    """Builds ``TicketSpec`` objects; one instance per seeding run (it holds the random state and context)."""

    def __init__(self, *, seed: int, orgs: list[OrgSpec], now: datetime, billing_numbers: dict[str, list]):
        """``billing_numbers`` maps an organization key to its invoices ``[(number, cents, currency, created)]``
        so billing tickets quote real invoice numbers and amounts."""
        self.seed, self.orgs, self.now = seed, orgs, now
        self.rng = self.reseed("categories")
        self.billing_numbers = billing_numbers
        self.members = _queue_members()
        self.day_weights = [
            WEEKDAY_LOAD[(now - timedelta(days=DAYS - d)).weekday()] * (0.85 + 0.3 * d / DAYS) for d in range(DAYS)
        ]
        self.org_weights = [TIER_CONTACT_RATE[o.tier] for o in orgs]
        self.paying = [o for o in orgs if o.tier != "free"] or orgs
        self.paying_weights = [TIER_CONTACT_RATE[o.tier] for o in self.paying]
        self.outage_start = (now - timedelta(days=23)).replace(hour=14, minute=10, second=0, microsecond=0)

    def reseed(self, key: str) -> random.Random:
        """Give each ticket its own random stream, so one ticket's draws never shift another's (a ticket's content
        stays the same for a seed even when ``now`` changes what happens to other tickets)."""
        self.rng = random.Random(f"{self.seed}:{key}")
        return self.rng

    # -- when -------------------------------------------------------------------------------------------------
    def _created(self, category: DemoCategory, org: OrgSpec) -> datetime:
        rng = self.rng
        if category.slug == "outage" and rng.random() < 0.45:
            return self.outage_start + timedelta(minutes=rng.uniform(0, 140))
        day = rng.choices(range(DAYS), weights=self.day_weights)[0]
        if category.slug.startswith("billing/") and rng.random() < 0.35:
            # renewals on the 1st bring charge questions in the first days of a month
            month_start = (self.now - timedelta(days=rng.randint(0, 2) * 30)).replace(day=1)
            day = min(max(0, DAYS - (self.now - month_start).days + rng.randint(0, 2)), DAYS - 1)
        local_hour = min(max(rng.gauss(13, 3.2), 6), 23)
        midnight = (self.now - timedelta(days=DAYS - day)).replace(hour=0, minute=0, second=0, microsecond=0)
        created = midnight + timedelta(hours=local_hour - REGION_UTC_OFFSET[org.region])
        if created > self.now - timedelta(hours=8):
            created -= timedelta(days=rng.randint(1, 3))
        return created

    def _delay(self, created: datetime, hours: tuple[float, float], tier: str, email: bool) -> datetime:
        at = created + timedelta(hours=self.rng.uniform(*hours) * TIER_SPEED[tier])
        if email and at.weekday() >= 5 and tier not in ("enterprise",):  # weekend email waits for Monday
            at = (at + timedelta(days=7 - at.weekday())).replace(hour=8) + timedelta(minutes=self.rng.randint(0, 240))
        return at

    # -- what -------------------------------------------------------------------------------------------------
    def context(self, org: OrgSpec, contact: ContactSpec, agent: str, number: int, created: datetime) -> Slots:
        rng = self.rng
        invoices = self.billing_numbers.get(org.key)
        if invoices:
            inv_no, cents, currency, inv_created = rng.choice(invoices)
        else:
            inv_no = f"TF-{org.number:04d}-{rng.randint(1, 30):04d}"
            cents, currency, inv_created = rng.choice((1200, 2400, 4800, 6000, 9600)), org.currency, created
        return Slots(
            {
                "customer_first": contact.first,
                "customer_name": contact.name,
                "first": contact.first,
                "name": contact.name,
                "company": org.name,
                "phone": contact.phone,
                "domain": org.domain,
                "agent": AGENT_FIRST.get(agent, "Tallyflow Support"),
                "plan": org.plan.name,
                "seats": str(org.seats),
                "amount": money(cents, currency, contact.language),
                "invoice_no": inv_no,
                "date": f"{inv_created:%b} {inv_created.day}" if contact.language != "de" else f"{inv_created:%d.%m.}",
                "month": MONTHS[(created.month - 2) % 12],
                "vat_id": org.vat_id or f"DE{rng.randint(10**8, 10**9 - 1)}",
                "po_number": f"PO-{rng.randint(10000, 99999)}",
                "colleague": rng.choice(self.orgs).contacts[0].first,
                "reference": f"ARN {rng.randint(10**10, 10**11 - 1)}",
                "bug_id": f"TF-{rng.randint(4000, 9999)}",
                "since_reply": rng.choice(["this afternoon", "earlier today", "for about an hour"]),
                "feature_title": rng.choice(FEATURE_TITLES),
                "ticket_id": f"#{number}",
                "email_hint": contact.email,
            },
            rng,
        )

    def customer_message(
        self, category: str, slots: Slots, channel: str, language: str
    ) -> tuple[str, str, bool, dict]:
        """(subject, body, urgent, intent) of a customer's first message in ``category``; ``intent`` is the word-bank
        entry it came from ({} for German messages), so the agent's reply can fit the question."""
        rng, bank = self.rng, TEMPLATES[category]
        german = language == "de"
        if language == "es":
            return self._spanish_message(category, slots, channel)
        if german:
            intent: dict = {}
            core = render(rng.choice(bank["body_de"]), slots)
            subject = render(rng.choice(bank["subject_de"]), slots)
        else:
            intent = rng.choice(bank["intents"])
            core = render(rng.choice(intent["body"]), slots)
            subject = render(rng.choice(intent["subject"] if rng.random() < 0.75 else bank["subject"]), slots)
        if not german and rng.random() < 0.1:
            other = rng.choice([c for c in ASIDES if c != category])
            core += " " + render(rng.choice(ASIDES[other]), slots)
        urgent = False
        if not german and rng.random() < 0.08:
            core += rng.choice(URGENCY)
            urgent = True
        if not german and rng.random() < 0.04:
            core += rng.choice(FRUSTRATION)
        if not german and rng.random() < FOLLOWUP_SHARE:
            core = render(rng.choice(FOLLOWUP_PREFIXES), slots) + core[:1].lower() + core[1:]
        core = humanize(core, rng, channel=channel, language=language)
        if channel == "chat":
            greeting = rng.choice(GREETINGS["de"] if german and rng.random() < 0.5 else GREETINGS["chat"])
            signoff = render(rng.choice(SIGNOFFS["chat"]), slots) if not german else ""
            text = " ".join(part for part in (greeting, core, signoff) if part)
            # chats have no subject line: helpdesks show the start of the first message
            subject = core if len(core) <= 80 else core[:77].rsplit(" ", 1)[0] + "…"
        else:
            greeting = rng.choice(GREETINGS["de" if german else "email"])
            signoff = render(rng.choice(SIGNOFFS["de" if german else "email"]), slots)
            text = "\n\n".join(part for part in (greeting, core, signoff) if part)
        return subject, text, urgent, intent

    def _spanish_message(self, category: str, slots: Slots, channel: str) -> tuple[str, str, bool, dict]:
        """(subject, body, urgent, intent) of a Spanish-speaking customer's first message (``wording_es``)."""
        rng, bank = self.rng, TEMPLATES_ES[category]
        core = humanize(render(rng.choice(bank["body"]), slots), rng, channel=channel, language="es")
        subject = render(rng.choice(bank["subject"]), slots)
        if channel == "chat":
            greeting = rng.choice(["hola", "Hola", "", ""])
            text = " ".join(part for part in (greeting, core) if part)
            subject = core if len(core) <= 80 else core[:77].rsplit(" ", 1)[0] + "…"
        else:
            greeting = rng.choice(GREETINGS_ES)
            text = "\n\n".join(part for part in (greeting, core, render(rng.choice(SIGNOFFS_ES), slots)) if part)
        return subject, text, False, {}

    def agent_reply(self, category: DemoCategory, slots: Slots, language: str, intent: dict) -> str:
        """The agent's first answer: German for German speakers, Spanish for Spanish speakers, else a reply fitting
        the intent or the category's reply template (signed by the agent)."""
        rng = self.rng
        if language == "de":
            return render(REPLY_DE[category.slug], slots)
        if language == "es":
            return render(rng.choice(TEMPLATES_ES[category.slug]["reply"]), slots)
        if intent.get("reply") and rng.random() < 0.7:
            return render(rng.choice(intent["reply"]), slots)
        text = category.reply_template.replace("{ticket_id}", slots["ticket_id"])
        text = text.replace("{customer_name}", slots["customer_first"])
        return text.replace("Tallyflow Support (ticket", f"{slots['agent']}, Tallyflow Support (ticket")

    # -- one ticket -------------------------------------------------------------------------------------------
    def ticket(self, number: int, category: DemoCategory) -> TicketSpec:
        rng = self.reseed(f"ticket:{number}")
        if category.slug.startswith("billing"):
            org = rng.choices(self.paying, weights=self.paying_weights)[0]
        else:
            org = rng.choices(self.orgs, weights=self.org_weights)[0]
        contact = rng.choice(org.contacts)
        language = contact.language
        channel = "chat" if rng.random() < CHAT_SHARE.get(category.slug, 0.45) else "email"
        email = channel == "email"
        created = self._created(category, org)
        agent = rng.choice(self.members.get(category.queue) or self.members["support"])
        slots = self.context(org, contact, agent, number, created)
        subject, body, urgent, intent = self.customer_message(category.slug, slots, channel, language)
        external_id = f"demo-{number:05d}"
        # agents filed some tickets under a neighbouring category: history labels are not perfect
        label = rng.choice(CONFUSABLE[category.slug]) if rng.random() < LABEL_NOISE else category.slug
        ticket = TicketSpec(
            external_id=external_id,
            org_key=org.key,
            contact_key=contact.key,
            channel=channel,
            status="closed",
            priority=self._priority(category, org, urgent),
            subject=subject,
            language=language,
            category=label,
            queue=category.queue,
            assignee=agent,
            created_at=created,
            tags=(["vip"] if org.tier == "enterprise" else []) + (["urgent-wording"] if urgent else []),
            metadata={"generator": "seed_demo", "tier": org.tier},
        )
        if channel == "chat":
            path, title = AREA_PAGES[category.area]
            ticket.page_url = APP_URL + path.format(n=rng.randint(100, 9999))
            ticket.page_title = f"{title} · Tallyflow"
            ticket.page_context = {
                "area": category.area,
                "app_version": APP_VERSION,
                "plan": org.plan.name,
                "browser": rng.choice(BROWSERS),
                "workspace": org.domain.split(".")[0],
            }

        messages = [self.message(ticket, "customer", None, body, created, contact, org)]
        first_range = category.first_response_h[1 if email else 0]
        reply_at = self._delay(created, first_range, org.tier, email)
        if rng.random() < 0.1 and category.slug in INTERNAL_NOTES:
            note = render(rng.choice(INTERNAL_NOTES[category.slug]), slots)
            messages.append(MessageSpec("agent", agent, note, reply_at - timedelta(minutes=2), is_internal=True))
        messages.append(
            self.message(
                ticket, "agent", agent, self.agent_reply(category, slots, language, intent), reply_at, contact, org
            )
        )
        helped = True
        last = reply_at
        if rng.random() < (0.45 if not email else 0.3):
            fail_rate = 0.45 if category.slug in ("bug-report", "integrations", "outage") else 0.2
            helped = rng.random() >= fail_rate
            quick = (0.01, 0.2) if not email else (0.2, 8)
            follow_at = last + timedelta(hours=rng.uniform(*quick))
            german = language == "de"
            if german:
                text = rng.choice(FOLLOWUP_OK_DE if helped else FOLLOWUP_NOT_OK_DE)
                closers = AGENT_CLOSE_OK_DE if helped else AGENT_CLOSE_NOT_OK_DE
            elif language == "es":
                text = rng.choice(FOLLOWUP_OK_ES if helped else FOLLOWUP_NOT_OK_ES)
                closers = AGENT_CLOSE_OK_ES if helped else AGENT_CLOSE_NOT_OK_ES
            else:
                text = rng.choice(FOLLOWUP_OK if helped else FOLLOWUP_NOT_OK)
                closers = AGENT_CLOSE_OK if helped else AGENT_CLOSE_NOT_OK
            messages.append(
                self.message(
                    ticket,
                    "customer",
                    None,
                    humanize(text, rng, channel=channel, language=language),
                    follow_at,
                    contact,
                    org,
                )
            )
            close_at = follow_at + timedelta(hours=rng.uniform(*quick))
            close = render(rng.choice(closers), Slots({**slots, "queue": category.queue.replace("-", " ")}, rng))
            messages.append(self.message(ticket, "agent", agent, close, close_at, contact, org))
            last = close_at
        resolve_hours = rng.uniform(*category.resolve_h) * TIER_SPEED[org.tier]
        resolved_at = max(created + timedelta(hours=resolve_hours), last + timedelta(minutes=rng.randint(1, 30)))

        ticket.messages = [m for m in messages if m.created_at <= self.now]
        replies = [m for m in ticket.messages if m.author_kind == "agent" and not m.is_internal]
        ticket.first_response_at = replies[0].created_at if replies else None
        if resolved_at <= self.now:
            ticket.resolved_at = resolved_at
            ticket.status = "closed" if resolved_at < self.now - timedelta(days=3) else "resolved"
            if rng.random() < 0.55:
                score = rng.choice(category.csat) - (0 if helped else 1) - (1 if resolve_hours > 72 else 0)
                ticket.csat = min(max(score, 1), 5)
        elif category.sensitive and replies:
            ticket.status = "escalated"
        else:
            ticket.status = "pending" if replies and ticket.messages[-1].author_kind == "agent" else "open"
        return ticket

    def _priority(self, category: DemoCategory, org: OrgSpec, urgent: bool) -> str:
        rng = self.rng
        if category.slug == "outage":
            return "urgent" if rng.random() < 0.6 else "high"
        if category.slug == "security" or urgent or (org.tier == "enterprise" and rng.random() < 0.7):
            return "high"
        if category.slug in ("how-to", "feature-request") and rng.random() < 0.4:
            return "low"
        return "normal"

    def message(
        self,
        ticket: TicketSpec,
        kind: str,
        agent: str | None,
        body: str,
        at: datetime,
        contact: ContactSpec,
        org: OrgSpec,
    ) -> MessageSpec:
        message = MessageSpec(kind, agent, body, at)
        if ticket.channel == "email":
            host = org.domain if kind == "customer" else "mail.tallyflow.example"
            message.email_message_id = f"<{ticket.external_id}.{at:%Y%m%d%H%M%S%f}@{host}>"
            sender = (
                f"{contact.name} <{contact.email}>" if kind == "customer" else f"Tallyflow Support <{SUPPORT_EMAIL}>"
            )
            message.email_headers = {"From": sender, "Subject": ticket.subject}
        return message


def history_generate(*, generator: HistoryGenerator, count: int) -> list[TicketSpec]:
    """``count`` resolved or in-progress tickets over the last 90 days, spread over categories by their weight
    (every category at least once), oldest first, with email replies threaded by Message-ID."""
    rng = generator.reseed("categories")
    weights = [c.weight for c in CATEGORIES]
    picks = list(CATEGORIES) + rng.choices(CATEGORIES, weights=weights, k=max(count - len(CATEGORIES), 0))
    tickets = [generator.ticket(i, category) for i, category in enumerate(picks[:count], start=1)]
    tickets.sort(key=lambda t: t.created_at)
    for ticket in tickets:
        previous = ""
        for message in ticket.messages:
            if message.email_message_id:
                message.email_in_reply_to = previous
                previous = message.email_message_id
    return tickets
