"""Text providers behind one small interface, chosen by ``settings.LLM_PROVIDER`` (a dotted path).

Use ``get_llm()`` everywhere; only the provider modules import their libraries.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import ComposedReply, LLMProvider, Passage, TicketBrief

PROVIDERS = {
    "offline": "apps.integrations.llm.offline.OfflineComposer",
    "openai": "apps.integrations.llm.openai_provider.OpenAIProvider",
}


def get_llm() -> LLMProvider:
    """The configured provider (one instance per process and setting): ``settings.LLM_PROVIDER`` is ``offline``,
    ``openai`` or a dotted path to an ``LLMProvider`` class."""
    name = settings.LLM_PROVIDER
    return _provider(PROVIDERS.get(name, name))


@cache
def _provider(dotted_path: str) -> LLMProvider:
    return import_string(dotted_path)()


__all__ = ["ComposedReply", "LLMProvider", "Passage", "TicketBrief", "get_llm"]
