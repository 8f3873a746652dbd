"""Knowledge with an OpenAI-compatible embeddings endpoint (a local stand-in HTTP server on 127.0.0.1): ingestion
stores the model name on each chunk, search works through it, ``reembed`` migrates WordLlama chunks, and a failing
or wrong-sized endpoint is a clear ``ProviderError`` that writes nothing."""

import hashlib
import re

import numpy as np
import pytest
from django.core.management import call_command

from apps.core.errors import ProviderError
from apps.integrations.embeddings import get_embeddings
from apps.integrations.embeddings.openai_compatible import OpenAIEmbeddings
from apps.knowledge.models import Chunk, Document
from apps.knowledge.selectors import search
from apps.knowledge.services import document_ingest
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.server import Reply

from .conftest import qa

pytestmark = pytest.mark.django_db
EMBEDDINGS = ("POST", r"/v1/embeddings")


def bag_of_words(text: str, size: int = 256) -> list[float]:
    """A deterministic stand-in model: each word hashed into one of ``size`` buckets (texts sharing words are near)."""
    vector = np.zeros(size)
    for word in re.findall(r"[a-z]+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % size] += 1.0
    return vector.tolist()


def answer(size: int = 256):
    def handler(req):
        inputs = req.json["input"]
        return Reply(
            200,
            {
                "object": "list",
                "model": req.json["model"],
                "data": [
                    {"object": "embedding", "index": i, "embedding": bag_of_words(t, size)}
                    for i, t in reversed(list(enumerate(inputs)))  # out of order: the provider sorts by index
                ],
                "usage": {"prompt_tokens": 10, "total_tokens": 10},
            },
        )

    return handler


@pytest.fixture
def endpoint(standin, settings):  # noqa: F811
    server = standin({EMBEDDINGS: answer()})
    settings.EMBEDDINGS_PROVIDER = "openai"
    settings.EMBEDDINGS_BASE_URL = f"{server.url}/v1"
    settings.EMBEDDINGS_API_KEY = "sk-test"
    settings.EMBEDDINGS_MODEL = "text-embedding-3-small"
    settings.EMBEDDINGS_MAX_RETRIES = 0
    get_embeddings.cache_clear()
    yield server
    get_embeddings.cache_clear()


def test_ingest_and_search_through_the_endpoint(endpoint, help_center):
    provider = get_embeddings()
    assert isinstance(provider, OpenAIEmbeddings) and provider.model_name == "openai:text-embedding-3-small:256"
    document_ingest(source=help_center, document=qa("r", "How do refunds work?", "Refunds reach the card in 5 days."))
    document_ingest(source=help_center, document=qa("p", "Change my password", "Use Settings, Security, Password."))

    assert set(Chunk.objects.values_list("embedding_model", flat=True)) == {"openai:text-embedding-3-small:256"}
    sent = endpoint.hits("POST", r"/v1/embeddings")[0]
    assert sent.json["model"] == "text-embedding-3-small" and sent.json["dimensions"] == 256
    assert (
        sent.json["encoding_format"] == "float"
        and sent.headers.get("Authorization", sent.headers.get("authorization")) == "Bearer sk-test"
    )
    hits = search("when do refunds reach my card", k=2, filters={"visibility": "public"})
    assert hits[0].title == "How do refunds work?"


def test_vectors_are_unit_rows_in_input_order_and_empty_text_is_not_sent(endpoint):
    vectors = get_embeddings().embed(["refund card", "", "password reset"])
    assert vectors.shape == (3, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[[0, 2]], axis=1), 1.0) and not vectors[1].any()
    expected = np.asarray(bag_of_words("password reset"), dtype=np.float32)
    assert np.allclose(vectors[2], expected / np.linalg.norm(expected))
    assert endpoint.hits("POST", r"/v1/embeddings")[-1].json["input"] == ["refund card", "password reset"]


def test_pii_is_redacted_before_it_leaves(endpoint):
    get_embeddings().embed(["Refund to ada@example.org please"])
    assert endpoint.hits("POST", r"/v1/embeddings")[-1].json["input"] == ["Refund to [EMAIL] please"]


def test_reembed_moves_wordllama_chunks_to_the_endpoint_model(help_center, ingest, standin, settings):  # noqa: F811
    ingest(help_center, qa("r", "How do refunds work?", "Refunds reach the card in 5 days."))
    assert set(Chunk.objects.values_list("embedding_model", flat=True)) == {"wordllama-l2_supercat-256"}
    server = standin({EMBEDDINGS: answer()})
    settings.EMBEDDINGS_PROVIDER = "openai"
    settings.EMBEDDINGS_BASE_URL = f"{server.url}/v1"
    get_embeddings.cache_clear()
    try:
        call_command("reembed", "--no-progress")
    finally:
        get_embeddings.cache_clear()
    assert set(Chunk.objects.values_list("embedding_model", flat=True)) == {"openai:text-embedding-3-small:256"}
    assert server.hits("POST", r"/v1/embeddings")


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (answer(size=1536), "returned 1536-dimension vectors; the knowledge index stores 256"),
        (Reply(500, {"error": {"message": "overloaded"}}), "The embeddings endpoint failed"),
        (Reply(401, {"error": {"message": "bad key"}}), "The embeddings endpoint failed"),
    ],
)
def test_failing_or_wrong_sized_endpoint_is_a_clear_error_and_writes_nothing(endpoint, help_center, reply, message):
    endpoint.route("POST", r"/v1/embeddings", reply)
    with pytest.raises(ProviderError, match=message):
        get_embeddings().embed(["How do refunds work?"])

    result = document_ingest(source=help_center, document=qa("r", "How do refunds work?", "Refunds reach the card."))
    document = Document.objects.get(external_id="r")
    assert result.failed == 1 and document.status == "failed"
    assert document.error.startswith("Embedding failed: ") and message in document.error
    assert not Chunk.objects.exists()
