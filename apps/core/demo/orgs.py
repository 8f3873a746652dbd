"""Customer accounts (organizations) and their contacts for the demo workspace, from Faker and word lists."""

import random
from datetime import datetime, timedelta

from django.utils.text import slugify
from faker import Faker

from .company import ACCOUNT_MANAGERS, PLANS, REGIONS, TIER_SEATS, TIER_SEGMENT, TIER_SHARE
from .specs import ContactSpec, OrgSpec

_NAME_SUFFIX = {
    "en": [
        "Studio",
        "Creative",
        "Digital",
        "Partners",
        "Consulting",
        "& Co",
        "Agency",
        "Design",
        "Media",
        "Labs",
        "Collective",
        "Works",
        "Interactive",
        "Advisory",
    ],
    "de": ["GmbH", "Digital GmbH", "Beratung", "Design", "Agentur", "& Partner", "Kommunikation", "Media GmbH"],
}
_NAME_WORDS = [
    "Northwind",
    "Bluebird",
    "Brightside",
    "Copperleaf",
    "Fieldnote",
    "Harbor",
    "Juniper",
    "Kite",
    "Lumen",
    "Maple",
    "Nimbus",
    "Oakridge",
    "Pinecone",
    "Quarry",
    "Redwood",
    "Saltwater",
    "Tidewater",
    "Upland",
    "Vantage",
    "Willow",
    "Zephyr",
    "Atlas",
    "Beacon",
    "Cinder",
    "Driftwood",
    "Ember",
    "Fable",
    "Granite",
    "Hollow",
    "Ironbark",
    "Larkspur",
]


def _org_name(fake: Faker, rng: random.Random, locale: str) -> str:
    lang = "de" if locale == "de_DE" else "en"
    if rng.random() < 0.3:
        return fake[locale].company()
    base = fake[locale].last_name() if rng.random() < 0.6 else rng.choice(_NAME_WORDS)
    return f"{base} {rng.choice(_NAME_SUFFIX[lang])}"


def _vat_id(rng: random.Random, region: str) -> str:
    digits = "".join(rng.choices("0123456789", k=9))
    return {"dach": f"DE{digits}", "uk-ireland": f"GB{digits}", "europe-other": f"ES{digits[:8]}A"}.get(region, "")


def organizations_generate(*, fake: Faker, rng: random.Random, count: int, now: datetime) -> list[OrgSpec]:
    """``count`` organizations across all tiers and regions, each with 1–6 contacts (at least one per tier).

    Enterprise accounts get an account manager (a username from ``ACCOUNT_MANAGERS``).
    """
    tiers = list(TIER_SHARE)
    picked = tiers + rng.choices(tiers, weights=[TIER_SHARE[t] for t in tiers], k=max(count - len(tiers), 0))
    regions = list(REGIONS)
    seen_names: set[str] = set()
    orgs: list[OrgSpec] = []
    for number, tier in enumerate(picked[:count], start=1):
        region = rng.choices(regions, weights=[REGIONS[r][2] for r in regions])[0]
        locale, currency, _ = REGIONS[region]
        name = _org_name(fake, rng, locale)
        while name in seen_names:
            name = f"{name} {rng.choice(['Group', 'International', 'North', 'Studio'])}"
        seen_names.add(name)
        domain = f"{slugify(name)[:40].strip('-')}.example"
        plans = [p for p in PLANS if p.tier == tier]
        plan = rng.choice(plans)
        low, high = TIER_SEATS[tier]
        seats = rng.randint(low, high)
        created = now - timedelta(days=rng.randint(100, 1400), hours=rng.randint(0, 23))
        org = OrgSpec(
            key=f"org-{number:04d}",
            number=number,
            name=name,
            domain=domain,
            tier=tier,
            plan=plan,
            seats=seats,
            segment=TIER_SEGMENT[tier],
            region=region,
            locale=locale,
            currency=currency,
            account_manager=rng.choice(ACCOUNT_MANAGERS) if tier == "enterprise" else None,
            created=created,
            vat_id=_vat_id(rng, region),
        )
        n_contacts = {"free": (1, 2), "pro": (1, 3), "business": (2, 4), "enterprise": (3, 6)}[tier]
        for c in range(rng.randint(*n_contacts)):
            first, last = fake[locale].first_name(), fake[locale].last_name()
            language = "de" if region == "dach" and rng.random() < 0.7 else "en"
            # Spanish speakers: accounts in Spain and some US contacts; no draw, so other accounts stay the same
            if region == "europe-other" or (region == "north-america" and c == 2):
                language = "es"
            local = f"{slugify(first)}.{slugify(last)}".replace("-", "")
            email = f"{local}@{domain}"
            org.contacts.append(
                ContactSpec(
                    key=f"{org.key}-c{c + 1}",
                    org_key=org.key,
                    name=f"{first} {last}",
                    first=first,
                    email=email,
                    language=language,
                    phone=fake[locale].phone_number(),
                )
            )
        orgs.append(org)
    return orgs
