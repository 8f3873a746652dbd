"""Generate the whole demo workspace as plain data (no database): same seed and ``now``, same workspace."""

import random
from datetime import datetime

from faker import Faker

from .billing import billing_generate
from .company import REGIONS
from .history import HistoryGenerator, history_generate
from .open_tickets import open_tickets_generate
from .orgs import organizations_generate
from .specs import WorkspaceSpec


def organization_count(tickets: int) -> int:
    """How many customer accounts a workspace with ``tickets`` historical tickets gets (24–400)."""
    return max(24, min(400, tickets // 18))


def workspace_generate(*, seed: int, tickets: int, now: datetime) -> WorkspaceSpec:
    """Organizations with contacts, their billing history, ``tickets`` historical tickets over the 90 days before
    ``now`` and the open tickets of the last hours. Deterministic for a given ``seed`` and ``now``."""
    rng = random.Random(seed)
    fake = Faker(sorted({locale for locale, _, _ in REGIONS.values()}))
    fake.seed_instance(seed)
    orgs = organizations_generate(fake=fake, rng=rng, count=organization_count(tickets), now=now)
    billing = billing_generate(orgs=orgs, rng=rng, now=now)
    org_of_customer = {c["id"]: c["org_key"] for c in billing.customers}
    numbers: dict[str, list] = {}
    for invoice in billing.invoices:
        numbers.setdefault(org_of_customer[invoice["customer_id"]], []).append(
            (invoice["number"], invoice["amount_due"], invoice["currency"], invoice["created"])
        )
    generator = HistoryGenerator(seed=seed, orgs=orgs, now=now, billing_numbers=numbers)
    history = history_generate(generator=generator, count=tickets)
    open_tickets = open_tickets_generate(orgs=orgs, now=now, billing=billing, history=generator)
    return WorkspaceSpec(orgs=orgs, tickets=history, open_tickets=open_tickets, billing=billing)
