"""The fictional company of the demo workspace: Tallyflow, project management and invoicing for agencies.

Everything here is invented for the demo (names, prices, URLs under ``tallyflow.example``). The knowledge base
articles in ``knowledge/`` describe the same product, so replies, help articles and tickets agree.
"""

from dataclasses import dataclass, field

COMPANY = "Tallyflow"
APP_URL = "https://app.tallyflow.example"
HELP_URL = "https://help.tallyflow.example"
STATUS_URL = "https://status.tallyflow.example"
SUPPORT_EMAIL = "support@tallyflow.example"
APP_VERSION = "4.12.3"


@dataclass(frozen=True)
class Plan:
    """A price plan; ``price`` is cents per seat per month, the same number in USD, EUR and GBP (annual plans are
    billed 12× once a year)."""

    tier: str
    name: str
    price: int
    annual: bool


PLANS: list[Plan] = [
    Plan("free", "Free", 0, False),
    Plan("pro", "Pro monthly", 1200, False),
    Plan("pro", "Pro annual", 1000, True),
    Plan("business", "Business monthly", 2400, False),
    Plan("business", "Business annual", 2000, True),
    Plan("enterprise", "Enterprise annual", 1800, True),
]

# Organizations per tier (shares of all accounts) and their seat ranges.
TIER_SHARE = {"free": 0.38, "pro": 0.34, "business": 0.18, "enterprise": 0.10}
TIER_SEATS = {"free": (1, 2), "pro": (2, 15), "business": (8, 60), "enterprise": (50, 400)}
TIER_SEGMENT = {"free": "smb", "pro": "smb", "business": "mid-market", "enterprise": "enterprise"}
# Region -> (Faker locale, billing currency, share)
REGIONS = {
    "north-america": ("en_US", "usd", 0.45),
    "uk-ireland": ("en_GB", "gbp", 0.17),
    "dach": ("de_DE", "eur", 0.20),
    "europe-other": ("es_ES", "eur", 0.10),  # Spain: most contacts write in Spanish
    "apac": ("en_AU", "usd", 0.08),
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    availability: str
    queues: tuple[str, ...] = ()


USERS: list[DemoUser] = [
    DemoUser("admin", "Ada", "Okafor", "admin", "offline", ()),
    DemoUser("lead", "Lena", "Brandt", "lead", "online", ("senior", "support", "billing", "tech-support")),
    DemoUser("agent", "Alex", "Moreno", "agent", "online", ("support", "billing")),
    DemoUser("mara", "Mara", "Lindqvist", "agent", "online", ("tech-support", "senior", "security")),
    DemoUser("jonas", "Jonas", "Weber", "agent", "away", ("support", "account-admin", "legal-compliance")),
    DemoUser("priya", "Priya", "Raman", "agent", "online", ("account-admin", "billing", "senior", "sales")),
    DemoUser("tom", "Tom", "Haddad", "agent", "offline", ("tech-support", "support")),
]
ACCOUNT_MANAGERS = ("priya", "jonas")

QUEUES: list[tuple[str, str, str]] = [
    ("support", "General", "Everyday questions: how-to, login, feedback. First line for anything unrouted."),
    ("senior", "Senior support", "Frustrated or repeat contacts, VIP accounts and anything the first line escalates."),
    ("billing", "Billing", "Charges, refunds, invoices, VAT and payment failures. Only this team can refund."),
    ("tech-support", "Technical", "Bugs, outages, integrations and API questions; files tracker issues."),
    ("account-admin", "Account management", "Plan changes, renewals, cancellations and enterprise accounts."),
    ("legal-compliance", "Legal & compliance", "GDPR and privacy requests, DPAs, legal notices, subpoenas."),
    ("security", "Security", "Suspected account takeover, lost 2FA, phishing and vulnerability reports."),
    ("sales", "Sales", "Quotes, upgrades, custom pricing and anything that would commit the company to an offer."),
]


@dataclass(frozen=True)
class DemoCategory:
    """A category of the demo workspace; ``weight`` is its share of historical tickets."""

    slug: str
    name: str
    description: str
    queue: str
    weight: float
    rollout: str = "off"
    sensitive: bool = False
    auto: float = 0.9
    draft: float = 0.6
    area: str = "projects"  # product area customers write from (page context)
    reply_template: str = ""
    # Hours to first response by channel (chat, email) and to resolution, as (low, high) ranges.
    first_response_h: tuple[tuple[float, float], tuple[float, float]] = ((0.02, 0.3), (0.5, 8))
    resolve_h: tuple[float, float] = (0.2, 24)
    csat: tuple[int, ...] = field(default=(5, 5, 4, 4, 3))


CATEGORIES: list[DemoCategory] = [
    DemoCategory(
        "billing",
        "Billing & invoices",
        "Invoice copies, VAT IDs, payment methods, receipts, billing address and currency questions.",
        "billing",
        0.09,
        rollout="assist",
        auto=0.92,
        draft=0.65,
        area="billing",
        reply_template=(
            "Hi {customer_name},\n\nthanks for getting in touch. You'll find every invoice under "
            'Settings → Billing → Invoices: each one can be downloaded as a PDF, and "Edit billing details" '
            "on the same page lets you add a VAT ID, a PO number or a different billing address. Changes "
            "apply to the next invoice; if you need an already issued invoice re-issued with the new details, "
            "reply to this message with the invoice number and we'll take care of it.\n\n"
            "To change the card we charge, use Settings → Billing → Payment method; the new card is used from "
            "the next renewal.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.05, 0.5), (1, 10)),
        resolve_h=(0.5, 48),
    ),
    DemoCategory(
        "billing/double-charge",
        "Double charge",
        "Customer believes they were charged twice: duplicate captures, authorization holds, retries.",
        "billing",
        0.04,
        rollout="assist",
        auto=0.95,
        draft=0.7,
        area="billing",
        reply_template=(
            "Hi {customer_name},\n\nI understand seeing two payments is worrying. The most common reason is a "
            "temporary authorization hold: when a payment is first attempted, your card issuer may reserve the "
            "amount, and if it isn't captured the hold is released and no money is taken. Banks can keep showing "
            "a released hold as pending for a few business days, depending on the card issuer. Every payment we "
            "actually collected belongs to an invoice under Settings → Billing → Invoices.\n\nIf you see two "
            "completed payments for the same invoice, or the second amount still shows as taken after 10 "
            "business days, reply here with a screenshot of your statement and our billing team will check it "
            "with our payment provider.\n\nBest regards,\nTallyflow Billing (ticket {ticket_id})"
        ),
        first_response_h=((0.05, 0.4), (0.5, 6)),
        resolve_h=(1, 72),
        csat=(5, 4, 4, 3, 2),
    ),
    DemoCategory(
        "billing/refund-status",
        "Refund status",
        "Where is my refund, refund amount differs, refund shown in another currency.",
        "billing",
        0.04,
        auto=0.95,
        draft=0.7,
        area="billing",
        reply_template=(
            "Hi {customer_name},\n\nthanks for your patience. Refunds go back to the card used for the original "
            "payment and usually take 5–10 business days to appear once issued. "
            "If the refund was made shortly after the payment, your bank may show it as a reversal: the "
            "original charge simply disappears and no separate credit line appears. If your card is in a "
            "different currency from your invoice, the refunded amount can differ slightly from the charge "
            "because of the exchange rate your bank applies on each day.\n\nIf nothing has changed after 10 "
            "business days, reply here and we'll send you the refund's reference number for your bank.\n\n"
            "Best regards,\nTallyflow Billing (ticket {ticket_id})"
        ),
        first_response_h=((0.05, 0.4), (1, 10)),
        resolve_h=(2, 96),
        csat=(5, 4, 3, 3, 2),
    ),
    DemoCategory(
        "account/password-reset",
        "Password reset & login",
        "Forgotten password, reset link not arriving or expired, locked out after failed attempts.",
        "support",
        0.12,
        rollout="auto",
        auto=0.85,
        draft=0.55,
        area="login",
        reply_template=(
            "Hi {customer_name},\n\nyou can set a new password at https://app.tallyflow.example/reset: enter the "
            "email address you sign in with and we'll send a reset link. The link works once and expires after "
            "60 minutes, so please use the newest email if you requested several. If nothing arrives within "
            "5 minutes, check your spam folder and make sure mail from no-reply@tallyflow.example isn't blocked.\n\n"
            "If your workspace uses single sign-on (Google, Microsoft or SAML), there is no Tallyflow password: "
            'use "Sign in with SSO" or ask your IT admin to reset it in your identity provider. After 10 failed '
            "attempts an account is locked for 15 minutes.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.01, 0.15), (0.2, 4)),
        resolve_h=(0.05, 6),
        csat=(5, 5, 5, 4, 4, 3),
    ),
    DemoCategory(
        "account/permissions",
        "Users, roles & seats",
        "Inviting users, roles and permissions, seat counts, transferring workspace ownership.",
        "account-admin",
        0.05,
        auto=0.92,
        draft=0.65,
        area="settings",
        reply_template=(
            'Hi {customer_name},\n\nworkspace owners and admins manage people under Settings → Members: "Invite" '
            "adds a user (each active member uses one seat), and the role menu next to a name switches between "
            "Admin, Manager, Member and Client. Managers can see budgets and invoices for their own projects; "
            "Members only see projects they're added to.\n\nTransferring ownership of a workspace can only be "
            "done by the current owner (Settings → Workspace → Transfer ownership). If the owner has left your "
            "company, reply here from an admin account and we'll explain the verification we need.\n\n"
            "Best regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.05, 0.5), (1, 10)),
        resolve_h=(0.5, 48),
    ),
    DemoCategory(
        "plan-upgrade",
        "Plan changes & upgrades",
        "Upgrading or downgrading plans, adding seats, switching to annual billing, trials, pricing questions.",
        "account-admin",
        0.07,
        rollout="shadow",
        auto=0.9,
        draft=0.6,
        area="billing",
        reply_template=(
            "Hi {customer_name},\n\nyou can change plans at any time under Settings → Billing → Change plan. "
            "Upgrades (for example Pro to Business) take effect immediately and you're charged a prorated amount "
            "for the rest of the current period; downgrades take effect at the next renewal. Switching from "
            "monthly to annual billing saves about 17% (Pro is $10 instead of $12 per user per month).\n\n"
            "Seats are added the same way: each invited member uses a seat and is billed prorated. For more "
            "than 50 seats, SAML SSO or a custom contract, our Enterprise plan may fit better: reply here and "
            "we'll connect you with an account manager.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.05, 0.4), (0.5, 8)),
        resolve_h=(0.3, 24),
        csat=(5, 5, 4, 4, 4),
    ),
    DemoCategory(
        "how-to",
        "How-to questions",
        "How to use a feature: projects, time tracking, invoices, reports, client portal, mobile app.",
        "support",
        0.18,
        rollout="assist",
        auto=0.88,
        draft=0.55,
        area="projects",
        reply_template=(
            "Hi {customer_name},\n\ngood question! Our help center has a step-by-step guide for this at "
            "https://help.tallyflow.example. In short: open the project, choose the section you want to change "
            'from the left-hand menu, and use the "⋯" menu at the top right for settings such as billable rates, '
            "budgets and templates. Changes are saved automatically and apply to your whole team.\n\nIf the "
            "steps don't match what you see, reply with a screenshot and the page you're on, and we'll walk you "
            "through it.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.02, 0.3), (0.5, 8)),
        resolve_h=(0.1, 24),
        csat=(5, 5, 5, 4, 4, 3),
    ),
    DemoCategory(
        "bug-report",
        "Bug report",
        "Something in the product is broken for one customer or a few: errors, wrong numbers, crashes.",
        "tech-support",
        0.12,
        auto=0.95,
        draft=0.7,
        area="projects",
        reply_template=(
            "Hi {customer_name},\n\nthank you for reporting this, and sorry for the trouble. To reproduce it "
            "quickly, could you send us: the steps you took, what you expected and what happened instead, the "
            "browser or app version you use (Help → About shows it), and a screenshot of any error message with "
            "the time it happened.\n\nIn the meantime, a hard refresh (Ctrl+Shift+R / Cmd+Shift+R) or trying a "
            "private window often helps with display problems. We'll keep this ticket updated as our engineers "
            "investigate.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.05, 0.5), (1, 12)),
        resolve_h=(4, 240),
        csat=(5, 4, 4, 3, 3, 2),
    ),
    DemoCategory(
        "outage",
        "Outage & performance",
        "The app is down, very slow or failing for many users at once.",
        "tech-support",
        0.025,
        auto=0.97,
        draft=0.75,
        area="dashboard",
        reply_template=(
            "Hi {customer_name},\n\nthanks for letting us know, and sorry for the disruption. Please check "
            "https://status.tallyflow.example: during an incident we post updates there at least every 30 "
            "minutes until it's resolved, and you can subscribe to them. Your data is safe: timers that were "
            "running keep their start time, and nothing you saved is lost.\n\nIf the status page shows no "
            "incident, a hard refresh (Ctrl+Shift+R / Cmd+Shift+R) or a private window often helps; if it "
            "doesn't, reply with the pages that fail, your browser and the time, and our technical team will "
            "look into it.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.01, 0.2), (0.2, 3)),
        resolve_h=(0.5, 8),
        csat=(4, 3, 3, 2, 2, 1),
    ),
    DemoCategory(
        "cancellation",
        "Cancellation",
        "Customer wants to cancel, close the workspace or threatens to leave.",
        "account-admin",
        0.04,
        sensitive=True,
        area="billing",
        reply_template=(
            "Hi {customer_name},\n\nwe're sorry to see you go. The workspace owner can cancel under Settings → "
            "Billing → Cancel plan; the plan stays active until the end of the period you've paid for and the "
            "workspace then moves to the Free plan. Before you cancel, you can export all projects, time entries "
            "and invoices under Settings → Workspace → Export.\n\nAn account manager will follow up on this "
            "ticket about anything related to your contract or a refund. If there's something we could have done "
            "better, we'd really like to hear it.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.05, 0.5), (1, 10)),
        resolve_h=(2, 96),
        csat=(4, 3, 3, 2),
    ),
    DemoCategory(
        "legal-privacy",
        "Legal & privacy",
        "GDPR access or deletion requests, DPA, sub-processors, data residency, legal notices.",
        "legal-compliance",
        0.03,
        sensitive=True,
        area="settings",
        reply_template=(
            "Hi {customer_name},\n\nthank you for your request. Our privacy team handles it personally and "
            "will reply within 30 days as required by the GDPR (usually much sooner). Our Data Processing "
            "Agreement and the current list of sub-processors are available at "
            "https://tallyflow.example/legal; admins can sign the DPA electronically under Settings → Workspace "
            "→ Legal.\n\nFor access or deletion requests we may need to verify that the request comes from the "
            "account holder.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.1, 1), (2, 20)),
        resolve_h=(24, 400),
        csat=(5, 4, 4, 3),
    ),
    DemoCategory(
        "integrations",
        "Integrations",
        "QuickBooks, Xero, Slack, Google Calendar, Jira, Zapier, HubSpot and API connections.",
        "tech-support",
        0.08,
        rollout="shadow",
        auto=0.92,
        draft=0.65,
        area="integrations",
        reply_template=(
            "Hi {customer_name},\n\nmost sync problems are fixed by reconnecting: go to Settings → Integrations, "
            'open the integration, choose "Disconnect", then "Connect" again and sign in with an account that '
            'has admin rights in the other tool. Tallyflow syncs every 15 minutes; "Sync now" on the same page '
            "starts it immediately, and the sync log there lists any records that were skipped with the reason.\n\n"
            "If the log shows an error you don't recognise, reply with a screenshot of it and we'll have a look.\n\n"
            "Best regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.05, 0.5), (1, 12)),
        resolve_h=(1, 120),
        csat=(5, 4, 4, 3, 3),
    ),
    DemoCategory(
        "feature-request",
        "Feature request",
        "Ideas and requests for new features or changes.",
        "support",
        0.07,
        rollout="assist",
        auto=0.9,
        draft=0.6,
        area="projects",
        reply_template=(
            "Hi {customer_name},\n\nthank you for the suggestion, this is really helpful. Our product team "
            "reads every request when they plan the roadmap. We can't promise if or when a feature will be "
            "built, but you can vote for ideas, add your use case and follow their status at "
            "https://tallyflow.example/roadmap.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
        ),
        first_response_h=((0.05, 0.5), (1, 24)),
        resolve_h=(0.5, 48),
        csat=(5, 4, 4, 4, 3),
    ),
    DemoCategory(
        "security",
        "Account security",
        "Suspicious logins, lost two-factor device, phishing emails, vulnerability reports.",
        "security",
        0.025,
        sensitive=True,
        area="settings",
        reply_template=(
            "Hi {customer_name},\n\nthank you for reporting this straight away. Our security team is looking "
            "into it now. As a precaution, please change your password and sign out all other sessions under "
            "Profile → Security, and check that two-factor authentication is on. We will never ask you for your "
            "password or a 2FA code by email or chat.\n\nIf you've lost your two-factor device, we need to "
            "verify your identity before we can reset it; we'll contact you from this ticket with the next "
            "steps.\n\nBest regards,\nTallyflow Security (ticket {ticket_id})"
        ),
        first_response_h=((0.02, 0.3), (0.3, 4)),
        resolve_h=(1, 72),
        csat=(5, 4, 4, 3),
    ),
]
