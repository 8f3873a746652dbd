"""Embeddings from an OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, a local vLLM, llama.cpp, Ollama, TEI).

Chosen with ``SWITCHBOARD_EMBEDDINGS=openai`` (or the dotted path of ``OpenAIEmbeddings``). Configuration
(settings, from the environment): ``EMBEDDINGS_BASE_URL`` (falls back to ``LLM_BASE_URL``), ``EMBEDDINGS_API_KEY``
(falls back to ``LLM_API_KEY``), ``EMBEDDINGS_MODEL`` (default ``text-embedding-3-small``),
``EMBEDDINGS_TIMEOUT_S`` (seconds per attempt), ``EMBEDDINGS_MAX_RETRIES`` (bounded retries of the openai client
on connection errors, 429 and 5xx, with its backoff), ``EMBEDDINGS_SEND_DIMENSIONS`` (default true: ask for 256
dimensions, which the ``text-embedding-3-*`` models support; turn it off for servers that refuse the parameter
and serve a 256-dimension model). ``LLM_REDACT_PII`` (default true) passes every text through
``apps.core.redaction.redact`` before it leaves.

The knowledge index stores 256-dimension vectors: an endpoint that answers with another size raises
``ProviderError`` naming the size, so nothing half-embedded is written. The model name stored on each chunk is
``openai:<model>:256``; ``python manage.py reembed`` moves chunks made by another model to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings

from apps.core.errors import ProviderError

from .base import EmbeddingsProvider

BATCH_SIZE = 256  # texts per request
MAX_TEXT_CHARS = 8_000  # about 2,000 tokens: well under the usual 8,192-token input limit


def _setting(name: str, fallback: str | None, default: Any) -> Any:
    value = getattr(settings, name, None)
    if value in (None, "") and fallback:
        value = getattr(settings, fallback, None)
    return default if value in (None, "") else value


class OpenAIEmbeddings(EmbeddingsProvider):
    """``embed(texts)`` through ``client.embeddings.create`` in batches of ``BATCH_SIZE`` (see the module doc)."""

    dimensions = 256

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        send_dimensions: bool | None = None,
    ):
        from openai import OpenAI

        self.model = model or _setting("EMBEDDINGS_MODEL", None, "text-embedding-3-small")
        self.model_name = f"openai:{self.model}:{self.dimensions}"
        self.send_dimensions = (
            send_dimensions if send_dimensions is not None else _setting("EMBEDDINGS_SEND_DIMENSIONS", None, True)
        )
        timeout = float(timeout if timeout is not None else _setting("EMBEDDINGS_TIMEOUT_S", "LLM_TIMEOUT_S", 20.0))
        retries = max_retries if max_retries is not None else _setting("EMBEDDINGS_MAX_RETRIES", "LLM_MAX_RETRIES", 2)
        self.client = OpenAI(
            api_key=api_key or _setting("EMBEDDINGS_API_KEY", "LLM_API_KEY", "not-needed"),
            base_url=base_url or _setting("EMBEDDINGS_BASE_URL", "LLM_BASE_URL", None),
            timeout=timeout,
            max_retries=max(0, min(int(retries), 5)),
        )
        self._redact = self._redactor()

    @staticmethod
    def _redactor():
        if not getattr(settings, "LLM_REDACT_PII", True):
            return lambda text: text
        from apps.core.redaction import redact

        return redact

    def embed(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), 256)`` float32 unit rows; an empty text gives a zero row without a request.

        Raises ``ProviderError`` when the endpoint fails (after the client's retries), answers with another
        number of vectors or another size than 256.
        """
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        todo = [(i, self._redact(t)[:MAX_TEXT_CHARS]) for i, t in enumerate(texts) if t and t.strip()]
        for start in range(0, len(todo), BATCH_SIZE):
            batch = todo[start : start + BATCH_SIZE]
            vectors = self._request([text for _, text in batch])
            for (row, _), vector in zip(batch, vectors, strict=True):
                out[row] = vector
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

    def _request(self, inputs: list[str]) -> list[np.ndarray]:
        from openai import OpenAIError

        extra = {"dimensions": self.dimensions} if self.send_dimensions else {}
        try:
            response = self.client.embeddings.create(model=self.model, input=inputs, encoding_format="float", **extra)
        except OpenAIError as exc:
            raise ProviderError(
                f"The embeddings endpoint failed for model {self.model}: {exc}", extra={"model": self.model}
            ) from exc
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(inputs):
            raise ProviderError(
                f"The embeddings endpoint returned {len(data)} vectors for {len(inputs)} texts.",
                extra={"model": self.model},
            )
        vectors = [np.asarray(item.embedding, dtype=np.float32) for item in data]
        sizes = {v.shape[0] for v in vectors}
        if sizes != {self.dimensions}:
            raise ProviderError(
                f"Model {self.model} returned {', '.join(map(str, sorted(sizes)))}-dimension vectors; the knowledge "
                f"index stores {self.dimensions}. Use a model that can return {self.dimensions} dimensions (e.g. "
                "text-embedding-3-small with EMBEDDINGS_SEND_DIMENSIONS on) or keep the offline WordLlama default.",
                extra={"model": self.model, "dimensions": sorted(sizes)},
            )
        return vectors
