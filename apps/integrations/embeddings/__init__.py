"""Embeddings providers behind one small interface, chosen by ``settings.EMBEDDINGS_PROVIDER`` (an alias or a
dotted path).

Use ``get_embeddings()`` everywhere; only the provider modules import their libraries.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import EmbeddingsProvider

ALIASES = {
    "wordllama": "apps.integrations.embeddings.wordllama.WordLlamaEmbeddings",
    "openai": "apps.integrations.embeddings.openai_compatible.OpenAIEmbeddings",
}


@cache
def get_embeddings() -> EmbeddingsProvider:
    """The configured provider (one instance per process): ``settings.EMBEDDINGS_PROVIDER`` is ``wordllama``
    (the offline default), ``openai`` (an OpenAI-compatible endpoint, see ``openai_compatible``) or a dotted path."""
    path = settings.EMBEDDINGS_PROVIDER
    return import_string(ALIASES.get(path, path))()


__all__ = ["EmbeddingsProvider", "get_embeddings"]
