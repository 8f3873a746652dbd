"""The demo product site (``/demo/``): a fictional SaaS with a pricing and a settings page embedding the chat widget.

Each page declares its product area (``<meta name="switchboard:product-area">``), so the same question asked on
the pricing page and on the settings page reaches triage with different page context.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from apps.core.demo.company import COMPANY, PLANS

PAGES = {
    "home": ("demo/home.html", "dashboard", "Overview"),
    "pricing": ("demo/pricing.html", "pricing", "Pricing"),
    "settings": ("demo/settings.html", "settings", "Workspace settings"),
}


def _plans() -> list[dict]:
    """Price plans grouped by tier for the pricing table: monthly and annual price per seat in dollars."""
    tiers: dict[str, dict] = {}
    for plan in PLANS:
        row = tiers.setdefault(
            plan.tier, {"tier": plan.tier, "name": plan.tier.title(), "monthly": None, "annual": None}
        )
        row["annual" if plan.annual else "monthly"] = plan.price / 100
    return list(tiers.values())


@xframe_options_sameorigin
def demo_page(request: HttpRequest, page: str = "home") -> HttpResponse:
    """Render one demo page (``home``, ``pricing`` or ``settings``) with the widget's public key and API base."""
    template, product_area, title = PAGES[page]
    context = {
        "company": COMPANY,
        "page": page,
        "product_area": product_area,
        "title": title,
        "plans": _plans(),
        "widget_key": settings.WIDGET_PUBLIC_KEY,
        "api_base": "/api/v1",
    }
    return render(request, template, context)
