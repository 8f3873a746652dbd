"""Embeddings providers behind one small interface, chosen by ``settings.EMBEDDINGS_PROVIDER`` (a dotted path).

Use ``get_embeddings()`` everywhere; only the provider modules import their libraries.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import EmbeddingsProvider


@cache
def get_embeddings() -> EmbeddingsProvider:
    """The configured provider (one instance per process)."""
    return import_string(settings.EMBEDDINGS_PROVIDER)()


__all__ = ["EmbeddingsProvider", "get_embeddings"]
